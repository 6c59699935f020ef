/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Open-flow table: separate chaining over a power-of-two bucket array, grown
 * at load factor 1. Keys are normalised so A->B and B->A are one flow.
 *
 * Idle index: one binary min-heap per clock of the flows the recorder closes
 * itself, keyed by a lower bound of each flow's idle deadline (last_seen +
 * timeout when pushed). A packet only moves last_seen forward, so the heap is
 * not touched per record: when the root's bound has passed, its real deadline
 * is computed and the entry sifts down if it moved on (lazy re-keying).
 */
#include "conntrack.h"

#include "packet_rules.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define NOT_IN_HEAP SIZE_MAX

struct ct_key {
	uint8_t family;
	uint8_t protocol;
	/*
	 * 1 for flows built from per-packet deltas (NFLOG), 2 for flows the
	 * kernel could not track (deltas too), 0 otherwise: a packet that tc
	 * observed (an ebpf flow) and that netfilter then dropped and logged is
	 * two decisions, not one, and deltas must never be added to a kernel
	 * flow's counters. An untracked flow that later fits the kernel's table
	 * is a new, tracked flow.
	 */
	uint8_t deltas;
	uint8_t pad; /* zero: keys are compared and hashed as bytes */
	uint16_t lo_port;
	uint16_t hi_port;
	uint8_t lo_addr[16];
	uint8_t hi_addr[16];
};

struct ct_entry {
	struct ct_entry *next;
	struct ct_key key;
	uint64_t hash;
	size_t heap_i; /* position in idle[flow.clock], or NOT_IN_HEAP */
	int64_t heap_deadline; /* lower bound of the idle deadline, the heap's key */
	struct ct_flow flow;
};

struct ct_heap {
	struct ct_entry **e;
	size_t n, cap;
};

struct conntrack {
	struct ct_entry **buckets;
	size_t nbuckets;
	size_t count;
	uint64_t unique_opened;
	bool idle_set;
	struct ct_idle idle;
	struct ct_heap heap[2]; /* per enum fa_clock */
};

/*
 * The normalised key. ICMP flows without ports are keyed by their echo
 * identifier or their type and code, as the tc program keys them
 * (bpf/packet_rules.h), so two ping sessions to one peer are two flows here
 * too.
 */
static void make_key(const struct fa_event *ev, struct ct_key *k)
{
	uint16_t sport = ev->src_port, dport = ev->dst_port;
	memset(k, 0, sizeof(*k));
	k->family = ev->family;
	k->protocol = ev->protocol;
	k->deltas = ev->kind == FA_EVENT_UNTRACKED ? 2 : ev->counts_are_deltas ? 1 : 0;
	if (ev->icmp_fields)
		pkt_icmp_key_ports(ev->protocol, ev->icmp_type, ev->icmp_code, ev->icmp_id, &sport,
				   &dport);
	int c = memcmp(ev->src.b, ev->dst.b, 16);
	bool src_first = c < 0 || (c == 0 && sport <= dport);
	const struct fa_addr *lo = src_first ? &ev->src : &ev->dst;
	const struct fa_addr *hi = src_first ? &ev->dst : &ev->src;
	memcpy(k->lo_addr, lo->b, 16);
	memcpy(k->hi_addr, hi->b, 16);
	k->lo_port = src_first ? sport : dport;
	k->hi_port = src_first ? dport : sport;
}

