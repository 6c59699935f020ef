/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Synthetic captures; see synth_capture.h.
 *
 * A capture is a stream of new flows. Each v3 flow writes its opened record
 * at once and queues its closed record in a min-heap ordered by close time
 * (then by queue order, so ties are deterministic); before every new open,
 * the closes that are due are written first. The stream stops after exactly
 * the requested number of records: flows whose close is still queued then
 * are the ones a replay closes at run end.
 *
 * 5-tuples are unique among the flows open at any time (a kernel flow table
 * never reports a second open for a live key): ephemeral ports are handed
 * out round robin and each stays taken until its flow has closed.
 */
#include "synth_capture.h"

#include "conn_record_v3.h"
#include "flow_record_v1.h"
#include "frame_out.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define NS_PER_MS 1000000ULL
#define NS_PER_S 1000000000ULL
#define START_NS (1000 * NS_PER_S) /* the kernel clocks of a machine up for 1000 s */
/* The captured run's idle timeouts (--tcp-idle-s 300, --udp-idle-s 60): its sweep
 * closed idle flows this long after their last packet. */
#define TCP_IDLE_NS (300 * NS_PER_S)
#define UDP_IDLE_NS (60 * NS_PER_S)
#define EPHEMERAL_LO 1024u
#define EPHEMERAL_N (65536u - EPHEMERAL_LO)
#define V4_NETS 32 /* destination /24s (and as many IPv6 /64s) */

struct rng {
	uint64_t s;
};

