/* SPDX-License-Identifier: MIT */
/*
 * The vfio backend: a tlscard bound to vfio-pci, driven from user space.
 *
 * Open: the card's IOMMU group joins the context's container
 * (tc_vfio_container.c), then the device fd; BAR0 is mapped for register
 * access, MSI-X vectors are wired to eventfds, and bus mastering is turned
 * on through the config region (vfio-pci leaves it off: without it the
 * card's DMA and MSI-X writes silently go nowhere).  Reset is the device
 * reset vfio-pci offers (FLR), else CTRL.RESET.
 *
 * Registers are little-endian 32-bit; every access is one volatile 32-bit
 * load or store on the BAR mapping, never split or merged by the compiler.
 */
#include <endian.h>
#include <errno.h>
#include <linux/pci_regs.h>
#include <linux/vfio.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "tc_vfio.h"

struct tc_vfio_dev {
	char bdf[16];
	struct tc_vfio_group *group;
	int fd;                /* the device */
	uint32_t flags;        /* VFIO_DEVICE_FLAGS_* */
	volatile uint8_t *bar; /* BAR0 mapping, NULL: use pread/pwrite */
	uint64_t bar_size, bar_offset;
	uint64_t cfg_offset; /* config space region in the device fd */
	unsigned nvec;       /* MSI-X vectors wired to efd[] */
	int efd[TC_MSIX_VECTORS];
};

/* "DDDD:BB:DD.F" or "BB:DD.F", hex, into the long form sysfs uses. */
static int tc_vfio_parse_bdf(const char *arg, char *out, size_t len)
{
	unsigned dom = 0, bus, slot, fn;
	int used = 0;

	if (sscanf(arg, "%4x:%2x:%2x.%1x%n", &dom, &bus, &slot, &fn, &used) !=
	        4 ||
	    arg[used]) {
		dom = 0;
		used = 0;
		if (sscanf(arg, "%2x:%2x.%1x%n", &bus, &slot, &fn, &used) !=
		        3 ||
		    arg[used])
			return -EINVAL;
	}
	if (slot > 0x1f || fn > 7)
		return -EINVAL;
	snprintf(out, len, "%04x:%02x:%02x.%x", dom, bus, slot, fn);
	return 0;
}

static int tc_vfio_cfg_read16(struct tc_vfio_dev *v, unsigned off,
                              uint16_t *val)
{
	uint16_t le;

	if (pread(v->fd, &le, sizeof(le), (off_t)(v->cfg_offset + off)) !=
	    (ssize_t)sizeof(le))
		return -EIO;
	*val = le16toh(le);
	return 0;
}

static int tc_vfio_cfg_write16(struct tc_vfio_dev *v, unsigned off,
                               uint16_t val)
{
	uint16_t le = htole16(val);

	if (pwrite(v->fd, &le, sizeof(le), (off_t)(v->cfg_offset + off)) !=
	    (ssize_t)sizeof(le))
		return -EIO;
	return 0;
}

/* Memory decoding and bus mastering on (on) or bus mastering off. */
static int tc_vfio_bus_master(struct tc_vfio_dev *v, bool on)
{
	uint16_t cmd, want;
	int ret;

	ret = tc_vfio_cfg_read16(v, PCI_COMMAND, &cmd);
	if (ret)
		return ret;
	want = on ? cmd | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER
	          : cmd & ~PCI_COMMAND_MASTER;
	if (want != cmd) {
		ret = tc_vfio_cfg_write16(v, PCI_COMMAND, want);
		if (ret)
			return ret;
	}
	ret = tc_vfio_cfg_read16(v, PCI_COMMAND, &cmd);
	if (ret)
		return ret;
	if (on && !(cmd & PCI_COMMAND_MASTER)) {
		tc_vfio_log("%s: bus mastering did not stick (COMMAND %#x)",
		            v->bdf, cmd);
		return -EIO;
	}
	return 0;
}

static int tc_vfio_region(struct tc_vfio_dev *v, unsigned index,
                          struct vfio_region_info *out)
{
	*out = (struct vfio_region_info){
	    .argsz = sizeof(*out),
	    .index = index,
	};
	if (ioctl(v->fd, VFIO_DEVICE_GET_REGION_INFO, out))
		return -errno;
	return 0;
}

/* Config space must say tlscard: the BDF could name any device. */
static int tc_vfio_check_ids(struct tc_vfio_dev *v)
{
	uint16_t vendor, device;

	if (tc_vfio_cfg_read16(v, PCI_VENDOR_ID, &vendor) ||
	    tc_vfio_cfg_read16(v, PCI_DEVICE_ID, &device))
		return -EIO;
	if (vendor != TC_PCI_VENDOR_ID || device != TC_PCI_DEVICE_ID) {
		tc_vfio_log("%s: %04x:%04x is not a tlscard (%04x:%04x)",
		            v->bdf, vendor, device, TC_PCI_VENDOR_ID,
		            TC_PCI_DEVICE_ID);
		return -ENODEV;
	}
	return 0;
}

