#!/usr/bin/env bash
# Build a minimal QEMU 10.0 (x86_64-softmmu, q35 + VT-d + virtio-net + the
# tlscard device) from Debian's source package.  docs/qemu.md explains the
# choices; `make qemu` calls this.
#
#   scripts/build-qemu.sh [--no-device] [--force]
#
# --no-device  build plain QEMU without the tlscard device (bootstrapping or
#              bisecting a QEMU problem); the result is marked as such
# --force      re-run the build even if the stamp says it is up to date
#
# Layout (all under build/):
#   qemu-src/          verified source tarball + the unpacked, fixed-up tree
#   qemu-build/        QEMU's meson/ninja build directory (incremental)
#   qemu/              the result: qemu-system-x86_64, README, .stamp
#
# The result is rebuilt only when an input changed: the stamp holds a hash of
# this script, hwmodel/qemu/*, hwmodel/*.[ch] and firmware-iface/*.h.  A
# change there re-runs ninja, which recompiles only what changed.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

# Pinned: the stamp and docs/qemu.md refer to this exact source.
QEMU_DEB_VERSION='1:10.0.2+ds-2+deb13u1~bpo12+1'
QEMU_UPSTREAM=10.0.2
JOBS=${JOBS:-2}

SRC_DIR=$ROOT/build/qemu-src
TREE=$SRC_DIR/qemu-$QEMU_UPSTREAM
BLD=$ROOT/build/qemu-build
OUT=$ROOT/build/qemu
DEV_DIR=$ROOT/hwmodel/qemu

# Debian's firmware packages (seabios, ipxe-qemu, qemu-system-data) are
# compiled into the binary's search path, so no -L is needed.
FIRMWARE_PATH=/usr/share/seabios:/usr/lib/ipxe/qemu:/usr/share/qemu

with_device=1
force=0
for arg in "$@"; do
	case "$arg" in
	--no-device) with_device=0 ;;
	--force) force=1 ;;
	*) echo "usage: $0 [--no-device] [--force]" >&2; exit 2 ;;
	esac
done

log() { echo "build-qemu: $*"; }
die() { echo "build-qemu: error: $*" >&2; exit 1; }

# Everything that decides the binary's content, in a stable order.
input_files() {
	echo "$ROOT/scripts/build-qemu.sh"
	echo "$DEV_DIR/tlscard.mak"
	if [ "$with_device" = 1 ]; then
		find "$DEV_DIR" "$ROOT/firmware-iface" -maxdepth 1 -type f \
			! -name tlscard.mak | sort
		find "$ROOT/hwmodel" -maxdepth 1 -type f -name '*.[ch]' | sort
	fi
}

inputs_hash() {
	{
		echo "$QEMU_DEB_VERSION device=$with_device"
		input_files | while read -r f; do
			echo "${f#"$ROOT"/}"
			sha256sum <"$f"
		done
	} | sha256sum | cut -d' ' -f1
}

# Copy src to dst only when the content differs, so ninja sees no change
# (and recompiles nothing) for files that did not change.
sync_file() {
	mkdir -p "$(dirname "$2")"
	cmp -s "$1" "$2" || cp "$1" "$2"
}

write_if_changed() {
	local dst=$1 tmp
	tmp=$(mktemp)
	cat >"$tmp"
	if cmp -s "$tmp" "$dst"; then rm -f "$tmp"; else mv "$tmp" "$dst"; fi
}

# ---- source ---------------------------------------------------------------

# Debian's +ds tarball drops prebuilt blobs and the python/wheels directory.
# Two spots of the build still expect them; fix both, idempotently.
fix_ds_tree() {
	local t=$1
	# pycotap is only used by `make check` (TAP output) and is not packaged
	# in Debian; configure would try to pip-install it offline and fail.
	sed -i '/^pycotap = /d' "$t/pythondeps.toml"
	# The edk2 *.fd.bz2 images are stripped; unpacking them would fail
	# whenever bzip2 is installed.  SeaBIOS is what this build boots.
	if [ ! -e "$t/pc-bios/edk2-x86_64-code.fd.bz2" ]; then
		sed -i "s|^\(    unpack_edk2_blobs = bzip2.found()\)\$|\1 and fs.exists('pc-bios/edk2-x86_64-code.fd.bz2')|" \
			"$t/meson.build"
	fi
	grep -q "^pycotap = " "$t/pythondeps.toml" && die "pythondeps.toml fix failed"
	return 0
}

