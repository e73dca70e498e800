/* SPDX-License-Identifier: GPL-2.0 */
/*
 * csb-qtest: what its files share. The guest memory map, the options,
 * the test context (struct t), CHECK/REQUIRE, and the helpers of
 * common.c: QEMU sessions, PCI, MMIO, guest memory, frames on the wire,
 * rings, and the guest's side of the CSB (Documentation/csb-spec.md).
 * Each test file covers sections of the spec (README.md has the table).
 */
#ifndef CSB_QTEST_H
#define CSB_QTEST_H

#include <inttypes.h>
#include <limits.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "e1000_csb_abi.h"
#include "e1000-hw.h"
#include "qtest-client.h"

/* ---- guest memory map (128 MiB of RAM) ---- */
#define RAM_SIZE	UINT64_C(0x8000000)
#define TX_RING		UINT64_C(0x100000)	/* rings: up to 0x4000 bytes each, with */
#define TX_RING2	UINT64_C(0x104000)	/* room for bait descriptors after them */
#define RX_RING		UINT64_C(0x110000)
#define RX_RING2	UINT64_C(0x114000)
#define CSB_A		UINT64_C(0x120000)	/* 256-byte aligned */
#define CSB_B		UINT64_C(0x121000)
#define TX_BUF		UINT64_C(0x200000)	/* 2 KiB per descriptor index */
#define RX_BUF		UINT64_C(0x300000)	/* 2 KiB per descriptor index */
#define BAIT_BUF	UINT64_C(0x3c0000)	/* buffers of descriptors beyond a ring */
#define CANARY		UINT64_C(0x400000)	/* must never be written by the device */
#define CANARY_LEN	0x10000
#define CANARY_BYTE	0xa5
#define BUF_SLOT	2048
#define BAR0_ADDR	0xfebc0000u
#define NIC_IRQ		11		/* -M pc: we route PIRQ A-D to GSI 11 */

#define NIC_MAC		"52:54:00:12:34:56"
#define ETHERTYPE_TEST	0x88b5		/* IEEE local experimental */

/* CSB field offsets */
#define CSB_TX_TAIL	offsetof(struct csb_block, tx_tail)
#define CSB_RX_TAIL	offsetof(struct csb_block, rx_tail)
#define CSB_TX_IRQ	offsetof(struct csb_block, tx_irq)
#define CSB_RX_IRQ	offsetof(struct csb_block, rx_irq)
#define CSB_TX_HEAD	offsetof(struct csb_block, tx_head)
#define CSB_RX_HEAD	offsetof(struct csb_block, rx_head)
#define CSB_TX_KICK	offsetof(struct csb_block, tx_kick)
#define CSB_RX_KICK	offsetof(struct csb_block, rx_kick)
#define CSB_ICR		offsetof(struct csb_block, icr)
#define CSB_STATUS_MIRROR offsetof(struct csb_block, status)
#define CSB_GUEST_RSVD	offsetof(struct csb_block, guest_reserved)
#define CSB_HOST_RSVD	offsetof(struct csb_block, host_reserved)
#define CSB_RSVD	offsetof(struct csb_block, reserved)

#define CSB_ENABLE_V1	((uint32_t)(CSB_CTRL_ENABLE | CSB_CTRL_MAJOR(1u)))

/* ---- options (csb-qtest.c) ---- */

struct options {
	const char *qemu;
	char props[1024];
	const char *model;
	const char *csb;	/* NULL, "on", "off", "auto" */
	bool expect_no_csb;
	char logdir[PATH_MAX];
	bool logdir_given;
	char sockdir[PATH_MAX];
	int timeout_ms;
	bool verbose;
	bool guest_errors;
	bool tcg;		/* no qtest accelerator: TCG, a halting BIOS, real time */
	char halt_bios[PATH_MAX];
};

extern struct options opt;

/* ---- test context ---- */

/* One test: its result, its QEMU, the NIC, the guest's view of the rings. */
struct t {
	const char *name;
	jmp_buf jmp;
	bool armed;
	int failures;
	char first_failure[1024];
	char skipped[512];
	int qemu_count;
	char log_path[PATH_MAX];

	struct qts *q;
	struct udp_wire udp;
	int dev;		/* PCI device number on bus 0 */
	uint32_t bar0;
	int irq;		/* the IOAPIC input of the NIC's INTA */

	/* platform, chosen by the test before qemu_up() */
	bool q35;		/* -M q35 (else -M pc) */
	const char *iommu;	/* -M q35 only: -device intel-iommu,<this> */
	uint64_t dma_off;	/* device address = guest-physical address + this,
				 * for the rings and buffers (an IOMMU maps them)
				 */

