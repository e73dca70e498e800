// SPDX-License-Identifier: GPL-2.0
/*
 * csb-qtest: the CSB behind an IOMMU (spec 2, 8 with VT-d).
 * On -M q35 with an Intel VT-d that we program as a guest's IOMMU driver
 * would (root and context tables, second-level page tables, register
 * based invalidation, fault records): the CSB's address is an IOVA.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csb-qtest.h"

/* ---- Intel VT-d: what a guest's IOMMU driver does, from the VT-d spec ---- */

/* QEMU's Q35 puts the remapping unit (its ACPI DMAR table says so) here */
#define VTD_BASE	UINT64_C(0xfed90000)
#define VTD_CAP		0x08
#define  VTD_CAP_SAGAW(cap)	(((cap) >> 8) & 0x1f)	/* bit 1: 3 levels, 2: 4 */
#define  VTD_CAP_FRO(cap)	((((cap) >> 24) & 0x3ff) * 16)
#define  VTD_CAP_NFR(cap)	((unsigned int)(((cap) >> 40) & 0xff) + 1)
#define VTD_ECAP	0x10
#define  VTD_ECAP_IRO(ecap)	((((ecap) >> 8) & 0x3ff) * 16)
#define VTD_GCMD	0x18
#define  VTD_GCMD_TE		(1u << 31)
#define  VTD_GCMD_SRTP		(1u << 30)
#define VTD_GSTS	0x1c
#define  VTD_GSTS_TES		(1u << 31)
#define  VTD_GSTS_RTPS		(1u << 30)
#define VTD_RTADDR	0x20
#define VTD_CCMD	0x28
#define  VTD_CCMD_ICC		(UINT64_C(1) << 63)
#define  VTD_CCMD_GLOBAL	(UINT64_C(1) << 61)
#define VTD_FSTS	0x34
#define  VTD_FSTS_PPF		(1u << 1)
#define  VTD_FSTS_PFO		(1u << 0)
/* IOTLB invalidate register, at ECAP.IRO + 8 */
#define  VTD_IOTLB_IVT		(UINT64_C(1) << 63)
#define  VTD_IOTLB_GLOBAL	(UINT64_C(1) << 60)
/* fault recording registers, 16 bytes each from CAP.FRO: the fault info
 * (page address) in bits 63:12, the source id in 79:64, F in bit 127
 */
#define  VTD_FRCD_F		(1u << 31)	/* in the dword at +12 */
/* root and context entries (legacy mode), second-level page tables */
#define VTD_ENTRY_P		UINT64_C(1)
#define VTD_PTE_R		UINT64_C(1)
#define VTD_PTE_W		UINT64_C(2)
#define VTD_PTE_RW		(VTD_PTE_R | VTD_PTE_W)
#define VTD_PAGE		UINT64_C(0x1000)
#define VTD_DOMAIN		1

/* Guest memory for the tables: root table, bus 0's context table, page
 * tables (a page each, handed out in order)
 */
#define VTD_TABLES	UINT64_C(0x500000)
#define VTD_TABLES_LEN	UINT64_C(0x40000)

/* IOVAs of the IOMMU tests: the rings and buffers (0x100000-0x3fffff of
 * RAM) at their guest-physical address + DMA_OFF, a CSB far beyond RAM
 */
#define DMA_OFF		UINT64_C(0x80000000)
#define DMA_REGION	UINT64_C(0x100000)
#define DMA_REGION_LEN	UINT64_C(0x300000)
#define CSB_IOVA	UINT64_C(0x7000000000)	/* < 2^39, the 3-level limit */
#define CSB_DECOY	UINT64_C(0x130000)	/* an IOVA that is a RAM address too */

static uint32_t vtd_r32(struct t *c, uint32_t off)
{
	return qts_readl(c->q, VTD_BASE + off);
}

static void vtd_w32(struct t *c, uint32_t off, uint32_t v)
{
	qts_writel(c->q, VTD_BASE + off, v);
}

static uint64_t vtd_r64(struct t *c, uint32_t off)
{
	return qts_readq(c->q, VTD_BASE + off);
}

static void vtd_w64(struct t *c, uint32_t off, uint64_t v)
{
	qts_writeq(c->q, VTD_BASE + off, v);
}

/* Our NIC's requester id: bus 0, device c->dev, function 0. */
static uint16_t vtd_sid(struct t *c)
{
	return (uint16_t)(c->dev << 3);
}

/* Write GCMD (persistent TE plus a command) and wait for GSTS to agree. */
static void vtd_command(struct t *c, uint32_t cmd, uint32_t sts_mask, uint32_t sts_want)
{
	uint32_t st = 0;

	vtd_w32(c, VTD_GCMD, (c->vtd_te ? VTD_GCMD_TE : 0) | cmd);
	REQUIRE(c, wait32(c, VTD_BASE + VTD_GSTS, sts_mask, sts_want, 5000, &st),
		"VT-d: GCMD 0x%x: GSTS 0x%x", cmd, st);
}

/* Global context-cache and IOTLB invalidation (register based). */
static void vtd_flush(struct t *c)
{
	uint64_t end = now_ms() + 5000;

	vtd_w64(c, VTD_CCMD, VTD_CCMD_ICC | VTD_CCMD_GLOBAL);
	while (vtd_r64(c, VTD_CCMD) & VTD_CCMD_ICC)
		REQUIRE(c, now_ms() < end, "VT-d: context-cache invalidation never completed");
	vtd_w64(c, c->vtd_iotlb, VTD_IOTLB_IVT | VTD_IOTLB_GLOBAL);
	while (vtd_r64(c, c->vtd_iotlb) & VTD_IOTLB_IVT)
		REQUIRE(c, now_ms() < end, "VT-d: IOTLB invalidation never completed");
}

