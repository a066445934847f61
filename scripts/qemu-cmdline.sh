#!/usr/bin/env bash
# Print the QEMU options a tlscard guest boots with, one argument per line,
# so a caller can do:
#
#   mapfile -t opts < <(scripts/qemu-cmdline.sh -n 3 -f 8443:443)
#   build/qemu/qemu-system-x86_64 "${opts[@]}" -kernel K -initrd I \
#       -append 'console=ttyS0 intel_iommu=on panic=-1'
#
# Options:
#   -n N          N tlscard devices with default properties (default 0)
#   -c PROPS      one tlscard with these -device properties (repeatable),
#                 e.g. -c engines=1,pke-ops=500
#   -f HOST:GUEST forward 127.0.0.1:HOST to the guest's TCP port GUEST
#                 (repeatable; adds virtio-net on user-mode networking)
#   -m MEM        guest memory (default 1G)
#   -s CPUS       guest vCPUs (default 1)
#   -o SERIAL     where ttyS0 goes, a -serial argument (default stdio)
#
# Why these options (docs/qemu.md, "Boot time"): -nodefaults drops q35's
# default SATA CD-ROM, which alone costs SeaBIOS 32 s under QEMU 10; every
# device the guest needs is then named here.
set -euo pipefail

cards=()
fwds=()
mem=1G
cpus=1
serial=stdio
n=0

usage() {
	sed -n '2,20p' "$0" >&2
	exit 2
}

while getopts "n:c:f:m:s:o:h" opt; do
	case "$opt" in
	n) n=$OPTARG ;;
	c) cards+=("$OPTARG") ;;
	f)
		# Exactly HOST:GUEST, two port numbers.
		[[ "$OPTARG" =~ ^[0-9]+:[0-9]+$ ]] || usage
		fwds+=("$OPTARG")
		;;
	m) mem=$OPTARG ;;
	s) cpus=$OPTARG ;;
	o) serial=$OPTARG ;;
	*) usage ;;
	esac
done
case "$n" in *[!0-9]* | '') usage ;; esac
for ((i = 0; i < n; i++)); do cards+=(""); done

emit() { printf '%s\n' "$@"; }

# The machine: q35 with VT-d.  kernel-irqchip=split and intremap=on give
# the guest interrupt remapping, which vfio-pci requires; caching-mode=on
# makes the guest flush the IOTLB on map, as a vIOMMU with device
# assignment needs.  KVM is not usable here (no VMX/SVM): TCG.  -cpu max
# gives the guest AES-NI/PCLMUL/SHA, which OpenSSL in the guest uses.
emit -machine q35,kernel-irqchip=split -accel tcg -cpu max -m "$mem" -smp "$cpus"
emit -nodefaults -no-user-config -display none -no-reboot
emit -serial "$serial"
emit -device intel-iommu,intremap=on,caching-mode=on

if [ ${#fwds[@]} -gt 0 ]; then
	netdev=user,id=net0
	for f in "${fwds[@]}"; do
		netdev+=",hostfwd=tcp:127.0.0.1:${f%%:*}-:${f##*:}"
	done
	# romfile= : no iPXE option ROM, the guest never boots from the net.
	emit -netdev "$netdev" -device virtio-net-pci,netdev=net0,romfile=
fi

i=0
for props in "${cards[@]}"; do
	emit -device "tlscard,id=tc$i${props:+,$props}"
	i=$((i + 1))
done