	/* Intel VT-d, with iommu (vtd_setup()) */
	uint32_t vtd_iotlb;	/* offset of the IOTLB invalidate register */
	uint32_t vtd_frcd;	/* offset of the first fault recording register */
	unsigned int vtd_nfr;	/* how many there are */
	unsigned int vtd_levels; /* page-table levels (3: 39-bit IOVAs) */
	uint64_t vtd_slpt;	/* the device's second-level page table */
	uint64_t vtd_next;	/* next free table page */
	bool vtd_te;		/* translation enabled */

	/* capability */
	bool has_cap;
	uint8_t cap_off, cap_len;
	uint32_t offered;
	uint32_t regs;		/* BAR0 offset of the CSB registers */
	uint16_t cap_major, cap_minor;
	bool cap_list_bad;

	/* rings, as the guest sees them */
	unsigned int tx_n, rx_n;
	unsigned int tx_tail, rx_tail;	/* last published tails */
	uint32_t tx_seq;		/* next TX frame number */
	uint32_t rx_seq;
	uint64_t csb;			/* CSB address in use */
	unsigned long tx_kicks, tx_nokicks, rx_kicks, rx_nokicks;
	bool kick_with_tdt;		/* alternate TDT writes and KICK */
};

extern struct t *cur;		/* the test running, for on_fatal() */

/* ---- results (common.c) ---- */

