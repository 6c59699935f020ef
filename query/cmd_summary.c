/* SPDX-License-Identifier: Apache-2.0 */
/*
 * flowq summary: totals, per-protocol counts, top destinations by flows and
 * by bytes, and denied destinations, over every --db. Each database answers
 * GROUP BY queries; the groups (one per destination, not per event) are
 * merged in memory by sorting, then ranked. --limit N sets the top N
 * (FQ_SUMMARY_TOP without it).
 *
 * Output: one record per line of the report, {section, dst_addr, protocol,
 * flows, denied, packets, bytes, summarized}; section is total, protocol,
 * top_by_flows, top_by_bytes or denied. flows counts the flows decisions
 * stand for (one each, a summary its flow_count); summarized says how many of
 * them are known only from summaries. A summary's destination is its prefix
 * ("10.77.0.0/24"), a group of its own. A packet or byte total that is not
 * known exactly (a stored count that is not a non-negative integer, or a sum
 * beyond 2^64-1) is null; it ranks first in top_by_bytes.
 */
#include "commands.h"

#include "dbset.h"
#include "fa_addr.h"
#include "fa_exit.h"
#include "fa_names.h"
#include "fa_text.h"
#include "out.h"
#include "writer.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const summary_keys[] = {
	"section", "dst_addr", "protocol", "flows", "denied", "packets", "bytes", "summarized",
};

#define SUMMARY_NKEYS (sizeof(summary_keys) / sizeof(summary_keys[0]))

static const struct fq_schema summary_schema = {
	.n = SUMMARY_NKEYS,
	.keys = summary_keys,
};

static uint64_t col_u(sqlite3_stmt *st, int col)
{
	int64_t v = sqlite3_column_int64(st, col);
	return v < 0 ? 0 : (uint64_t)v;
}

/* A packet or byte total: exact, or unknown (then v is UINT64_MAX, for ranking). */
struct total {
	uint64_t v;
	bool unknown;
};

struct group {
	struct fa_addr addr;
	int family; /* destinations: 4 or 6 */
	int prefix_len; /* destinations: a summary's prefix length, else -1 */
	int64_t proto; /* protocols */
	uint64_t flows, denied, summarized;
	struct total packets, bytes;
};

static void total_add(struct total *t, struct total x)
{
	if (t->unknown || x.unknown || __builtin_add_overflow(t->v, x.v, &t->v))
		*t = (struct total){UINT64_MAX, true};
}

/* HI * 2^32 + LO from the query (see FQ_SU_*), unknown when any row was not a count. */
static struct total col_total(sqlite3_stmt *st, int hi_col)
{
	uint64_t hi = col_u(st, hi_col), lo = col_u(st, hi_col + 1), bad = col_u(st, hi_col + 2);
	struct total t = {lo, false};
	if (bad || hi > UINT32_MAX)
		return (struct total){UINT64_MAX, true};
	total_add(&t, (struct total){hi << 32, false});
	return t;
}

struct groups {
	struct group *g;
	size_t n, cap;
};

static int groups_add(struct groups *gs, const struct group *g)
{
	if (gs->n == gs->cap) {
		size_t cap = gs->cap ? 2 * gs->cap : 256;
		struct group *p = realloc(gs->g, cap * sizeof(*p));
		if (!p)
			return -ENOMEM;
		gs->g = p;
		gs->cap = cap;
	}
	gs->g[gs->n++] = *g;
	return 0;
}

static int by_key(const void *a, const void *b)
{
	const struct group *x = a, *y = b;
	int c = memcmp(x->addr.b, y->addr.b, FA_ADDR_LEN);
	if (c)
		return c;
	if (x->family != y->family)
		return x->family < y->family ? -1 : 1;
	if (x->prefix_len != y->prefix_len)
		return x->prefix_len < y->prefix_len ? -1 : 1;
	return x->proto < y->proto ? -1 : x->proto > y->proto;
}

static int cmp_u(uint64_t a, uint64_t b)
{
	return a > b ? -1 : a < b; /* descending */
}

static int by_flows(const void *a, const void *b)
{
	const struct group *x = a, *y = b;
	int c = cmp_u(x->flows, y->flows);
	return c ? c : by_key(a, b);
}