static uint64_t vtd_alloc(struct t *c)
{
	uint64_t page = c->vtd_next;

	REQUIRE(c, page < VTD_TABLES + VTD_TABLES_LEN, "VT-d: out of table pages");
	c->vtd_next += VTD_PAGE;
	return page;
}

/* The address of the leaf entry for iova (tables created on the way if
 * create, else 0 when there is none).
 */
static uint64_t vtd_leaf(struct t *c, uint64_t iova, bool create)
{
	uint64_t table = c->vtd_slpt;

	for (unsigned int level = c->vtd_levels; level > 1; level--) {
		uint64_t slot = table + ((iova >> (12 + 9 * (level - 1))) & 511) * 8;
		uint64_t e = qts_readq(c->q, slot);

		if (!(e & VTD_PTE_RW)) {
			if (!create)
				return 0;
			e = vtd_alloc(c) | VTD_PTE_RW;
			qts_writeq(c->q, slot, e);
		}
		table = e & ~(VTD_PAGE - 1) & ((UINT64_C(1) << 52) - 1);
	}
	return table + ((iova >> 12) & 511) * 8;
}

/* Map [iova, iova + len) to [gpa, gpa + len) with perm (0: unmap); the
 * caller flushes.
 */
static void vtd_map(struct t *c, uint64_t iova, uint64_t gpa, uint64_t len, uint64_t perm)
{
	for (uint64_t off = 0; off < len; off += VTD_PAGE) {
		uint64_t leaf = vtd_leaf(c, iova + off, perm != 0);

		if (leaf)
			qts_writeq(c->q, leaf, perm ? (gpa + off) | perm : 0);
	}
}

/* Look for a recorded fault from our NIC at the page of iova; clear all. */
static bool vtd_fault_seen(struct t *c, uint64_t iova)
{
	bool seen = false;

	for (unsigned int i = 0; i < c->vtd_nfr; i++) {
		uint32_t off = c->vtd_frcd + 16 * i;
		uint32_t hi = vtd_r32(c, off + 12);
		uint64_t fi = vtd_r64(c, off) & ~(VTD_PAGE - 1);
		uint16_t sid = (uint16_t)vtd_r32(c, off + 8);

		if (!(hi & VTD_FRCD_F))
			continue;
		note(c, "VT-d fault record %u: source %02x:%02x.%u, page 0x%" PRIx64
		     ", reason 0x%x", i, sid >> 8, (sid >> 3) & 31, sid & 7, fi,
		     vtd_r32(c, off + 12) & 0xff);
		seen |= sid == vtd_sid(c) && fi == (iova & ~(VTD_PAGE - 1));
		vtd_w32(c, off + 12, VTD_FRCD_F);	/* write 1 to clear */
	}
	vtd_w32(c, VTD_FSTS, VTD_FSTS_PFO);
	return seen;
}

static bool vtd_faults_pending(struct t *c)
{
	return vtd_r32(c, VTD_FSTS) & (VTD_FSTS_PPF | VTD_FSTS_PFO);
}

/*
 * Program the remapping unit for our NIC: a root table with bus 0, a
 * context entry for 00:dev.0 (domain 1, translated through a 3-level
 * second-level page table), the root table pointer latched, caches
 * invalidated. Translation stays off until vtd_translate(c, true).
 */
static void vtd_setup(struct t *c)
{
	uint64_t cap = vtd_r64(c, VTD_CAP), ecap = vtd_r64(c, VTD_ECAP);
	uint64_t root, ctx;

	REQUIRE(c, cap != 0 && cap != ~UINT64_C(0), "no VT-d registers at 0x%" PRIx64
		" (CAP 0x%" PRIx64 ")", VTD_BASE, cap);
	REQUIRE(c, VTD_CAP_SAGAW(cap) & 2,
		"VT-d does not do 3-level (39-bit) tables: CAP 0x%" PRIx64, cap);
	c->vtd_levels = 3;
	c->vtd_frcd = VTD_CAP_FRO(cap);
	c->vtd_nfr = VTD_CAP_NFR(cap);
	c->vtd_iotlb = VTD_ECAP_IRO(ecap) + 8;
	c->vtd_te = false;
	qts_memset(c->q, VTD_TABLES, 0, VTD_TABLES_LEN);
	c->vtd_next = VTD_TABLES;
	root = vtd_alloc(c);
	ctx = vtd_alloc(c);
	c->vtd_slpt = vtd_alloc(c);
	qts_writeq(c->q, root, ctx | VTD_ENTRY_P);		/* bus 0 */
	/* context entry: page table, TT = 0 (translate), P; AW = 1 (39 bits) */
	qts_writeq(c->q, ctx + 16 * vtd_sid(c), c->vtd_slpt | VTD_ENTRY_P);
	qts_writeq(c->q, ctx + 16 * vtd_sid(c) + 8, (c->vtd_levels - 2) | VTD_DOMAIN << 8);
	vtd_w64(c, VTD_RTADDR, root);
	vtd_command(c, VTD_GCMD_SRTP, VTD_GSTS_RTPS, VTD_GSTS_RTPS);
	vtd_flush(c);
	note(c, "VT-d: CAP 0x%" PRIx64 " ECAP 0x%" PRIx64 ", source id 0x%04x", cap, ecap,
	     vtd_sid(c));
}

static void vtd_translate(struct t *c, bool on)
{
	c->vtd_te = on;
	vtd_command(c, 0, VTD_GSTS_TES, on ? VTD_GSTS_TES : 0);
}