static uint64_t hash_key(const struct ct_key *k)
{
	/* FNV-1a over the packed key, then a final avalanche. */
	const uint8_t *p = (const uint8_t *)k;
	uint64_t h = 0xcbf29ce484222325ULL;
	for (size_t i = 0; i < sizeof(*k); i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return h;
}

struct conntrack *conntrack_new(void)
{
	struct conntrack *ct = calloc(1, sizeof(*ct));
	if (!ct)
		return NULL;
	ct->nbuckets = 1024;
	ct->buckets = calloc(ct->nbuckets, sizeof(*ct->buckets));
	if (!ct->buckets) {
		free(ct);
		errno = ENOMEM;
		return NULL;
	}
	return ct;
}

void conntrack_free(struct conntrack *ct)
{
	if (!ct)
		return;
	for (size_t i = 0; i < ct->nbuckets; i++) {
		struct ct_entry *e = ct->buckets[i];
		while (e) {
			struct ct_entry *next = e->next;
			free(e);
			e = next;
		}
	}
	free(ct->buckets);
	free(ct->heap[0].e);
	free(ct->heap[1].e);
	free(ct);
}

void conntrack_set_idle(struct conntrack *ct, const struct ct_idle *idle)
{
	ct->idle = *idle;
	ct->idle_set = true;
}

/* last_seen + the protocol's timeout, saturating (times come from records). */
static int64_t idle_deadline(const struct conntrack *ct, const struct ct_flow *f)
{
	int64_t d;
	int64_t t = f->protocol == PKT_PROTO_TCP ? ct->idle.tcp_ns : ct->idle.other_ns;
	return __builtin_add_overflow(f->last_seen_kns, t, &d) ? INT64_MAX : d;
}

static void heap_set(struct ct_heap *h, size_t i, struct ct_entry *e)
{
	h->e[i] = e;
	e->heap_i = i;
}

static void sift_up(struct ct_heap *h, size_t i)
{
	struct ct_entry *e = h->e[i];
	while (i > 0) {
		size_t parent = (i - 1) / 2;
		if (h->e[parent]->heap_deadline <= e->heap_deadline)
			break;
		heap_set(h, i, h->e[parent]);
		i = parent;
	}
	heap_set(h, i, e);
}

static void sift_down(struct ct_heap *h, size_t i)
{
	struct ct_entry *e = h->e[i];
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= h->n)
			break;
		if (c + 1 < h->n && h->e[c + 1]->heap_deadline < h->e[c]->heap_deadline)
			c++;
		if (e->heap_deadline <= h->e[c]->heap_deadline)
			break;
		heap_set(h, i, h->e[c]);
		i = c;
	}
	heap_set(h, i, e);
}

static int heap_push(struct conntrack *ct, struct ct_entry *e)
{
	struct ct_heap *h = &ct->heap[e->flow.clock];
	if (h->n == h->cap) {
		size_t cap = h->cap ? 2 * h->cap : 1024;
		struct ct_entry **p = realloc(h->e, cap * sizeof(*p));
		if (!p)
			return -ENOMEM;
		h->e = p;
		h->cap = cap;
	}
	e->heap_deadline = idle_deadline(ct, &e->flow);
	h->e[h->n++] = e;
	sift_up(h, h->n - 1);
	return 0;
}

static void heap_remove(struct conntrack *ct, struct ct_entry *e)
{
	struct ct_heap *h = &ct->heap[e->flow.clock];
	size_t i = e->heap_i;
	if (i == NOT_IN_HEAP)
		return;
	e->heap_i = NOT_IN_HEAP;
	struct ct_entry *last = h->e[--h->n];
	if (i == h->n)
		return;
	heap_set(h, i, last);
	sift_up(h, i);
	sift_down(h, last->heap_i);
}

size_t conntrack_expired(struct conntrack *ct, enum fa_clock clock, int64_t now,
			 struct ct_flow **out, size_t max)
{
	struct ct_heap *h = &ct->heap[clock];
	size_t n = 0;
	while (n < max && h->n > 0 && h->e[0]->heap_deadline <= now) {
		struct ct_entry *e = h->e[0];
		int64_t d = idle_deadline(ct, &e->flow);
		if (d > now) { /* seen since it was keyed: move it to its real place */
			e->heap_deadline = d;
			sift_down(h, 0);
			continue;
		}
		heap_remove(ct, e);
		out[n++] = &e->flow;
	}
	return n;
}

static void grow(struct conntrack *ct)
{
	size_t n = ct->nbuckets * 2;
	struct ct_entry **b = calloc(n, sizeof(*b));
	if (!b)
		return; /* keep the longer chains; still correct */
	for (size_t i = 0; i < ct->nbuckets; i++) {
		struct ct_entry *e = ct->buckets[i];
		while (e) {
			struct ct_entry *next = e->next;
			size_t j = e->hash & (n - 1);
			e->next = b[j];
			b[j] = e;
			e = next;
		}
	}
	free(ct->buckets);
	ct->buckets = b;
	ct->nbuckets = n;
}

static struct ct_entry *find(const struct conntrack *ct, const struct ct_key *k, uint64_t h)
{
	for (struct ct_entry *e = ct->buckets[h & (ct->nbuckets - 1)]; e; e = e->next)
		if (e->hash == h && memcmp(&e->key, k, sizeof(*k)) == 0)
			return e;
	return NULL;
}

