// SPDX-License-Identifier: GPL-2.0
/*
 * csb-qtest: migration (spec 10).
 * Migration to a file and back with the CSB active and inactive, and
 * which streams a destination with or without the capability accepts.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "csb-qtest.h"

/* The migration file of this test, in the log directory. */
static void migration_path(struct t *c, char *path, size_t len)
{
	if (snprintf(path, len, "%s/%s.migration", opt.logdir, c->name) >= (int)len)
		qts_fatal("log directory path too long");
}

/* Stop the VM and migrate it to the file at path. */
static void migrate_to_file(struct t *c, const char *path)
{
	char status[64] = "";
	uint64_t end = now_ms() + 60000;

	qts_qmp_ok(c->q, "{\"execute\": \"stop\"}");
	qts_qmp_ok(c->q, "{\"execute\": \"migrate\", \"arguments\": {\"uri\": \"file:%s\"}}", path);
	while (now_ms() < end) {
		char *r = qts_qmp(c->q, "{\"execute\": \"query-migrate\"}");

		json_get_str(r, "status", status, sizeof(status));
		if (!strcmp(status, "failed")) {
			record(c, 0, "migration to %s failed: %s", path, r);
			free(r);
			bail(c);
		}
		free(r);
		if (!strcmp(status, "completed"))
			return;
		sleep_ms(20);
	}
	REQUIRE(c, false, "migration to %s not completed within 60 s (status '%s')", path, status);
}

/* A destination QEMU (on a UDP port of its own) loading the file at
 * path; unless exit_on_error, it stays when that fails.
 */
static void incoming_start(struct t *c, const char *extra_props, const char *path,
			   bool exit_on_error)
{
	static const char *const inc[] = { "-incoming", "defer", NULL };

	c->udp.qemu_port = udp_free_port();
	qemu_start(c, extra_props, inc);
	qts_qmp_ok(c->q,
		   "{\"execute\": \"migrate-incoming\", \"arguments\": {\"uri\": \"file:%s\"%s}}",
		   path, exit_on_error ? "" : ", \"exit-on-error\": false");
}

/* Incoming migration that must succeed: the VM running, the NIC found. */
static void incoming_from_file(struct t *c, const char *extra_props, const char *path)
{
	char status[64] = "";
	uint64_t end = now_ms() + 60000;

	incoming_start(c, extra_props, path, true);
	while (now_ms() < end) {
		char *r = qts_qmp(c->q, "{\"execute\": \"query-status\"}");

		json_get_str(r, "status", status, sizeof(status));
		free(r);
		if (!strcmp(status, "running"))
			break;
		if (!strcmp(status, "paused") || !strcmp(status, "postmigrate")) {
			qts_qmp_ok(c->q, "{\"execute\": \"cont\"}");
			continue;
		}
		if (strcmp(status, "inmigrate") && strcmp(status, "prelaunch"))
			REQUIRE(c, false, "incoming migration: VM status '%s'", status);
		sleep_ms(20);
	}
	REQUIRE(c, !strcmp(status, "running"), "incoming migration: VM status '%s' after 60 s",
		status);
	qts_irq_intercept_in(c->q, "ioapic");
	REQUIRE(c, cfg_r32(c, c->dev, PCI_BAR0) == BAR0_ADDR, "BAR0 not migrated");
	c->bar0 = BAR0_ADDR;
	cap_find(c);
}

/* Did the source send frame #tx_seq while stopping (finishing its
 * batch)? Nothing else may come from it.
 */
static bool migration_sent_before(struct t *c)
{
	uint8_t got[65536];
	ssize_t n = recv_frame(c, got, sizeof(got), 300);
	bool sent = n > 0 && frame_seq(got, n) == c->tx_seq;

	CHECK(c, n < 0 || sent, "unexpected frame #%u from the source", frame_seq(got, n));
	return sent;
}

/* On the destination: the frame published (tx_tail 4) but not kicked
 * before the move is sent exactly once, by the source or by us.
 */
