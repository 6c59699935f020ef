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

struct fq_export_scratch {
	char addr[FA_PREFIX_TEXT_MAX];
	struct fa_rfc3339_cache observed_at;
	/*
	 * decision_id: "<cell>:<run>:" encoded (prefix_len bytes), then the seq.
	 * The prefix is encoded again only when the row's cell or run differs
	 * from ids[0..ids_len) (cell_len bytes of cell, then the run).
	 */
	char *decision_id;
	size_t decision_id_cap;
	size_t prefix_len;
	char *ids;
	size_t ids_len, ids_cap, cell_len;
	char err[256]; /* why the last row was refused */
};

/*
 * Translate the current row of st (an FQ_Q_EVENTS statement) into *out.
 * Values the database holds in a wrong shape (a dst_addr that is not 16
 * bytes, a port outside 0-65535, a negative count) become null rather than
 * a wrong number. A value outside its enum (direction, decision, family) is
 * never defaulted: evidence fails closed, -EINVAL with the reason in s->err.
 * Returns 0, -EINVAL or -ENOMEM.
 */
int fq_export_row(sqlite3_stmt *st, struct fq_export_scratch *s, struct fq_decision *out);
/* Free the scratch buffers (a zeroed scratch is an empty one). */
void fq_export_scratch_free(struct fq_export_scratch *s);

#endif
