/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Streaming k-way merge of one prepared statement per database, each already
 * ordered by an integer key column (a time). Rows come out by key, ties by
 * database order (the --db order), then in each statement's own order. Only
 * one row per database is held at a time: nothing is loaded in bulk.
 * Picking the smallest head is a linear scan: k is the number of --db
 * arguments (a handful), where a scan beats a heap.
 */
#ifndef FLOWQ_MERGE_H
#define FLOWQ_MERGE_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct fq_merge {
	size_t n;
	sqlite3_stmt **stmts;
	int key_col;
	bool *live; /* statement i has a current row */
	int64_t *key; /* its key */
	size_t current; /* the statement returned last, to be stepped next; n: none */
	bool started;
};

/* Set up a merge over n statements keyed by key_col. Returns 0 or -ENOMEM. */
int fq_merge_init(struct fq_merge *m, sqlite3_stmt **stmts, size_t n, int key_col);
/*
 * Advance to the next row: returns 1 with *which set (stmts[*which] is on the
 * row), 0 when every statement is done, or -EIO (sqlite3_errmsg says why) with
 * *which naming the failing statement.
 */
int fq_merge_next(struct fq_merge *m, size_t *which);
/* Release the merge (not the statements); safe on a zeroed merge. */
void fq_merge_free(struct fq_merge *m);

#endif