static int by_bytes(const void *a, const void *b)
{
	const struct group *x = a, *y = b;
	int c = cmp_u(x->bytes.v, y->bytes.v);
	return c ? c : by_key(a, b);
}

static int by_denied(const void *a, const void *b)
{
	const struct group *x = a, *y = b;
	int c = cmp_u(x->denied, y->denied);
	return c ? c : by_key(a, b);
}

/* Sort by key and fold equal keys (the same destination seen in several databases). */
static void fold(struct groups *gs)
{
	if (gs->n == 0)
		return;
	qsort(gs->g, gs->n, sizeof(*gs->g), by_key);
	size_t w = 0;
	for (size_t r = 1; r < gs->n; r++) {
		if (by_key(&gs->g[w], &gs->g[r]) == 0) {
			gs->g[w].flows += gs->g[r].flows;
			gs->g[w].denied += gs->g[r].denied;
			total_add(&gs->g[w].packets, gs->g[r].packets);
			total_add(&gs->g[w].bytes, gs->g[r].bytes);
			gs->g[w].summarized += gs->g[r].summarized;
		} else {
			gs->g[++w] = gs->g[r];
		}
	}
	gs->n = w + 1;
}

static int collect(struct fq_dbset *dbs, enum fq_query_kind kind, const struct fq_filters *f,
		   struct groups *gs, char *err, size_t errlen)
{
	sqlite3_stmt *st[FQ_MAX_DB] = {NULL};
	int rc = fq_dbset_prepare(dbs, kind, f, st, err, errlen);
	if (rc)
		return rc;
	for (size_t i = 0; i < dbs->n && !rc; i++) {
		int s;
		while ((s = sqlite3_step(st[i])) == SQLITE_ROW) {
			struct group g = {.prefix_len = -1};
			if (sqlite3_column_type(st[i], FQ_SU_PREFIX_LEN) == SQLITE_INTEGER)
				g.prefix_len = sqlite3_column_int(st[i], FQ_SU_PREFIX_LEN);
			if (kind == FQ_Q_SUM_DST) {
				if (sqlite3_column_bytes(st[i], FQ_SU_KEY) == FA_ADDR_LEN)
					memcpy(g.addr.b, sqlite3_column_blob(st[i], FQ_SU_KEY),
					       FA_ADDR_LEN);
				g.family = sqlite3_column_int(st[i], FQ_SU_FAMILY);
			} else {
				g.proto = sqlite3_column_int64(st[i], FQ_SU_KEY);
			}
			g.flows = col_u(st[i], FQ_SU_FLOWS);
			g.denied = col_u(st[i], FQ_SU_DENIED);
			g.packets = col_total(st[i], FQ_SU_PACKETS_HI);
			g.bytes = col_total(st[i], FQ_SU_BYTES_HI);
			g.summarized = col_u(st[i], FQ_SU_SUMMARIZED);
			if (sqlite3_column_type(st[i], FQ_SU_BAD_DECISION) != SQLITE_NULL) {
				char shown[64];
				fa_text_escape((const char *)sqlite3_column_text(
						       st[i], FQ_SU_BAD_DECISION),
					       shown, sizeof(shown));
				snprintf(err, errlen,
					 "%s: a decision holds decision '%s', not allow or deny; "
					 "refusing to count a value outside its enum (see flowq "
					 "verify)",
					 dbs->paths[i], shown);
				rc = -EUCLEAN;
				break;
			}
			if (groups_add(gs, &g)) {
				snprintf(err, errlen, "out of memory");
				rc = -ENOMEM;
				break;
			}
		}
		if (!rc && s != SQLITE_DONE) {
			snprintf(err, errlen, "%s: reading failed: %s", dbs->paths[i],
				 sqlite3_errmsg(dbs->db[i]));
			rc = -EIO;
		}
	}
	fq_stmts_finalize(st, dbs->n);
	if (!rc)
		fold(gs);
	return rc;
}

