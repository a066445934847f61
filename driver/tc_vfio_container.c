/* SPDX-License-Identifier: MIT */
/*
 * The vfio backend's DMA domain: one VFIO container per context.
 *
 * The first vfio card opened in a context creates the container, adds its
 * IOMMU group and selects the type1 IOMMU (VFIO_SET_IOMMU needs a group in
 * the container first), then plugs the container in as the context's
 * domain, which maps every buffer allocated so far.  Later cards add their
 * groups to the same container, so every card sees every buffer at the
 * same IOVA: a job built for one card can be re-run on another.
 *
 * No-IOMMU groups (/dev/vfio/noiommu-N) are refused: there the device
 * address of a buffer is its physical address, while the context hands out
 * IOVAs itself.  docs/real-cards.md says what that would take.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/vfio.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "tc_vfio.h"

void tc_vfio_log(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("tlscard vfio: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

/* ---- sysfs: which group, which driver ------------------------------------ */

/* Last path component of the symlink /sys/bus/pci/devices/<bdf>/<link>. */
static int tc_vfio_sysfs_link(const char *bdf, const char *link, char *out,
                              size_t len)
{
	char path[PATH_MAX], target[PATH_MAX];
	const char *base;
	ssize_t n;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/%s", bdf, link);
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return -errno;
	target[n] = '\0';
	base = strrchr(target, '/');
	base = base ? base + 1 : target;
	if (strlen(base) >= len)
		return -ENAMETOOLONG;
	memcpy(out, base, strlen(base) + 1);
	return 0;
}

static int tc_vfio_group_id(const char *bdf)
{
	char name[64], path[PATH_MAX], *end;
	long id;
	int ret;

	if (access("/sys/bus/pci/devices", F_OK)) {
		tc_vfio_log("%s: no /sys/bus/pci (sysfs not mounted?)", bdf);
		return -ENODEV;
	}
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s", bdf);
	if (access(path, F_OK)) {
		tc_vfio_log("%s: no such PCI device", bdf);
		return -ENODEV;
	}
	ret = tc_vfio_sysfs_link(bdf, "driver", name, sizeof(name));
	if (ret == -ENOENT || (!ret && strcmp(name, "vfio-pci"))) {
		tc_vfio_log("%s: bound to %s, not vfio-pci: run "
		            "'driverctl set-override %s vfio-pci' "
		            "(docs/real-cards.md)",
		            bdf, ret ? "no driver" : name, bdf);
		return -EBUSY;
	}
	ret = tc_vfio_sysfs_link(bdf, "iommu_group", name, sizeof(name));
	if (ret) {
		tc_vfio_log("%s: no IOMMU group: boot with intel_iommu=on "
		            "or amd_iommu=on (docs/real-cards.md)",
		            bdf);
		return -ENODEV;
	}
	errno = 0;
	id = strtol(name, &end, 10);
	if (errno || *end || id < 0 || id > INT_MAX)
		return -EINVAL;
	return (int)id;
}

/* Why a group is not viable: its devices not bound to vfio-pci. */
static void tc_vfio_explain_not_viable(int id)
{
	char dir[PATH_MAX], drv[64];
	struct dirent *de;
	DIR *d;

	tc_vfio_log("IOMMU group %d is not viable: every device in it must be "
	            "bound to vfio-pci (or to no driver)",
	            id);
	snprintf(dir, sizeof(dir), "/sys/kernel/iommu_groups/%d/devices", id);
	d = opendir(dir);
	if (!d)
		return;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (tc_vfio_sysfs_link(de->d_name, "driver", drv, sizeof(drv)))
			snprintf(drv, sizeof(drv), "(none)");
		tc_vfio_log("  group %d: %s driver %s", id, de->d_name, drv);
	}
	closedir(d);
}

/* ---- the container ------------------------------------------------------- */

static int tc_vfio_container_open(struct tc_vfio_container **out)
{
	struct tc_vfio_container *c;
	int ret;

	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->fd = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	if (c->fd < 0) {
		ret = -errno;
		tc_vfio_log("/dev/vfio/vfio: %s (modprobe vfio-pci?)",
		            strerror(-ret));
		goto err_free;
	}
	if (ioctl(c->fd, VFIO_GET_API_VERSION) != VFIO_API_VERSION) {
		tc_vfio_log("unknown VFIO API version");
		ret = -EINVAL;
		goto err_close;
	}
	if (ioctl(c->fd, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU) > 0) {
		c->iommu_type = VFIO_TYPE1v2_IOMMU;
	} else if (ioctl(c->fd, VFIO_CHECK_EXTENSION, VFIO_TYPE1_IOMMU) > 0) {
		c->iommu_type = VFIO_TYPE1_IOMMU;
	} else {
		tc_vfio_log("no type1 IOMMU (modprobe vfio_iommu_type1?)");
		ret = -ENOTSUP;
		goto err_close;
	}
	*out = c;
	return 0;

err_close:
	close(c->fd);
err_free:
	free(c);
	return ret;
}

