/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Open-flow table, built for a million open flows in little memory.
 *
 * Entries: struct ct_flow followed by the normalised addresses, 4 bytes each
 * for IPv4 (40-byte entries) and 16 for IPv6 (64 bytes), in two pools of
 * fixed-size chunks, so an entry never moves and a freed one is reused (its
 * first 4 bytes chain the free list). A reference is a pool index, with the
 * top bit for the IPv6 pool.
 *
 * Index: open addressing with linear probing over 4-byte references, grown
 * at load 3/4; removal shifts the following run back (no tombstones). Keys
 * are normalised so A->B and B->A are one flow.
 *
 * Counters: only flows the recorder tracks itself (v1 records, NFLOG,
 * untracked kernel flows) keep counters, in a third pool. A kernel-tracked
 * flow's records carry the kernel's counters.
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

#define V6_REF 0x80000000u
#define CHUNK_SHIFT 16
#define CHUNK_ITEMS (1u << CHUNK_SHIFT)
#define MAX_ITEMS 0x7fffffffu

/* The normalised key, as compared and hashed. */
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
	uint8_t pad; /* zero: keys are hashed as bytes */
	uint16_t lo_port;
	uint16_t hi_port;
	uint8_t lo_addr[16];
	uint8_t hi_addr[16];
};

struct ct_entry4 {
	struct ct_flow flow;
	uint8_t lo[4], hi[4];
};

struct ct_entry6 {
	struct ct_flow flow;
	uint8_t lo[16], hi[16];
};

_Static_assert(sizeof(struct ct_flow) == 32, "ct_flow grew: every open flow pays for it");
_Static_assert(sizeof(struct ct_entry4) == 40, "IPv4 entry size");
_Static_assert(sizeof(struct ct_entry6) == 64, "IPv6 entry size");

/* Fixed-size items in chunks that never move; freed items are reused first. */
struct pool {
	size_t size; /* bytes per item, >= 4 */
	unsigned char **chunks;
	size_t nchunks;
	uint32_t used; /* items handed out at least once */
	uint32_t free_head; /* CT_NONE: empty */
};

struct heap_item {
	int64_t deadline; /* lower bound of the flow's idle deadline */
	uint32_t ref;
};

struct ct_heap {
	struct heap_item *e;
	size_t n, cap;
};

struct conntrack {
	struct pool v4, v6, counters;
	uint32_t *slots; /* references; CT_NONE is empty */
	size_t nslots; /* a power of two */
	size_t count;
	uint64_t unique_opened;
	bool idle_set;
	struct ct_idle idle;
	struct ct_heap heap[2]; /* per enum fa_clock */
};

static void *pool_at(const struct pool *p, uint32_t i)
{
	return p->chunks[i >> CHUNK_SHIFT] + (size_t)(i & (CHUNK_ITEMS - 1)) * p->size;
}

/* An item, or CT_NONE when memory or the index space runs out. */
static uint32_t pool_take(struct pool *p)
{
	if (p->free_head != CT_NONE) {
		uint32_t i = p->free_head;
		memcpy(&p->free_head, pool_at(p, i), sizeof(uint32_t));
		return i;
	}
	if (p->used == MAX_ITEMS)
		return CT_NONE;
	if ((p->used >> CHUNK_SHIFT) == p->nchunks) {
		unsigned char **c = realloc(p->chunks, (p->nchunks + 1) * sizeof(*c));
		if (!c)
			return CT_NONE;
		p->chunks = c;
		/* malloc, not calloc: the pages of a chunk count only once used */
		c[p->nchunks] = malloc(CHUNK_ITEMS * p->size);
		if (!c[p->nchunks])
			return CT_NONE;
		p->nchunks++;
	}
	return p->used++;
}

static void pool_give(struct pool *p, uint32_t i)
{
	memcpy(pool_at(p, i), &p->free_head, sizeof(uint32_t));
	p->free_head = i;
}

static void pool_free(struct pool *p)
{
	for (size_t i = 0; i < p->nchunks; i++)
		free(p->chunks[i]);
	free(p->chunks);
}

