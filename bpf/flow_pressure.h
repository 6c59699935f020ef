/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the tc program does when new flows come faster than the recorder can
 * take their records, or than the flow table can hold them: admission
 * budgets, eviction, summaries and fail-closed. Kernel side only: included by
 * bpf/flowaudit.bpf.c after its maps (FLOW_TABLE, CONN_EVENTS, FLOW_COUNTERS)
 * and count(), which this file uses. The constants the loader needs are in
 * bpf/flow_table.h.
 *
 * Budgets. A new flow's opened record is emitted at its first packet only
 * while two budgets of the current interval (budget_interval_ns) allow it: its
 * class (direction, protocol, destination /24 or /64, destination port) may
 * take budget_class records, all classes together budget_first. Otherwise
 * the flow is tracked all the same (exact counters) with its open deferred.
 * A deferred flow is reported later, with CONN_FLAG_DEFERRED and the counters
 * so far: by the kernel when its responder answers (budget_promote, which a
 * one-way flood cannot spend) or when a later packet of its originator finds
 * the first budgets open; by the recorder's sweep when it goes idle or the
 * run ends; or, when it is evicted first, in a summary.
 *
 * Eviction. A full table makes room. FLOW_CLOCK holds two clocks, rings of
 * keys in registration order (an entry remembers its clock and position):
 * one for deferred entries, one for reported ones. An eviction looks at the
 * oldest deferred entries first: one that saw no packet since the clock last
 * passed it is evicted into a summary slot, an active one moves to the back
 * (second chance, the CLOCK policy), one reported meanwhile moves to the
 * reported clock. A reported entry is evicted (a closed record, reason
 * evicted, with its counters; if the record cannot be reserved it stays)
 * only when it saw no packet for evict_protect_ns: under a flood the clock
 * comes round in a fraction of a second, and a real connection pausing that
 * long should not be cut in two. Reported entries are bounded by the
 * budgets, so they cannot fill a table of the default size within that time.
 * evict_one() says in which order the clocks are asked. Two clocks, not one:
 * the budgets are spent at the start of each interval, so reported entries
 * arrive in runs that would hide the deferred victims behind them.

 * Summaries. FLOW_SUMMARY has SUMMARY_FINE_SLOTS slots for classes (hashed;
 * a slot belongs to one class until it is flushed) and one coarse slot per
 * (family, direction, protocol) meaning any destination and port. A flow goes
 * to its class's slot, or to the coarse slot when that slot holds another
 * class. flow_pressure_flush() (the flowaudit_flush program, run by the
 * recorder every tick with BPF_PROG_TEST_RUN, and at shutdown) turns each
 * non-empty slot into one CONN_KIND_SUMMARY record. Slots change only under
 * their spin lock, and a flush takes and zeroes the counts under it, so every
 * flow counted in a slot reaches exactly one summary; a slot whose record
 * cannot be reserved keeps its counts for the next flush.
 *
 * Untracked flows. When nothing can be evicted, a new flow gets an untracked
 * record (CONN_KIND_UNTRACKED) if the first budgets allow, else it goes to a
 * summary slot. With fail_closed, a flow that only the coarse slot would take
 * (its destination would not be recorded) is dropped (TC_ACT_SHOT) instead,
 * and a deferred victim that only the coarse slot would take is not evicted.
 *
 * Accounting: every new flow is counted once as inserted (and then reported
 * at once or FLOW_COUNTER_DEFERRED_OPENS), FLOW_COUNTER_UNTRACKED, or
 * FLOW_COUNTER_FAIL_CLOSED; every flow added to a slot once as
 * FLOW_COUNTER_AGGREGATED, and the summaries' flow_count add up to it.
 */
#ifndef FLOWAUDIT_FLOW_PRESSURE_H
#define FLOWAUDIT_FLOW_PRESSURE_H

#include "flow_table.h"

/* Set by the loader before load (recorder/source_ebpf.c); defaults for tests. */
const volatile __u8 fail_closed = 0;
const volatile __u32 budget_first = FLOW_BUDGET_DEFAULT_RATE / FLOW_BUDGET_INTERVALS_PER_S;
const volatile __u32 budget_class =
	FLOW_BUDGET_DEFAULT_RATE / FLOW_BUDGET_INTERVALS_PER_S / FLOW_BUDGET_CLASS_SHARE;