static void tc_vfio_container_close(struct tc_vfio_container *c)
{
	/* Closing a group takes it out of the container; the last one out
	 * drops the IOMMU and with it any mapping left. */
	for (unsigned i = 0; i < c->ngroups; i++)
		close(c->groups[i].fd);
	close(c->fd);
	free(c);
}

/* The IOVA-range capability in a VFIO_IOMMU_GET_INFO reply, or NULL. */
static const struct vfio_iommu_type1_info_cap_iova_range *
tc_vfio_iova_ranges(const struct vfio_iommu_type1_info *info)
{
	const struct vfio_iommu_type1_info_cap_iova_range *cap;
	const struct vfio_info_cap_header *hdr;
	uint32_t off = info->cap_offset;
	unsigned hops = 0;

	if (!(info->flags & VFIO_IOMMU_INFO_CAPS))
		return NULL;
	/* hops: a malformed chain must not loop forever. */
	while (off && off + sizeof(*cap) <= info->argsz && hops++ < 64) {
		hdr = (const void *)((const char *)info + off);
		if (hdr->id == VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE) {
			cap = (const void *)hdr;
			if (off + sizeof(*cap) +
			        (uint64_t)cap->nr_iovas *
			            sizeof(cap->iova_ranges[0]) >
			    info->argsz)
				return NULL;
			return cap;
		}
		off = hdr->next;
	}
	return NULL;
}

/*
 * The kernel reserves some IOVAs (on x86 the MSI window at 0xfee00000) and
 * the IOMMU's address width bounds the rest.  Keep the context's allocator
 * inside the valid range that holds its base, so no map lands in a hole.
 * Called before the domain is attached; buffers allocated so far stay
 * where they are (they are low: the allocator is first fit).
 */
static void tc_vfio_clamp_iova(struct tc_ctx *ctx, struct tc_vfio_container *c)
{
	const struct vfio_iommu_type1_info_cap_iova_range *cap;
	struct vfio_iommu_type1_info *info, *bigger;
	struct tc_iova_space *sp = &ctx->iova;
	uint64_t top = sp->base;
	uint32_t argsz = sizeof(*info);

	if (sp->n)
		top = sp->r[sp->n - 1].iova + sp->r[sp->n - 1].span;
	info = calloc(1, argsz);
	if (!info)
		return;
	info->argsz = argsz;
	if (ioctl(c->fd, VFIO_IOMMU_GET_INFO, info))
		goto out;
	if (info->argsz > argsz) {
		/* The capabilities did not fit: ask again with room. */
		argsz = info->argsz;
		bigger = realloc(info, argsz);
		if (!bigger)
			goto out;
		info = bigger;
		memset(info, 0, argsz);
		info->argsz = argsz;
		if (ioctl(c->fd, VFIO_IOMMU_GET_INFO, info))
			goto out;
	}
	c->iova_pgsizes = info->iova_pgsizes;
	cap = tc_vfio_iova_ranges(info);
	for (uint32_t i = 0; cap && i < cap->nr_iovas; i++) {
		uint64_t start = cap->iova_ranges[i].start;
		uint64_t end = cap->iova_ranges[i].end; /* inclusive */

		if (sp->base < start || sp->base > end)
			continue;
		if (end - sp->base < sp->limit - 1 - sp->base && top <= end + 1)
			sp->limit = end + 1;
		break;
	}
out:
	free(info);
}

static const char *tc_vfio_type_name(int type)
{
	return type == VFIO_TYPE1v2_IOMMU ? "type1v2" : "type1";
}

/* Open group id and put it in the container; the first one also selects
 * the IOMMU.  0 or -errno, with the group left out on failure. */
static int tc_vfio_group_add(struct tc_vfio_container *c, int id,
                             struct tc_vfio_group **out)
{
	struct vfio_group_status status = {.argsz = sizeof(status)};
	struct tc_vfio_group *g;
	char path[64];
	int fd, ret;

	if (c->ngroups == TC_VFIO_MAX_GROUPS)
		return -ENOSPC;
	snprintf(path, sizeof(path), "/dev/vfio/%d", id);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		snprintf(path, sizeof(path), "/dev/vfio/noiommu-%d", id);
		if (!access(path, F_OK)) {
			tc_vfio_log("WARNING: group %d is a no-IOMMU group "
			            "(%s): the card could DMA anywhere in "
			            "memory, and this driver needs an IOMMU "
			            "(docs/real-cards.md)",
			            id, path);
			return -EOPNOTSUPP;
		}
		tc_vfio_log("/dev/vfio/%d: %s", id, strerror(-ret));
		return ret;
	}
	if (ioctl(fd, VFIO_GROUP_GET_STATUS, &status)) {
		ret = -errno;
		goto err_close;
	}
	if (!(status.flags & VFIO_GROUP_FLAGS_VIABLE)) {
		tc_vfio_explain_not_viable(id);
		ret = -EBUSY;
		goto err_close;
	}
	if (ioctl(fd, VFIO_GROUP_SET_CONTAINER, &c->fd)) {
		ret = -errno;
		tc_vfio_log("group %d: VFIO_GROUP_SET_CONTAINER: %s", id,
		            strerror(-ret));
		goto err_close;
	}
	if (!c->iommu_set) {
		if (ioctl(c->fd, VFIO_SET_IOMMU, c->iommu_type)) {
			ret = -errno;
			/* EPERM: the platform lacks interrupt remapping
			 * (for QEMU: intel-iommu,intremap=on). */
			tc_vfio_log(
			    "VFIO_SET_IOMMU(%s): %s%s",
			    tc_vfio_type_name(c->iommu_type), strerror(-ret),
			    ret == -EPERM ? " (no interrupt remapping?)" : "");
			goto err_unset;
		}
		c->iommu_set = true;
	}
	g = &c->groups[c->ngroups++];
	*g = (struct tc_vfio_group){.id = id, .fd = fd, .devices = 0};
	*out = g;
	return 0;