static struct ct_flow *ref_flow(const struct conntrack *ct, uint32_t ref)
{
	return ref & V6_REF ? pool_at(&ct->v6, ref & ~V6_REF) : pool_at(&ct->v4, ref);
}

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

/* The key of a stored flow (IPv4 addresses mapped back into 16 bytes). */
static void entry_key(const struct ct_flow *f, struct ct_key *k)
{
	memset(k, 0, sizeof(*k));
	k->protocol = f->protocol;
	k->deltas = f->deltas;
	k->lo_port = f->lo_port;
	k->hi_port = f->hi_port;
	if (f->flags & CT_F_V6) {
		const struct ct_entry6 *e = (const struct ct_entry6 *)f;
		k->family = 6;
		memcpy(k->lo_addr, e->lo, 16);
		memcpy(k->hi_addr, e->hi, 16);
	} else {
		const struct ct_entry4 *e = (const struct ct_entry4 *)f;
		struct fa_addr a;
		k->family = 4;
		fa_addr_from_v4_bytes(e->lo, &a);
		memcpy(k->lo_addr, a.b, 16);
		fa_addr_from_v4_bytes(e->hi, &a);
		memcpy(k->hi_addr, a.b, 16);
	}
}

static bool key_matches(const struct ct_flow *f, const struct ct_key *k)
{
	if (f->protocol != k->protocol || f->deltas != k->deltas || f->lo_port != k->lo_port ||
	    f->hi_port != k->hi_port || ((f->flags & CT_F_V6) != 0) != (k->family == 6))
		return false;
	if (f->flags & CT_F_V6) {
		const struct ct_entry6 *e = (const struct ct_entry6 *)f;
		return memcmp(e->lo, k->lo_addr, 16) == 0 && memcmp(e->hi, k->hi_addr, 16) == 0;
	}
	const struct ct_entry4 *e = (const struct ct_entry4 *)f;
	return memcmp(e->lo, k->lo_addr + 12, 4) == 0 && memcmp(e->hi, k->hi_addr + 12, 4) == 0;
}

_Static_assert(sizeof(struct ct_key) == 40, "the key is hashed as five 64-bit words");

static uint64_t hash_key(const struct ct_key *k)
{
	/* The key's five words, each mixed in by a multiply (a removal rehashes
	 * the entries after it, so this is on the path of every close), then a
	 * final avalanche (murmur3's finaliser). */
	uint64_t w[5], h = 0x9e3779b97f4a7c15ULL;
	memcpy(w, k, sizeof(w));
	for (int i = 0; i < 5; i++)
		h = (h ^ w[i]) * 0xff51afd7ed558ccdULL + 0x9e3779b97f4a7c15ULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

struct conntrack *conntrack_new(void)
{
	struct conntrack *ct = calloc(1, sizeof(*ct));
	if (!ct)
		return NULL;
	ct->v4 = (struct pool){.size = sizeof(struct ct_entry4), .free_head = CT_NONE};
	ct->v6 = (struct pool){.size = sizeof(struct ct_entry6), .free_head = CT_NONE};
	ct->counters = (struct pool){.size = sizeof(struct ct_counts), .free_head = CT_NONE};
	ct->nslots = 1024;
	ct->slots = malloc(ct->nslots * sizeof(*ct->slots));
	if (!ct->slots) {
		free(ct);
		errno = ENOMEM;
		return NULL;
	}
	memset(ct->slots, 0xff, ct->nslots * sizeof(*ct->slots));
	return ct;
}

void conntrack_free(struct conntrack *ct)
{
	if (!ct)
		return;
	pool_free(&ct->v4);
	pool_free(&ct->v6);
	pool_free(&ct->counters);
	free(ct->slots);
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

static void heap_set(const struct conntrack *ct, struct ct_heap *h, size_t i, struct heap_item it)
{
	h->e[i] = it;
	ref_flow(ct, it.ref)->heap_i = (uint32_t)i;
}

static void sift_up(const struct conntrack *ct, struct ct_heap *h, size_t i)
{
	struct heap_item it = h->e[i];
	while (i > 0) {
		size_t parent = (i - 1) / 2;
		if (h->e[parent].deadline <= it.deadline)
			break;
		heap_set(ct, h, i, h->e[parent]);
		i = parent;
	}
	heap_set(ct, h, i, it);
}

static void sift_down(const struct conntrack *ct, struct ct_heap *h, size_t i)
{
	struct heap_item it = h->e[i];
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= h->n)
			break;
		if (c + 1 < h->n && h->e[c + 1].deadline < h->e[c].deadline)
			c++;
		if (it.deadline <= h->e[c].deadline)
			break;
		heap_set(ct, h, i, h->e[c]);
		i = c;
	}
	heap_set(ct, h, i, it);
}