const volatile __u32 budget_promote = FLOW_BUDGET_DEFAULT_RATE / FLOW_BUDGET_INTERVALS_PER_S;
const volatile __u32 clock_slots = FLOW_TABLE_DEFAULT_ENTRIES; /* per clock */
const volatile __u64 budget_interval_ns = FLOW_BUDGET_INTERVAL_NS;
const volatile __u64 evict_protect_ns = FLOW_EVICT_PROTECT_NS;

#define FA_E2BIG 7 /* a full hash map's update error */
#define FA_EINVAL 22 /* an argument the verifier made us check */
/*
 * The functions marked FA_BPF_GLOBAL are global BPF functions: the verifier
 * checks each once, by its argument types, instead of once for every path
 * that reaches it (the tc program would exceed the verifier's budget). Their
 * pointer arguments may be NULL as far as the verifier knows, so each checks.
 */
#define FA_BPF_GLOBAL __noinline
#define EVICT_TRIES 8 /* positions one eviction looks at, per clock */
#define EVICT_GLANCE 2 /* reported positions looked at before the deferred ones */
#define CLOCK_DEFERRED 0
#define CLOCK_REPORTED 1
/*
 * Evictions one new flow may cause. More than one: the element an eviction
 * frees goes to this CPU's free list, and another CPU inserting at the same
 * time (a flood on the other core) may take it first.
 */
#define INSERT_TRIES 8
#define SUMMARY_FINE_SLOTS 4096 /* a power of two */
#define SUMMARY_COARSE_SLOTS 1024 /* family (4 or 6) x direction x protocol */
#define SUMMARY_SLOTS (SUMMARY_FINE_SLOTS + SUMMARY_COARSE_SLOTS)
#define CLASS_BUDGET_ENTRIES 16384

struct flow_pressure_state {
	__u64 clock_head[2]; /* per clock: the next position an eviction looks at */
	__u64 clock_tail[2]; /* per clock: the next position a registered entry takes */
	__u64 first_iv; /* interval of first_used */
	__u64 first_used;
	__u64 promote_iv;
	__u64 promote_used;
};

/* A summary's class; also the key of the per-class budgets. */
struct flow_class {
	__u8 family;
	__u8 protocol;
	__u8 direction;
	__u8 prefix_len; /* 24 (IPv4) or 64 (IPv6); 0: any destination */
	__u16 dst_port;
	__u8 any_port;
	__u8 pad;
	__u8 dst[16]; /* the destination prefix, host bits 0 */
} __attribute__((aligned(8)));

_Static_assert(sizeof(struct flow_class) == 24, "flow_class is three words");

struct class_budget {
	__u64 iv;
	__u64 used;
};

struct summary_slot {
	struct bpf_spin_lock lock;
	__u32 holds; /* evictions between their claim and their add: the slot stays theirs */
	struct flow_class cls;
	__u64 flow_count; /* 0 and holds 0: the slot is free */
	__u64 packets[2]; /* originator, responder */
	__u64 bytes[2];
	__u64 first_seen_ns;
	__u64 last_seen_ns;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct flow_pressure_state);
} FLOW_PRESSURE SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, FLOW_CLOCK_PER_ENTRY *FLOW_TABLE_DEFAULT_ENTRIES);
	__type(key, __u32);
	__type(value, struct flow_key);
} FLOW_CLOCK SEC(".maps");

/* Budget state only: an entry the LRU forgets just starts its class afresh. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, CLASS_BUDGET_ENTRIES);
	__type(key, struct flow_class);
	__type(value, struct class_budget);
} FLOW_CLASS_BUDGET SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SUMMARY_SLOTS);
	__type(key, __u32);
	__type(value, struct summary_slot);
} FLOW_SUMMARY SEC(".maps");

/*
 * Per-CPU room for a victim's final state: the stack along handle() ->
 * insert -> evict is close to the verifier's 512 bytes. tc programs do not
 * nest on a CPU, so one slot suffices.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct flow_value);
} FLOW_VICTIM SEC(".maps");

static __always_inline struct flow_pressure_state *pressure_state(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&FLOW_PRESSURE, &zero);
}

/*
 * Take one unit of a per-interval budget. The reset at a new interval races
 * with other CPUs by a few units, which a rate limit can afford.
 */
static __always_inline bool budget_take(__u64 *iv_p, __u64 *used_p, __u64 iv, __u32 limit)
{
	__u64 cur = *(volatile __u64 *)iv_p;

	if (cur < iv && __sync_val_compare_and_swap(iv_p, cur, iv) == cur)
		*(volatile __u64 *)used_p = 0;
	return __sync_fetch_and_add(used_p, 1) < limit;
}