static void migration_published_once(struct t *c, unsigned int tx_tail, bool sent_before)
{
	uint32_t v;

	if (sent_before) {
		note(c, "the frame published before the migration left from the source");
		CHECK(c, r32(c, E1K_TDH) == 4 && csbf(c, CSB_TX_HEAD) == 4,
		      "the source sent descriptor 3, but on the destination TDH = %u, tx_head = %u",
		      r32(c, E1K_TDH), csbf(c, CSB_TX_HEAD));
		expect_quiet(c, 300, "a frame the source had sent, sent again");
	} else {
		/* tx_tail = 4 was published before the migration; look at tx_kick
		 * (the destination may already have resumed and sent it)
		 */
		v = csbf(c, CSB_TX_KICK);
		if ((v & CSB_NOTIFY) &&
		    csb_need_notify(request_index(c, "tx_kick", v, 16), tx_tail, 4, 16))
			csb_reg_w(c, CSB_REG_KICK, CSB_KICK_TX);
		expect_tx(c, c->tx_seq, 1, 5000);
		expect_quiet(c, 200, "the frame published before the migration, twice");
	}
}

/* With the CSB disabled, the destination is plain. */
static void migration_inactive(struct t *c, const char *path)
{
	uint32_t st;

	csb_off(c);
	migrate_to_file(c, path);
	qemu_stop(c);
	incoming_from_file(c, NULL, path);
	st = csb_reg_r(c, CSB_REG_STATUS);
	CHECK(c, !st_active(st), "CSB active after migrating a disabled one: 0x%x", st);
	tx_fill(c, c->tx_tail, c->tx_seq);
	w32(c, E1K_TDT, (c->tx_tail + 1) % 16);
	expect_tx(c, c->tx_seq, 1, 5000);
	check_alive(c, "migration of a disabled CSB");
}

/* 10. Migration with the CSB active, and inactive. */
void test_migration(struct t *c)
{
	char path[PATH_MAX];
	uint32_t st, v;
	unsigned int tx_tail, rx_tail = 6;
	bool sent_before;

	migration_path(c, path, sizeof(path));
	qemu_up(c, NULL);
	need_csb(c, CSB_F_TX | CSB_F_RX);
	rings_setup(c, 16, 8, 4);
	w32(c, E1K_IMS, E1K_ICR_TXDW | E1K_ICR_RXT0);
	csb_on(c, CSB_F_TX | CSB_F_RX, 0, 0);
	c->tx_seq = 1;
	csb_tx_batch(c, 3);
	inject(c, 1, 100);
	REQUIRE(c, wait_rx(c, 0, 5000), "RX before migration");
	csb_rx_publish(c, 6);
	/* published but not kicked: must survive the move */
	tx_fill(c, 3, c->tx_seq);
	csbf_w(c, CSB_TX_TAIL, 4);
	tx_tail = c->tx_tail;
	CHECK(c, rx_tail == 6, "bookkeeping");
	note(c, "before stop: TDH %u, tx_head %u, tx_kick 0x%x", r32(c, E1K_TDH),
	     csbf(c, CSB_TX_HEAD), csbf(c, CSB_TX_KICK));
	migrate_to_file(c, path);
	note(c, "source after migration: TDH %u, tx_head %u, tx_kick 0x%x, desc 3 status 0x%x",
	     r32(c, E1K_TDH), csbf(c, CSB_TX_HEAD), csbf(c, CSB_TX_KICK), tx_status(c, 3));
	sent_before = migration_sent_before(c);
	qemu_stop(c);

	incoming_from_file(c, NULL, path);
	REQUIRE(c, c->has_cap, "capability missing on the destination");
	st = csb_reg_r(c, CSB_REG_STATUS);
	REQUIRE(c, st_active(st), "CSB not active after migration: STATUS 0x%x", st);
	v = csb_reg_r(c, CSB_REG_ADDR_LO);
	CHECK(c, v == (uint32_t)CSB_A, "ADDR_LO = 0x%x after migration", v);
	v = csb_reg_r(c, CSB_REG_FEATURES);
	CHECK(c, v == (CSB_F_TX | CSB_F_RX), "FEATURES = 0x%x after migration", v);
	migration_published_once(c, tx_tail, sent_before);
	c->tx_tail = 4;
	c->tx_seq++;
	CHECK(c, wait_csbf(c, CSB_TX_HEAD, ~0u, 4, 5000, &v),
	      "tx_head = %u after migration, expected 4", v);
	csb_tx_batch(c, 3);
	inject(c, 2, 100);
	CHECK(c, wait_rx(c, 1, 5000), "RX via the CSB after migration");
	check_rx(c, 1, 2, 100);
	check_alive(c, "migration");

	migration_inactive(c, path);
	unlink(path);
}

