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
	size_t cell_len = fa_id_component_encode(cell, cell_n, NULL, 0);
	size_t run_len = fa_id_component_encode(run, run_n, NULL, 0);
	size_t need = cell_len + run_len + 24;
	if (need > s->decision_id_cap) {
		char *p = realloc(s->decision_id, need);
		if (!p)
			return -ENOMEM;
		s->decision_id = p;
		s->decision_id_cap = need;
	}
	char *p = s->decision_id;
	fa_id_component_encode(cell, cell_n, p, cell_len + 1);
	p[cell_len] = ':';
	fa_id_component_encode(run, run_n, p + cell_len + 1, run_len + 1);
	snprintf(p + cell_len + 1 + run_len, 24, ":%" PRId64,
		 (int64_t)sqlite3_column_int64(st, FQ_EV_SEQ));
	return 0;
}

int fq_export_row(sqlite3_stmt *st, struct fq_export_scratch *s, struct fq_decision *out)
{
	struct fq_flow_event ev = {0};
	const char *direction = text_or_empty(st, FQ_EV_DIRECTION);
	ev.direction = strcmp(direction, "ingress") == 0 ? FQ_DIR_INGRESS : FQ_DIR_EGRESS;
	ev.decision = strcmp(text_or_empty(st, FQ_EV_DECISION), "deny") == 0 ? FQ_OUTCOME_DENY
									     : FQ_OUTCOME_ALLOW;
	ev.reason_code = fq_col_text(st, FQ_EV_REASON);
	ev.nft_rule_ref = fq_col_text(st, FQ_EV_NFT_RULE_REF);

	int family = sqlite3_column_int(st, FQ_EV_FAMILY);
	if (sqlite3_column_type(st, FQ_EV_DST_ADDR) == SQLITE_BLOB &&
	    sqlite3_column_bytes(st, FQ_EV_DST_ADDR) == FA_ADDR_LEN &&
	    (family == 4 || family == 6)) {
		struct fa_addr a;
		memcpy(a.b, sqlite3_column_blob(st, FQ_EV_DST_ADDR), FA_ADDR_LEN);
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
	if (format_decision_id(st, s))
		return -ENOMEM;

	const char *observed = fa_time_format_rfc3339(sqlite3_column_int64(st, FQ_EV_OBSERVED_AT),
						      s->observed_at, sizeof(s->observed_at));
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
	s->decision_id = NULL;
	s->decision_id_cap = 0;
}
