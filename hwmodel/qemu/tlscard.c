/* SPDX-License-Identifier: MIT */
/*
 * tlscard: the QEMU PCIe device that hosts the card model (hwmodel/).
 *
 * BAR0 (TC_BAR0_SIZE) is the model's register file; BAR TC_MSIX_BAR holds
 * the MSI-X table and PBA, TC_MSIX_VECTORS vectors.  The model's engine
 * threads move data with pci_dma_*(), so a guest vIOMMU translates and
 * checks every access, and raise interrupts through a bottom half.
 * docs/qemu.md describes the properties and the threading rules.
 *
 * Locking.  The model has one lock, and it calls the DMA callbacks with it
 * held.  A DMA through intel-iommu may fault, and VT-d then raises its fault
 * interrupt on the calling thread, which QEMU allows only under the BQL.  So
 * the DMA callbacks take the BQL, and the model lock nests outside it:
 *
 *     model lock  ->  BQL
 *
 * Every call into the model from QEMU's side (MMIO, reset, destroy) is
 * therefore made with the BQL released, as hw/remote's proxy device does
 * around its blocking calls.  s->users counts those calls, under the BQL,
 * so unrealize can wait for them before freeing the model.
 */
#include "qemu/osdep.h"

#include <pthread.h>

#include "hw/pci/msix.h"
#include "hw/pci/pci_device.h"
#include "hw/pci/pcie.h"
#include "hw/qdev-properties.h"
#include "migration/vmstate.h"
#include "qapi/error.h"
#include "qemu/log.h"
#include "qemu/main-loop.h"
#include "qemu/module.h"
#include "qemu/rcu.h"
#include "qom/object.h"

#include "tc_model.h"

#define TYPE_TLSCARD "tlscard"
OBJECT_DECLARE_SIMPLE_TYPE(TlsCardState, TLSCARD)

/* Where the PCI Express capability sits in config space. */
#define TLSCARD_PCIE_CAP_OFFSET 0x80

/* Pending vectors are a 32-bit mask. */
QEMU_BUILD_BUG_ON(TC_MSIX_VECTORS > 32);

struct TlsCardState {
	PCIDevice parent_obj;

	MemoryRegion bar0;
	struct tc_model *model;
	struct tc_model_bus bus; /* the model keeps a pointer to it */
	char *name;

	/* Calls into the model in progress with the BQL dropped (BQL). */
	unsigned users;
	QemuCond users_idle;

	/* Vectors raised by model threads, delivered by irq_bh. */
	uint32_t irq_pending;
	QEMUBH *irq_bh;

	/* Properties; 0 (or auto) keeps the model's default. */
	uint32_t queues;
	uint32_t engines;
	uint32_t ring_log2;
	uint32_t key_slots;
	uint32_t blob_slots;
	uint32_t max_input;
	OnOffAuto fault_injection;
	char *spec;
	uint64_t pke_ops;
	uint64_t aead_bps;
	uint64_t digest_bps;
	uint32_t latency_us;
};

/* ---- model threads and QEMU's RCU ---------------------------------------- */

/*
 * The memory API reads RCU-protected state, and a thread that enters an RCU
 * read section must be registered.  The model's threads are plain pthreads,
 * so each one registers on its first callback, and a thread-specific key
 * unregisters it when the thread exits.
 */
static pthread_key_t tlscard_rcu_key;

static void tlscard_rcu_thread_exit(void *unused)
{
	rcu_unregister_thread();
}

static void tlscard_rcu_enter(void)
{
	/* QEMU's own threads (vCPUs, main loop) are registered already. */
	if (QLIST_IS_INSERTED(get_ptr_rcu_reader(), node)) {
		return;
	}
	rcu_register_thread();
	/* Any non-NULL value makes the destructor run at thread exit. */
	pthread_setspecific(tlscard_rcu_key, &tlscard_rcu_key);
}

/* ---- calls into the model ------------------------------------------------ */

/* Take a reference on the model and drop the BQL; NULL if it is gone. */
static struct tc_model *tlscard_model_get(TlsCardState *s)
{
	struct tc_model *m = s->model;

	assert(bql_locked());
	if (!m) {
		return NULL;
	}
	/* Read s->model before unlocking: unrealize clears it under the BQL. */
	s->users++;
	bql_unlock();
	return m;
}

static void tlscard_model_put(TlsCardState *s)
{
	bql_lock();
	if (--s->users == 0) {
		qemu_cond_broadcast(&s->users_idle);
	}
}