err_unset:
	ioctl(fd, VFIO_GROUP_UNSET_CONTAINER);
err_close:
	close(fd);
	return ret;
}

static void tc_vfio_domain_release(struct tc_ctx *ctx)
{
	struct tc_vfio_container *c = ctx->dom_priv;

	if (c)
		tc_vfio_container_close(c);
}

int tc_vfio_group_get(struct tc_ctx *ctx, const char *bdf,
                      struct tc_vfio_group **group)
{
	struct tc_vfio_container *c = NULL;
	struct tc_vfio_group *g = NULL;
	bool fresh = false;
	int id, ret;

	if (ctx->dom && ctx->dom_backend != &tc_vfio_backend) {
		tc_vfio_log(
		    "%s: this context already drives %s cards; "
		    "vfio cards need a context of their own",
		    bdf, ctx->dom_backend ? ctx->dom_backend->name : "other");
		return -EXDEV;
	}
	id = tc_vfio_group_id(bdf);
	if (id < 0)
		return id;

	if (ctx->dom) {
		c = ctx->dom_priv;
		for (unsigned i = 0; i < c->ngroups; i++) {
			if (c->groups[i].id == id) {
				c->groups[i].devices++;
				*group = &c->groups[i];
				return 0;
			}
		}
	} else {
		ret = tc_vfio_container_open(&c);
		if (ret)
			return ret;
		fresh = true;
	}

	ret = tc_vfio_group_add(c, id, &g);
	if (ret)
		goto err_container;
	if (fresh) {
		tc_vfio_clamp_iova(ctx, c);
		/* Maps every buffer the context already has. */
		ret = tc_ctx_attach_domain(ctx, &tc_vfio_backend,
		                           &tc_vfio_domain_ops, c,
		                           tc_vfio_domain_release, NULL);
		if (ret) {
			tc_vfio_log("cannot map the context's buffers: %s",
			            strerror(-ret));
			goto err_container;
		}
	}
	g->devices++;
	*group = g;
	return 0;

err_container:
	if (fresh)
		tc_vfio_container_close(c);
	return ret;
}

void tc_vfio_group_put(struct tc_ctx *ctx, struct tc_vfio_group *group)
{
	(void)ctx;
	if (group && group->devices)
		group->devices--;
}

/* ---- domain ops: every tc_dma_alloc() buffer, mapped for every card ------ */

static int tc_vfio_dom_map(struct tc_ctx *ctx, void *va, size_t len,
                           uint64_t iova)
{
	struct tc_vfio_container *c = ctx->dom_priv;
	struct vfio_iommu_type1_dma_map map = {
	    .argsz = sizeof(map),
	    .flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
	    .vaddr = (uintptr_t)va,
	    .iova = iova,
	    .size = len,
	};

	if (ioctl(c->fd, VFIO_IOMMU_MAP_DMA, &map)) {
		int ret = -errno;

		/* The kernel pins the pages and charges them to
		 * RLIMIT_MEMLOCK unless the caller has CAP_IPC_LOCK. */
		tc_vfio_log("VFIO_IOMMU_MAP_DMA iova 0x%llx len %zu: %s%s",
		            (unsigned long long)iova, len, strerror(-ret),
		            ret == -ENOMEM ? " (raise ulimit -l: "
		                             "docs/real-cards.md)"
		                           : "");
		return ret;
	}
	c->mapped_bytes += len;
	return 0;
}

static int tc_vfio_dom_unmap(struct tc_ctx *ctx, uint64_t iova, size_t len)
{
	struct tc_vfio_container *c = ctx->dom_priv;
	struct vfio_iommu_type1_dma_unmap unmap = {
	    .argsz = sizeof(unmap),
	    .iova = iova,
	    .size = len,
	};

	if (ioctl(c->fd, VFIO_IOMMU_UNMAP_DMA, &unmap))
		return -errno;
	/* The kernel reports what it unmapped: anything else means the
	 * range was not one mapping of ours. */
	if (unmap.size != len)
		return -ENOENT;
	c->mapped_bytes -= len;
	return 0;
}

const struct tc_domain_ops tc_vfio_domain_ops = {
    .name = "vfio",
    .map = tc_vfio_dom_map,
    .unmap = tc_vfio_dom_unmap,
};