static int tc_vfio_map_bar(struct tc_vfio_dev *v)
{
	struct vfio_region_info reg;
	void *p;
	int ret;

	ret = tc_vfio_region(v, VFIO_PCI_BAR0_REGION_INDEX, &reg);
	if (ret)
		return ret;
	if (reg.size < TC_BAR0_SIZE ||
	    !(reg.flags & VFIO_REGION_INFO_FLAG_READ) ||
	    !(reg.flags & VFIO_REGION_INFO_FLAG_WRITE)) {
		tc_vfio_log("%s: BAR0 is %llu bytes, flags %#x", v->bdf,
		            (unsigned long long)reg.size, reg.flags);
		return -ENODEV;
	}
	v->bar_size = reg.size;
	v->bar_offset = reg.offset;
	if (!(reg.flags & VFIO_REGION_INFO_FLAG_MMAP)) {
		/* Correct, only slower: each access is a syscall. */
		tc_vfio_log("%s: BAR0 not mappable; using read/write", v->bdf);
		return 0;
	}
	p = mmap(NULL, reg.size, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd,
	         (off_t)reg.offset);
	if (p == MAP_FAILED) {
		ret = -errno;
		tc_vfio_log("%s: mmap BAR0: %s", v->bdf, strerror(-ret));
		return ret;
	}
	v->bar = p;
	return 0;
}

static int tc_vfio_set_irqs(struct tc_vfio_dev *v, unsigned n, const int *fds)
{
	size_t argsz = sizeof(struct vfio_irq_set) + n * sizeof(int32_t);
	struct vfio_irq_set *set = calloc(1, argsz);
	int ret = 0;

	if (!set)
		return -ENOMEM;
	*set = (struct vfio_irq_set){
	    .argsz = (uint32_t)argsz,
	    .flags = (n ? VFIO_IRQ_SET_DATA_EVENTFD : VFIO_IRQ_SET_DATA_NONE) |
	             VFIO_IRQ_SET_ACTION_TRIGGER,
	    .index = VFIO_PCI_MSIX_IRQ_INDEX,
	    .start = 0,
	    .count = n,
	};
	for (unsigned i = 0; i < n; i++) {
		int32_t fd = fds[i];

		memcpy(set->data + i * sizeof(fd), &fd, sizeof(fd));
	}
	if (ioctl(v->fd, VFIO_DEVICE_SET_IRQS, set))
		ret = -errno;
	free(set);
	return ret;
}

/* One eventfd per MSI-X vector: vector q for queue q, TC_MAX_QUEUES for
 * errors (tc_regs.h). */
static int tc_vfio_setup_msix(struct tc_vfio_dev *v)
{
	struct vfio_irq_info irq = {
	    .argsz = sizeof(irq),
	    .index = VFIO_PCI_MSIX_IRQ_INDEX,
	};
	unsigned n;
	int ret;

	if (ioctl(v->fd, VFIO_DEVICE_GET_IRQ_INFO, &irq))
		return -errno;
	if (!irq.count || !(irq.flags & VFIO_IRQ_INFO_EVENTFD)) {
		tc_vfio_log("%s: no MSI-X; queues will be polled", v->bdf);
		return 0;
	}
	n = irq.count < TC_MSIX_VECTORS ? irq.count : TC_MSIX_VECTORS;
	for (unsigned i = 0; i < n; i++) {
		v->efd[i] = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		if (v->efd[i] < 0) {
			ret = -errno;
			goto err_close;
		}
	}
	ret = tc_vfio_set_irqs(v, n, v->efd);
	if (ret) {
		tc_vfio_log("%s: VFIO_DEVICE_SET_IRQS (%u MSI-X): %s", v->bdf,
		            n, strerror(-ret));
		goto err_close;
	}
	v->nvec = n;
	return 0;

err_close:
	for (unsigned i = 0; i < n; i++) {
		if (v->efd[i] >= 0)
			close(v->efd[i]);
		v->efd[i] = -1;
	}
	return ret;
}

static void tc_vfio_free(struct tc_dev *dev, struct tc_vfio_dev *v)
{
	if (v->nvec)
		tc_vfio_set_irqs(v, 0, NULL);
	for (unsigned i = 0; i < TC_MSIX_VECTORS; i++)
		if (v->efd[i] >= 0)
			close(v->efd[i]);
	if (v->bar)
		munmap((void *)v->bar, v->bar_size);
	if (v->fd >= 0)
		close(v->fd);
	tc_vfio_group_put(dev->ctx, v->group);
	free(v);
}