/*
 * The IOMMU tests' machine: Q35 with an Intel VT-d, the NIC's remapping
 * programmed, the rings and buffers mapped at their address + DMA_OFF
 * and used there (translation on if on).
 */
static void iommu_up(struct t *c, const char *extra_props, bool on)
{
	c->q35 = true;
	c->iommu = "";
	qemu_up(c, extra_props);
	need_csb(c, CSB_F_ALL);
	vtd_setup(c);
	vtd_map(c, DMA_REGION + DMA_OFF, DMA_REGION, DMA_REGION_LEN, VTD_PTE_RW);
	vtd_flush(c);
	if (on) {
		vtd_translate(c, true);
		c->dma_off = DMA_OFF;
	}
}

/* ---- the CSB behind an IOMMU (spec 2: the address is an IOVA) ---- */

/* Fill a 4 KiB page with a byte; does it still hold only that byte? */
static void page_fill(struct t *c, uint64_t gpa, uint8_t v)
{
	qts_memset(c->q, gpa, v, VTD_PAGE);
}

static bool page_intact(struct t *c, uint64_t gpa, uint8_t v, size_t *where)
{
	uint8_t buf[VTD_PAGE];

	qts_memread(c->q, gpa, buf, sizeof(buf));
	for (size_t i = 0; i < sizeof(buf); i++)
		if (buf[i] != v) {
			*where = i;
			return false;
		}
	return true;
}

/* Map CSB_IOVA to CSB_A, prepare the block there and enable it at the
 * IOVA with features; returns STATUS.
 */
static uint32_t iommu_csb_enable(struct t *c, uint32_t features)
{
	vtd_map(c, CSB_IOVA, CSB_A, VTD_PAGE, VTD_PTE_RW);
	vtd_flush(c);
	csb_prepare(c, CSB_A, 0, 0);
	return csb_enable_raw(c, CSB_IOVA, features, CSB_ENABLE_V1);
}

/* Enable the CSB at CSB_IOVA, mapped to CSB_A, with F_TX and F_RX. */
static void iommu_csb_on(struct t *c)
{
	uint32_t st = iommu_csb_enable(c, CSB_F_TX | CSB_F_RX);

	REQUIRE(c, st == CSB_STATUS_ACTIVE, "enable at IOVA 0x%" PRIx64
		" (mapped to 0x%" PRIx64 "): STATUS 0x%x", CSB_IOVA, CSB_A, st);
}

/* The same with every feature; what: the step, for the failure. */
static void iommu_csb_on_all(struct t *c, const char *what)
{
	uint32_t st = iommu_csb_enable(c, CSB_F_ALL);

	REQUIRE(c, st == CSB_STATUS_ACTIVE, "%s: STATUS 0x%x", what, st);
}

/* TX behind VT-d: tails read, heads written through the translation; a
 * requested TX interrupt (tx_irq read through it), none unrequested.
 */
static void iommu_dma_tx(struct t *c)
{
	c->tx_seq = 1;
	for (unsigned int i = 0; i < 6; i++)
		if (!csb_tx_batch(c, 1 + i % 4))
			bail(c);
	csbf_w(c, CSB_TX_IRQ, CSB_NOTIFY | c->tx_tail);
	csb_tx_batch(c, 2);
	CHECK(c, wait_irq(c, true, 3000), "no TX interrupt: tx_irq = NOTIFY|head behind VT-d");
	(void)r32(c, E1K_ICR);
	csbf_w(c, CSB_TX_IRQ, 0);
	csb_tx_batch(c, 1);
	settle(c, 50);
	CHECK(c, !qts_irq(c->q, c->irq), "TX interrupt with tx_irq = 0 behind VT-d");
}

/* RX behind VT-d: buffers handed over in rx_tail, frames DMAed into
 * them, a requested RX interrupt; starvation: rx_kick written through
 * the translation, then a kick.
 */
static void iommu_dma_rx(struct t *c)
{
	uint32_t v, k;

	csbf_w(c, CSB_RX_IRQ, CSB_NOTIFY | 0);
	for (unsigned int i = 0; i < 4; i++)
		inject(c, 100 + i, frame_len(100 + i));
	for (unsigned int i = 0; i < 4; i++)
		if (wait_rx(c, i, 5000))
			check_rx(c, i, 100 + i, frame_len(100 + i));
		else
			record(c, __LINE__, "RX descriptor %u: no frame behind VT-d", i);
	CHECK(c, wait_csbf(c, CSB_RX_HEAD, ~0u, 4, 5000, &v), "rx_head = %u, expected 4", v);
	CHECK(c, wait_irq(c, true, 3000), "no RX interrupt: rx_irq = NOTIFY|0 behind VT-d");
	(void)r32(c, E1K_ICR);
	/* 4 more fill the buffers up to rx_tail 8; the 5th starves:
	 * rx_kick written through the translation, then a kick
	 */
	for (unsigned int i = 4; i < 9; i++)
		inject(c, 100 + i, frame_len(100 + i));
	CHECK(c, wait_csbf(c, CSB_RX_KICK, ~0u, CSB_NOTIFY | 15, 5000, &k),
	      "starved: rx_kick = 0x%x, expected NOTIFY|15 (half the ring ahead of RDH 8)", k);
	CHECK(c, csb_rx_publish(c, 0), "rx_kick asked for index 15: publishing 8..15 needs a kick");
	for (unsigned int i = 4; i < 9; i++)
		if (wait_rx(c, i, 5000))
			check_rx(c, i, 100 + i, frame_len(100 + i));
		else
			record(c, __LINE__, "no frame in RX descriptor %u behind VT-d", i);
}

