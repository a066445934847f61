# tlscard top-level Makefile.  See README.md; `make help` lists the targets.
#
# Everything builds into $(BUILD) (default build/): libraries in lib/,
# programs in bin/, unit tests in tests/.  Sanitizer builds reuse this file
# with BUILD=build/asan or build/tsan (see test-asan / test-tsan).

BUILD   ?= build
CC      ?= gcc
PYTHON  ?= /usr/bin/python3
OPT     ?= -O2
WARN    := -Wall -Wextra -Wshadow -Wmissing-declarations -Wwrite-strings \
	   -Wformat-security -Werror
CPPFLAGS := -D_GNU_SOURCE -Ifirmware-iface -Ihwmodel -Idriver -Idaemon -Idaemon/tls
CFLAGS  ?= $(OPT) -g -std=gnu11 -pthread -fno-strict-aliasing
CFLAGS  += $(WARN) $(EXTRA_CFLAGS)
LDFLAGS += -pthread $(EXTRA_LDFLAGS)
LDLIBS  := -lcrypto -lpci -ljansson -linih -lm
TEST_LDLIBS := -lcmocka

MODEL_SRC  := $(sort $(wildcard hwmodel/*.c))
DRIVER_SRC := $(sort $(wildcard driver/*.c))
TLS_SRC    := $(sort $(wildcard daemon/tls/*.c))
DAEMON_SRC := $(sort $(wildcard daemon/*.c))
CTL_SRC    := $(sort $(wildcard daemon/ctl/*.c))
CLIENT_SRC := $(sort $(wildcard daemon/client/*.c))
UNIT_SRC   := $(sort $(wildcard tests/unit/*_test.c))
UNIT_HELPER_SRC := $(sort $(filter-out %_test.c,$(wildcard tests/unit/*.c)))

obj = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))

LIB_MODEL  := $(BUILD)/lib/libtcmodel.a
LIB_DRIVER := $(BUILD)/lib/libtlscard.a
LIB_TLS    := $(BUILD)/lib/libtctls.a
LIBS_ALL   := $(if $(TLS_SRC),$(LIB_TLS)) $(LIB_DRIVER) $(LIB_MODEL)

CTL_BIN    := $(BUILD)/bin/tlscardctl
DAEMON_BIN := $(if $(DAEMON_SRC),$(BUILD)/bin/tlscardd)
CLIENT_BIN := $(if $(CLIENT_SRC),$(BUILD)/bin/tlscard-client)
UNIT_BINS  := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))
UNIT_HELPER_OBJ := $(call obj,$(UNIT_HELPER_SRC))

.PHONY: all help deps test test-unit test-asan test-tsan test-system \
	test-qemu test-fuzz fuzz lint format bench bench-driver bench-tls \
	bench-offload bench-proxy run \
	clean qemu guest \
	qemu-shell qemu-run

all: $(LIBS_ALL) $(CTL_BIN) $(DAEMON_BIN) $(CLIENT_BIN) $(UNIT_BINS)

help:
	@echo "make            build everything into $(BUILD)/"
	@echo "make run        start the main job (see README.md)"
	@echo "make test       install missing packages, then run every test tier"
	@echo "make test-unit  cmocka unit tests"
	@echo "make test-asan  unit tests under ASan+UBSan"
	@echo "make test-tsan  threaded model/driver tests under TSan"
	@echo "make test-system pytest system tests (sim cards)"
	@echo "make test-qemu  guest end-to-end tests (QEMU, vIOMMU, 3 cards)"
	@echo "make guest      build the QEMU guest image (build/guest/)"
	@echo "make qemu-shell interactive guest with QEMU_CARDS (3) cards"
	@echo "make qemu-run   tlscardd in the guest on its cards, at https://127.0.0.1:8444"
	@echo "make test-fuzz  run every fuzz target over its corpus (+ a short fuzz)"
	@echo "make lint       clang-format check"
	@echo "make bench      every benchmark; writes docs/bench/"
	@echo "make bench-driver  driver benchmark only (docs/bench/driver.md)"
	@echo "make bench-tls  TLS handshake CPU vs nginx/haproxy (docs/bench/tls.md)"
	@echo "make bench-offload  tlscardd on sim cards: host CPU, doorbells, capacity (docs/bench/offload.md)"
	@echo "make bench-proxy  M4 coalescing and bulk MB/s vs nginx (docs/bench/proxy.md)"

deps:
	@scripts/deps.sh base

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c $< -o $@

$(LIB_MODEL): $(call obj,$(MODEL_SRC))
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(LIB_DRIVER): $(call obj,$(DRIVER_SRC))
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(LIB_TLS): $(call obj,$(TLS_SRC))
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(CTL_BIN): $(call obj,$(CTL_SRC)) $(LIBS_ALL)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $(call obj,$(CTL_SRC)) $(LIBS_ALL) $(LDLIBS)

ifneq ($(DAEMON_SRC),)
$(DAEMON_BIN): $(call obj,$(DAEMON_SRC)) $(LIBS_ALL)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $(call obj,$(DAEMON_SRC)) $(LIBS_ALL) $(LDLIBS)
endif

ifneq ($(CLIENT_SRC),)
$(CLIENT_BIN): $(call obj,$(CLIENT_SRC)) $(LIBS_ALL)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $(call obj,$(CLIENT_SRC)) $(LIBS_ALL) $(LDLIBS)
endif

$(BUILD)/tests/%_test: $(BUILD)/obj/tests/unit/%_test.o $(UNIT_HELPER_OBJ) $(LIBS_ALL)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $< $(UNIT_HELPER_OBJ) $(LIBS_ALL) $(LDLIBS) $(TEST_LDLIBS)

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)

# ---- tests -----------------------------------------------------------------

# Every tier; stops at the first failing tier.  The summary sums every
# file in build/results, so results of earlier single-tier runs go first.
test: deps
	rm -rf $(BUILD)/results
	$(MAKE) all
	$(MAKE) test-unit
	$(MAKE) test-asan
	$(MAKE) test-tsan
	$(MAKE) test-system
	$(MAKE) test-qemu
	$(MAKE) test-fuzz
	$(MAKE) lint
	@scripts/test-summary.sh

test-unit: all
	@scripts/run-unit.sh $(BUILD)/tests unit

test-asan:
	$(MAKE) BUILD=build/asan OPT=-O1 \
	  EXTRA_CFLAGS="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
	  EXTRA_LDFLAGS="-fsanitize=address,undefined" all
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  scripts/run-unit.sh build/asan/tests asan

# TSan covers the threaded parts: the model's engines and the sim driver.
TSAN_TESTS ?= model iova queue irq engine timing fault reset driver_sim pool qp op_aead keystore tlsd_task pool_sched
test-tsan:
	$(MAKE) BUILD=build/tsan OPT=-O1 \
	  EXTRA_CFLAGS="-fsanitize=thread -fno-omit-frame-pointer" \
	  EXTRA_LDFLAGS="-fsanitize=thread" all
	@TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" \
	  scripts/run-unit.sh build/tsan/tests tsan $(TSAN_TESTS)

test-system: all
	@scripts/run-pytest.sh tests/system

test-qemu: all qemu guest
	@scripts/run-pytest.sh tests/qemu

# ---- QEMU with the tlscard device (docs/qemu.md) -----------------------------

# Debian's QEMU 10.0 source + hwmodel/qemu/ -> build/qemu/qemu-system-x86_64.
# The script's stamp skips the build when nothing changed.
qemu:
	@scripts/build-qemu.sh

# ---- the QEMU guest (docs/guest.md) ------------------------------------------

# Debian's kernel + busybox + our programs: build/guest/{vmlinuz,initramfs.cpio.gz}.
guest: $(CTL_BIN) $(DAEMON_BIN)
	@scripts/deps.sh qemu
	@scripts/build-guest.sh

# An interactive guest with QEMU_CARDS cards; Ctrl-A X quits.
QEMU_CARDS ?= 3
qemu-shell: qemu guest
	@scripts/qemu-run-guest.sh -i -n $(QEMU_CARDS)

# tlscardd --cards vfio:all in the guest, its listener forwarded to
# 127.0.0.1:8444 (PORT=N to change); Ctrl-C stops it and the guest
# (docs/qemu.md).
qemu-run: all qemu guest
	@QEMU_CARDS=$(QEMU_CARDS) scripts/qemu-run.sh

test-fuzz:
	@scripts/run-fuzz.sh

fuzz: test-fuzz

lint:
	@scripts/lint.sh

format:
	@clang-format -i $$(git ls-files '*.c' '*.h' | grep -v '^tests/fuzz/corpus')

# ---- benchmarks -------------------------------------------------------------

bench: bench-driver bench-tls bench-offload bench-proxy

bench-driver: all
	@$(PYTHON) tools/bench_driver.py --out docs/bench

bench-tls: all
	@scripts/deps.sh peers
	@$(PYTHON) tools/bench_tls.py --out docs/bench

bench-offload: all
	@scripts/deps.sh peers
	@$(PYTHON) tools/bench_offload.py --out docs/bench

bench-proxy: all
	@scripts/deps.sh peers
	@$(PYTHON) tools/bench_proxy.py --out docs/bench

# ---- run ---------------------------------------------------------------------

run: deps all
	@scripts/run.sh

clean:
	rm -rf $(BUILD)/obj $(BUILD)/lib $(BUILD)/bin $(BUILD)/tests build/asan build/tsan build/fuzz
