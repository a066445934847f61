#!/usr/bin/env bash
# `make qemu-run`: tlscardd in the QEMU guest on its tlscard devices.
#
# Boots the guest (scripts/qemu-run-guest.sh) with a vIOMMU and QEMU_CARDS
# (3) tlscard devices bound to vfio-pci, starts busybox httpd and
# `tlscardd --cards vfio:all` in it (scripts/guest/tc-daemon), forwards
# the TLS listener to 127.0.0.1:PORT on the host, and waits in the
# foreground.  Ctrl-C stops tlscardd (it drains and prints its counters),
# then powers the guest off.  See docs/qemu.md.
#
# Environment: PORT (8444) host port of the TLS listener, CMD_PORT (8445)
# host port of the guest's command server (scripts/qemu-guest-cmd.sh),
# QEMU_CARDS (3), BOOT_TIMEOUT (180 s), QEMU (build/qemu/...).
set -euo pipefail
cd "$(dirname "$0")/.."

PORT=${PORT:-8444}
CMD_PORT=${CMD_PORT:-8445}
QEMU_CARDS=${QEMU_CARDS:-3}
BOOT_TIMEOUT=${BOOT_TIMEOUT:-180}
GUEST_TLS_PORT=8443
run=build/qemu-run
serial=$run/serial.log
qlog=$run/qemu.log
mkdir -p "$run"

gcmd() { scripts/qemu-guest-cmd.sh -p "$CMD_PORT" "$@"; }

for p in "$PORT" "$CMD_PORT"; do
	if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
		echo "qemu-run: 127.0.0.1:$p is in use (set PORT / CMD_PORT)" >&2
		exit 1
	fi
done

# A self-signed ECDSA P-256 certificate for localhost, made once.
if [ ! -s "$run/cert.pem" ] || [ ! -s "$run/key.pem" ]; then
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$run/key.pem" -out "$run/cert.pem" -days 365 \
		-subj /CN=localhost -addext subjectAltName=DNS:localhost \
		>/dev/null 2>&1
fi

# QEMU runs in its own session, so the terminal's Ctrl-C reaches only this
# script, which then shuts the guest down in order.  A watchdog shell runs
# QEMU, stops it on SIGTERM, and stops it if this script dies without
# doing so (even by SIGKILL).
read -r -d '' watchdog <<'SH' || true
parent=$1
shift
"$@" &
q=$!
trap 'kill "$q" 2>/dev/null' TERM
while kill -0 "$parent" 2>/dev/null && kill -0 "$q" 2>/dev/null; do
	sleep 1
done
kill "$q" 2>/dev/null
wait "$q"
SH
rm -f "$serial"
setsid bash -c "$watchdog" qemu-run-watchdog $$ \
	scripts/qemu-run-guest.sh -n "$QEMU_CARDS" -p "$CMD_PORT" \
	-f "$PORT:$GUEST_TLS_PORT" -s "$serial" \
	</dev/null >"$qlog" 2>&1 &
qemu_pid=$! # the watchdog's: it lives exactly as long as QEMU

stopping=0
stop_guest() {
	[ $stopping = 0 ] || return 0
	stopping=1
	trap '' INT TERM
	echo
	local out
	out=$(gcmd -t 40 tc-daemon stop 2>/dev/null) || true
	case $out in
	*"tlscardd stopped"*)
		echo "qemu-run: tlscardd stopped; its counters:"
		gcmd -t 10 "sed -n '/^tlscardd: stats/,\$p' /tmp/tlscardd.log" || true
		;;
	esac
	# Reply first, then power off (the connection would die).
	gcmd -t 5 '(sleep 0.3; poweroff -f) >/dev/null 2>&1 &' \
		>/dev/null 2>&1 || kill "$qemu_pid" 2>/dev/null || true
	for _ in $(seq 200); do
		kill -0 "$qemu_pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$qemu_pid" 2>/dev/null; then
		echo "qemu-run: guest did not power off; stopping QEMU" >&2
		kill "$qemu_pid" 2>/dev/null || true
		wait "$qemu_pid" 2>/dev/null || true
		echo "qemu-run: QEMU stopped (serial log: $serial)"
		return 0
	fi
	wait "$qemu_pid" 2>/dev/null || true
	echo "qemu-run: guest powered off (serial log: $serial)"
}
fail() {
	echo "qemu-run: $*" >&2
	echo "--- $qlog" >&2
	tail -n 20 "$qlog" >&2 || true
	echo "--- $serial (last 20 lines)" >&2
	tail -n 20 "$serial" >&2 2>/dev/null || true
	stop_guest >/dev/null 2>&1
	exit 1
}
trap 'stop_guest; exit 0' INT TERM
trap 'stop_guest >/dev/null 2>&1' EXIT

echo "qemu-run: booting the guest ($QEMU_CARDS cards, vIOMMU; log $serial)"
t0=$SECONDS
until grep -q 'TC-GUEST: READY' "$serial" 2>/dev/null; do
	kill -0 "$qemu_pid" 2>/dev/null || fail "QEMU exited during boot"
	[ $((SECONDS - t0)) -lt "$BOOT_TIMEOUT" ] ||
		fail "guest not ready after ${BOOT_TIMEOUT}s"
	sleep 0.2
done
grep 'TC-GUEST: card' "$serial" | sed 's/^/  /'
ok=0
for _ in $(seq 50); do
	if gcmd -t 10 true >/dev/null 2>&1; then
		ok=1
		break
	fi
	sleep 0.2
done
[ $ok = 1 ] || fail "the guest's command server does not answer"

# The certificate travels base64 in a command; it is small.
gcmd -t 30 "mkdir -p /root/tls && cd /root/tls &&
	echo $(base64 -w0 "$run/cert.pem") | base64 -d >cert.pem &&
	echo $(base64 -w0 "$run/key.pem") | base64 -d >key.pem &&
	chmod 600 key.pem" || fail "cannot copy the certificate"
gcmd -t 30 'mkdir -p /root/www && head -c 1048576 /dev/urandom >/root/www/1m.bin' ||
	fail "cannot make the backend's files"
gcmd -t 60 "PORT=$GUEST_TLS_PORT CARDS=vfio:all tc-daemon start --stats-on-exit" ||
	fail "tlscardd did not start in the guest"

cat <<MSG

qemu-run: tlscardd runs in the guest with --cards vfio:all, up in $((SECONDS - t0)) s;
          guest :$GUEST_TLS_PORT is https://127.0.0.1:$PORT on this host.

  try it:    curl --cacert $run/cert.pem https://localhost:$PORT/
             curl --cacert $run/cert.pem -o /dev/null https://localhost:$PORT/1m.bin
             curl --cacert $run/cert.pem --data-binary @README.md https://localhost:$PORT/cgi-bin/sha256
  stats:     scripts/qemu-guest-cmd.sh -p $CMD_PORT tlscardctl stats
  watch it:  scripts/qemu-guest-cmd.sh -p $CMD_PORT tlscardctl top --once
  any command in the guest: scripts/qemu-guest-cmd.sh -p $CMD_PORT 'tlscardctl cards; tail /tmp/tlscardd.log'

Ctrl-C stops tlscardd and powers the guest off.
MSG

# Wait for Ctrl-C (the trap) or for QEMU to end by itself.
wait "$qemu_pid" || true
if [ $stopping = 0 ]; then
	stopping=1
	echo "qemu-run: the guest stopped by itself" >&2
	tail -n 20 "$serial" >&2 || true
	exit 1
fi