static int tc_vfio_open(struct tc_dev *dev, const char *arg,
                        const struct tc_dev_opts *opts)
{
	struct vfio_device_info info = {.argsz = sizeof(info)};
	struct vfio_region_info cfg;
	struct tc_vfio_dev *v;
	int ret;

	(void)opts;
	v = calloc(1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	v->fd = -1;
	for (unsigned i = 0; i < TC_MSIX_VECTORS; i++)
		v->efd[i] = -1;
	if (tc_vfio_parse_bdf(arg, v->bdf, sizeof(v->bdf))) {
		tc_vfio_log("bad PCI address \"%s\" (want DDDD:BB:DD.F)", arg);
		free(v);
		return -EINVAL;
	}
	snprintf(dev->info.name, sizeof(dev->info.name), "%s", v->bdf);

	ret = tc_vfio_group_get(dev->ctx, v->bdf, &v->group);
	if (ret) {
		free(v);
		return ret;
	}
	v->fd = ioctl(v->group->fd, VFIO_GROUP_GET_DEVICE_FD, v->bdf);
	if (v->fd < 0) {
		ret = -errno;
		tc_vfio_log("%s: VFIO_GROUP_GET_DEVICE_FD: %s", v->bdf,
		            strerror(-ret));
		goto err;
	}
	if (ioctl(v->fd, VFIO_DEVICE_GET_INFO, &info)) {
		ret = -errno;
		goto err;
	}
	if (!(info.flags & VFIO_DEVICE_FLAGS_PCI) ||
	    info.num_regions <= VFIO_PCI_CONFIG_REGION_INDEX ||
	    info.num_irqs <= VFIO_PCI_MSIX_IRQ_INDEX) {
		tc_vfio_log("%s: not a vfio-pci device", v->bdf);
		ret = -ENODEV;
		goto err;
	}
	v->flags = info.flags;
	ret = tc_vfio_region(v, VFIO_PCI_CONFIG_REGION_INDEX, &cfg);
	if (ret)
		goto err;
	v->cfg_offset = cfg.offset;
	ret = tc_vfio_check_ids(v);
	if (ret)
		goto err;
	ret = tc_vfio_map_bar(v);
	if (ret)
		goto err;
	ret = tc_vfio_setup_msix(v);
	if (ret)
		goto err;
	ret = tc_vfio_bus_master(v, true);
	if (ret)
		goto err;
	dev->priv = v;
	return 0;

err:
	/* The container stays; tc_dev_open drops it if no card uses it. */
	tc_vfio_free(dev, v);
	return ret;
}

static void tc_vfio_close(struct tc_dev *dev)
{
	struct tc_vfio_dev *v = dev->priv;

	if (!v)
		return;
	/* No DMA from here on: the context may unmap and free buffers. */
	tc_vfio_bus_master(v, false);
	tc_vfio_free(dev, v);
	dev->priv = NULL;
}

static uint32_t tc_vfio_read32(struct tc_dev *dev, uint32_t off)
{
	struct tc_vfio_dev *v = dev->priv;
	uint32_t le;

	/* Like a master abort: all ones for what is not a register. */
	if ((off & 3) || off > v->bar_size - 4)
		return UINT32_MAX;
	if (v->bar) {
		le = *(const volatile uint32_t *)(v->bar + off);
	} else if (pread(v->fd, &le, 4, (off_t)(v->bar_offset + off)) != 4) {
		return UINT32_MAX;
	}
	/* Later loads (completions in DMA memory) stay after this one. */
	atomic_thread_fence(memory_order_acquire);
	return le32toh(le);
}

static void tc_vfio_write32(struct tc_dev *dev, uint32_t off, uint32_t val)
{
	struct tc_vfio_dev *v = dev->priv;
	uint32_t le = htole32(val);

	if ((off & 3) || off > v->bar_size - 4)
		return;
	/* Descriptors written before a doorbell reach memory before it. */
	atomic_thread_fence(memory_order_release);
	if (v->bar) {
		*(volatile uint32_t *)(v->bar + off) = le;
	} else if (pwrite(v->fd, &le, 4, (off_t)(v->bar_offset + off)) != 4) {
		tc_vfio_log("%s: register write %#x failed", v->bdf, off);
	}
}

static int tc_vfio_irq_eventfd(struct tc_dev *dev, unsigned vector)
{
	struct tc_vfio_dev *v = dev->priv;

	return vector < v->nvec ? v->efd[vector] : -1;
}

/*
 * VFIO_DEVICE_RESET when vfio-pci can reset the function (FLR): the kernel
 * saves and restores config space and MSI-X around it.  Otherwise the
 * card's own CTRL.RESET.  The caller waits for the card to finish.
 */
static int tc_vfio_reset(struct tc_dev *dev)
{
	struct tc_vfio_dev *v = dev->priv;
	int ret;

	if (!(v->flags & VFIO_DEVICE_FLAGS_RESET)) {
		tc_vfio_write32(dev, TC_REG_CTRL, TC_CTRL_RESET);
		return 0;
	}
	if (ioctl(v->fd, VFIO_DEVICE_RESET)) {
		ret = -errno;
		tc_vfio_log("%s: VFIO_DEVICE_RESET: %s", v->bdf,
		            strerror(-ret));
		return ret;
	}
	/* The restore should bring bus mastering back; make sure. */
	return tc_vfio_bus_master(v, true);
}

const struct tc_backend_ops tc_vfio_backend = {
    .name = "vfio",
    .open = tc_vfio_open,
    .close = tc_vfio_close,
    .read32 = tc_vfio_read32,
    .write32 = tc_vfio_write32,
    .irq_eventfd = tc_vfio_irq_eventfd,
    .reset = tc_vfio_reset,
};
