/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The databases of one flowq call (one --db per cell), each opened read-only
 * through fa_db_open_reader and held in one read transaction from open to
 * close, so every query of the command sees the same snapshot even while
 * flowrec appends (WAL readers never block the writer). A database of an
 * older schema is read as if migrated: columns added since are TEMP views'
 * constants (see added_columns in dbset.c), the file itself is untouched.
 * Every decision reads as a flow_events row: the TEMP view flow_events adds
 * the opening decisions that flows rows hold (migration 006) to the stored
 * rows, which stay readable as flow_events_stored.
 */
#ifndef FLOWQ_DBSET_H
#define FLOWQ_DBSET_H

#include "query_sql.h"

#include <sqlite3.h>
#include <stddef.h>

struct fq_dbset {
	size_t n;
	const char *const *paths;
	sqlite3 **db;
};

/*
 * Refuse a set that names one file twice (same device and inode, however the
 * path is spelt: another name, a symlink, a hard link): its rows would be
 * exported twice under the same decision_ids. Paths that cannot be stat()ed
 * are left to the open. Returns 0, or -EINVAL with one line in err.
 */
int fq_dbset_check_distinct(const char *const *paths, size_t n, char *err, size_t errlen);
/*
 * Open every path and begin a read transaction on each. Returns 0, or
 * -errno with one line in err naming the path and the problem (fa_db.h:
 * -EMEDIUMTYPE for a file that is not a flowaudit database, -EIO for a
 * database failure; -ENOMEM); everything opened so far is closed again.
 */
int fq_dbset_open(struct fq_dbset *s, const char *const *paths, size_t n, char *err, size_t errlen);
/*
 * Prepare the kind query for filters f on every database and bind it:
 * stmts[i] belongs to database i. Returns 0 or -EIO (err set, nothing left
 * prepared).
 */
int fq_dbset_prepare(struct fq_dbset *s, enum fq_query_kind kind, const struct fq_filters *f,
		     sqlite3_stmt **stmts, char *err, size_t errlen);
/* Finalize n statements (NULL entries allowed). */
void fq_stmts_finalize(sqlite3_stmt **stmts, size_t n);
/* End the read transactions and close; safe on a zeroed set. */
void fq_dbset_close(struct fq_dbset *s);

#endif