static uint64_t tlscard_mmio_read(void *opaque, hwaddr addr, unsigned size)
{
	TlsCardState *s = opaque;
	struct tc_model *m = tlscard_model_get(s);
	uint64_t val;

	if (!m) {
		return UINT64_MAX;
	}
	val = tc_model_mmio_read(m, addr, size);
	tlscard_model_put(s);
	return val;
}

static void tlscard_mmio_write(void *opaque, hwaddr addr, uint64_t val,
                               unsigned size)
{
	TlsCardState *s = opaque;
	struct tc_model *m = tlscard_model_get(s);

	if (!m) {
		return;
	}
	tc_model_mmio_write(m, addr, val, size);
	tlscard_model_put(s);
}

/* Registers are 32-bit, counters 64-bit (card-spec.md). */
static const MemoryRegionOps tlscard_mmio_ops = {
    .read = tlscard_mmio_read,
    .write = tlscard_mmio_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid =
        {
            .min_access_size = 4,
            .max_access_size = 8,
        },
    .impl =
        {
            .min_access_size = 4,
            .max_access_size = 8,
        },
};

/* ---- bus callbacks (model threads) --------------------------------------- */

/*
 * DMA reaches RAM only.  A device address that translates to MMIO (another
 * device's BAR, or this card's own) is a DMA fault: the model calls us with
 * its lock held, and an MMIO handler could call back into the model.
 * Called with the BQL held, so the memory map cannot change before use.
 */
static bool tlscard_dma_is_ram(AddressSpace *as, dma_addr_t addr,
                               dma_addr_t len, bool is_write)
{
	MemTxAttrs attrs = MEMTXATTRS_UNSPECIFIED;

	RCU_READ_LOCK_GUARD();
	while (len) {
		hwaddr xlat, plen = len;
		MemoryRegion *mr;

		/* With a vIOMMU this is where a fault is reported. */
		mr = address_space_translate(as, addr, &xlat, &plen, is_write,
		                             attrs);
		if (!plen || !memory_access_is_direct(mr, is_write, attrs)) {
			return false;
		}
		addr += plen;
		len -= plen;
	}
	return true;
}

static int tlscard_dma_rw(TlsCardState *s, uint64_t addr, void *buf, size_t len,
                          bool is_write)
{
	PCIDevice *pdev = PCI_DEVICE(s);
	MemTxResult res;

	if (addr + len < addr) {
		return -EFAULT;
	}
	tlscard_rcu_enter();
	/* Why the BQL: see "Locking" at the top. */
	BQL_LOCK_GUARD();
	if (!tlscard_dma_is_ram(pci_get_address_space(pdev), addr, len,
	                        is_write)) {
		return -EFAULT;
	}
	res = pci_dma_rw(pdev, addr, buf, len,
	                 is_write ? DMA_DIRECTION_FROM_DEVICE
	                          : DMA_DIRECTION_TO_DEVICE,
	                 MEMTXATTRS_UNSPECIFIED);
	return res == MEMTX_OK ? 0 : -EFAULT;
}

static int tlscard_dma_read(void *opaque, uint64_t addr, void *buf, size_t len)
{
	return tlscard_dma_rw(opaque, addr, buf, len, false);
}

static int tlscard_dma_write(void *opaque, uint64_t addr, const void *buf,
                             size_t len)
{
	/* pci_dma_rw() takes a non-const buffer for both directions. */
	return tlscard_dma_rw(opaque, addr, (void *)buf, len, true);
}

/*
 * Zero copy: a host pointer into guest RAM, used by the model for large
 * payloads.  NULL when the range is not RAM or not contiguous in the host;
 * the model then falls back to tlscard_dma_read/write.
 */
static void *tlscard_dma_map(void *opaque, uint64_t addr, size_t len,
                             bool is_write)
{
	TlsCardState *s = opaque;
	PCIDevice *pdev = PCI_DEVICE(s);
	DMADirection dir =
	    is_write ? DMA_DIRECTION_FROM_DEVICE : DMA_DIRECTION_TO_DEVICE;
	dma_addr_t plen = len;
	void *ptr;

	if (!len || addr + len < addr) {
		return NULL;
	}
	tlscard_rcu_enter();
	BQL_LOCK_GUARD();
	if (!tlscard_dma_is_ram(pci_get_address_space(pdev), addr, len,
	                        is_write)) {
		return NULL;
	}
	ptr = pci_dma_map(pdev, addr, &plen, dir);
	if (ptr && plen < len) {
		pci_dma_unmap(pdev, ptr, plen, dir, 0);
		return NULL;
	}
	return ptr;
}