# The orig tarball is fetched by apt's own downloader and checked against the
# SHA256 in the signed Sources index (apt-get source --print-uris).  The
# Debian packaging tarball is not needed: the two fixes above are all a
# minimal build requires (docs/qemu.md, "How make qemu builds it").
fetch_source() {
	[ -f "$TREE/.tlscard-prepared" ] && return 0
	mkdir -p "$SRC_DIR"
	local uris line uri file sum
	# An index older than the pinned version needs one apt-get update.
	uris=$(cd "$SRC_DIR" && apt-get source -qq --print-uris "qemu=$QEMU_DEB_VERSION" 2>/dev/null) ||
		{ apt-get update -qq && uris=$(cd "$SRC_DIR" &&
			apt-get source -qq --print-uris "qemu=$QEMU_DEB_VERSION"); } ||
		die "apt-get source qemu=$QEMU_DEB_VERSION failed (run scripts/deps.sh qemu)"
	line=$(printf '%s\n' "$uris" | grep "\.orig\.tar\.xz' ") ||
		die "no orig tarball for qemu=$QEMU_DEB_VERSION in the Sources index"
	uri=$(echo "$line" | cut -d"'" -f2)
	file=$(echo "$line" | awk '{print $2}')
	sum=$(echo "$line" | awk '{print $4}')
	case "$sum" in SHA256:*) ;; *) die "unexpected checksum field: $sum" ;; esac
	if ! echo "${sum#SHA256:}  $SRC_DIR/$file" | sha256sum -c --quiet >/dev/null 2>&1; then
		log "downloading $file"
		rm -f "$SRC_DIR/$file"
		/usr/lib/apt/apt-helper download-file "$uri" "$SRC_DIR/$file" "$sum" ||
			die "download of $uri failed"
	fi
	log "unpacking $file"
	rm -rf "$TREE" "$SRC_DIR/unpack"
	mkdir -p "$SRC_DIR/unpack"
	tar -xf "$SRC_DIR/$file" -C "$SRC_DIR/unpack"
	[ -d "$SRC_DIR/unpack/qemu-$QEMU_UPSTREAM" ] || die "unexpected tarball layout"
	fix_ds_tree "$SRC_DIR/unpack/qemu-$QEMU_UPSTREAM"
	mv "$SRC_DIR/unpack/qemu-$QEMU_UPSTREAM" "$TREE"
	rmdir "$SRC_DIR/unpack"
	touch "$TREE/.tlscard-prepared"
}

# ---- device glue ------------------------------------------------------------

# hwmodel/qemu/{tlscard.c,meson.build,Kconfig} go to hw/misc/tlscard/, and
# the model core (hwmodel/*.[ch]) with the ABI headers to its model/ folder,
# compiled by QEMU's meson with QEMU's flags (PIE etc.).
install_device() {
	local dst=$TREE/hw/misc/tlscard f keep
	for f in tlscard.c meson.build Kconfig; do
		[ -f "$DEV_DIR/$f" ] || die "missing $DEV_DIR/$f"
		sync_file "$DEV_DIR/$f" "$dst/$f"
	done
	mkdir -p "$dst/model"
	keep=" sources.txt "
	for f in "$ROOT"/hwmodel/*.[ch] "$ROOT"/firmware-iface/*.h; do
		sync_file "$f" "$dst/model/${f##*/}"
		keep+="${f##*/} "
	done
	# Drop files the model no longer has.
	for f in "$dst"/model/*; do
		case "$keep" in *" ${f##*/} "*) ;; *) rm -f "$f" ;; esac
	done
	(cd "$ROOT/hwmodel" && ls -1 -- *.c) | write_if_changed "$dst/model/sources.txt"

	grep -qx "source tlscard/Kconfig" "$TREE/hw/misc/Kconfig" ||
		printf '\nsource tlscard/Kconfig\n' >>"$TREE/hw/misc/Kconfig"
	grep -qx "subdir('tlscard')" "$TREE/hw/misc/meson.build" ||
		printf "\nsubdir('tlscard')\n" >>"$TREE/hw/misc/meson.build"
}

uninstall_device() {
	sed -i '/^source tlscard\/Kconfig$/d' "$TREE/hw/misc/Kconfig"
	sed -i "/^subdir('tlscard')\$/d" "$TREE/hw/misc/meson.build"
	rm -rf "$TREE/hw/misc/tlscard"
}

