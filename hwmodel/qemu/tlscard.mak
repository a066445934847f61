# Devices of the tlscard QEMU build (scripts/build-qemu.sh copies this to
# configs/devices/x86_64-softmmu/tlscard.mak).  QEMU is configured with
# --without-default-devices, so this list is everything the binary has.

# The machine: q35 selects the ICH9 LPC bridge, the PC base devices (PIT,
# PIC, RTC, the ISA serial port used by -serial) and ACPI.
CONFIG_Q35=y
# Intel VT-d (-device intel-iommu): the vIOMMU VFIO translates through.
CONFIG_VTD=y
# Root ports, so cards can also sit behind a PCIe port as on real hosts.
CONFIG_PCIE_PORT=y
# User-mode networking to reach the guest daemon (-device virtio-net-pci).
CONFIG_VIRTIO_PCI=y
CONFIG_VIRTIO_NET=y
# Entropy for the guest's TLS stack without waiting on the kernel pool.
CONFIG_VIRTIO_RNG=y
# The card.
CONFIG_TLSCARD=y