/* splitmix64: small, fast, and the same sequence on every platform. */
static uint64_t rnd(struct rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t below(struct rng *r, uint64_t n)
{
	return rnd(r) % n;
}

static bool chance(struct rng *r, unsigned percent)
{
	return below(r, 100) < percent;
}

/* Roughly log-uniform in [lo, hi): a uniform octave, then uniform inside it. lo > 0. */
static uint64_t spread(struct rng *r, uint64_t lo, uint64_t hi)
{
	unsigned octaves = 0;
	while ((lo << (octaves + 1)) < hi)
		octaves++;
	unsigned o = (unsigned)below(r, octaves + 1);
	uint64_t a = lo << o, b = lo << (o + 1);
	if (b > hi)
		b = hi;
	return a + below(r, b - a);
}

/* A rank in [0, n), small ranks much more likely (popular destinations). */
static uint64_t skewed(struct rng *r, uint64_t n)
{
	return below(r, below(r, n) + 1);
}

struct pending {
	uint64_t at;
	uint64_t order;
	struct conn_record_v3 rec;
};

struct gen {
	FILE *f;
	struct rng r;
	struct pending *heap;
	size_t n, cap;
	uint64_t order;
	uint64_t port_busy_until[EPHEMERAL_N];
	uint32_t next_port;
};

static bool before(const struct pending *a, const struct pending *b)
{
	return a->at < b->at || (a->at == b->at && a->order < b->order);
}

static int heap_push(struct gen *g, uint64_t at, const struct conn_record_v3 *rec)
{
	if (g->n == g->cap) {
		size_t cap = g->cap ? g->cap * 2 : 4096;
		struct pending *h = realloc(g->heap, cap * sizeof(*h));
		if (!h)
			return -1;
		g->heap = h;
		g->cap = cap;
	}
	size_t i = g->n++;
	g->heap[i] = (struct pending){.at = at, .order = g->order++, .rec = *rec};
	while (i > 0 && before(&g->heap[i], &g->heap[(i - 1) / 2])) {
		struct pending t = g->heap[i];
		g->heap[i] = g->heap[(i - 1) / 2];
		g->heap[(i - 1) / 2] = t;
		i = (i - 1) / 2;
	}
	return 0;
}

static void heap_pop(struct gen *g)
{
	g->heap[0] = g->heap[--g->n];
	size_t i = 0;
	for (;;) {
		size_t l = 2 * i + 1, m = i;
		if (l < g->n && before(&g->heap[l], &g->heap[m]))
			m = l;
		if (l + 1 < g->n && before(&g->heap[l + 1], &g->heap[m]))
			m = l + 1;
		if (m == i)
			return;
		struct pending t = g->heap[i];
		g->heap[i] = g->heap[m];
		g->heap[m] = t;
		i = m;
	}
}

/* An ephemeral port free at now, taken until `until`. */
static uint16_t take_port(struct gen *g, uint64_t now, uint64_t until)
{
	uint32_t i = g->next_port;
	for (uint32_t tries = 0; tries < EPHEMERAL_N; tries++) {
		i = (g->next_port + tries) % EPHEMERAL_N;
		if (g->port_busy_until[i] <= now)
			break;
	}
	g->next_port = (i + 1) % EPHEMERAL_N;
	g->port_busy_until[i] = until;
	return (uint16_t)(EPHEMERAL_LO + i);
}

static void put_v4(uint8_t out[16], uint32_t host_order)
{
	memset(out, 0, 16);
	out[0] = (uint8_t)(host_order >> 24);
	out[1] = (uint8_t)(host_order >> 16);
	out[2] = (uint8_t)(host_order >> 8);
	out[3] = (uint8_t)host_order;
}

/* 2001:db8:<net>::<host>, or fd00::2 (the cell) with net 0xffff. */
static void put_v6(uint8_t out[16], uint16_t net, uint16_t host)
{
	static const uint8_t cell[16] = {0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};
	if (net == 0xffff) {
		memcpy(out, cell, 16);
		return;
	}
	memset(out, 0, 16);
	out[0] = 0x20, out[1] = 0x01, out[2] = 0x0d, out[3] = 0xb8;
	out[6] = (uint8_t)(net >> 8), out[7] = (uint8_t)net;
	out[14] = (uint8_t)(host >> 8), out[15] = (uint8_t)host;
}

#define CELL_V4 0x0A000002u /* 10.0.0.2 */

/* The i-th destination /24: 198.51.100.0, 203.0.113.0, 192.0.2.0, then 100.64.k.0. */
static uint32_t v4_net(unsigned i)
{
	static const uint32_t first[] = {0xC6336400u, 0xCB007100u, 0xC0000200u};
	return i < 3 ? first[i] : 0x64400000u | (i << 8);
}

/* Remote peer of a flow: a skewed destination, or for ingress a client in 198.18.0.0/15. */
static void remote_addr(struct gen *g, bool v6, bool client, uint8_t out[16])
{
	unsigned net = (unsigned)skewed(&g->r, V4_NETS);
	unsigned host = 1 + (unsigned)skewed(&g->r, 254);
	if (client) {
		uint32_t c = (uint32_t)below(&g->r, 1u << 17);
		if (v6)
			put_v6(out, 0xfffe, (uint16_t)c);
		else
			put_v4(out, 0xC6120000u | c);
		return;
	}
	if (v6)
		put_v6(out, (uint16_t)net, (uint16_t)host);
	else
		put_v4(out, v4_net(net) | host);
}

static void write_v1(struct gen *g, uint64_t t)
{
	struct flow_record_v1 v;
	memset(&v, 0, sizeof(v));
	bool udp = chance(&g->r, 30);
	uint64_t idle = udp ? UDP_IDLE_NS : TCP_IDLE_NS;
	v.src_ip = CELL_V4;
	v.dst_ip = v4_net((unsigned)skewed(&g->r, V4_NETS)) | (1 + (uint32_t)skewed(&g->r, 254));
	v.src_port = take_port(g, t, t + idle + 2 * NS_PER_S);
	v.dst_port = udp ? 53 : 443;
	v.proto = udp ? 17 : 6;
	v.pkt_count = 1 + below(&g->r, 5);
	v.first_seen_ns = t;
	v.verdict = chance(&g->r, 10) ? FLOW_RECORD_V1_VERDICT_DROP : 1;
	put_frame(g->f, REPLAY_KIND_FLOW_V1, &v, sizeof(v));
}

/* One new v3 flow at t: its opened record now, its closed record queued. */
static int new_flow(struct gen *g, uint64_t t)
{
	struct rng *r = &g->r;
	struct conn_record_v3 o;
	memset(&o, 0, sizeof(o));
	bool v6 = chance(r, 30);
	unsigned pick = (unsigned)below(r, 100);
	o.family = v6 ? 6 : 4;
	o.protocol = pick < 62 ? 6 : pick < 98 ? 17 : (v6 ? 58 : 1);
	bool tcp = o.protocol == 6, udp = o.protocol == 17, icmp = !tcp && !udp;
	bool ingress = tcp && chance(r, 5);
	bool deny = chance(r, 8);
	bool dns = udp && chance(r, 70);
	o.kind = CONN_KIND_OPENED;
	o.direction = ingress ? CONN_DIR_INGRESS : CONN_DIR_EGRESS;
	o.verdict = deny ? CONN_VERDICT_DROP : CONN_VERDICT_ALLOW;

	/* How long the flow lasts, and when and why the kernel closes it. */
	uint64_t dur, close_at;
	uint8_t reason = CONN_CLOSE_IDLE;
	if (tcp && !deny) {
		unsigned kind = (unsigned)below(r, 100);
		dur = kind < 85	  ? spread(r, 5 * NS_PER_MS, 2 * NS_PER_S)
		      : kind < 99 ? spread(r, 2 * NS_PER_S, 60 * NS_PER_S)
				  : spread(r, 60 * NS_PER_S, 250 * NS_PER_S);
		reason = chance(r, 15) ? CONN_CLOSE_TCP_RST : CONN_CLOSE_TCP_FIN;
		close_at = t + dur;
	} else {
		dur = deny || dns ? spread(r, NS_PER_MS, 3 * NS_PER_S)
				  : spread(r, NS_PER_S, 40 * NS_PER_S);
		close_at = t + dur + (tcp ? TCP_IDLE_NS : UDP_IDLE_NS) + below(r, NS_PER_S);
	}

	uint16_t port = take_port(g, t, close_at + NS_PER_S);
	uint8_t cell[16];
	if (v6)
		put_v6(cell, 0xffff, 0);
	else
		put_v4(cell, CELL_V4);
	if (ingress) {
		remote_addr(g, v6, true, o.src_addr);
		memcpy(o.dst_addr, cell, 16);
		o.src_port = port;
		o.dst_port = 8443;
	} else {
		memcpy(o.src_addr, cell, 16);
		remote_addr(g, v6, false, o.dst_addr);
		o.src_port = port;
		o.dst_port = tcp ? (chance(r, 80) ? 443 : 80) : dns ? 53 : 443;
	}
	if (icmp) { /* an echo: the identifier keys it, the ports hold type and code */
		o.icmp_type = v6 ? 128 : 8;
		o.icmp_id = port;
		o.src_port = 0;
		o.dst_port = (uint16_t)(o.icmp_type << 8);
	}
	uint64_t hdr = v6 ? 40 : 20;
	uint64_t first = hdr + (tcp ? 40 : udp ? 8 + (dns ? 40 : 1200) : 64);
	o.orig_packets = 1;
	o.orig_bytes = first;
	o.first_seen_ns = t;
	o.last_seen_ns = t;
	put_frame(g->f, REPLAY_KIND_CONN_V3, &o, sizeof(o));

	struct conn_record_v3 c = o;
	c.kind = CONN_KIND_CLOSED;
	c.close_reason = reason;
	if (deny) { /* retries of the first packet, never an answer */
		c.orig_packets = 1 + below(r, 3);
		c.orig_bytes = c.orig_packets * first;
	} else {
		uint64_t pk = tcp ? 4 + spread(r, 1, 2000) : 1 + spread(r, 1, 200);
		c.orig_packets = pk;
		c.orig_bytes = pk * (hdr + 40) + below(r, pk * 200 + 1);
		c.resp_packets = pk + below(r, pk + 1);
		c.resp_bytes = c.resp_packets * (hdr + 40) + below(r, c.resp_packets * 1400 + 1);
	}
	c.last_seen_ns = t + dur;
	c.closed_ns = close_at;
	return heap_push(g, close_at, &c);
}

static int write_mix(struct gen *g, long records)
{
	long written = 0;
	uint64_t t = START_NS;
	while (written < records) {
		/* Mostly ~2 ms apart, in bursts 10% of the time (a page load, a retry storm). */
		t += chance(&g->r, 10) ? below(&g->r, 50000) : below(&g->r, 4 * NS_PER_MS);
		while (written < records && g->n > 0 && g->heap[0].at <= t) {
			put_frame(g->f, REPLAY_KIND_CONN_V3, &g->heap[0].rec,
				  sizeof(g->heap[0].rec));
			heap_pop(g);
			written++;
		}
		if (written == records)
			break;
		if (chance(&g->r, 5))
			write_v1(g, t);
		else if (new_flow(g, t))
			return -1;
		written++;
	}
	return 0;
}

/* Distinct 5-tuples by construction: the port cycles, the destination host steps per cycle. */
static void write_opens(struct gen *g, long records)
{
	for (long i = 0; i < records; i++) {
		struct conn_record_v3 o;
		memset(&o, 0, sizeof(o));
		bool v6 = i % 10 < 3;
		uint32_t host = (uint32_t)(i / EPHEMERAL_N);
		o.kind = CONN_KIND_OPENED;
		o.family = v6 ? 6 : 4;
		o.protocol = 6;
		o.direction = CONN_DIR_EGRESS;
		o.verdict = CONN_VERDICT_ALLOW;
		o.src_port = (uint16_t)(EPHEMERAL_LO + i % EPHEMERAL_N);
		o.dst_port = 443;
		if (v6) {
			put_v6(o.src_addr, 0xffff, 0);
			put_v6(o.dst_addr, (uint16_t)(host >> 16), (uint16_t)host);
		} else {
			put_v4(o.src_addr, CELL_V4);
			put_v4(o.dst_addr, 0x64400000u | host);
		}
		o.orig_packets = 1;
		o.orig_bytes = v6 ? 80 : 60;
		o.first_seen_ns = START_NS + (uint64_t)i * 100000;
		o.last_seen_ns = o.first_seen_ns;
		put_frame(g->f, REPLAY_KIND_CONN_V3, &o, sizeof(o));
	}
}

int synth_capture_write(FILE *f, enum synth_shape shape, long records, uint64_t seed)
{
	struct gen *g = calloc(1, sizeof(*g));
	if (!g)
		return -1;
	g->f = f;
	g->r.s = seed;
	int rc = 0;
	if (shape == SYNTH_OPENS)
		write_opens(g, records);
	else
		rc = write_mix(g, records);
	free(g->heap);
	free(g);
	return rc;
}
