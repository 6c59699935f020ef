/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One FQ_Q_EVENTS row to one NetworkFlowDecision: the stored columns become
 * the translator's flow event (decision.h), the run row gives the stamping
 * metadata, and the text forms (address, time, decision id) are rendered into
 * a scratch buffer that lives until the next row.
 */
#ifndef FLOWQ_EXPORT_ROW_H
#define FLOWQ_EXPORT_ROW_H

#include "decision.h"
#include "fa_addr.h"
#include "fa_time.h"

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The run of the last row (its stamps are the same on every decision of the run). */
struct fq_export_run {
	bool valid;
	size_t db; /* which --db */
	int64_t run_pk;
	char *cell_id, *run_id; /* the stored bytes, NUL added */
	size_t cell_len, run_len;
	char *policy_digest, *keyset_id, *issuer_kid, *correlation_id; /* NULL: null */
};

struct fq_export_scratch {
	char addr[FA_PREFIX_TEXT_MAX];
	struct fa_rfc3339_cache observed_at;
	struct fq_export_run run;
	/* decision_id: "<cell>:<run>:" encoded (prefix_len bytes), then the seq */
	char *decision_id;
	size_t decision_id_cap;
	size_t prefix_len;
	char err[256]; /* why the last row was refused */
};

/*
 * Translate the current row of st (an FQ_Q_EVENTS statement of database
 * number db) into *out. Values the database holds in a wrong shape (a
 * dst_addr that is not 16 bytes, a port outside 0-65535, a negative count)
 * become null rather than a wrong number. A value outside its enum
 * (direction, decision, family) is never defaulted: evidence fails closed,
 * -EINVAL with the reason in s->err. Returns 0, -EINVAL or -ENOMEM. out's
 * strings live in s until the next row.
 */
int fq_export_row(sqlite3_stmt *st, size_t db, struct fq_export_scratch *s,
		  struct fq_decision *out);
/* Free the scratch buffers (a zeroed scratch is an empty one). */
void fq_export_scratch_free(struct fq_export_scratch *s);

#endif