/* The class of a flow (fine), or its coarse class (any destination and port). */
static __always_inline void flow_class_of(struct flow_class *c, const struct flow_key *k,
					  const struct flow_value *v, bool fine)
{
	const __u8 *dst = v->orig_is_lo ? k->addr_hi : k->addr_lo;
	int n = k->family == PKT_FAMILY_IPV4 ? 3 : 8;

	__builtin_memset(c, 0, sizeof(*c));
	c->family = k->family;
	c->protocol = k->protocol;
	c->direction = v->direction;
	if (!fine) {
		c->any_port = 1;
		return;
	}
	c->prefix_len = n * 8;
#pragma unroll
	for (int i = 0; i < 8; i++)
		if (i < n)
			c->dst[i] = dst[i];
	if (pkt_is_icmp(k->protocol)) /* ICMP types are not ports */
		c->any_port = 1;
	else
		c->dst_port = v->orig_is_lo ? k->port_hi : k->port_lo;
}

static __always_inline bool class_eq(const struct flow_class *a, const struct flow_class *b)
{
	const __u64 *x = (const __u64 *)a, *y = (const __u64 *)b;

	return x[0] == y[0] && x[1] == y[1] && x[2] == y[2];
}

static __always_inline __u32 fine_slot(const struct flow_class *c)
{
	const __u64 *w = (const __u64 *)c;
	__u64 h = (w[0] ^ (w[1] * 0x9E3779B97F4A7C15ull) ^ (w[2] * 0xC2B2AE3D27D4EB4Full)) *
		  0x165667B19E3779F9ull;

	return (__u32)(h >> 32) & (SUMMARY_FINE_SLOTS - 1);
}

static __always_inline __u32 coarse_slot(const struct flow_class *c)
{
	return SUMMARY_FINE_SLOTS + ((c->family == PKT_FAMILY_IPV6 ? 1u : 0u) << 9 |
				     (c->direction & 1u) << 8 | c->protocol);
}

/* Claim slot idx for class c: free (it becomes c's) or already c's. True: holds one more. */
static __always_inline bool slot_claim(__u32 idx, const struct flow_class *c)
{
	struct summary_slot *s = bpf_map_lookup_elem(&FLOW_SUMMARY, &idx);
	bool ok;

	if (!s)
		return false;
	bpf_spin_lock(&s->lock);
	ok = s->flow_count == 0 && s->holds == 0;
	if (ok)
		s->cls = *c;
	else
		ok = class_eq(&s->cls, c);
	if (ok)
		s->holds++;
	bpf_spin_unlock(&s->lock);
	return ok;
}

/*
 * Claim the slot that will count a flow: its class's, else (allow_coarse)
 * its coarse one. The slot index, or -1 when neither would take it.
 */
FA_BPF_GLOBAL int summary_claim(const struct flow_key *k, const struct flow_value *v,
				int allow_coarse)
{
	struct flow_class c;
	__u32 idx;

	if (!k || !v)
		return -1;
	flow_class_of(&c, k, v, true);
	idx = fine_slot(&c);
	if (slot_claim(idx, &c))
		return (int)idx;
	if (!allow_coarse)
		return -1;
	flow_class_of(&c, k, v, false);
	idx = coarse_slot(&c);
	return slot_claim(idx, &c) ? (int)idx : -1;
}

/* Count a flow in the slot it claimed (and release the claim). */
FA_BPF_GLOBAL int summary_add(int claim, const struct flow_value *v)
{
	__u32 idx = (__u32)claim;
	struct summary_slot *s = bpf_map_lookup_elem(&FLOW_SUMMARY, &idx);

	if (!s || !v)
		return 0;
	bpf_spin_lock(&s->lock);
	s->holds--;
	s->flow_count++;
	s->packets[0] += v->packets[0];
	s->packets[1] += v->packets[1];
	s->bytes[0] += v->bytes[0];
	s->bytes[1] += v->bytes[1];
	if (s->first_seen_ns == 0 || v->first_seen_ns < s->first_seen_ns)
		s->first_seen_ns = v->first_seen_ns;
	if (v->last_seen_ns > s->last_seen_ns)
		s->last_seen_ns = v->last_seen_ns;
	bpf_spin_unlock(&s->lock);
	count(FLOW_COUNTER_AGGREGATED);
	return 0;
}