/* Fold an event's counters into the flow: deltas add, snapshots replace upward. */
static void absorb(struct ct_flow *f, const struct fa_event *ev)
{
	if (ev->counts_are_deltas) {
		f->orig_packets += ev->orig_packets;
		f->orig_bytes += ev->orig_bytes;
		f->resp_packets += ev->resp_packets;
		f->resp_bytes += ev->resp_bytes;
	} else {
		if (ev->orig_packets > f->orig_packets)
			f->orig_packets = ev->orig_packets;
		if (ev->orig_bytes > f->orig_bytes)
			f->orig_bytes = ev->orig_bytes;
		if (ev->resp_packets > f->resp_packets)
			f->resp_packets = ev->resp_packets;
		if (ev->resp_bytes > f->resp_bytes)
			f->resp_bytes = ev->resp_bytes;
	}
	f->bytes_known = f->bytes_known || ev->bytes_known;
	if (ev->last_seen_kns > f->last_seen_kns)
		f->last_seen_kns = ev->last_seen_kns;
}

/* What an open means for the flow e already open for its key. */
static enum ct_outcome open_on_flow(const struct conntrack *ct, struct ct_entry *e,
				    const struct fa_event *ev)
{
	struct ct_flow *f = &e->flow;
	/* Both times are kernel readings >= 0 on one clock: no overflow. */
	if (ct->idle_set && ev->clock == f->clock &&
	    ev->first_seen_kns - f->last_seen_kns >=
		    (f->protocol == PKT_PROTO_TCP ? ct->idle.tcp_ns : ct->idle.other_ns))
		return CT_IDLE_REOPEN;
	enum ct_outcome out = CT_DUPLICATE_OPEN;
	if (ev->decision_per_record || ev->deny != f->deny)
		out = CT_NEW_DECISION;
	else if (ev->counts_are_deltas)
		out = CT_FLOW_PACKET;
	absorb(f, ev);
	f->deny = ev->deny;
	return out;
}

struct ct_flow *conntrack_record(struct conntrack *ct, const struct fa_event *ev,
				 enum ct_outcome *outcome)
{
	struct ct_key k;
	make_key(ev, &k);
	uint64_t h = hash_key(&k);
	struct ct_entry *e = find(ct, &k, h);

	if (ev->kind == FA_EVENT_CLOSED) {
		if (!e) {
			*outcome = CT_ORPHAN_CLOSE;
			return NULL;
		}
		absorb(&e->flow, ev);
		*outcome = CT_CLOSE;
		return &e->flow;
	}
	if (e) {
		*outcome = open_on_flow(ct, e, ev);
		return &e->flow;
	}
	e = calloc(1, sizeof(*e));
	if (!e) {
		*outcome = 0;
		return NULL;
	}
	e->key = k;
	e->hash = h;
	e->heap_i = NOT_IN_HEAP;
	e->flow.clock = ev->clock;
	e->flow.protocol = ev->protocol;
	e->flow.deny = ev->deny;
	e->flow.last_seen_kns = ev->first_seen_kns;
	e->flow.kernel_tracked = ev->clock == FA_CLOCK_BOOTTIME && !ev->counts_are_deltas;
	absorb(&e->flow, ev);
	if (ct->idle_set && !e->flow.kernel_tracked && heap_push(ct, e)) {
		free(e);
		*outcome = 0;
		return NULL;
	}
	size_t i = h & (ct->nbuckets - 1);
	e->next = ct->buckets[i];
	ct->buckets[i] = e;
	ct->count++;
	ct->unique_opened++;
	if (ct->count > ct->nbuckets)
		grow(ct);
	*outcome = CT_NEW_FLOW;
	return &e->flow;
}

void conntrack_remove(struct conntrack *ct, struct ct_flow *flow)
{
	struct ct_entry *target =
		(struct ct_entry *)((char *)flow - offsetof(struct ct_entry, flow));
	struct ct_entry **pp = &ct->buckets[target->hash & (ct->nbuckets - 1)];
	while (*pp && *pp != target)
		pp = &(*pp)->next;
	if (!*pp)
		return;
	*pp = target->next;
	heap_remove(ct, target);
	free(target);
	ct->count--;
}

size_t conntrack_count(const struct conntrack *ct)
{
	return ct->count;
}

uint64_t conntrack_unique_opened(const struct conntrack *ct)
{
	return ct->unique_opened;
}

struct ct_flow *conntrack_next(struct conntrack *ct, size_t *cursor)
{
	/* The cursor is (bucket << 20 | depth into the bucket's chain). */
	size_t bucket = *cursor >> 20, depth = *cursor & 0xfffff;
	while (bucket < ct->nbuckets) {
		struct ct_entry *e = ct->buckets[bucket];
		for (size_t d = 0; e && d < depth; d++)
			e = e->next;
		if (e) {
			*cursor = (bucket << 20) | (depth + 1);
			return &e->flow;
		}
		bucket++;
		depth = 0;
	}
	*cursor = bucket << 20;
	return NULL;
}