/* Incoming migration that may fail: true if it completed. */
static bool incoming_try(struct t *c, const char *extra_props, const char *path, char *err,
			 size_t errlen)
{
	char status[64] = "";
	uint64_t end = now_ms() + 60000;

	incoming_start(c, extra_props, path, false);
	err[0] = 0;
	while (now_ms() < end) {
		char *r = qts_qmp(c->q, "{\"execute\": \"query-migrate\"}");

		json_get_str(r, "status", status, sizeof(status));
		if (!strcmp(status, "failed")) {
			if (!json_get_str(r, "error-desc", err, errlen))
				snprintf(err, errlen, "%.200s", r);
			free(r);
			return false;
		}
		free(r);
		if (!strcmp(status, "completed"))
			return true;
		sleep_ms(20);
	}
	snprintf(err, errlen, "not completed within 60 s (status '%s')", status);
	return false;
}

/* How many times needle occurs in the file. */
static unsigned int file_count(const char *path, const char *needle)
{
	size_t n = strlen(needle), len = 0, cap = 0;
	char *data = NULL;
	unsigned int count = 0;
	FILE *f = fopen(path, "rb");

	if (!f)
		return 0;
	for (;;) {
		if (cap - len < 65536) {
			cap = cap ? cap * 2 : 1 << 20;
			data = realloc(data, cap);
			if (!data)
				qts_fatal("out of memory");
		}
		size_t r = fread(data + len, 1, cap - len, f);

		if (!r)
			break;
		len += r;
	}
	fclose(f);
	for (size_t i = 0; i + n <= len; i++)
		if (!memcmp(data + i, needle, n))
			count++;
	free(data);
	return count;
}

/* The destination after an incoming migration that completed: running,
 * then a plain frame through TDT.
 */
static void dest_plain_tx(struct t *c)
{
	char status[64] = "";
	char *r = qts_qmp(c->q, "{\"execute\": \"query-status\"}");

	json_get_str(r, "status", status, sizeof(status));
	free(r);
	if (strcmp(status, "running"))
		qts_qmp_ok(c->q, "{\"execute\": \"cont\"}");
	qts_irq_intercept_in(c->q, "ioapic");
	tx_fill(c, c->tx_tail, c->tx_seq);
	c->tx_tail = (c->tx_tail + 1) % c->tx_n;
	w32(c, E1K_TDT, c->tx_tail);
	expect_tx(c, c->tx_seq++, 1, 5000);
}

/* The section a csb=on device adds to the stream (spec 10): a destination
 * without it names it when it refuses the stream.
 */
#define CSB_ON_SECTION "e1000,csb=on"

/* 1. The CSB never enabled: a capable destination takes the stream. */
static void compat_never_enabled(struct t *c, const char *path)
{
	char err[512], why[512];
	unsigned int n;
	bool ok;

	migrate_to_file(c, path);
	qemu_stop(c);
	/* the section's name: its header and the stream's JSON description */
	n = file_count(path, "csb");
	CHECK(c, n && n == file_count(path, CSB_ON_SECTION),
	      "CSB never enabled: the stream holds 'csb' %u times, the section '%s' %u times (spec 10: the section, nothing else while inactive)",
	      n, CSB_ON_SECTION, file_count(path, CSB_ON_SECTION));
	ok = incoming_try(c, NULL, path, err, sizeof(err));
	CHECK(c, ok, "CSB never enabled: a destination with the CSB refused the stream: %s: %s",
	      err, qemu_error_line(c->log_path, why, sizeof(why)));
	if (ok) {
		cap_find(c);
		CHECK(c, c->has_cap && csb_reg_r(c, CSB_REG_STATUS) == 0,
		      "destination: capability %d, STATUS 0x%x", c->has_cap,
		      c->has_cap ? csb_reg_r(c, CSB_REG_STATUS) : 0);
		dest_plain_tx(c);
	}
	qemu_stop(c);
}

