/* SPDX-License-Identifier: Apache-2.0 */
/* Stored event row to NetworkFlowDecision; see export_row.h. */
#include "export_row.h"

#include "fa_names.h"
#include "fa_text.h"
#include "query_sql.h"
#include "stream.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A non-negative integer column: true and *v, or false for NULL / wrong type / negative. */
static bool col_count(sqlite3_stmt *st, int col, uint64_t *v)
{
	if (sqlite3_column_type(st, col) != SQLITE_INTEGER)
		return false;
	int64_t x = sqlite3_column_int64(st, col);
	if (x < 0)
		return false;
	*v = (uint64_t)x;
	return true;
}

static const char *text_or_empty(sqlite3_stmt *st, int col)
{
	const char *s = fq_col_text(st, col);
	return s ? s : "";
}

/* Room for cap bytes in *buf (grown by doubling). 0 or -ENOMEM. */
static int reserve(char **buf, size_t *cap, size_t need)
{
	if (need <= *cap)
		return 0;
	size_t n = *cap ? *cap : 64;
	while (n < need)
		n *= 2;
	char *p = realloc(*buf, n);
	if (!p)
		return -ENOMEM;
	*buf = p;
	*cap = n;
	return 0;
}

/* "<cell>:<run>:" encoded into the start of s->decision_id, unless it already is. */
static int decision_id_prefix(struct fq_export_scratch *s, const char *cell, size_t cell_n,
			      const char *run, size_t run_n)
{
	if (s->decision_id && s->cell_len == cell_n && s->ids_len == cell_n + run_n &&
	    memcmp(s->ids, cell, cell_n) == 0 && memcmp(s->ids + cell_n, run, run_n) == 0)
		return 0;
	size_t cell_len = fa_id_component_encode(cell, cell_n, NULL, 0);
	size_t run_len = fa_id_component_encode(run, run_n, NULL, 0);
	if (reserve(&s->decision_id, &s->decision_id_cap, cell_len + run_len + 2 + 24) ||
	    reserve(&s->ids, &s->ids_cap, cell_n + run_n + 1))
		return -ENOMEM;
	char *p = s->decision_id;
	fa_id_component_encode(cell, cell_n, p, cell_len + 1);
	p[cell_len] = ':';
	fa_id_component_encode(run, run_n, p + cell_len + 1, run_len + 1);
	p[cell_len + 1 + run_len] = ':';
	s->prefix_len = cell_len + run_len + 2;
	memcpy(s->ids, cell, cell_n);
	memcpy(s->ids + cell_n, run, run_n);
	s->cell_len = cell_n;
	s->ids_len = cell_n + run_n;
	return 0;
}

/*
 * decision_id "<cell>:<run>:<seq>" with cell and run percent-encoded over all
 * their stored bytes (fa_text.h), so no two (cell, run, seq) share an id,
 * whatever the ids contain (':', '%', invalid UTF-8, an embedded NUL).
 */
static int format_decision_id(sqlite3_stmt *st, struct fq_export_scratch *s)
{
	const char *cell = text_or_empty(st, FQ_EV_CELL_ID);
	size_t cell_n = (size_t)sqlite3_column_bytes(st, FQ_EV_CELL_ID);
	const char *run = text_or_empty(st, FQ_EV_RUN_ID);
	size_t run_n = (size_t)sqlite3_column_bytes(st, FQ_EV_RUN_ID);
	if (decision_id_prefix(s, cell, cell_n, run, run_n))
		return -ENOMEM;
	int64_t seq = sqlite3_column_int64(st, FQ_EV_SEQ);
	char *p = s->decision_id + s->prefix_len;
	if (seq < 0)
		*p++ = '-';
	p += fa_u64_text(seq < 0 ? 0 - (uint64_t)seq : (uint64_t)seq, p);
	*p = '\0';
	return 0;
}

/*
 * The index of column col's text among names (exactly, as TEXT), or -1. A
 * value stored as a BLOB or a number is outside the enum too.
 */
static int enum_index(sqlite3_stmt *st, int col, const char *const *names, int n)
{
	if (sqlite3_column_type(st, col) != SQLITE_TEXT)
		return -1;
	const char *v = (const char *)sqlite3_column_text(st, col);
	size_t len = (size_t)sqlite3_column_bytes(st, col);
	for (int i = 0; i < n; i++)
		if (strlen(names[i]) == len && memcmp(v, names[i], len) == 0)
			return i;
	return -1;
}

