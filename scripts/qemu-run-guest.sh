#!/usr/bin/env bash
# Boot the tlscard guest (scripts/build-guest.sh) in build/qemu's QEMU with a
# virtual IOMMU and N tlscard devices.  See docs/guest.md.
#
#   scripts/qemu-run-guest.sh [options] [-- extra QEMU arguments]
#
#   -n N            N cards with default properties (default 3)
#   -c PROPS        one card with these -device properties ("queues=4,...");
#                   repeatable, replaces -n
#   -p PORT         host port for the guest's command server (127.0.0.1:PORT
#                   -> guest tc.port 7000); 0 = none (default)
#   -f HOST:GUEST   forward 127.0.0.1:HOST to guest port GUEST; repeatable
#   -s FILE         serial console to FILE (default: stdio)
#   -x CMD          run CMD in the guest, print its output, power off
#   -i              interactive shell on the console (make qemu-shell)
#   -a ARGS         extra kernel command line
#   -m MEM          guest memory (default 1G)
#   -t SECS         kill QEMU after SECS (default: none)
#   -k bzimage|pvh  kernel entry: PVH boots the ELF vmlinux (default pvh
#                   when build/guest/vmlinux exists)
#
# Environment: QEMU (default build/qemu/qemu-system-x86_64), GUEST_DIR
# (default build/guest).  The guest's user-mode network is restricted: it
# reaches nothing outside QEMU; only the forwarded loopback ports reach it.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
QEMU=${QEMU:-$here/build/qemu/qemu-system-x86_64}
GUEST_DIR=${GUEST_DIR:-$here/build/guest}
ncards=3
cards=()
cmd_port=0
fwds=()
serial=stdio
run_cmd=
shell=0
append=
mem=1G
timeout_s=
kentry=

usage() { sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit "${1:-2}"; }

while getopts "n:c:p:f:s:x:ia:m:t:k:h" opt; do
	case $opt in
	n) ncards=$OPTARG ;;
	c) cards+=("$OPTARG") ;;
	p) cmd_port=$OPTARG ;;
	f) fwds+=("$OPTARG") ;;
	s) serial=$OPTARG ;;
	x) run_cmd=$OPTARG ;;
	i) shell=1 ;;
	a) append=$OPTARG ;;
	m) mem=$OPTARG ;;
	t) timeout_s=$OPTARG ;;
	k) kentry=$OPTARG ;;
	h) usage 0 ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ "${1:-}" = -- ] && shift

[ -x "$QEMU" ] || { echo "qemu-run-guest: $QEMU missing: run 'make qemu'" >&2; exit 3; }
[ -f "$GUEST_DIR/initramfs.cpio.gz" ] ||
	{ echo "qemu-run-guest: no guest image: run 'make guest'" >&2; exit 3; }

if [ -z "$kentry" ]; then
	kentry=bzimage
	[ -f "$GUEST_DIR/vmlinux" ] && kentry=pvh
fi
case $kentry in
pvh) kernel=$GUEST_DIR/vmlinux ;;
bzimage) kernel=$GUEST_DIR/vmlinuz ;;
*) usage ;;
esac

if [ ${#cards[@]} -eq 0 ]; then
	for ((i = 0; i < ncards; i++)); do
		cards+=("")
	done
fi

# Each card on its own root port would need pcie-root-port; plain devices on
# pcie.0 are integrated endpoints, which vfio-pci handles the same way, and
# the vIOMMU still gives each its own group.
card_args=()
for ((i = 0; i < ${#cards[@]}; i++)); do
	card_args+=(-device "tlscard,id=tc$i${cards[$i]:+,${cards[$i]}}")
done

netdev="user,id=n0,restrict=on"
guest_port=7000
if [ "$cmd_port" != 0 ]; then
	netdev+=",hostfwd=tcp:127.0.0.1:$cmd_port-:$guest_port"
fi
for f in "${fwds[@]:-}"; do
	[ -n "$f" ] && netdev+=",hostfwd=tcp:127.0.0.1:${f%%:*}-:${f##*:}"
done

cmdline="console=ttyS0 intel_iommu=on panic=-1 quiet loglevel=4 tc.port=$guest_port"
[ -n "$run_cmd" ] && cmdline+=" tc.cmd=$(printf '%s' "$run_cmd" | base64 -w0)"
[ $shell = 1 ] && cmdline+=" tc.shell=1"
[ -n "$append" ] && cmdline+=" $append"

if [ "$serial" = stdio ]; then
	# Ctrl-A X quits; Ctrl-C goes to the guest.
	serial_args=(-serial mon:stdio)
else
	serial_args=(-serial "file:$serial")
fi

args=("$QEMU"
	-machine q35,kernel-irqchip=split -accel tcg -cpu max -smp 1 -m "$mem"
	-nodefaults -display none -no-reboot -no-user-config
	-L /usr/share/seabios -L /usr/lib/ipxe/qemu -L /usr/share/qemu
	-device intel-iommu,intremap=on,caching-mode=on
	-netdev "$netdev" -device virtio-net-pci,netdev=n0,romfile=
	"${card_args[@]}"
	"${serial_args[@]}"
	-kernel "$kernel" -initrd "$GUEST_DIR/initramfs.cpio.gz"
	-append "$cmdline"
	"$@")

echo "qemu-run-guest: ${args[*]}" >&2
if [ -n "$timeout_s" ]; then
	exec timeout -s KILL "$timeout_s" "${args[@]}"
fi
exec "${args[@]}"