static void tlscard_dma_unmap(void *opaque, void *ptr, size_t len,
                              bool is_write)
{
	TlsCardState *s = opaque;

	tlscard_rcu_enter();
	BQL_LOCK_GUARD();
	/* access_len = len marks written pages dirty and drops stale TBs. */
	pci_dma_unmap(PCI_DEVICE(s), ptr, len,
	              is_write ? DMA_DIRECTION_FROM_DEVICE
	                       : DMA_DIRECTION_TO_DEVICE,
	              is_write ? len : 0);
}

/*
 * Engine and timer threads call this; it must not block on the BQL, which
 * a vCPU may hold while it waits for the model.  MSI-X is sent from the
 * main loop, under the BQL, by tlscard_irq_bh.
 */
static void tlscard_irq(void *opaque, unsigned vector)
{
	TlsCardState *s = opaque;

	if (vector >= TC_MSIX_VECTORS) {
		return;
	}
	qatomic_or(&s->irq_pending, 1u << vector);
	qemu_bh_schedule(s->irq_bh);
}

static void tlscard_irq_bh(void *opaque)
{
	TlsCardState *s = opaque;
	uint32_t pending = qatomic_xchg(&s->irq_pending, 0);

	while (pending) {
		unsigned vector = ctz32(pending);

		pending &= pending - 1;
		/* Masked or disabled vectors become pending in the PBA. */
		msix_notify(PCI_DEVICE(s), vector);
	}
}

static void tlscard_log(void *opaque, const char *msg)
{
	TlsCardState *s = opaque;

	/* The model logs what the guest driver did wrong (-d guest_errors). */
	tlscard_rcu_enter();
	qemu_log_mask(LOG_GUEST_ERROR, "%s: %s\n", s->name, msg);
}

/* ---- configuration -------------------------------------------------------- */

static void tlscard_spec_append(GString *spec, const char *key, uint64_t val)
{
	g_string_append_printf(spec, "%s%s=%" PRIu64, spec->len ? "," : "", key,
	                       val);
}

/* Scalar properties: 0 means "not set". */
static void tlscard_spec_add(GString *spec, const char *key, uint64_t val)
{
	if (val) {
		tlscard_spec_append(spec, key, val);
	}
}

/*
 * One spec string for the model's parser, so every value is checked in one
 * place: spec= first, then the scalar properties, which win.  In spec=,
 * ':' separates keys as well as ',' (QEMU's -device needs ',,' for ',').
 */
static char *tlscard_build_spec(TlsCardState *s)
{
	GString *spec = g_string_new(s->spec ? s->spec : "");

	g_strdelimit(spec->str, ":", ',');
	tlscard_spec_add(spec, "queues", s->queues);
	tlscard_spec_add(spec, "engines", s->engines);
	tlscard_spec_add(spec, "ring_log2", s->ring_log2);
	tlscard_spec_add(spec, "key_slots", s->key_slots);
	tlscard_spec_add(spec, "blob_slots", s->blob_slots);
	tlscard_spec_add(spec, "max_input", s->max_input);
	tlscard_spec_add(spec, "pke_ops", s->pke_ops);
	tlscard_spec_add(spec, "aead_bps", s->aead_bps);
	tlscard_spec_add(spec, "digest_bps", s->digest_bps);
	tlscard_spec_add(spec, "latency_us", s->latency_us);
	if (s->fault_injection != ON_OFF_AUTO_AUTO) {
		tlscard_spec_append(spec, "fi",
		                    s->fault_injection == ON_OFF_AUTO_ON);
	}
	return g_string_free(spec, false);
}

static bool tlscard_config(TlsCardState *s, struct tc_model_config *cfg,
                           Error **errp)
{
	g_autofree char *spec = tlscard_build_spec(s);
	char err[256] = "";

	tc_model_config_default(cfg);
	if (spec[0] && tc_model_config_parse(cfg, spec, err, sizeof(err)) < 0) {
		error_setg(errp, "tlscard: %s", err);
		error_append_hint(errp, "model spec was \"%s\"\n", spec);
		return false;
	}
	cfg->name = s->name;
	return true;
}

/* ---- PCI device ------------------------------------------------------------ */