static int heap_push(struct conntrack *ct, uint32_t ref)
{
	struct ct_flow *f = ref_flow(ct, ref);
	struct ct_heap *h = &ct->heap[f->clock];
	if (h->n == h->cap) {
		size_t cap = h->cap ? 2 * h->cap : 1024;
		struct heap_item *p = realloc(h->e, cap * sizeof(*p));
		if (!p)
			return -ENOMEM;
		h->e = p;
		h->cap = cap;
	}
	h->e[h->n++] = (struct heap_item){.deadline = idle_deadline(ct, f), .ref = ref};
	sift_up(ct, h, h->n - 1);
	return 0;
}

static void heap_remove(struct conntrack *ct, struct ct_flow *f)
{
	struct ct_heap *h = &ct->heap[f->clock];
	size_t i = f->heap_i;
	if (f->heap_i == CT_NONE)
		return;
	f->heap_i = CT_NONE;
	struct heap_item last = h->e[--h->n];
	if (i == h->n)
		return;
	heap_set(ct, h, i, last);
	sift_up(ct, h, i);
	sift_down(ct, h, ref_flow(ct, last.ref)->heap_i);
}

size_t conntrack_expired(struct conntrack *ct, enum fa_clock clock, int64_t now,
			 struct ct_flow **out, size_t max)
{
	struct ct_heap *h = &ct->heap[clock];
	size_t n = 0;
	while (n < max && h->n > 0 && h->e[0].deadline <= now) {
		struct ct_flow *f = ref_flow(ct, h->e[0].ref);
		int64_t d = idle_deadline(ct, f);
		if (d > now) { /* seen since it was keyed: move it to its real place */
			h->e[0].deadline = d;
			sift_down(ct, h, 0);
			continue;
		}
		heap_remove(ct, f);
		out[n++] = f;
	}
	return n;
}

static size_t slot_of(const struct conntrack *ct, uint64_t h)
{
	return (size_t)h & (ct->nslots - 1);
}

/* The index slot holding ref, or the empty slot where k's probe ends. */
static size_t probe(const struct conntrack *ct, const struct ct_key *k, uint64_t h)
{
	size_t i = slot_of(ct, h);
	while (ct->slots[i] != CT_NONE && !key_matches(ref_flow(ct, ct->slots[i]), k))
		i = (i + 1) & (ct->nslots - 1);
	return i;
}

static uint64_t flow_hash(const struct conntrack *ct, uint32_t ref)
{
	struct ct_key k;
	entry_key(ref_flow(ct, ref), &k);
	return hash_key(&k);
}

/* Double the index. Returns 0, or -ENOMEM with the index as it was. */
static int grow(struct conntrack *ct)
{
	size_t n = ct->nslots * 2;
	uint32_t *slots = malloc(n * sizeof(*slots));
	if (!slots)
		return -ENOMEM;
	memset(slots, 0xff, n * sizeof(*slots));
	for (size_t i = 0; i < ct->nslots; i++) {
		uint32_t ref = ct->slots[i];
		if (ref == CT_NONE)
			continue;
		size_t j = (size_t)flow_hash(ct, ref) & (n - 1);
		while (slots[j] != CT_NONE)
			j = (j + 1) & (n - 1);
		slots[j] = ref;
	}
	free(ct->slots);
	ct->slots = slots;
	ct->nslots = n;
	return 0;
}