/* Refuse the row: column col (named name) holds a value outside expected. */
static int refuse(sqlite3_stmt *st, struct fq_export_scratch *s, int col, const char *name,
		  const char *expected)
{
	char shown[64] = "NULL";
	const char *v = (const char *)sqlite3_column_text(st, col);
	if (v)
		fa_text_escape(v, shown, sizeof(shown));
	snprintf(s->err, sizeof(s->err),
		 "decision %.100s holds %s '%s', not %s; refusing to export a value outside "
		 "its enum (see flowq verify)",
		 s->decision_id, name, shown, expected);
	return -EINVAL;
}

int fq_export_row(sqlite3_stmt *st, struct fq_export_scratch *s, struct fq_decision *out)
{
	static const char *const directions[] = {"egress", "ingress"};
	static const char *const decisions[] = {"allow", "deny"};
	struct fq_flow_event ev = {0};
	if (format_decision_id(st, s))
		return -ENOMEM;
	int direction = enum_index(st, FQ_EV_DIRECTION, directions, 2);
	if (direction < 0)
		return refuse(st, s, FQ_EV_DIRECTION, "direction", "egress or ingress");
	int decision = enum_index(st, FQ_EV_DECISION, decisions, 2);
	if (decision < 0)
		return refuse(st, s, FQ_EV_DECISION, "decision", "allow or deny");
	int family = sqlite3_column_int(st, FQ_EV_FAMILY);
	if (sqlite3_column_type(st, FQ_EV_FAMILY) != SQLITE_INTEGER || (family != 4 && family != 6))
		return refuse(st, s, FQ_EV_FAMILY, "family", "4 or 6");
	ev.direction = direction == 1 ? FQ_DIR_INGRESS : FQ_DIR_EGRESS;
	ev.decision = decision == 1 ? FQ_OUTCOME_DENY : FQ_OUTCOME_ALLOW;
	ev.reason_code = fq_col_text(st, FQ_EV_REASON);
	ev.nft_rule_ref = fq_col_text(st, FQ_EV_NFT_RULE_REF);

	if (sqlite3_column_type(st, FQ_EV_DST_ADDR) == SQLITE_BLOB &&
	    sqlite3_column_bytes(st, FQ_EV_DST_ADDR) == FA_ADDR_LEN) {
		struct fa_addr a;
		uint64_t prefix;
		memcpy(a.b, sqlite3_column_blob(st, FQ_EV_DST_ADDR), FA_ADDR_LEN);
		/* a summary's destination is its prefix, "10.77.0.0/24" */
		if (col_count(st, FQ_EV_PREFIX_LEN, &prefix) && prefix <= 128)
			ev.dst_addr = fa_prefix_format(&a, family, (unsigned)prefix, s->addr,
						       sizeof(s->addr));
		else
			ev.dst_addr = fa_addr_format(&a, family, s->addr, sizeof(s->addr));
	}
	uint64_t port;
	if (col_count(st, FQ_EV_DST_PORT, &port) && port <= 65535) {
		ev.has_dst_port = true;
		ev.dst_port = (uint16_t)port;
	}
	uint64_t proto;
	if (col_count(st, FQ_EV_PROTOCOL, &proto) && proto <= 255)
		ev.protocol = fa_protocol_name((unsigned)proto);
	ev.has_packet_count = col_count(st, FQ_EV_PACKETS, &ev.packet_count);
	ev.has_byte_count = col_count(st, FQ_EV_BYTES, &ev.byte_count);

	const char *cell = text_or_empty(st, FQ_EV_CELL_ID);
	const char *run = text_or_empty(st, FQ_EV_RUN_ID);

	const char *observed = fa_time_format_rfc3339_cached(
		&s->observed_at, sqlite3_column_int64(st, FQ_EV_OBSERVED_AT));
	struct fq_metadata meta = {
		.policy_digest = fq_col_text(st, FQ_EV_POLICY_DIGEST),
		.keyset_id = fq_col_text(st, FQ_EV_KEYSET_ID),
		.issuer_kid = fq_col_text(st, FQ_EV_ISSUER_KID),
		.correlation_id = fq_col_text(st, FQ_EV_CORRELATION_ID),
	};
	fq_flow_event_to_decision(&ev, cell, run, s->decision_id, &meta, observed, out);
	return 0;
}

void fq_export_scratch_free(struct fq_export_scratch *s)
{
	free(s->decision_id);
	free(s->ids);
	memset(s, 0, sizeof(*s));
}