/* An IOVA that is also a RAM address: the device uses CSB_B, which the
 * IOVA maps to, never the page at the IOVA's own address.
 */
static void iommu_dma_decoy(struct t *c)
{
	uint32_t st;
	size_t where;

	page_fill(c, CSB_DECOY, 0x5a);
	vtd_map(c, CSB_DECOY, CSB_B, VTD_PAGE, VTD_PTE_RW);
	vtd_flush(c);
	csb_prepare(c, CSB_B, 0, 0);
	st = csb_enable_raw(c, CSB_DECOY, CSB_F_ALL, CSB_ENABLE_V1);
	REQUIRE(c, st == CSB_STATUS_ACTIVE, "enable at IOVA 0x%" PRIx64 " (mapped to 0x%"
		PRIx64 "): STATUS 0x%x", CSB_DECOY, CSB_B, st);
	if (!csb_tx_batch(c, 3))
		bail(c);
	csb_rx_publish(c, (c->rx_tail + 4) % c->rx_n);
	csb_off(c);
	CHECK(c, page_intact(c, CSB_DECOY, 0x5a, &where), "the page at guest-physical 0x%"
	      PRIx64 " (also the CSB's IOVA) was written at offset 0x%zx", CSB_DECOY, where);
}

/* 2, 3, 5, 6, 7. Everything the device reads and writes goes through VT-d:
 * rings and buffers at IOVAs 2 GiB above their guest-physical address,
 * the CSB at an IOVA beyond RAM (untranslated, it would be refused with
 * ADDR), then at an IOVA that is also a RAM address (which must stay
 * untouched: the device uses the page the IOVA maps to).
 */
void test_iommu_dma(struct t *c)
{
	uint32_t st, v;

	iommu_up(c, NULL, true);
	vtd_map(c, CSB_IOVA, CSB_A, VTD_PAGE, VTD_PTE_RW);
	vtd_flush(c);
	rings_setup(c, 16, 16, 8);
	w32(c, E1K_IMS, E1K_ICR_TX_CAUSES | E1K_ICR_RX_CAUSES);
	csb_prepare(c, CSB_A, 0, 0);
	csbf_w(c, CSB_STATUS_MIRROR, 0xdeadbeef);
	st = csb_enable_raw(c, CSB_IOVA, CSB_F_ALL, CSB_ENABLE_V1);
	REQUIRE(c, st == CSB_STATUS_ACTIVE, "enable at IOVA 0x%" PRIx64 " (mapped to 0x%"
		PRIx64 "): STATUS 0x%x (error %s)", CSB_IOVA, CSB_A, st, err_name(st_err(st)));
	v = csbf(c, CSB_STATUS_MIRROR);
	CHECK(c, v == r32(c, E1K_STATUS), "status mirror at guest-physical 0x%" PRIx64
	      " is 0x%x, STATUS 0x%x: the device did not write the page the IOVA maps to",
	      CSB_A, v, r32(c, E1K_STATUS));
	iommu_dma_tx(c);
	iommu_dma_rx(c);
	st = csb_reg_r(c, CSB_REG_STATUS);
	CHECK(c, st == CSB_STATUS_ACTIVE, "STATUS 0x%x after TX and RX behind VT-d", st);
	CHECK(c, !vtd_faults_pending(c), "VT-d recorded faults (FSTS 0x%x)",
	      vtd_r32(c, VTD_FSTS));
	csb_off(c);
	CHECK(c, r32(c, E1K_TDT) == c->tx_tail, "TDT = %u after disable, expected tx_tail %u",
	      r32(c, E1K_TDT), c->tx_tail);
	iommu_dma_decoy(c);
	CHECK(c, !vtd_faults_pending(c), "VT-d recorded faults (FSTS 0x%x)",
	      vtd_r32(c, VTD_FSTS));
	check_alive(c, "the CSB behind VT-d");
}

/* Enable refused with ADDR for IOVAs VT-d does not let the device read
 * and write, with a fault recorded for our NIC at that page where QEMU's
 * VT-d records one; the page behind the IOVA untouched.
 */
static void iommu_refusals(struct t *c)
{
	static const struct {
		uint64_t iova, gpa, perm;
		const char *what;
		bool fault;
	} bad[] = {
		{ CSB_IOVA + 0x10000, 0, 0, "not mapped", true },
		/* the read succeeds and fills VT-d's IOTLB, whose entry then
		 * denies the write: QEMU's VT-d records no fault for that
		 */
		{ CSB_IOVA + 0x20000, CSB_B, VTD_PTE_R, "mapped read-only", false },
		{ CSB_IOVA + 0x30000, CSB_B, VTD_PTE_W, "mapped write-only", true },
		{ UINT64_C(0x8000000000), 0, 0, "beyond the 39-bit address width", true },
		{ UINT64_C(0xfee00000), 0, 0, "in the interrupt window", false },
	};
	uint32_t st;
	size_t where;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (bad[i].perm)
			vtd_map(c, bad[i].iova, bad[i].gpa, VTD_PAGE, bad[i].perm);
		vtd_flush(c);
		page_fill(c, CSB_B, 0x5a);
		st = csb_enable_raw(c, bad[i].iova, CSB_F_ALL, CSB_ENABLE_V1);
		CHECK(c, !st_active(st) && st_err(st) == CSB_ERR_ADDR,
		      "CSB at IOVA 0x%" PRIx64 " (%s): STATUS 0x%x (%s), expected ADDR",
		      bad[i].iova, bad[i].what, st, err_name(st_err(st)));
		check_enable_cleared(c, bad[i].what);
		CHECK(c, page_intact(c, CSB_B, 0x5a, &where),
		      "refused CSB (%s): the page behind the IOVA was written at offset 0x%zx",
		      bad[i].what, where);
		if (bad[i].fault)
			CHECK(c, vtd_fault_seen(c, bad[i].iova), "CSB at IOVA 0x%" PRIx64
			      " (%s): no VT-d fault recorded for 00:%02x.0 at that page",
			      bad[i].iova, bad[i].what, c->dev);
		else
			(void)vtd_fault_seen(c, bad[i].iova);
	}
}