/* Fold an event's counters into the flow's: deltas add, snapshots replace upward. */
static void absorb(struct ct_counts *c, const struct fa_event *ev)
{
	if (ev->counts_are_deltas) {
		c->orig_packets += ev->orig_packets;
		c->orig_bytes += ev->orig_bytes;
		c->resp_packets += ev->resp_packets;
		c->resp_bytes += ev->resp_bytes;
	} else {
		if (ev->orig_packets > c->orig_packets)
			c->orig_packets = ev->orig_packets;
		if (ev->orig_bytes > c->orig_bytes)
			c->orig_bytes = ev->orig_bytes;
		if (ev->resp_packets > c->resp_packets)
			c->resp_packets = ev->resp_packets;
		if (ev->resp_bytes > c->resp_bytes)
			c->resp_bytes = ev->resp_bytes;
	}
	c->bytes_known = c->bytes_known || ev->bytes_known;
}

/* Apply ev to the flow: its counters (if kept here) and its last packet. */
static void apply(struct conntrack *ct, struct ct_flow *f, const struct fa_event *ev)
{
	if (f->counters_i != CT_NONE)
		absorb(pool_at(&ct->counters, f->counters_i), ev);
	if (ev->last_seen_kns > f->last_seen_kns)
		f->last_seen_kns = ev->last_seen_kns;
}

void conntrack_counts(const struct conntrack *ct, const struct ct_flow *f,
		      const struct fa_event *ev, struct ct_counts *out)
{
	if (f->counters_i != CT_NONE) {
		*out = *(const struct ct_counts *)pool_at(&ct->counters, f->counters_i);
		return;
	}
	memset(out, 0, sizeof(*out));
	if (ev)
		absorb(out, ev);
}

/* What an open means for the flow f already open for its key. */
static enum ct_outcome open_on_flow(struct conntrack *ct, struct ct_flow *f,
				    const struct fa_event *ev)
{
	/* Both times are kernel readings >= 0 on one clock: no overflow. */
	if (ct->idle_set && ev->clock == f->clock &&
	    ev->first_seen_kns - f->last_seen_kns >=
		    (f->protocol == PKT_PROTO_TCP ? ct->idle.tcp_ns : ct->idle.other_ns))
		return CT_IDLE_REOPEN;
	bool deny = f->flags & CT_F_DENY;
	enum ct_outcome out = CT_DUPLICATE_OPEN;
	if (ev->decision_per_record || ev->deny != deny)
		out = CT_NEW_DECISION;
	else if (ev->counts_are_deltas)
		out = CT_FLOW_PACKET;
	apply(ct, f, ev);
	f->flags = (uint8_t)((f->flags & ~CT_F_DENY) | (ev->deny ? CT_F_DENY : 0));
	return out;
}

/* A new entry for key k opened by ev, or CT_NONE when out of memory. */
static uint32_t new_entry(struct conntrack *ct, const struct ct_key *k, const struct fa_event *ev)
{
	bool v6 = k->family == 6;
	bool kernel = ev->clock == FA_CLOCK_BOOTTIME && !ev->counts_are_deltas;
	struct pool *p = v6 ? &ct->v6 : &ct->v4;
	uint32_t i = pool_take(p);
	if (i == CT_NONE)
		return CT_NONE;
	uint32_t counters = CT_NONE;
	if (!kernel) {
		counters = pool_take(&ct->counters);
		if (counters == CT_NONE) {
			pool_give(p, i);
			return CT_NONE;
		}
		memset(pool_at(&ct->counters, counters), 0, sizeof(struct ct_counts));
	}
	struct ct_flow *f = pool_at(p, i);
	*f = (struct ct_flow){
		.last_seen_kns = ev->first_seen_kns,
		.heap_i = CT_NONE,
		.counters_i = counters,
		.protocol = k->protocol,
		.clock = (uint8_t)ev->clock,
		.flags = (uint8_t)((ev->deny ? CT_F_DENY : 0) | (kernel ? CT_F_KERNEL_TRACKED : 0) |
				   (v6 ? CT_F_V6 : 0)),
		.deltas = k->deltas,
		.lo_port = k->lo_port,
		.hi_port = k->hi_port,
	};
	if (v6) {
		struct ct_entry6 *e = (struct ct_entry6 *)f;
		memcpy(e->lo, k->lo_addr, 16);
		memcpy(e->hi, k->hi_addr, 16);
	} else {
		struct ct_entry4 *e = (struct ct_entry4 *)f;
		memcpy(e->lo, k->lo_addr + 12, 4);
		memcpy(e->hi, k->hi_addr + 12, 4);
	}
	return v6 ? i | V6_REF : i;
}

