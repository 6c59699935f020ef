/* SPDX-License-Identifier: Apache-2.0 */
/* Stored event row to NetworkFlowDecision; see export_row.h. */
#include "export_row.h"

#include "fa_names.h"
#include "fa_text.h"
#include "query_sql.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Columns are read as sqlite3_value once each: every sqlite3_column_* call
 * takes the connection's locks and checks for errors, and an export makes
 * dozens per record.
 */
static sqlite3_value *col(sqlite3_stmt *st, int i)
{
	return sqlite3_column_value(st, i);
}

/* A non-negative integer value: true and *v, or false for NULL / wrong type / negative. */
static bool count_of(sqlite3_value *v, uint64_t *out)
{
	if (sqlite3_value_type(v) != SQLITE_INTEGER)
		return false;
	int64_t x = sqlite3_value_int64(v);
	if (x < 0)
		return false;
	*out = (uint64_t)x;
	return true;
}

/* The value as text (numbers converted, as sqlite3_column_text does), or NULL for NULL. */
static const char *text_of(sqlite3_value *v)
{
	if (sqlite3_value_type(v) == SQLITE_NULL)
		return NULL;
	return (const char *)sqlite3_value_text(v);
}

/* A copy of the value's text bytes (NUL added), or NULL for NULL. 0 or -ENOMEM. */
static int copy_text(sqlite3_value *v, char **out, size_t *len)
{
	const char *t = text_of(v);
	size_t n = t ? (size_t)sqlite3_value_bytes(v) : 0;
	free(*out);
	*out = NULL;
	*len = n;
	if (!t)
		return 0;
	*out = malloc(n + 1);
	if (!*out)
		return -ENOMEM;
	memcpy(*out, t, n);
	(*out)[n] = '\0';
	return 0;
}

/* Room for need bytes in *buf (grown by doubling). 0 or -ENOMEM. */
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

/*
 * The row's run, read again only when it is another run than the last row's
 * (rows come in time order, mostly from one run): its ids, its stamps, and
 * the decision_id prefix "<cell>:<run>:" with cell and run percent-encoded
 * over all their stored bytes (fa_text.h), so no two (cell, run, seq) share
 * an id, whatever the ids contain (':', '%', invalid UTF-8, an embedded NUL).
 */
static int load_run(sqlite3_stmt *st, size_t db, struct fq_export_scratch *s)
{
	struct fq_export_run *r = &s->run;
	int64_t run_pk = sqlite3_column_int64(st, FQ_EV_RUN_PK);
	if (r->valid && r->db == db && r->run_pk == run_pk)
		return 0;
	r->valid = false;
	size_t n;
	if (copy_text(col(st, FQ_EV_CELL_ID), &r->cell_id, &r->cell_len) ||
	    copy_text(col(st, FQ_EV_RUN_ID), &r->run_id, &r->run_len) ||
	    copy_text(col(st, FQ_EV_POLICY_DIGEST), &r->policy_digest, &n) ||
	    copy_text(col(st, FQ_EV_KEYSET_ID), &r->keyset_id, &n) ||
	    copy_text(col(st, FQ_EV_ISSUER_KID), &r->issuer_kid, &n) ||
	    copy_text(col(st, FQ_EV_CORRELATION_ID), &r->correlation_id, &n))
		return -ENOMEM;
	const char *cell = r->cell_id ? r->cell_id : "", *run = r->run_id ? r->run_id : "";
	size_t cell_len = fa_id_component_encode(cell, r->cell_len, NULL, 0);
	size_t run_len = fa_id_component_encode(run, r->run_len, NULL, 0);
	/* the prefix, then a sign and up to 20 digits of seq, and the NUL */
	if (reserve(&s->decision_id, &s->decision_id_cap, cell_len + run_len + 2 + 22))
		return -ENOMEM;
	char *p = s->decision_id;
	fa_id_component_encode(cell, r->cell_len, p, cell_len + 1);
	p[cell_len] = ':';
	fa_id_component_encode(run, r->run_len, p + cell_len + 1, run_len + 1);
	p[cell_len + 1 + run_len] = ':';
	s->prefix_len = cell_len + run_len + 2;
	r->db = db;
	r->run_pk = run_pk;
	r->valid = true;
	return 0;
}

/* The seq after the run's prefix in s->decision_id. */
static void format_seq(struct fq_export_scratch *s, int64_t seq)
{
	char *p = s->decision_id + s->prefix_len;
	if (seq < 0)
		*p++ = '-';
	p += fa_u64_text(seq < 0 ? 0 - (uint64_t)seq : (uint64_t)seq, p);
	*p = '\0';
}

/*
 * The index of v's text among names (exactly, as TEXT), or -1. A value
 * stored as a BLOB or a number is outside the enum too.
 */
