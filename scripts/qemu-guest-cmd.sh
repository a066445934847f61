#!/usr/bin/env bash
# Run a shell command in a running tlscard guest through its command server
# (scripts/guest/tc-cmdd), from the host.  See docs/guest.md.
#
#   scripts/qemu-guest-cmd.sh [-p PORT] [-t SECS] COMMAND...
#
#   -p PORT   the host port forwarded to the guest's command server
#             (default $QEMU_CMD_PORT, else 8445: `make qemu-run`'s)
#   -t SECS   kill the command in the guest after SECS (default 60)
#
# The command's stdout and stderr come back on stdout and stderr, and its
# exit status is this script's (137: the timeout fired; 255: no guest).
# Examples, while `make qemu-run` runs:
#
#   scripts/qemu-guest-cmd.sh tlscardctl stats
#   scripts/qemu-guest-cmd.sh tlscardctl top --once
#   scripts/qemu-guest-cmd.sh 'tail /tmp/tlscardd.log; dmesg | tail'
set -euo pipefail

port=${QEMU_CMD_PORT:-8445}
tmo=60

usage() { sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit "${1:-2}"; }

while getopts "p:t:h" opt; do
	case $opt in
	p) port=$OPTARG ;;
	t) tmo=$OPTARG ;;
	h) usage 0 ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -gt 0 ] || usage
case "$port$tmo" in *[!0-9]*) usage ;; esac

if ! exec 3<>"/dev/tcp/127.0.0.1/$port"; then
	echo "qemu-guest-cmd: no guest command server on 127.0.0.1:$port" >&2
	exit 255
fi
# One request: "<timeout> <base64 script>\n" (tc-cmdd).
printf '%s %s\n' "$tmo" "$(printf '%s' "$*" | base64 -w0)" >&3

# bash's read takes a socket one byte at a time, so nothing past the
# header line is consumed here; the rest is stdout then stderr.  The host
# side is bounded too (a hung guest never answers): the guest's timeout
# plus a margin.
limit=$((tmo + 20))
read -r -t "$limit" tag rc nout nerr <&3 || tag=
if [ "$tag" != TCRC ]; then
	echo "qemu-guest-cmd: bad reply from the guest on port $port" >&2
	exit 255
fi
body=$(mktemp)
trap 'rm -f "$body"' EXIT
timeout "$limit" cat <&3 >"$body" || true
exec 3<&-
if [ "$(stat -c %s "$body")" -ne $((nout + nerr)) ]; then
	echo "qemu-guest-cmd: short reply from the guest" >&2
	exit 255
fi
head -c "$nout" "$body"
tail -c +$((nout + 1)) "$body" >&2
exit "$rc"