/* Active, then the IOVA unmapped and the IOTLB invalidated: ADDR at the
 * next kick, a fault, the page never written again, plain mode goes on.
 */
static void iommu_unmap_active(struct t *c)
{
	uint32_t v;

	iommu_csb_on_all(c, "enable at a mapped IOVA");
	c->tx_seq = 1;
	if (!csb_tx_batch(c, 2))
		bail(c);
	vtd_map(c, CSB_IOVA, 0, VTD_PAGE, 0);
	vtd_flush(c);
	/* the guest keeps its side of the page; the device must not write it */
	csbf_w(c, CSB_TX_HEAD, 0xa5a5a5a5u);
	csbf_w(c, CSB_RX_HEAD, 0xa5a5a5a5u);
	csbf_w(c, CSB_ICR, 0xa5a5a5a5u);
	csbf_w(c, CSB_STATUS_MIRROR, 0xa5a5a5a5u);
	tx_fill(c, 2, c->tx_seq);
	csbf_w(c, CSB_TX_TAIL, 3);
	csb_reg_w(c, CSB_REG_KICK, CSB_KICK_TX);
	expect_dropped(c, CSB_ERR_ADDR, "the CSB's IOVA unmapped under it, then a kick");
	CHECK(c, vtd_fault_seen(c, CSB_IOVA), "no VT-d fault recorded for the unmapped CSB");
	CHECK(c, r32(c, E1K_TDT) == 2, "TDT = %u, expected the last valid tail 2",
	      r32(c, E1K_TDT));
	expect_quiet(c, 100, "kick with the CSB unmapped");
	inject(c, 1, 100);		/* RX sees the CSB gone too */
	w32(c, E1K_ICS, E1K_ICR_LSC);	/* an ICR change: the icr mirror */
	settle(c, 50);
	(void)r32(c, E1K_ICR);
	v = csbf(c, CSB_TX_HEAD) & csbf(c, CSB_RX_HEAD) & csbf(c, CSB_ICR) &
	    csbf(c, CSB_STATUS_MIRROR);
	CHECK(c, v == 0xa5a5a5a5u,
	      "the device wrote the CSB's page after its IOVA was unmapped (tx_head 0x%x rx_head 0x%x icr 0x%x status 0x%x)",
	      csbf(c, CSB_TX_HEAD), csbf(c, CSB_RX_HEAD), csbf(c, CSB_ICR),
	      csbf(c, CSB_STATUS_MIRROR));
	/* plain mode goes on from the registers, through the rings' mapping */
	w32(c, E1K_TDT, 3);
	expect_tx(c, c->tx_seq, 1, 5000);
	c->tx_seq++;
	c->tx_tail = 3;
}

/* Active again; the IOVA moved to another page (as a guest may do
 * between an unmap and a map): the device follows the new mapping and
 * leaves the old page alone.
 */
static void iommu_remap(struct t *c)
{
	uint32_t st, k;
	size_t where;

	iommu_csb_on_all(c, "re-enable at the IOVA");
	if (!csb_tx_batch(c, 2))
		bail(c);
	/* the guest moves the block while the device leaves it alone: once
	 * the TX thread has asked for a kick (after its csb-poll-us), so
	 * that no write of tx_kick to the old page, nor a poll read of it,
	 * races with the copy
	 */
	CHECK(c, wait_csbf(c, CSB_TX_KICK, ~0u, CSB_NOTIFY | c->tx_tail, 5000, &k),
	      "before the move: tx_kick = 0x%x, expected NOTIFY|%u", k, c->tx_tail);
	{
		uint8_t blk[CSB_SIZE];

		qts_memread(c->q, CSB_A, blk, sizeof(blk));
		qts_memwrite(c->q, CSB_B, blk, sizeof(blk));
	}
	page_fill(c, CSB_A, 0x5a);
	vtd_map(c, CSB_IOVA, CSB_B, VTD_PAGE, VTD_PTE_RW);
	vtd_flush(c);
	c->csb = CSB_B;
	for (unsigned int i = 0; i < 3; i++)
		if (!csb_tx_batch(c, 2))
			bail(c);
	st = csb_reg_r(c, CSB_REG_STATUS);
	CHECK(c, st == CSB_STATUS_ACTIVE, "STATUS 0x%x after the IOVA moved", st);
	CHECK(c, page_intact(c, CSB_A, 0x5a, &where),
	      "the CSB's old page was written at offset 0x%zx after its IOVA was mapped elsewhere and the IOTLB invalidated",
	      where);
}

/* 2, 8. Refusals with ADDR for IOVAs the device cannot read and write, a
 * fault recorded with our requester id; the mapping removed (and the
 * IOTLB invalidated) under an active CSB: ADDR, never touched again;
 * the mapping moved to another page: the device follows it.
 */
void test_iommu_faults(struct t *c)
{
	iommu_up(c, NULL, true);
	rings_setup(c, 16, 16, 8);
	iommu_refusals(c);
	iommu_unmap_active(c);
	iommu_remap(c);
	CHECK(c, !vtd_faults_pending(c), "VT-d recorded faults (FSTS 0x%x)",
	      vtd_r32(c, VTD_FSTS));
	csb_off(c);
	check_alive(c, "IOVAs unmapped and moved");
}