/* Give back a claim that was not used. */
FA_BPF_GLOBAL int summary_release(int claim)
{
	__u32 idx = (__u32)claim;
	struct summary_slot *s = bpf_map_lookup_elem(&FLOW_SUMMARY, &idx);

	if (!s)
		return 0;
	bpf_spin_lock(&s->lock);
	s->holds--;
	bpf_spin_unlock(&s->lock);
	return 0;
}

/*
 * A clock number the verifier can see is 0 or 1 (the compiler, knowing its
 * callers, would drop a plain range check).
 */
static __always_inline __u32 clock_index(__u32 clock)
{
	asm volatile("" : "+r"(clock));
	return clock & 1;
}

/* Put an entry at the back of a clock (CLOCK_DEFERRED or CLOCK_REPORTED). */
static __always_inline void clock_register(const struct flow_key *key, struct flow_value *v,
					   __u32 clock)
{
	struct flow_pressure_state *ps = pressure_state();
	struct flow_key *slot;
	__u32 idx;
	__u64 pos;

	clock = clock_index(clock);
	if (!ps || !clock_slots)
		return;
	pos = __sync_fetch_and_add(&ps->clock_tail[clock], 1);
	idx = clock * clock_slots + (__u32)(pos % clock_slots);
	slot = bpf_map_lookup_elem(&FLOW_CLOCK, &idx);
	if (!slot)
		return;
	*slot = *key;
	v->clock_seq = pos;
	v->clock_id = clock;
}

/*
 * Register a new entry (after its first packet was reported or deferred) in
 * the clock its state calls for.
 */
FA_BPF_GLOBAL int flow_pressure_register(const struct flow_key *key, struct flow_value *v)
{
	if (key && v)
		clock_register(key, v,
			       v->reported == FLOW_UNREPORTED ? CLOCK_DEFERRED : CLOCK_REPORTED);
	return 0;
}

/*
 * An evicted TCP flow's direction goes to FLOW_MEMORY (as the recorder's
 * sweep does): its next packet continues the connection as a midstream flow
 * in the same direction, not as a connection its sender opened.
 */
static __always_inline void remember_direction(const struct flow_key *key,
					       const struct flow_value *v)
{
	struct flow_memory m = {.orig_is_lo = v->orig_is_lo, .direction = v->direction};

	if (key->protocol == PKT_PROTO_TCP)
		bpf_map_update_elem(&FLOW_MEMORY, key, &m, BPF_ANY); /* best effort: LRU */
}

/*
 * The victim's final state, once its entry is deleted. A packet that found
 * the entry just before the delete may still add to it, so the entry is read
 * again; but the map may already have given the memory to a new flow, whose
 * counters must not be taken for the victim's: then the copy made before the
 * delete stands (and such a racing packet is not counted, as with the sweep).
 */
static __always_inline void settle_snapshot(struct flow_value *snap, const struct flow_value *v)
{
	if (v->first_seen_ns == snap->first_seen_ns && v->orig_is_lo == snap->orig_is_lo &&
	    v->direction == snap->direction)
		*snap = *v;
}

enum evict_result {
	EVICT_NO = 0, /* not this one (stale position, moved back, or it stays) */
	EVICT_DONE = 1,
	EVICT_WAIT = 2, /* glance only: a reported entry not idle long enough; it stays put */
};

/*
 * Whether the entry at a clock position may be evicted now: EVICT_DONE when
 * it may; EVICT_NO when it stays and is registered again (being reported,
 * promoted since, referenced since the last pass, or reported and recently
 * active); EVICT_WAIT for the last case on a glance.
 */
static __always_inline int evict_candidate(const struct flow_key *key, struct flow_value *v,
					   __u32 clock, __u64 now, int glance)
{
	if (v->reported == FLOW_REPORTING) {
		clock_register(key, v, clock);
		return EVICT_NO;
	}
	if (clock == CLOCK_DEFERRED && v->reported == FLOW_REPORTED) {
		clock_register(key, v, CLOCK_REPORTED); /* promoted since */
		return EVICT_NO;
	}
	if (v->referenced) {
		v->referenced = 0;
		clock_register(key, v, clock);
		return EVICT_NO;
	}
	if (v->reported == FLOW_REPORTED && v->state != FLOW_STATE_LINGER &&
	    now - v->last_seen_ns < evict_protect_ns) {
		if (glance)
			return EVICT_WAIT;
		clock_register(key, v, clock); /* recently active and reported: not yet */
		return EVICT_NO;
	}
	return EVICT_DONE;
}