static int enum_index(sqlite3_value *v, const char *const *names, int n)
{
	if (sqlite3_value_type(v) != SQLITE_TEXT)
		return -1;
	const char *t = (const char *)sqlite3_value_text(v);
	size_t len = (size_t)sqlite3_value_bytes(v);
	for (int i = 0; i < n; i++)
		if (strlen(names[i]) == len && memcmp(t, names[i], len) == 0)
			return i;
	return -1;
}

/* Refuse the row: value v (named name) is outside expected. */
static int refuse(sqlite3_value *v, struct fq_export_scratch *s, const char *name,
		  const char *expected)
{
	char shown[64] = "NULL";
	const char *t = (const char *)sqlite3_value_text(v);
	if (t)
		fa_text_escape(t, shown, sizeof(shown));
	snprintf(s->err, sizeof(s->err),
		 "decision %.100s holds %s '%s', not %s; refusing to export a value outside "
		 "its enum (see flowq verify)",
		 s->decision_id, name, shown, expected);
	return -EINVAL;
}

int fq_export_row(sqlite3_stmt *st, size_t db, struct fq_export_scratch *s, struct fq_decision *out)
{
	static const char *const directions[] = {"egress", "ingress"};
	static const char *const decisions[] = {"allow", "deny"};
	struct fq_flow_event ev = {0};
	if (load_run(st, db, s))
		return -ENOMEM;
	format_seq(s, sqlite3_value_int64(col(st, FQ_EV_SEQ)));
	sqlite3_value *v = col(st, FQ_EV_DIRECTION);
	int direction = enum_index(v, directions, 2);
	if (direction < 0)
		return refuse(v, s, "direction", "egress or ingress");
	v = col(st, FQ_EV_DECISION);
	int decision = enum_index(v, decisions, 2);
	if (decision < 0)
		return refuse(v, s, "decision", "allow or deny");
	v = col(st, FQ_EV_FAMILY);
	int family = sqlite3_value_int(v);
	if (sqlite3_value_type(v) != SQLITE_INTEGER || (family != 4 && family != 6))
		return refuse(v, s, "family", "4 or 6");
	ev.direction = direction == 1 ? FQ_DIR_INGRESS : FQ_DIR_EGRESS;
	ev.decision = decision == 1 ? FQ_OUTCOME_DENY : FQ_OUTCOME_ALLOW;
	ev.reason_code = text_of(col(st, FQ_EV_REASON));
	ev.nft_rule_ref = text_of(col(st, FQ_EV_NFT_RULE_REF));

	v = col(st, FQ_EV_DST_ADDR);
	if (sqlite3_value_type(v) == SQLITE_BLOB && sqlite3_value_bytes(v) == FA_ADDR_LEN) {
		struct fa_addr a;
		uint64_t prefix;
		memcpy(a.b, sqlite3_value_blob(v), FA_ADDR_LEN);
		/* a summary's destination is its prefix, "10.77.0.0/24" */
		if (count_of(col(st, FQ_EV_PREFIX_LEN), &prefix) && prefix <= 128)
			ev.dst_addr = fa_prefix_format(&a, family, (unsigned)prefix, s->addr,
						       sizeof(s->addr));
		else
			ev.dst_addr = fa_addr_format(&a, family, s->addr, sizeof(s->addr));
	}
	uint64_t port;
	if (count_of(col(st, FQ_EV_DST_PORT), &port) && port <= 65535) {
		ev.has_dst_port = true;
		ev.dst_port = (uint16_t)port;
	}
	uint64_t proto;
	if (count_of(col(st, FQ_EV_PROTOCOL), &proto) && proto <= 255)
		ev.protocol = fa_protocol_name((unsigned)proto);
	ev.has_packet_count = count_of(col(st, FQ_EV_PACKETS), &ev.packet_count);
	ev.has_byte_count = count_of(col(st, FQ_EV_BYTES), &ev.byte_count);

	const char *observed = fa_time_format_rfc3339_cached(
		&s->observed_at, sqlite3_value_int64(col(st, FQ_EV_OBSERVED_AT)));
	const struct fq_export_run *r = &s->run;
	struct fq_metadata meta = {
		.policy_digest = r->policy_digest,
		.keyset_id = r->keyset_id,
		.issuer_kid = r->issuer_kid,
		.correlation_id = r->correlation_id,
	};
	fq_flow_event_to_decision(&ev, r->cell_id ? r->cell_id : "", r->run_id ? r->run_id : "",
				  s->decision_id, &meta, observed, out);
	return 0;
}

void fq_export_scratch_free(struct fq_export_scratch *s)
{
	struct fq_export_run *r = &s->run;
	free(s->decision_id);
	free(r->cell_id);
	free(r->run_id);
	free(r->policy_digest);
	free(r->keyset_id);
	free(r->issuer_kid);
	free(r->correlation_id);
	memset(s, 0, sizeof(*s));
}