static void emit(struct fq_writer *w, const char *section, const struct group *g, bool dst)
{
	char addr[FA_PREFIX_TEXT_MAX], proto[8];
	struct fq_value v[SUMMARY_NKEYS];
	v[0] = fq_v_text(section);
	v[1] = fq_v_null();
	if (dst && g->prefix_len >= 0 && g->prefix_len <= 128)
		v[1] = fq_v_text(fa_prefix_format(&g->addr, g->family, (unsigned)g->prefix_len,
						  addr, sizeof(addr)));
	else if (dst)
		v[1] = fq_v_text(fa_addr_format(&g->addr, g->family, addr, sizeof(addr)));
	v[2] = fq_v_null();
	if (!dst && section[0] == 'p') {
		const char *name = g->proto >= 0 && g->proto <= 255
					   ? fa_protocol_name((unsigned)g->proto)
					   : NULL;
		if (!name) {
			snprintf(proto, sizeof(proto), "%d", (int)(g->proto & 0xffff));
			name = proto;
		}
		v[2] = fq_v_text(name);
	}
	v[3] = fq_v_uint(g->flows);
	v[4] = fq_v_uint(g->denied);
	v[5] = g->packets.unknown ? fq_v_null() : fq_v_uint(g->packets.v);
	v[6] = g->bytes.unknown ? fq_v_null() : fq_v_uint(g->bytes.v);
	v[7] = fq_v_uint(g->summarized);
	fq_writer_record(w, v);
}

static void emit_top(struct fq_writer *w, struct groups *gs, const char *section,
		     int (*order)(const void *, const void *), uint64_t top, bool denied_only)
{
	qsort(gs->g, gs->n, sizeof(*gs->g), order);
	uint64_t shown = 0;
	for (size_t i = 0; i < gs->n && shown < top; i++) {
		if (denied_only && gs->g[i].denied == 0)
			break;
		emit(w, section, &gs->g[i], true);
		shown++;
	}
}

int fq_cmd_summary(const struct fq_cli *cli)
{
	struct fq_dbset dbs = {0};
	struct groups dst = {0}, proto = {0};
	struct fq_writer w = {0};
	struct fq_out *out = NULL;
	char err[1024] = "";
	int exit_code = FA_EXIT_OK;

	int rc = fq_dbset_open(&dbs, cli->dbs, cli->ndb, err, sizeof(err));
	if (!rc)
		rc = collect(&dbs, FQ_Q_SUM_PROTO, &cli->filters, &proto, err, sizeof(err));
	if (!rc)
		rc = collect(&dbs, FQ_Q_SUM_DST, &cli->filters, &dst, err, sizeof(err));
	if (rc) {
		exit_code = fq_exit_code(rc, FA_EXIT_DB);
		goto fail;
	}
	out = malloc(sizeof(*out));
	if (!out) {
		exit_code = FA_EXIT_INTERNAL;
		goto fail;
	}
	fq_out_init(out, STDOUT_FILENO, false);
	fq_writer_init(&w, fq_format_resolve(cli->format, STDOUT_FILENO), out, &summary_schema);
	if (fq_writer_begin(&w, 0)) {
		exit_code = FA_EXIT_INTERNAL;
		goto fail;
	}
	struct group total = {0};
	for (size_t i = 0; i < proto.n; i++) {
		total.flows += proto.g[i].flows;
		total.denied += proto.g[i].denied;
		total_add(&total.packets, proto.g[i].packets);
		total_add(&total.bytes, proto.g[i].bytes);
		total.summarized += proto.g[i].summarized;
	}
	emit(&w, "total", &total, false);
	for (size_t i = 0; i < proto.n; i++)
		emit(&w, "protocol", &proto.g[i], false);
	uint64_t top =
		cli->filters.set & FQ_F_LIMIT ? (uint64_t)cli->filters.limit : FQ_SUMMARY_TOP;
	emit_top(&w, &dst, "top_by_flows", by_flows, top, false);
	emit_top(&w, &dst, "top_by_bytes", by_bytes, top, false);
	emit_top(&w, &dst, "denied", by_denied, top, true);
	fq_writer_end(&w);
	rc = fq_out_flush(out);
	if (rc) {
		snprintf(err, sizeof(err), "standard output: write failed: %s", strerror(-rc));
		exit_code = FA_EXIT_IO;
		goto fail;
	}
	goto done;
fail:
	if (err[0])
		fq_error(cli, "%s", err);
done:
	fq_writer_destroy(&w);
	fq_dbset_close(&dbs);
	free(dst.g);
	free(proto.g);
	free(out);
	return exit_code;
}