static void tlscard_write_config(PCIDevice *pdev, uint32_t addr, uint32_t val,
                                 int len)
{
	pci_default_write_config(pdev, addr, val, len);
	/* Writing DEVCTL.BCR_FLR resets the function (tlscard_reset_hold). */
	pcie_cap_flr_write_config(pdev, addr, val, len);
}

static void tlscard_realize(PCIDevice *pdev, Error **errp)
{
	TlsCardState *s = TLSCARD(pdev);
	DeviceState *dev = DEVICE(pdev);
	struct tc_model_config cfg;
	unsigned vector;
	int ret;

	s->name =
	    dev->id ? g_strdup(dev->id)
	            : g_strdup_printf("tlscard@%02x.%x", PCI_SLOT(pdev->devfn),
	                              PCI_FUNC(pdev->devfn));
	if (!tlscard_config(s, &cfg, errp)) {
		goto err_name;
	}

	pdev->config[PCI_CLASS_PROG] = TC_PCI_CLASS & 0xff;
	ret = pcie_endpoint_cap_init(pdev, TLSCARD_PCIE_CAP_OFFSET);
	if (ret < 0) {
		error_setg_errno(errp, -ret, "tlscard: no PCIe capability");
		goto err_name;
	}
	pcie_cap_flr_init(pdev);

	memory_region_init_io(&s->bar0, OBJECT(s), &tlscard_mmio_ops, s,
	                      "tlscard-regs", TC_BAR0_SIZE);
	/*
	 * BAR0 handlers drop the BQL (see "Locking"), so accesses from several
	 * vCPUs overlap; the model's MMIO is thread-safe.  The guard would
	 * refuse the overlap, and re-entry through DMA cannot happen since
	 * DMA reaches RAM only.
	 */
	s->bar0.disable_reentrancy_guard = true;
	pci_register_bar(pdev, 0,
	                 PCI_BASE_ADDRESS_SPACE_MEMORY |
	                     PCI_BASE_ADDRESS_MEM_TYPE_64,
	                 &s->bar0);

	ret = msix_init_exclusive_bar(pdev, TC_MSIX_VECTORS, TC_MSIX_BAR, errp);
	if (ret < 0) {
		goto err_pcie;
	}
	for (vector = 0; vector < TC_MSIX_VECTORS; vector++) {
		msix_vector_use(pdev, vector);
	}

	qemu_cond_init(&s->users_idle);
	s->irq_bh =
	    qemu_bh_new_guarded(tlscard_irq_bh, s, &dev->mem_reentrancy_guard);
	s->bus = (struct tc_model_bus){
	    .opaque = s,
	    .dma_read = tlscard_dma_read,
	    .dma_write = tlscard_dma_write,
	    .dma_map = tlscard_dma_map,
	    .dma_unmap = tlscard_dma_unmap,
	    .irq = tlscard_irq,
	    .log = tlscard_log,
	};
	ret = tc_model_create(&cfg, &s->bus, &s->model);
	if (ret < 0) {
		error_setg_errno(errp, -ret,
		                 "tlscard: cannot create the model");
		goto err_msix;
	}
	return;

err_msix:
	qemu_bh_delete(s->irq_bh);
	s->irq_bh = NULL;
	qemu_cond_destroy(&s->users_idle);
	msix_uninit_exclusive_bar(pdev);
err_pcie:
	pcie_cap_exit(pdev);
err_name:
	g_free(s->name);
	s->name = NULL;
}

static void tlscard_exit(PCIDevice *pdev)
{
	TlsCardState *s = TLSCARD(pdev);
	struct tc_model *m = s->model;

	/* From here MMIO reads all-ones and drops writes. */
	s->model = NULL;
	while (s->users) {
		qemu_cond_wait_bql(&s->users_idle);
	}
	/* Engines may be waiting for the BQL in a DMA callback: drop it. */
	bql_unlock();
	tc_model_destroy(m);
	bql_lock();

	qemu_bh_delete(s->irq_bh);
	s->irq_bh = NULL;
	qemu_cond_destroy(&s->users_idle);
	msix_uninit_exclusive_bar(pdev);
	pcie_cap_exit(pdev);
	g_free(s->name);
	s->name = NULL;
}

/*
 * System reset and FLR.  Returns once the model is quiescent: in-flight
 * jobs are aborted and no model thread touches guest memory any more.  The
 * PCI core then clears config space, bus mastering and the MSI-X state.
 */
static void tlscard_reset_hold(Object *obj, ResetType type)
{
	TlsCardState *s = TLSCARD(obj);
	struct tc_model *m = tlscard_model_get(s);

	if (!m) {
		return;
	}
	tc_model_reset(m);
	tlscard_model_put(s);
	/* Interrupts raised before the reset are void. */
	qatomic_set(&s->irq_pending, 0);
}