/*
 * Evict a reported entry: its closed record (exact counters, reason evicted,
 * or its own close if it lingers) goes to the ring first; if the ring is
 * full it stays. A lingering entry whose close was sent just goes.
 */
static __always_inline int evict_reported(const struct flow_key *key, struct flow_value *v,
					  __u32 clock, __u64 now)
{
	bool lingering = v->state == FLOW_STATE_LINGER;
	struct conn_record_v3 *rec;
	struct flow_value *snap;
	__u32 zero = 0;

	if (lingering && v->close_reported) {
		/* closed and reported: only its linger ends early */
		if (bpf_map_delete_elem(&FLOW_TABLE, key))
			return EVICT_NO;
		remember_direction(key, v); /* fields no new flow would change */
		count(FLOW_COUNTER_EVICTED);
		return EVICT_DONE;
	}
	rec = bpf_ringbuf_reserve(&CONN_EVENTS, sizeof(*rec), 0);
	if (!rec) {
		count(FLOW_COUNTER_RING_DEFERRED);
		clock_register(key, v, clock); /* it stays until its close can be sent */
		return EVICT_NO;
	}
	snap = bpf_map_lookup_elem(&FLOW_VICTIM, &zero);
	if (!snap) {
		bpf_ringbuf_discard(rec, 0);
		return EVICT_NO;
	}
	*snap = *v;
	if (bpf_map_delete_elem(&FLOW_TABLE, key)) {
		bpf_ringbuf_discard(rec, 0); /* the sweep took it */
		return EVICT_NO;
	}
	settle_snapshot(snap, v);
	remember_direction(key, snap);
	flow_table_fill_record(rec, key, snap, CONN_KIND_CLOSED,
			       lingering ? snap->close_reason : CONN_CLOSE_EVICTED,
			       lingering ? snap->closed_ns : now);
	bpf_ringbuf_submit(rec, 0);
	count(FLOW_COUNTER_EVICTED);
	return EVICT_DONE;
}

/*
 * Evict a deferred entry (never reported): it is counted in a summary of its
 * class, or of its coarse class unless --fail-closed; with no slot it stays.
 */
static __always_inline int evict_deferred(const struct flow_key *key, struct flow_value *v,
					  __u32 clock)
{
	struct flow_value *snap;
	__u32 zero = 0;
	int claim;

	claim = summary_claim(key, v, !fail_closed);
	if (claim < 0) {
		clock_register(key, v, clock);
		return EVICT_NO;
	}
	snap = bpf_map_lookup_elem(&FLOW_VICTIM, &zero);
	if (!snap) {
		summary_release(claim);
		return EVICT_NO;
	}
	*snap = *v;
	if (bpf_map_delete_elem(&FLOW_TABLE, key)) {
		summary_release(claim);
		return EVICT_NO;
	}
	settle_snapshot(snap, v);
	remember_direction(key, snap);
	summary_add(claim, snap);
	count(FLOW_COUNTER_EVICTED);
	return EVICT_DONE;
}

/*
 * Try to evict the entry at one position of a clock (enum evict_result).
 * glance: only a look at the reported clock's head, which leaves an entry
 * that is protected but saw no packet since the last pass where it is
 * (EVICT_WAIT): it is the oldest, and will be the first to go. Moving it
 * back on every new flow of a flood would cost more than the eviction.
 */
FA_BPF_GLOBAL int evict_at(__u32 clock, __u64 pos, __u64 now, int glance)
{
	__u32 idx = clock * clock_slots + (__u32)(pos % clock_slots);
	struct flow_key key, *slot;
	struct flow_value *v;
	int ret;

	slot = bpf_map_lookup_elem(&FLOW_CLOCK, &idx);
	if (!slot)
		return EVICT_NO;
	key = *slot;
	v = bpf_map_lookup_elem(&FLOW_TABLE, &key);
	if (!v || v->clock_id != clock || v->clock_seq != pos)
		return EVICT_NO; /* removed meanwhile, or registered again elsewhere */
	ret = evict_candidate(&key, v, clock, now, glance);
	if (ret != EVICT_DONE)
		return ret;
	if (v->reported == FLOW_REPORTED)
		return evict_reported(&key, v, clock, now);
	return evict_deferred(&key, v, clock);
}

