/* SPDX-License-Identifier: Apache-2.0 */
/* Streaming k-way merge; see merge.h. */
#include "merge.h"

#include <errno.h>
#include <stdlib.h>

int fq_merge_init(struct fq_merge *m, sqlite3_stmt **stmts, size_t n, int key_col)
{
	m->n = n;
	m->stmts = stmts;
	m->key_col = key_col;
	m->current = n;
	m->started = false;
	m->live = calloc(n ? n : 1, sizeof(*m->live));
	m->key = calloc(n ? n : 1, sizeof(*m->key));
	if (!m->live || !m->key) {
		fq_merge_free(m);
		return -ENOMEM;
	}
	return 0;
}

/* Step statement i; 0 or a negative SQLite code. */
static int step(struct fq_merge *m, size_t i)
{
	int rc = sqlite3_step(m->stmts[i]);
	if (rc == SQLITE_ROW) {
		m->live[i] = true;
		m->key[i] = sqlite3_column_int64(m->stmts[i], m->key_col);
		return 0;
	}
	m->live[i] = false;
	return rc == SQLITE_DONE ? 0 : -EIO;
}

int fq_merge_next(struct fq_merge *m, size_t *which)
{
	int rc;
	if (!m->started) {
		m->started = true;
		for (size_t i = 0; i < m->n; i++) {
			rc = step(m, i);
			if (rc) {
				*which = i;
				return rc;
			}
		}
	} else if (m->current < m->n) {
		rc = step(m, m->current);
		if (rc) {
			*which = m->current;
			return rc;
		}
	}
	size_t best = m->n;
	for (size_t i = 0; i < m->n; i++)
		if (m->live[i] && (best == m->n || m->key[i] < m->key[best]))
			best = i;
	m->current = best;
	if (best == m->n)
		return 0;
	*which = best;
	return 1;
}

void fq_merge_free(struct fq_merge *m)
{
	free(m->live);
	free(m->key);
	m->live = NULL;
	m->key = NULL;
}