/* 2. The same stream to a destination without the capability: refused. */
static void compat_to_csb_off(struct t *c, const char *path)
{
	char err[512], why[512];
	bool ok;

	ok = incoming_try(c, "csb=off", path, err, sizeof(err));
	CHECK(c, !ok,
	      "a stream from a device with the capability loaded into one without (csb=off) (spec 10: it migrates only to one that offers it too)");
	qemu_error_line(c->log_path, why, sizeof(why));
	CHECK(c, strstr(why, "Unknown savevm section") && strstr(why, "/" CSB_ON_SECTION "'"),
	      "csb=on -> csb=off refused without naming the property (spec 10): %s", why);
	note(c, "csb=on -> csb=off refused: %s: %s", err, why);
	qemu_stop(c);
}

/* 3. csb=off is the plain e1000, both ways. */
static void compat_csb_off(struct t *c, const char *path)
{
	char err[512], why[512];
	bool ok;

	c->udp.qemu_port = udp_free_port();
	qemu_up(c, "csb=off");
	CHECK(c, !c->has_cap, "csb=off, yet the capability is there");
	rings_setup(c, 8, 8, 4);
	c->tx_tail = 0;
	migrate_to_file(c, path);
	qemu_stop(c);
	ok = incoming_try(c, "csb=off", path, err, sizeof(err));
	CHECK(c, ok, "csb=off to csb=off refused: %s: %s", err,
	      qemu_error_line(c->log_path, why, sizeof(why)));
	if (ok)
		dest_plain_tx(c);
	qemu_stop(c);
	ok = incoming_try(c, NULL, path, err, sizeof(err));
	CHECK(c, !ok, "a stream from csb=off loaded into a device with the capability");
	qemu_stop(c);
}

/* 4. Active: a destination without the CSB refuses. */
static void compat_active(struct t *c, const char *path)
{
	char err[512];
	unsigned int n;
	bool ok;

	c->udp.qemu_port = udp_free_port();
	qemu_up(c, NULL);
	rings_setup(c, 8, 8, 4);
	csb_on(c, CSB_F_TX, 0, 0);
	migrate_to_file(c, path);
	qemu_stop(c);
	n = file_count(path, "csb");
	note(c, "stream with the CSB active holds 'csb' %u times", n);
	ok = incoming_try(c, "csb=off", path, err, sizeof(err));
	CHECK(c, !ok,
	      "CSB active: a destination with csb=off accepted the stream (spec 10: it must refuse)");
	REQUIRE(c, qts_alive(c->q), "destination died after refusing the stream");
	{
		char *r = qts_qmp(c->q, "{\"execute\": \"query-status\"}");

		CHECK(c, !strncmp(r, "{\"return\"", 9), "query-status after a refused stream: %s",
		      r);
		free(r);
	}
}

/* 10. Compatibility of migration streams: the capability is part of the
 * PCI configuration space, so a device offering it migrates only to one
 * offering it too, active or not; an inactive CSB adds nothing to the
 * stream; csb=off is the unmodified e1000 both ways.
 */
void test_migration_compat(struct t *c)
{
	char path[PATH_MAX];

	migration_path(c, path, sizeof(path));
	qemu_up(c, NULL);
	need_csb(c, CSB_F_TX);
	rings_setup(c, 8, 8, 4);
	c->tx_seq = 1;
	tx_fill(c, 0, c->tx_seq);
	c->tx_tail = 1;
	w32(c, E1K_TDT, 1);
	expect_tx(c, c->tx_seq++, 1, 5000);

	compat_never_enabled(c, path);
	compat_to_csb_off(c, path);
	compat_csb_off(c, path);
	compat_active(c, path);
	unlink(path);
}
