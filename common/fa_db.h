/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Opening flowaudit databases. The writer (flowrec) creates the file mode 0640,
 * refuses files that are not flowaudit databases or are of a newer schema,
 * applies the embedded migrations (schema/NNN_*.sql) in order, and sets WAL
 * and the durability level. The reader (flowq) opens read-only and applies the
 * same identity checks, so neither tool ever touches a foreign file.
 */
#ifndef FLOWAUDIT_FA_DB_H
#define FLOWAUDIT_FA_DB_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>

struct fa_migration {
	int version;
	const char *name;
	const char *sql;
};

/* The embedded migrations, ordered by version (generated from schema/). */
extern const struct fa_migration fa_migrations[];
extern const size_t fa_migration_count;

/* The schema version this build writes and reads: the last migration's. */
int fa_db_schema_version(void);

enum fa_db_durability {
	FA_DB_DURABILITY_NORMAL = 0, /* synchronous=NORMAL: a crash loses at most the open batch */
	FA_DB_DURABILITY_FULL = 1, /* synchronous=FULL: committed batches survive power loss */
};

/*
 * Open (creating if needed) path for writing. On success *out is the
 * connection and 0 is returned. On failure err holds one line naming the
 * path and the problem, and the return is -EMEDIUMTYPE when the file is not
 * a flowaudit database (another SQLite database, not SQLite at all, a newer
 * schema, or damaged pages), or -EIO for any other failure of the database.
 */
int fa_db_open_writer(const char *path, enum fa_db_durability durability, sqlite3 **out, char *err,
		      size_t errlen);

/*
 * Open path read-only for queries; same return convention as the writer.
 * Without a -wal file beside it the database is opened immutable: nothing
 * is created beside it and no write access is needed anywhere.
 */
int fa_db_open_reader(const char *path, sqlite3 **out, char *err, size_t errlen);

/*
 * Indexes that serve only forensic filters and have random keys, so that
 * keeping them on every insert would cost a B-tree descent into pages all
 * over the index: flowrec drops them when a run starts and builds them (one
 * sorted pass) when a run ends, so a run killed before its end leaves them
 * to the end of the next one. Present means current: SQLite keeps an index
 * that exists exact in every transaction, so a reader scans where one is
 * missing and its answers do not change.
 */
struct fa_deferred_index {
	const char *name;
	const char *create_sql; /* CREATE INDEX IF NOT EXISTS ... */
};
extern const struct fa_deferred_index fa_deferred_indexes[];
extern const size_t fa_deferred_index_count;

/* Read one integer pragma; returns 0 and sets *value, or a SQLite error code. */
int fa_db_pragma_int(sqlite3 *db, const char *pragma, long long *value);

#endif