void record_at(struct t *c, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void __attribute__((noreturn, format(printf, 4, 5)))
record_bail_at(struct t *c, const char *file, int line, const char *fmt, ...);
void __attribute__((noreturn)) bail(struct t *c);
void note(struct t *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void __attribute__((noreturn, format(printf, 2, 3))) skip(struct t *c, const char *fmt, ...);
void on_fatal(const char *msg);

/* A failed check, printed with the file and line given (0: none). */
#define record(c, line, ...) record_at((c), __FILE__, (line), __VA_ARGS__)

/* CHECK: record and go on; REQUIRE: record and end the test. */
#define CHECK(c, cond, ...) \
	do { if (!(cond)) record_at((c), __FILE__, __LINE__, __VA_ARGS__); } while (0)
#define REQUIRE(c, cond, ...) \
	do { if (!(cond)) record_bail_at((c), __FILE__, __LINE__, __VA_ARGS__); } while (0)

/* ---- QEMU (common.c) ---- */

char *probe_help(const char *qemu, const char *model);
bool probe_qtest_accel(const char *qemu);
void make_halt_bios(const char *path);
void qemu_start(struct t *c, const char *extra_props, const char *const *extra_args);
const char *qemu_error_line(const char *path, char *line, size_t len);
void qemu_stop(struct t *c);
void check_alive(struct t *c, const char *after);
void qemu_up(struct t *c, const char *extra_props);
void need_csb(struct t *c, uint32_t features);
uint64_t nic_stat(struct t *c, const char *prop);
bool nic_csb_active(struct t *c);
void vm_run(struct t *c, bool run);

/* ---- PCI (common.c) ---- */

uint32_t cfg_r32(struct t *c, int dev, int off);
uint8_t cfg_r8(struct t *c, int dev, int off);
void cfg_w32(struct t *c, int dev, int off, uint32_t v);
void cfg_w8(struct t *c, int dev, int off, uint8_t v);
bool is_e1000_id(uint16_t id);
void bus_master(struct t *c, bool on);
void pci_setup(struct t *c);
void cap_find(struct t *c);

/* ---- MMIO, guest memory, time (common.c) ---- */

uint32_t r32(struct t *c, uint32_t reg);
void w32(struct t *c, uint32_t reg, uint32_t v);
uint32_t csb_reg_r(struct t *c, uint32_t reg);
void csb_reg_w(struct t *c, uint32_t reg, uint32_t v);
uint32_t mem_r32(struct t *c, uint64_t addr);
void mem_w32(struct t *c, uint64_t addr, uint32_t v);
void step_clock(struct t *c, uint64_t ns);
uint32_t csbf(struct t *c, size_t field);
void csbf_w(struct t *c, size_t field, uint32_t v);
void put_le16(uint8_t *p, uint16_t v);
void put_le64(uint8_t *p, uint64_t v);
uint16_t get_le16(const uint8_t *p);
uint32_t get_le32(const uint8_t *p);
bool wait32(struct t *c, uint64_t addr, uint32_t mask, uint32_t want, int ms,
	    uint32_t *last);
bool wait_csbf(struct t *c, size_t field, uint32_t mask, uint32_t want, int ms,
	       uint32_t *last);
bool wait_irq(struct t *c, bool level, int ms);
void settle(struct t *c, int ms);

/* ---- frames on the wire (common.c) ---- */

size_t frame_len(uint32_t seq);
size_t make_frame(uint8_t *f, uint32_t seq, size_t len, bool to_nic);
uint32_t frame_seq(const uint8_t *f, ssize_t n);
ssize_t recv_frame(struct t *c, uint8_t *buf, size_t cap, int ms);
bool expect_tx(struct t *c, uint32_t seq, unsigned int count, int ms);
bool expect_quiet(struct t *c, int ms, const char *why);
void inject(struct t *c, uint32_t seq, size_t len);

/* ---- rings (common.c) ---- */

void rings_setup(struct t *c, unsigned int tx_n, unsigned int rx_n, unsigned int rx_tail);
void tx_fill(struct t *c, unsigned int idx, uint32_t seq);
uint8_t tx_status(struct t *c, unsigned int idx);
void rx_desc_reset(struct t *c, unsigned int idx);
uint8_t rx_status(struct t *c, unsigned int idx);
void set_rctl(struct t *c, uint32_t v);
bool check_rx(struct t *c, unsigned int idx, uint32_t seq, size_t len);
bool wait_rx(struct t *c, unsigned int idx, int ms);
void expect_held_rx_at(struct t *c, const char *file, int line, const char *after);
#define expect_held_rx(c, line, after) expect_held_rx_at((c), __FILE__, (line), (after))

/* ---- the CSB, driver side (common.c) ---- */

const char *err_name(unsigned int e);
unsigned int st_err(uint32_t st);
bool st_active(uint32_t st);
void check_enable_cleared(struct t *c, const char *when);
void expect_dropped(struct t *c, enum csb_err err, const char *what);
void csb_prepare(struct t *c, uint64_t addr, uint32_t tx_irq, uint32_t rx_irq);
uint32_t csb_enable_raw(struct t *c, uint64_t addr, uint32_t features, uint32_t ctrl);
void csb_on(struct t *c, uint32_t features, uint32_t tx_irq, uint32_t rx_irq);
void csb_off(struct t *c);
unsigned int request_index(struct t *c, const char *what, uint32_t r, unsigned int n);
bool csb_tx_publish(struct t *c, unsigned int new_tail);
bool csb_rx_publish(struct t *c, unsigned int new_tail);
bool csb_tx_batch(struct t *c, unsigned int count);
void tx_kicked_unsent(struct t *c, unsigned int count);
void tx_thread_asleep(struct t *c);

/* ---- the tests, by spec section (csb-qtest.c has the table) ---- */

/* discovery.c: plain mode; 1, 2 */
void test_plain_tx(struct t *c);
void test_plain_rx(struct t *c);
void test_plain_irq(struct t *c);
void test_capability(struct t *c);
/* enable.c: 3, 4 */
void test_negotiate_ok(struct t *c);
void test_negotiate_errors(struct t *c);
void test_negotiate_busy(struct t *c);
void test_disable(struct t *c);
void test_reset(struct t *c);
void test_busmaster_off(struct t *c);
void test_drop_flush(struct t *c);
void test_disable_polling(struct t *c);
void test_disable_poll_read(struct t *c);
void test_features_partial(struct t *c);
/* tx.c: 5, 9 */
void test_tx_csb(struct t *c);
void test_tx_poll(struct t *c);
void test_tx_poll_adapt(struct t *c);
void test_tx_poll_bursts(struct t *c);
void test_tx_poll_pingpong(struct t *c);
void test_tx_zero_len(struct t *c);
/* rx.c: 6 */
void test_rx_csb(struct t *c);
/* irq.c: 7 */
void test_irq_tx(struct t *c);
void test_irq_rx(struct t *c);
void test_irq_mirrors(struct t *c);
void test_irq_itr(struct t *c);
/* bad-values.c: 8 */
void test_bad_ring_tail(struct t *c);
void test_bad_requests(struct t *c);
void test_bad_reserved(struct t *c);
void test_bad_toggle(struct t *c);
void test_bad_kick(struct t *c);
void test_bad_ringregs(struct t *c);
void test_bad_heads(struct t *c);
void test_csb_unmapped(struct t *c);
void test_hotunplug(struct t *c);
void test_chaos(struct t *c);
/* iommu.c: 2, 8 behind VT-d */
void test_iommu_dma(struct t *c);
void test_iommu_faults(struct t *c);
void test_iommu_switch(struct t *c);
void test_iommu_drop_flush(struct t *c);
void test_iommu_mmio(struct t *c);
/* migration.c: 10 */
void test_migration(struct t *c);
void test_migration_compat(struct t *c);
/* fuzz.c: the random campaign */
int run_fuzz(uint64_t seed, unsigned long iterations);

#endif