/* Translation on, the CSB's address not mapped as an IOVA: ADDR at
 * once (the rings are not mapped either: nothing else must move).
 */
static void iommu_switch_unmapped(struct t *c)
{
	uint32_t st;

	vtd_translate(c, true);
	st = csb_reg_r(c, CSB_REG_STATUS);
	CHECK(c, !st_active(st) && st_err(st) == CSB_ERR_ADDR,
	      "translation on, the CSB's address unmapped: STATUS 0x%x (%s), expected ADDR",
	      st, err_name(st_err(st)));
	check_enable_cleared(c, "translation turned on");
	(void)vtd_fault_seen(c, CSB_A);
	vtd_translate(c, false);
}

/* Identity-mapped: stays active when translation goes on; behind VT-d
 * the TX thread polls too (one translated read at a time, with the BQL):
 * 10 back-to-back publishes inside its 100 ms budget are found by
 * polling, without kicks.
 */
static void iommu_switch_identity(struct t *c)
{
	unsigned long kicks;
	uint64_t spins;
	uint32_t st;

	vtd_map(c, CSB_A, CSB_A, VTD_PAGE, VTD_PTE_RW);
	vtd_map(c, DMA_REGION, DMA_REGION, DMA_REGION_LEN, VTD_PTE_RW);
	vtd_flush(c);
	rings_setup(c, 16, 16, 8);
	csb_on(c, CSB_F_ALL, 0, 0);
	if (!csb_tx_batch(c, 2))
		bail(c);
	vtd_translate(c, true);
	st = csb_reg_r(c, CSB_REG_STATUS);
	CHECK(c, st == CSB_STATUS_ACTIVE,
	      "translation on, the CSB identity-mapped: STATUS 0x%x", st);
	if (!csb_tx_batch(c, 1))
		bail(c);
	spins = nic_stat(c, "x-stat-csb-tx-spin-hits");
	kicks = c->tx_kicks;
	for (unsigned int i = 0; i < 10; i++)
		if (!csb_tx_batch(c, 1))
			bail(c);
	spins = nic_stat(c, "x-stat-csb-tx-spin-hits") - spins;
	note(c, "translation on: %" PRIu64 " of 10 publishes found by polling, %lu kicks",
	     spins, c->tx_kicks - kicks);
	CHECK(c, spins > 0 && c->tx_kicks - kicks < 10,
	      "csb-poll-us=100000 behind VT-d: %" PRIu64
	      " spin hits and %lu kicks in 10 back-to-back publishes: the TX thread did not poll the translated CSB",
	      spins, c->tx_kicks - kicks);
	CHECK(c, !vtd_faults_pending(c),
	      "VT-d recorded faults while the TX thread polled (FSTS 0x%x)", vtd_r32(c, VTD_FSTS));
}

/* The CSB's IOVA unmapped while the thread polls through it: one fault,
 * the CSB disabled with ADDR, its page never written again.
 */
static void iommu_switch_unmap_polling(struct t *c)
{
	if (!csb_tx_batch(c, 1))
		bail(c);
	vtd_map(c, CSB_A, 0, VTD_PAGE, 0);
	vtd_flush(c);
	csbf_w(c, CSB_TX_HEAD, 0xa5a5a5a5u);
	/* a host too slow to unmap within the 100 ms budget: the thread
	 * asked for a kick before the unmap (after it, that write fails)
	 */
	if (csbf(c, CSB_TX_KICK) & CSB_NOTIFY) {
		note(c, "the TX thread slept before the unmap: kicking it");
		csb_reg_w(c, CSB_REG_KICK, CSB_KICK_TX);
	}
	expect_dropped(c, CSB_ERR_ADDR,
		       "the CSB's IOVA unmapped under the polling TX thread");
	CHECK(c, vtd_fault_seen(c, CSB_A),
	      "no VT-d fault recorded for the CSB unmapped under the polling thread");
	settle(c, 50);
	CHECK(c, csbf(c, CSB_TX_HEAD) == 0xa5a5a5a5u,
	      "the device wrote the CSB's page after its IOVA was unmapped (tx_head 0x%x)",
	      csbf(c, CSB_TX_HEAD));
	CHECK(c, r32(c, E1K_TDT) == c->tx_tail, "TDT = %u, expected the last valid tail %u",
	      r32(c, E1K_TDT), c->tx_tail);
}

/* 2, 9. Translation turned on and off under an active CSB (the NIC's
 * address space switches between RAM and VT-d), and the TX thread
 * polling through the translation, also while the CSB's IOVA goes away.
 */
