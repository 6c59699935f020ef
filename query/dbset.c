/* SPDX-License-Identifier: Apache-2.0 */
/* Read-only database set with one read transaction each; see dbset.h. */
#include "dbset.h"

#include "fa_db.h"
#include "fa_health.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int fq_dbset_check_distinct(const char *const *paths, size_t n, char *err, size_t errlen)
{
	struct stat a, b;
	for (size_t i = 1; i < n; i++) {
		if (stat(paths[i], &b) != 0)
			continue;
		for (size_t j = 0; j < i; j++) {
			if (stat(paths[j], &a) == 0 && a.st_dev == b.st_dev &&
			    a.st_ino == b.st_ino) {
				snprintf(err, errlen,
					 "--db %s: the same file as --db %s (give each database "
					 "once)",
					 paths[i], paths[j]);
				return -EINVAL;
			}
		}
	}
	return 0;
}

/*
 * Columns that migrations after 001 added, with the value that describes
 * rows written before them. flowq never changes a database, so it reads an
 * older one through TEMP views of the same names (temp is searched before
 * main) that add these columns: every query is written once, for the
 * current schema. The health table's come from the counter list
 * (fa_health.h): a counter added by a later migration reads 0, as nothing
 * counted it.
 */
static const struct {
	int version; /* the migration that added the columns */
	const char *table;
	const char *columns;
} added_columns[] = {
	{2, "flow_events", "1 AS opens_flow"},
	{2, "runs", "NULL AS boot_id"},
	{3, "flows", "NULL AS icmp_type, NULL AS icmp_code, NULL AS icmp_id, 0 AS midstream"},
	{4, "flow_events", "NULL AS flow_count, NULL AS prefix_len"},
	{4, "flows", "NULL AS flow_count, NULL AS prefix_len, 0 AS untracked"},
	{6, "flows",
	 "NULL AS source, NULL AS decision, NULL AS reason_code, NULL AS nft_rule_ref,"
	 " NULL AS nflog_prefix"},
};

/* Append ", COLUMNS" to sql[*n..] (bounded by size); false when it did not fit. */
static bool append_columns(char *sql, size_t size, size_t *n, const char *columns)
{
	int w = snprintf(sql + *n, size - *n, ", %s", columns);
	if (w < 0 || (size_t)w >= size - *n)
		return false;
	*n += (size_t)w;
	return true;
}

/*
 * The compat view named view of table in a database of schema version;
 * false: too long. *any: it adds a column.
 */
static bool compat_view_sql(const char *view, const char *table, long long version, char *sql,
			    size_t size, bool *any)
{
	size_t n = (size_t)snprintf(sql, size, "CREATE TEMP VIEW %s AS SELECT *", view);
	*any = false;
	for (size_t i = 0; i < sizeof(added_columns) / sizeof(added_columns[0]); i++) {
		if (added_columns[i].version <= version || strcmp(added_columns[i].table, table))
			continue;
		if (!append_columns(sql, size, &n, added_columns[i].columns))
			return false;
		*any = true;
	}
	if (strcmp(table, "health") == 0) {
		for (int c = 0; c < FA_HEALTH_COUNT; c++) {
			char column[64];
			if (fa_health_list[c].migration <= version)
				continue;
			snprintf(column, sizeof(column), "0 AS %s", fa_health_list[c].name);
			if (!append_columns(sql, size, &n, column))
				return false;
			*any = true;
		}
	}
	int w = snprintf(sql + n, size - n, " FROM main.%s", table);
	return w >= 0 && (size_t)w < size - n;
}

static int exec_view(sqlite3 *db, const char *sql, const char *path, long long version, char *err,
		     size_t errlen)
{
	char *msg = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) == SQLITE_OK)
		return 0;
	snprintf(err, errlen, "%s: reading schema version %lld: %s", path, version,
		 msg ? msg : sqlite3_errmsg(db));
	sqlite3_free(msg);
	return -EIO;
}

/*
 * Every decision as a flow_events row: from version 6 the schema's view
 * flow_events_all (the opening decisions flows rows hold, then the rows of
 * flow_events); before, the rows of flow_events.
 */
