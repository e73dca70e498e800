/* SPDX-License-Identifier: GPL-2.0 */
/*
 * e1000_csb: the watchdog's two strikes (spec section 7).
 *
 * The watchdog mends a CSB handshake that made no progress for a whole
 * period: a ring is stuck if its check finds the same suspicious state
 * as the check a period before.  Pure functions of their arguments, so
 * that tests/unit builds this header in userspace as well.
 */
#ifndef E1000_CSB_WATCH_H
#define E1000_CSB_WATCH_H

/*
 * What the last check found suspicious: a ring index and the ring's
 * packet count then.  Both, compared one by one: the index alone repeats
 * when the ring went round a whole number of times between two checks,
 * and the two mixed into one word (index ^ count) repeated too: a ring of
 * one-descriptor frames moves both by one a frame, and their XOR changes
 * only where the two counters' carries differ, so a ring that received a
 * few frames between two checks looked stalled (false rescues).
 */
struct e1000_csb_mark {
	u32 index;
	u32 count;
	bool set;		/* the last check found the ring suspicious */
};

/* Nothing seen yet (CSB mode just enabled). */
static inline void e1000_csb_mark_clear(struct e1000_csb_mark *mark)
{
	mark->set = false;
}

/*
 * One check of a ring at ring index @index with @count packets done so
 * far: true if it is @suspicious now and was so, with the same index and
 * count, at the check before.
 */
static inline bool e1000_csb_mark_stuck(struct e1000_csb_mark *mark,
					bool suspicious, u32 index, u32 count)
{
	bool again = suspicious && mark->set && mark->index == index &&
		     mark->count == count;

	mark->set = suspicious;
	mark->index = index;
	mark->count = count;
	return again;
}

#endif /* E1000_CSB_WATCH_H */