void test_iommu_switch(struct t *c)
{
	uint32_t st;

	/* VT-d present, translation off: the address is guest-physical */
	iommu_up(c, "csb-poll-us=100000", false);
	rings_setup(c, 16, 16, 8);
	csb_on(c, CSB_F_ALL, 0, 0);
	c->tx_seq = 1;
	for (unsigned int i = 0; i < 4; i++)
		if (!csb_tx_batch(c, 1))
			bail(c);
	note(c, "translation off: %" PRIu64 " TX spin hits",
	     nic_stat(c, "x-stat-csb-tx-spin-hits"));
	iommu_switch_unmapped(c);
	iommu_switch_identity(c);
	iommu_switch_unmap_polling(c);
	/* identity-mapped again: active through translation going off */
	vtd_map(c, CSB_A, CSB_A, VTD_PAGE, VTD_PTE_RW);
	vtd_flush(c);
	csb_prepare(c, CSB_A, 0, 0);
	st = csb_enable_raw(c, CSB_A, CSB_F_ALL, CSB_ENABLE_V1);
	REQUIRE(c, st == CSB_STATUS_ACTIVE, "re-enable behind VT-d: STATUS 0x%x", st);
	vtd_translate(c, false);
	st = csb_reg_r(c, CSB_REG_STATUS);
	CHECK(c, st == CSB_STATUS_ACTIVE, "translation off again: STATUS 0x%x", st);
	for (unsigned int i = 0; i < 3; i++)
		if (!csb_tx_batch(c, 1))
			bail(c);
	CHECK(c, !vtd_faults_pending(c), "VT-d recorded faults (FSTS 0x%x)",
	      vtd_r32(c, VTD_FSTS));
	csb_off(c);
	check_alive(c, "translation switched under the CSB");
}

/* 4, 5, 6, 8. A kick that finds the CSB gone (its IOVA unmapped: ADDR)
 * was a TDT or RDT write with the guest's new tail: TDT or RDT takes that
 * value, which is newer than the last tail read from the CSB, and the
 * device goes on as a plain e1000 given that doorbell: the frame held
 * for RX buffers is received, the TX frames go out.
 */
void test_iommu_drop_flush(struct t *c)
{
	uint32_t k;

	iommu_up(c, "csb-poll-us=0", true);
	rings_setup(c, 16, 16, 0);
	iommu_csb_on(c);
	c->tx_seq = 1;
	if (!csb_tx_batch(c, 2))
		bail(c);
	tx_thread_asleep(c);

	/* RX: a frame waits, the IOVA goes, the guest gives 4 buffers and
	 * kicks with RDT = 4
	 */
	inject(c, 100, 200);
	CHECK(c, wait_csbf(c, CSB_RX_KICK, ~0u, CSB_NOTIFY | 7, 5000, &k),
	      "a frame and no RX buffers: rx_kick = 0x%x, expected NOTIFY|7", k);
	vtd_map(c, CSB_IOVA, 0, VTD_PAGE, 0);
	vtd_flush(c);
	csbf_w(c, CSB_RX_TAIL, 4);
	w32(c, E1K_RDT, 4);
	expect_dropped(c, CSB_ERR_ADDR, "the CSB's IOVA unmapped, then RDT = 4");
	(void)vtd_fault_seen(c, CSB_IOVA);
	CHECK(c, r32(c, E1K_RDT) == 4, "RDT = %u after the drop, expected the 4 written",
	      r32(c, E1K_RDT));
	expect_held_rx(c, __LINE__, "RDT = 4 dropped the CSB");

	/* TX: the same with TDT = 5 */
	iommu_csb_on(c);
	tx_thread_asleep(c);
	vtd_map(c, CSB_IOVA, 0, VTD_PAGE, 0);
	vtd_flush(c);
	for (unsigned int i = 2; i < 5; i++)
		tx_fill(c, i, c->tx_seq + i - 2);
	csbf_w(c, CSB_TX_TAIL, 5);
	w32(c, E1K_TDT, 5);
	expect_dropped(c, CSB_ERR_ADDR, "the CSB's IOVA unmapped, then TDT = 5");
	(void)vtd_fault_seen(c, CSB_IOVA);
	if (!expect_tx(c, c->tx_seq, 3, 1000))
		record(c, __LINE__,
		       "the 3 frames of TDT = 5 were not sent after it dropped the CSB (TDH %u, TDT %u)",
		       r32(c, E1K_TDH), r32(c, E1K_TDT));
	c->tx_seq += 3;
	CHECK(c, r32(c, E1K_TDT) == 5 && r32(c, E1K_TDH) == 5, "TDT %u, TDH %u, expected 5 and 5",
	      r32(c, E1K_TDT), r32(c, E1K_TDH));
	check_alive(c, "drops at a doorbell");
}

/* Wait, with QMP only (no MMIO), until QOM counter prop exceeds than. */
static bool wait_stat_above(struct t *c, const char *prop, uint64_t than, int ms)
{
	uint64_t end = now_ms() + (uint64_t)ms;

	while (nic_stat(c, prop) <= than) {
		if (now_ms() >= end)
			return false;
		sleep_ms(2);
	}
	return true;
}

/*
 * Make the device touch the CSB by what(c) with its IOVA mapped onto the
 * MMIO page at gpa: it must drop the CSB with ADDR, and make no access
 * to its own registers meanwhile (the QOM counters count those, whoever
 * makes them; we make none until the drop is seen, through QMP).
 */
static void csb_on_mmio(struct t *c, uint64_t gpa, void (*what)(struct t *c),
			const char *why)
{
	uint64_t errors = nic_stat(c, "x-stat-csb-errors");
	uint64_t other = nic_stat(c, "x-stat-other-accesses");
	uint64_t irq = nic_stat(c, "x-stat-irq-reg-accesses");

	/* VT-d's registers and guest memory: not the NIC's counters */
	vtd_map(c, CSB_IOVA, gpa, VTD_PAGE, VTD_PTE_RW);
	vtd_flush(c);
	what(c);
	CHECK(c, wait_stat_above(c, "x-stat-csb-errors", errors, 3000),
	      "%s, the CSB's IOVA mapped onto MMIO at 0x%" PRIx64 ": the CSB was not dropped",
	      why, gpa);
	other = nic_stat(c, "x-stat-other-accesses") - other;
	irq = nic_stat(c, "x-stat-irq-reg-accesses") - irq;
	CHECK(c, !other && !irq, "%s: the device made %" PRIu64 " + %" PRIu64
	      " accesses to its own registers (the CSB's IOVA mapped onto its BAR0)",
	      why, other, irq);
	expect_dropped(c, CSB_ERR_ADDR, why);
	if (st_active(csb_reg_r(c, CSB_REG_STATUS)))
		csb_reg_w(c, CSB_REG_CTRL, 0);	/* for the next round */
}