/*
 * Look at up to tries of a clock's oldest positions (glance: see evict_at).
 * 1 when one was evicted.
 */
FA_BPF_GLOBAL int evict_from(__u32 clock, int tries, __u64 now, int glance)
{
	struct flow_pressure_state *ps = pressure_state();
	int ret;

	clock = clock_index(clock);
	if (!ps || !clock_slots)
		return 0;
	for (int i = 0; i < EVICT_TRIES && i < tries; i++) {
		__u64 head = ps->clock_head[clock], tail = ps->clock_tail[clock];

		if (head >= tail)
			return 0;
		if (tail - head > clock_slots) {
			/* positions that far back were overwritten: their entries are the sweep's */
			__sync_val_compare_and_swap(&ps->clock_head[clock], head,
						    tail - clock_slots);
			continue;
		}
		if (glance) {
			/* the position is claimed only when its entry does not wait */
			ret = evict_at(clock, head, now, true);
			if (ret == EVICT_WAIT)
				return 0;
			__sync_val_compare_and_swap(&ps->clock_head[clock], head, head + 1);
		} else {
			ret = evict_at(clock, __sync_fetch_and_add(&ps->clock_head[clock], 1), now,
				       false);
		}
		if (ret == EVICT_DONE)
			return 1;
	}
	return 0;
}

/*
 * Remove one entry to make room. 1 when one was removed. A reported entry
 * idle past its protection goes first (a glance at the reported clock's
 * oldest), else a deferred one, else any reported one that may go.
 * Deferred victims alone would let the reported entries (a steady trickle
 * within the budgets) squat the table, until the deferred entries left were
 * so few and young that a connection's first packet would be evicted before
 * its peer could answer.
 */
static __always_inline int evict_one(__u64 now)
{
	return evict_from(CLOCK_REPORTED, EVICT_GLANCE, now, true) ||
	       evict_from(CLOCK_DEFERRED, EVICT_TRIES, now, false) ||
	       evict_from(CLOCK_REPORTED, EVICT_TRIES, now, false);
}

/*
 * Insert a new flow's entry (flags: BPF_NOEXIST, or BPF_ANY to replace a
 * finished one), evicting when the table is full. 0, or the map update's
 * error. The caller registers the entry (flow_pressure_register) once its
 * first packet was reported or deferred.
 */
FA_BPF_GLOBAL int flow_pressure_insert(const struct flow_key *key, const struct flow_value *nv,
				       __u64 flags, __u64 now)
{
	int ret;

	if (!key || !nv)
		return -FA_EINVAL;
	ret = bpf_map_update_elem(&FLOW_TABLE, key, nv, flags);
	for (int i = 0; ret == -FA_E2BIG && i < INSERT_TRIES; i++) {
		if (!evict_one(now))
			break;
		ret = bpf_map_update_elem(&FLOW_TABLE, key, nv, flags);
	}
	return ret;
}

/* The class's and the global first budgets, both. */
static __always_inline bool admit_first(const struct flow_key *key, const struct flow_value *v,
					__u64 iv)
{
	struct flow_pressure_state *ps = pressure_state();
	struct class_budget *b, nb = {.iv = iv};
	struct flow_class c;

	if (!ps)
		return false;
	/* spent already (under a flood, nearly always): spare the class map */
	if (*(volatile __u64 *)&ps->first_iv == iv &&
	    *(volatile __u64 *)&ps->first_used >= budget_first)
		return false;
	flow_class_of(&c, key, v, true);
	b = bpf_map_lookup_elem(&FLOW_CLASS_BUDGET, &c);
	if (!b) {
		bpf_map_update_elem(&FLOW_CLASS_BUDGET, &c, &nb, BPF_NOEXIST);
		b = bpf_map_lookup_elem(&FLOW_CLASS_BUDGET, &c);
		if (!b)
			return false;
	}
	return budget_take(&b->iv, &b->used, iv, budget_class) &&
	       budget_take(&ps->first_iv, &ps->first_used, iv, budget_first);
}

/*
 * May the opened record of this unreported flow be emitted now? A packet of
 * the responder spends the promotion budget; any other packet the class's
 * and the global first budgets.
 */
