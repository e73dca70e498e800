// SPDX-License-Identifier: GPL-2.0
/*
 * The driver's two-strike check (driver/e1000_csb_watch.h), built in
 * userspace: a ring that made progress between two watchdog checks is
 * never taken for stuck, however the counts line up; one that made none
 * is, at the second suspicious check.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

typedef uint32_t u32;
#define U32_MAX UINT32_MAX

#include "../../driver/e1000_csb_watch.h"

static unsigned int failures, checks;

static void expect(bool ok, const char *what, u32 index, u32 count, u32 step)
{
	checks++;
	if (ok)
		return;
	if (failures++ < 10)
		printf("FAIL %s: index %u, count %u, %u frames between the checks\n",
		       what, index, count, step);
}

/*
 * Two checks a period apart, a frame waiting at both, FRAMES frames of
 * DESCS descriptors each cleaned in between on a ring of N: not stuck.
 */
static void check_progress(u32 n, u32 descs)
{
	for (u32 index = 0; index < n; index++)
		for (u32 count = 0; count < 2 * n; count += 7)
			for (u32 frames = 1; frames <= 2 * n; frames++) {
				struct e1000_csb_mark mark;

				e1000_csb_mark_clear(&mark);
				e1000_csb_mark_stuck(&mark, true, index, count);
				expect(!e1000_csb_mark_stuck(&mark, true,
							     (index + frames * descs) % n,
							     count + frames),
				       "a ring that made progress taken for stuck",
				       index, count, frames);
			}
}

static void check_stalled(void)
{
	struct e1000_csb_mark mark;

	e1000_csb_mark_clear(&mark);
	expect(!e1000_csb_mark_stuck(&mark, true, 5, 9), "stuck at the first check", 5, 9, 0);
	expect(e1000_csb_mark_stuck(&mark, true, 5, 9), "a stalled ring not found stuck",
	       5, 9, 0);
	/* a check that finds nothing suspicious forgets the state */
	expect(!e1000_csb_mark_stuck(&mark, false, 5, 9), "stuck while not suspicious",
	       5, 9, 0);
	expect(!e1000_csb_mark_stuck(&mark, true, 5, 9), "stuck after a clean check",
	       5, 9, 0);
	expect(e1000_csb_mark_stuck(&mark, true, 5, 9), "stalled again, not found stuck",
	       5, 9, 0);
	/* CSB mode enabled again: nothing seen yet */
	e1000_csb_mark_clear(&mark);
	expect(!e1000_csb_mark_stuck(&mark, true, 5, 9), "stuck right after a clear",
	       5, 9, 0);
}

int main(void)
{
	check_stalled();
	check_progress(256, 1);	/* the default ring, one descriptor a frame */
	check_progress(80, 1);	/* the smallest ring */
	check_progress(256, 3);	/* 9014-byte frames in 4 KiB buffers */
	printf("%s %u checks, %u failed\n", failures ? "FAIL" : "PASS", checks, failures);
	return failures ? 1 : 0;
}