static void link_down(struct t *c)
{
	qts_qmp_ok(c->q,
		   "{\"execute\": \"set_link\", \"arguments\": {\"name\": \"nic0\", \"up\": false}}");
}

static void vm_cont(struct t *c)
{
	vm_run(c, true);
}

static void kick_tx(struct t *c)
{
	csb_reg_w(c, CSB_REG_KICK, CSB_KICK_TX);
}

/* The TX thread polls (its next read finds the remap), or it slept
 * already (on a slow host): then a kick reads the block.
 */
static void poll_or_kick(struct t *c)
{
	if (csbf(c, CSB_TX_KICK) & CSB_NOTIFY) {
		note(c, "the TX thread slept before the remap: a kick instead");
		kick_tx(c);
	}
}

#define VTD_FEADDR	0x40

/* 2, 8. The CSB's IOVA remapped onto MMIO under an active CSB (the NIC's
 * own registers, the VT-d unit's): every access to the block reaches RAM
 * or drops the CSB with ADDR, whatever path makes it (a QMP command on
 * the main loop, the TX thread, a register write of the guest).
 */
void test_iommu_mmio(struct t *c)
{
	uint32_t st, fe[2];

	iommu_up(c, "csb-poll-us=0", true);
	rings_setup(c, 16, 16, 8);
	vtd_map(c, CSB_IOVA + 0x10000, c->bar0, VTD_PAGE, VTD_PTE_RW);
	vtd_flush(c);
	st = csb_enable_raw(c, CSB_IOVA + 0x10000, CSB_F_ALL, CSB_ENABLE_V1);
	CHECK(c, !st_active(st) && st_err(st) == CSB_ERR_ADDR,
	      "enable at an IOVA mapped onto BAR0: STATUS 0x%x (%s), expected ADDR", st,
	      err_name(st_err(st)));

	/* own BAR0, from a QMP command (link down: ICR and STATUS change) */
	iommu_csb_on(c);
	c->tx_seq = 1;
	if (!csb_tx_batch(c, 2))
		bail(c);
	tx_thread_asleep(c);
	csb_on_mmio(c, c->bar0, link_down, "link down");
	qts_qmp_ok(c->q,
		   "{\"execute\": \"set_link\", \"arguments\": {\"name\": \"nic0\", \"up\": true}}");
	step_clock(c, 3000000000ull);	/* autonegotiation */

	/* own BAR0, from the TX thread: a kick while the VM is stopped, the
	 * IOVA moved, the VM continued
	 */
	iommu_csb_on(c);
	if (!csb_tx_batch(c, 1))
		bail(c);
	tx_kicked_unsent(c, 2);
	csb_on_mmio(c, c->bar0, vm_cont, "the TX thread woken by cont");
	if (!expect_tx(c, c->tx_seq, 2, 1000)) {
		record(c, __LINE__, "the 2 frames kicked before the drop were not sent");
		w32(c, E1K_TDT, c->tx_tail);	/* plain mode: send them now */
		settle(c, 50);
		udp_drain(&c->udp);
	}
	c->tx_seq += 2;

	/* another device's registers (VT-d's own), from a kick: VER, CAP,
	 * ... are not a tail; the fault event address registers (at 0x40,
	 * 0x44 as tx_head and rx_head) must not be written
	 */
	iommu_csb_on(c);
	if (!csb_tx_batch(c, 1))
		bail(c);
	tx_thread_asleep(c);
	fe[0] = vtd_r32(c, VTD_FEADDR);
	fe[1] = vtd_r32(c, VTD_FEADDR + 4);
	csb_on_mmio(c, VTD_BASE, kick_tx, "a kick");
	CHECK(c, vtd_r32(c, VTD_FEADDR) == fe[0] && vtd_r32(c, VTD_FEADDR + 4) == fe[1],
	      "VT-d FEADDR/FEUADDR changed from 0x%x/0x%x to 0x%x/0x%x: the device wrote the CSB into VT-d's registers",
	      fe[0], fe[1], vtd_r32(c, VTD_FEADDR), vtd_r32(c, VTD_FEADDR + 4));
	vtd_map(c, CSB_IOVA, CSB_A, VTD_PAGE, VTD_PTE_RW);
	vtd_flush(c);
	CHECK(c, !vtd_faults_pending(c), "VT-d recorded faults (FSTS 0x%x)",
	      vtd_r32(c, VTD_FSTS));
	w32(c, E1K_TDT, c->tx_tail);	/* plain mode goes on */
	check_alive(c, "the CSB's IOVA on MMIO");

	/* own BAR0, from the TX thread's poll read behind VT-d (100 ms
	 * budget after each batch)
	 */
	qemu_stop(c);
	iommu_up(c, "csb-poll-us=100000", true);
	rings_setup(c, 16, 16, 8);
	iommu_csb_on(c);
	c->tx_seq = 1;
	if (!csb_tx_batch(c, 1))
		bail(c);
	csb_on_mmio(c, c->bar0, poll_or_kick, "the polling TX thread");
	CHECK(c, !vtd_faults_pending(c), "VT-d recorded faults (FSTS 0x%x)",
	      vtd_r32(c, VTD_FSTS));
	check_alive(c, "the CSB's IOVA on MMIO under the polling thread");
}
