/*
 * SPDX-License-Identifier: GPL-2.0
 *
 * memory.pml: the shared-memory model that every handshake model
 * includes (see README.md in this directory).
 *
 * Two agents share a word-addressed memory mem[]: the GUEST (a vCPU
 * running the driver) and the HOST (QEMU's threads, which touch the CSB
 * only under the BQL, except for the TX thread's lock-free poll read).
 * A model may add agents (NAGENTS, default 2): irq_rx.pml adds a second
 * guest vCPU, CPU1 (agent 2), with a store buffer of its own.
 * Each agent's stores go into its own store buffer and reach mem[] later,
 * when that agent's drainer process moves them there, in an order chosen
 * by the model checker:
 *
 *  - stores to different words may become visible in any order (PSO, a
 *    weaker model than the x86-TSO of our hosts and guests: it also
 *    covers the store-store reordering of arm64), except across a write
 *    barrier;
 *  - stores to the same word become visible in program order;
 *  - a load first looks in the agent's own buffer (store forwarding),
 *    then in mem[]; loads are not reordered with each other.
 *
 * With -DTSO, the buffer drains oldest first (x86-TSO): the write
 * barriers then order nothing that is not ordered already.
 *
 * Barriers:
 *  - MB(a), a full barrier: "drain before continuing", the agent waits
 *    until its buffer is empty. For the guest's handshakes (TX-G, RX-G,
 *    IRQ-G) it stands for e1000_csb_handshake_mb(), i.e. mb(): MFENCE on
 *    x86, which QEMU's TCG always turns into a host barrier; elsewhere
 *    for smp_mb(), a locked instruction (napi_schedule_prep(), spin
 *    locks: a barrier between guest vCPUs), a trapping MMIO access, and
 *    the host's smp_mb(). A -smp 1 TCG guest whose handshake barrier
 *    were virt_mb() (a lock-prefixed add, no host barrier without
 *    TCG's parallel mode) is a guest without it: the NO_*G_MB
 *    mutations;
 *  - WMB(a), a write barrier (virt_wmb(), smp_wmb()): stores after it
 *    cannot become visible before stores ahead of it.
 *
 * Store-buffering (SB), the pattern of every CSB handshake: each side
 * stores its own word, executes MB, then loads the other side's word.
 * Without the MB, both loads can see the old values: the lost wake-up.
 *
 * A model defines NWORDS (the size of mem[]) before including this file.
 * Values are bytes; a notification request is NOTIFY | index.
 */

#define GUEST	0
#define HOST	1

#ifndef NAGENTS
#define NAGENTS	2
#endif
#define CPU1	2		/* a second guest vCPU, where NAGENTS is 3 */

#define SBN	3		/* store buffer entries per agent */

#define NOTIFY	128		/* CSB_NOTIFY, bit 31 in the ABI */
#define IDX(r)	((r) & 127)	/* CSB_INDEX_MASK */

/* csb_need_notify() of include/e1000_csb_abi.h, verbatim */
#define NEED_NOTIFY(index, old, new, size) \
	(((index) + (size) - (old)) % (size) < ((new) + (size) - (old)) % (size))

typedef Sbuf {
	byte word[SBN];		/* address of each pending store, oldest first */
	byte val[SBN];
	bit  fence[SBN];	/* a WMB separates this entry from the previous */
	byte n;			/* entries in use */
	bit  wmb;		/* a WMB was executed since the last store */
};

byte mem[NWORDS];
Sbuf sb[NAGENTS];

/* Store x into word w, for agent a; a full buffer stalls the agent. */
inline STORE(a, w, x)
{
	atomic {
		sb[a].n < SBN ->
		sb[a].word[sb[a].n] = w;
		sb[a].val[sb[a].n] = x;
		sb[a].fence[sb[a].n] = sb[a].wmb && sb[a].n > 0;
		sb[a].wmb = 0;
		sb[a].n++;
		printf("@ %d stores %d = %d\n", a, w, x)
	}
}

/*
 * Word w as agent a sees it: its own newest pending store to w, else
 * mem[w]. An expression, so that a model can also wait on it.
 * (Written out for SBN == 3.)
 */
#define SEES(a, w) \
	((sb[a].n > 2 && sb[a].word[2] == (w)) -> sb[a].val[2] : \
	((sb[a].n > 1 && sb[a].word[1] == (w)) -> sb[a].val[1] : \
	((sb[a].n > 0 && sb[a].word[0] == (w)) -> sb[a].val[0] : mem[w])))

/* r = word w as agent a sees it (SEES), as a step of its own. */
inline LOAD(a, w, r)
{
	d_step {
		r = SEES(a, w);
		printf("@ %d loads %d = %d\n", a, w, r)
	}
}

/* Full barrier: wait until every store of agent a is visible. */
#define MB(a)	(sb[a].n == 0)

/*
 * The device's DMA to descriptors and buffers: QEMU's pci_dma_read() and
 * pci_dma_write() go through dma_memory_rw(), whose dma_barrier() is an
 * smp_mb() before each access (include/system/dma.h). The CSB itself is
 * accessed with address_space_ldl/stl_le_cached(): no barrier.
 */
inline DMA_LOAD(w, r)
{
#ifndef NO_DMA_MB
	MB(HOST);
#endif
	LOAD(HOST, w, r)
}

inline DMA_STORE(w, x)
{
#ifndef NO_DMA_MB
	MB(HOST);
#endif
	STORE(HOST, w, x)
}

/* Write barrier: order the stores before it with the stores after it. */
#define WMB(a)	sb[a].wmb = (sb[a].n > 0)

/* Move entry i of agent a's buffer to memory. */
inline DRAIN_AT(a, i)
{
	mem[sb[a].word[i]] = sb[a].val[i];
	printf("@ %d drains %d = %d\n", a, sb[a].word[i], sb[a].val[i]);
	if
	:: i < SBN - 1 && i + 1 < sb[a].n ->
		sb[a].word[i] = sb[a].word[i + 1];
		sb[a].val[i] = sb[a].val[i + 1];
		sb[a].fence[i] = sb[a].fence[i + 1] && i > 0
	:: else
	fi;
	if
	:: i < SBN - 2 && i + 2 < sb[a].n ->
		sb[a].word[i + 1] = sb[a].word[i + 2];
		sb[a].val[i + 1] = sb[a].val[i + 2];
		sb[a].fence[i + 1] = sb[a].fence[i + 2]
	:: else
	fi;
	sb[a].n--;
	sb[a].word[sb[a].n] = 0;
	sb[a].val[sb[a].n] = 0;
	sb[a].fence[sb[a].n] = 0;
	if
	:: sb[a].n == 0 -> sb[a].wmb = 0
	:: else
	fi
}

/*
 * The memory system of agent a: moves any entry that may go next. Entry 0
 * always may; a later one if no WMB stands between it and entry 0 and no
 * earlier entry is a store to the same word. (Written out for SBN == 3.)
 */
proctype drainer(byte a)
{
end:
	do
	:: d_step { sb[a].n > 0 -> DRAIN_AT(a, 0) }
#ifndef TSO
	:: d_step {
		sb[a].n > 1 && !sb[a].fence[1] &&
		sb[a].word[1] != sb[a].word[0] -> DRAIN_AT(a, 1)
	   }
	:: d_step {
		sb[a].n > 2 && !sb[a].fence[1] && !sb[a].fence[2] &&
		sb[a].word[2] != sb[a].word[0] &&
		sb[a].word[2] != sb[a].word[1] -> DRAIN_AT(a, 2)
	   }
#endif
	od
}