/* The engines' state (jobs in flight, keys, blobs) lives in model threads
 * and is not serialised: a migrated card would lose it silently. */
static const VMStateDescription tlscard_vmstate = {
    .name = TYPE_TLSCARD,
    .unmigratable = 1,
};

static const Property tlscard_properties[] = {
    DEFINE_PROP_UINT32("queues", TlsCardState, queues, 0),
    DEFINE_PROP_UINT32("engines", TlsCardState, engines, 0),
    DEFINE_PROP_UINT32("ring-log2", TlsCardState, ring_log2, 0),
    DEFINE_PROP_UINT32("key-slots", TlsCardState, key_slots, 0),
    DEFINE_PROP_UINT32("blob-slots", TlsCardState, blob_slots, 0),
    DEFINE_PROP_UINT32("max-input", TlsCardState, max_input, 0),
    DEFINE_PROP_ON_OFF_AUTO("fault-injection", TlsCardState, fault_injection,
                            ON_OFF_AUTO_AUTO),
    DEFINE_PROP_STRING("spec", TlsCardState, spec),
    DEFINE_PROP_UINT64("pke-ops", TlsCardState, pke_ops, 0),
    DEFINE_PROP_UINT64("aead-bps", TlsCardState, aead_bps, 0),
    DEFINE_PROP_UINT64("digest-bps", TlsCardState, digest_bps, 0),
    DEFINE_PROP_UINT32("latency-us", TlsCardState, latency_us, 0),
};

static const struct {
	const char *name;
	const char *desc;
} tlscard_property_descs[] = {
    {"queues", "queue pairs, 1..16 (0: model default)"},
    {"engines", "crypto engines (threads), 1..16 (0: model default)"},
    {"ring-log2", "largest ring: 1 << ring-log2 entries (0: default)"},
    {"key-slots", "key slots (0: model default)"},
    {"blob-slots", "blob store slots (0: model default)"},
    {"max-input", "largest record or segment in bytes (0: default)"},
    {"fault-injection", "expose the fault-injection registers"},
    {"spec", "model knobs key=value[:key=value...], e.g. "
             "engines=2:pke_ops=2000:aead_lat_us=50 (docs/qemu.md)"},
    {"pke-ops", "public-key ops/s per engine (0: unlimited)"},
    {"aead-bps", "AEAD bytes/s per engine (0: unlimited)"},
    {"digest-bps", "digest bytes/s per engine (0: unlimited)"},
    {"latency-us", "latency added to every job, us (0: none)"},
};

static void tlscard_class_init(ObjectClass *klass, void *data)
{
	DeviceClass *dc = DEVICE_CLASS(klass);
	PCIDeviceClass *k = PCI_DEVICE_CLASS(klass);
	ResettableClass *rc = RESETTABLE_CLASS(klass);
	size_t i;

	k->realize = tlscard_realize;
	k->exit = tlscard_exit;
	k->config_write = tlscard_write_config;
	k->vendor_id = TC_PCI_VENDOR_ID;
	k->device_id = TC_PCI_DEVICE_ID;
	k->class_id = TC_PCI_CLASS >> 8;
	k->revision = TC_PCI_REVISION;

	rc->phases.hold = tlscard_reset_hold;
	dc->desc = "tlscard TLS offload card (model)";
	dc->vmsd = &tlscard_vmstate;
	set_bit(DEVICE_CATEGORY_MISC, dc->categories);
	device_class_set_props(dc, tlscard_properties);
	for (i = 0; i < ARRAY_SIZE(tlscard_property_descs); i++) {
		object_class_property_set_description(
		    klass, tlscard_property_descs[i].name,
		    tlscard_property_descs[i].desc);
	}
}

static void tlscard_register_types(void)
{
	static InterfaceInfo interfaces[] = {
	    {INTERFACE_PCIE_DEVICE},
	    {},
	};
	static const TypeInfo tlscard_info = {
	    .name = TYPE_TLSCARD,
	    .parent = TYPE_PCI_DEVICE,
	    .instance_size = sizeof(TlsCardState),
	    .class_init = tlscard_class_init,
	    .interfaces = interfaces,
	};

	pthread_key_create(&tlscard_rcu_key, tlscard_rcu_thread_exit);
	type_register_static(&tlscard_info);
}

type_init(tlscard_register_types)