static int add_decisions_view(sqlite3 *db, const char *path, long long version, char *err,
			      size_t errlen)
{
	return exec_view(
		db,
		version >= 6 ? "CREATE TEMP VIEW flow_events AS SELECT * FROM main.flow_events_all"
			     : "CREATE TEMP VIEW flow_events AS SELECT * FROM flow_events_stored",
		path, version, err, errlen);
}

static int add_compat_views(sqlite3 *db, const char *path, char *err, size_t errlen)
{
	long long version = 0;
	if (fa_db_pragma_int(db, "user_version", &version) != SQLITE_OK) {
		snprintf(err, errlen, "%s: cannot read the schema version: %s", path,
			 sqlite3_errmsg(db));
		return -EIO;
	}
	static const char *const tables[] = {"runs", "flow_events", "flows", "rejects", "health"};
	for (size_t t = 0; t < sizeof(tables) / sizeof(tables[0]); t++) {
		char sql[2048];
		bool any;
		/* flow_events itself is read as flow_events_stored, whatever its version */
		bool stored = strcmp(tables[t], "flow_events") == 0;
		if (!compat_view_sql(stored ? "flow_events_stored" : tables[t], tables[t], version,
				     sql, sizeof(sql), &any)) {
			snprintf(err, errlen, "internal error: the view of %s is too long",
				 tables[t]);
			return -EFAULT;
		}
		if (!any && !stored)
			continue;
		int rc = exec_view(db, sql, path, version, err, errlen);
		if (rc)
			return rc;
	}
	return add_decisions_view(db, path, version, err, errlen);
}

int fq_dbset_open(struct fq_dbset *s, const char *const *paths, size_t n, char *err, size_t errlen)
{
	s->n = 0;
	s->paths = paths;
	s->db = calloc(n ? n : 1, sizeof(*s->db));
	if (!s->db) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	int rc = 0;
	for (size_t i = 0; i < n; i++) {
		rc = fa_db_open_reader(paths[i], &s->db[i], err, errlen);
		if (rc)
			goto fail;
		s->n = i + 1;
		rc = add_compat_views(s->db[i], paths[i], err, errlen);
		if (rc)
			goto fail;
		char *msg = NULL;
		if (sqlite3_exec(s->db[i], "BEGIN", NULL, NULL, &msg) != SQLITE_OK) {
			snprintf(err, errlen, "%s: cannot begin a read transaction: %s", paths[i],
				 msg ? msg : sqlite3_errmsg(s->db[i]));
			sqlite3_free(msg);
			rc = -EIO;
			goto fail;
		}
	}
	return 0;
fail:
	fq_dbset_close(s);
	return rc;
}

int fq_dbset_prepare(struct fq_dbset *s, enum fq_query_kind kind, const struct fq_filters *f,
		     sqlite3_stmt **stmts, char *err, size_t errlen)
{
	char sql[FQ_SQL_MAX];
	for (size_t i = 0; i < s->n; i++)
		stmts[i] = NULL;
	if (fq_sql_build(kind, f, sql, sizeof(sql))) {
		snprintf(err, errlen, "internal error: query text too long");
		return -EFAULT;
	}
	for (size_t i = 0; i < s->n; i++) {
		if (sqlite3_prepare_v2(s->db[i], sql, -1, &stmts[i], NULL) != SQLITE_OK ||
		    fq_sql_bind(stmts[i], f) != SQLITE_OK) {
			snprintf(err, errlen, "%s: query failed: %s", s->paths[i],
				 sqlite3_errmsg(s->db[i]));
			fq_stmts_finalize(stmts, s->n);
			return -EIO;
		}
	}
	return 0;
}

void fq_stmts_finalize(sqlite3_stmt **stmts, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		sqlite3_finalize(stmts[i]);
		stmts[i] = NULL;
	}
}

void fq_dbset_close(struct fq_dbset *s)
{
	if (!s->db)
		return;
	for (size_t i = 0; i < s->n; i++) {
		/* A read transaction has nothing to keep: COMMIT just releases the snapshot. */
		sqlite3_exec(s->db[i], "COMMIT", NULL, NULL, NULL);
		sqlite3_close(s->db[i]);
	}
	free(s->db);
	s->db = NULL;
	s->n = 0;
}