# The devices file names every device the build contains; with
# --without-default-devices nothing else is built.
install_devices_file() {
	local dst=$TREE/configs/devices/x86_64-softmmu/tlscard.mak
	if [ "$with_device" = 1 ]; then
		sync_file "$DEV_DIR/tlscard.mak" "$dst"
	else
		grep -v '^CONFIG_TLSCARD=' "$DEV_DIR/tlscard.mak" | write_if_changed "$dst"
	fi
}

# ---- build ------------------------------------------------------------------

configure_args() {
	printf '%s\n' \
		--python=/usr/bin/python3 \
		--target-list=x86_64-softmmu \
		--without-default-features \
		--without-default-devices \
		--with-devices-x86_64=tlscard \
		--enable-slirp \
		--enable-tcg \
		--disable-docs \
		--disable-download \
		--disable-install-blobs \
		"--firmwarepath=$FIRMWARE_PATH"
}

configure_qemu() {
	local want have=""
	want=$(configure_args; sha256sum <"$TREE/configs/devices/x86_64-softmmu/tlscard.mak")
	[ -f "$BLD/.tlscard-configure" ] && have=$(cat "$BLD/.tlscard-configure")
	if [ -f "$BLD/build.ninja" ] && [ "$want" = "$have" ]; then
		return 0
	fi
	# Re-running configure in place keeps the objects: ninja then rebuilds
	# only what the new configuration changes.
	log "configuring in ${BLD#"$ROOT"/}"
	mkdir -p "$BLD"
	local args
	mapfile -t args < <(configure_args)
	(cd "$BLD" && "$TREE/configure" "${args[@]}") >"$BLD/configure.log" 2>&1 || {
		tail -30 "$BLD/configure.log" >&2
		die "configure failed; full log in ${BLD#"$ROOT"/}/configure.log"
	}
	printf '%s\n' "$want" >"$BLD/.tlscard-configure"
}

write_readme() {
	local device_note="contains the tlscard device"
	[ "$with_device" = 1 ] || device_note="built with --no-device: NO tlscard device"
	cat >"$OUT/README" <<EOF
qemu-system-x86_64: QEMU $QEMU_UPSTREAM (Debian $QEMU_DEB_VERSION source),
$device_note.  Built by scripts/build-qemu.sh; see docs/qemu.md.

Firmware is found without -L: the binary searches
  ${FIRMWARE_PATH//:/ }
(Debian's seabios, ipxe-qemu and qemu-system-data packages).  Passing
  -L /usr/share/seabios -L /usr/lib/ipxe/qemu -L /usr/share/qemu
as with Debian's own QEMU is equivalent.

Always boot with -nodefaults and name every device: scripts/qemu-cmdline.sh
prints the recommended options (docs/qemu.md, "Boot time").
EOF
}

main() {
	local hash
	"$ROOT/scripts/deps.sh" qemu
	mkdir -p "$ROOT/build"
	# One build at a time: several engineers and `make test` may call this.
	exec 9>"$ROOT/build/.qemu.lock"
	flock 9

	hash=$(inputs_hash)
	if [ "$force" = 0 ] && [ -x "$OUT/qemu-system-x86_64" ] &&
		[ "$(cat "$OUT/.stamp" 2>/dev/null)" = "$hash" ]; then
		log "build/qemu/qemu-system-x86_64 is up to date"
		return 0
	fi

	fetch_source
	if [ "$with_device" = 1 ]; then install_device; else uninstall_device; fi
	install_devices_file
	configure_qemu

	log "building (ninja -j$JOBS; a first build takes 3 to 5 minutes)"
	local t0=$SECONDS
	ninja -C "$BLD" -j"$JOBS" qemu-system-x86_64 >"$BLD/ninja.log" 2>&1 || {
		grep -B2 -A12 -m3 'error' "$BLD/ninja.log" >&2 || tail -40 "$BLD/ninja.log" >&2
		die "ninja failed; full log in ${BLD#"$ROOT"/}/ninja.log"
	}
	log "ninja done in $((SECONDS - t0)) s"

	mkdir -p "$OUT"
	# Copy, then rename: a guest running the old binary keeps running.
	cp "$BLD/qemu-system-x86_64" "$OUT/.qemu-system-x86_64.new"
	mv -f "$OUT/.qemu-system-x86_64.new" "$OUT/qemu-system-x86_64"
	write_readme
	if [ "$with_device" = 1 ]; then
		"$OUT/qemu-system-x86_64" -device help | grep -q '"tlscard"' ||
			die "the built QEMU does not list the tlscard device"
	fi
	echo "$hash" >"$OUT/.stamp"
	log "built build/qemu/qemu-system-x86_64 ($("$OUT/qemu-system-x86_64" --version | head -1))"
}

main