FA_BPF_GLOBAL int flow_pressure_admit(const struct flow_key *key, const struct flow_value *v,
				      int responder, __u64 now)
{
	struct flow_pressure_state *ps;
	__u64 iv = now / budget_interval_ns;

	if (!key || !v)
		return 0;
	if (!responder)
		return admit_first(key, v, iv);
	ps = pressure_state();
	return ps && budget_take(&ps->promote_iv, &ps->promote_used, iv, budget_promote);
}

/*
 * A new flow the table could not hold: an untracked record if the first
 * budgets allow and the ring has room, else a summary slot, else (fail_closed
 * and only the coarse slot left) its packet is dropped. Returns the tc action.
 */
FA_BPF_GLOBAL int flow_pressure_untracked(const struct flow_key *key, const struct flow_value *nv,
					  __u64 now)
{
	struct conn_record_v3 *rec;
	int claim;

	if (!key || !nv)
		return TC_ACT_UNSPEC;
	if (admit_first(key, nv, now / budget_interval_ns)) {
		rec = bpf_ringbuf_reserve(&CONN_EVENTS, sizeof(*rec), 0);
		if (rec) {
			flow_table_fill_record(rec, key, nv, CONN_KIND_UNTRACKED, CONN_CLOSE_NONE,
					       0);
			bpf_ringbuf_submit(rec, 0);
			count(FLOW_COUNTER_UNTRACKED);
			return TC_ACT_UNSPEC;
		}
		count(FLOW_COUNTER_RING_DEFERRED);
	}
	claim = summary_claim(key, nv, !fail_closed);
	if (claim < 0) {
		count(FLOW_COUNTER_FAIL_CLOSED);
		return TC_ACT_SHOT;
	}
	summary_add(claim, nv);
	count(FLOW_COUNTER_UNTRACKED);
	return TC_ACT_UNSPEC;
}

struct flush_state {
	__u32 waiting; /* a record could not be reserved: slots keep their counts */
};

/* bpf_loop callback: one slot to one summary record. */
static long flush_slot(__u32 idx, void *data)
{
	struct flush_state *fs = data;
	struct summary_slot *s = bpf_map_lookup_elem(&FLOW_SUMMARY, &idx);
	struct conn_record_v3 *rec;
	struct flow_class c;
	__u64 n, p0, p1, b0, b1, first, last;

	if (!s || !s->flow_count)
		return 0;
	rec = bpf_ringbuf_reserve(&CONN_EVENTS, sizeof(*rec), 0);
	if (!rec) {
		count(FLOW_COUNTER_RING_DEFERRED);
		fs->waiting = 1;
		return 1; /* stop: the ring is full; the next flush goes on */
	}
	bpf_spin_lock(&s->lock);
	c = s->cls;
	n = s->flow_count;
	p0 = s->packets[0];
	p1 = s->packets[1];
	b0 = s->bytes[0];
	b1 = s->bytes[1];
	first = s->first_seen_ns;
	last = s->last_seen_ns;
	s->flow_count = 0;
	s->packets[0] = s->packets[1] = 0;
	s->bytes[0] = s->bytes[1] = 0;
	s->first_seen_ns = s->last_seen_ns = 0;
	bpf_spin_unlock(&s->lock);
	if (!n) {
		bpf_ringbuf_discard(rec, 0);
		return 0;
	}
	__builtin_memset(rec, 0, sizeof(*rec));
	rec->kind = CONN_KIND_SUMMARY;
	rec->family = c.family;
	rec->protocol = c.protocol;
	rec->direction = c.direction;
	rec->verdict = CONN_VERDICT_ALLOW;
	rec->flags = c.any_port ? CONN_FLAG_ANY_PORT : 0;
	rec->prefix_len = c.prefix_len;
	rec->dst_port = c.dst_port;
	__builtin_memcpy(rec->dst_addr, c.dst, 16);
	rec->orig_packets = p0;
	rec->orig_bytes = b0;
	rec->resp_packets = p1;
	rec->resp_bytes = b1;
	rec->first_seen_ns = first;
	rec->last_seen_ns = last;
	rec->flow_count = n;
	bpf_ringbuf_submit(rec, 0);
	return 0;
}

/* Emit every non-empty summary slot. 0: all emitted; 1: the ring filled, some wait. */
static __always_inline int flow_pressure_flush(void)
{
	struct flush_state fs = {};

	bpf_loop(SUMMARY_SLOTS, flush_slot, &fs, 0);
	return fs.waiting;
}

#endif /* FLOWAUDIT_FLOW_PRESSURE_H */