/* Give an entry and its counters back to their pools. */
static void drop_entry(struct conntrack *ct, uint32_t ref)
{
	struct ct_flow *f = ref_flow(ct, ref);
	if (f->counters_i != CT_NONE)
		pool_give(&ct->counters, f->counters_i);
	if (ref & V6_REF)
		pool_give(&ct->v6, ref & ~V6_REF);
	else
		pool_give(&ct->v4, ref);
}

struct ct_flow *conntrack_record(struct conntrack *ct, const struct fa_event *ev,
				 enum ct_outcome *outcome)
{
	struct ct_key k;
	make_key(ev, &k);
	uint64_t h = hash_key(&k);
	size_t i = probe(ct, &k, h);
	struct ct_flow *f = ct->slots[i] == CT_NONE ? NULL : ref_flow(ct, ct->slots[i]);

	if (ev->kind == FA_EVENT_CLOSED) {
		if (!f) {
			*outcome = CT_ORPHAN_CLOSE;
			return NULL;
		}
		apply(ct, f, ev);
		*outcome = CT_CLOSE;
		return f;
	}
	if (f) {
		*outcome = open_on_flow(ct, f, ev);
		return f;
	}
	*outcome = 0;
	/* Room first: growing rehashes, so the probe is done again after it. */
	if ((ct->count + 1) * 4 > ct->nslots * 3) {
		if (grow(ct))
			return NULL;
		i = probe(ct, &k, h);
	}
	uint32_t ref = new_entry(ct, &k, ev);
	if (ref == CT_NONE)
		return NULL;
	f = ref_flow(ct, ref);
	apply(ct, f, ev);
	if (ct->idle_set && !(f->flags & CT_F_KERNEL_TRACKED) && heap_push(ct, ref)) {
		drop_entry(ct, ref);
		return NULL;
	}
	ct->slots[i] = ref;
	ct->count++;
	ct->unique_opened++;
	*outcome = CT_NEW_FLOW;
	return f;
}

void conntrack_remove(struct conntrack *ct, struct ct_flow *flow)
{
	struct ct_key k;
	entry_key(flow, &k);
	size_t mask = ct->nslots - 1, i = slot_of(ct, hash_key(&k));
	while (ct->slots[i] == CT_NONE || ref_flow(ct, ct->slots[i]) != flow) {
		if (ct->slots[i] == CT_NONE)
			return; /* not in the table */
		i = (i + 1) & mask;
	}
	uint32_t ref = ct->slots[i];
	/* Shift back the rest of the run: each entry moves into the hole when
	 * its home slot does not lie (cyclically) between the hole and it. */
	size_t hole = i;
	for (size_t j = (i + 1) & mask; ct->slots[j] != CT_NONE; j = (j + 1) & mask) {
		size_t home = slot_of(ct, flow_hash(ct, ct->slots[j]));
		if (((j - home) & mask) >= ((j - hole) & mask)) {
			ct->slots[hole] = ct->slots[j];
			hole = j;
		}
	}
	ct->slots[hole] = CT_NONE;
	heap_remove(ct, flow);
	drop_entry(ct, ref);
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
	/* The cursor is the next index slot to look at. */
	while (*cursor < ct->nslots) {
		uint32_t ref = ct->slots[(*cursor)++];
		if (ref != CT_NONE)
			return ref_flow(ct, ref);
	}
	return NULL;
}
