/* SPDX-License-Identifier: Apache-2.0 */
/*
 * export_sql: the statement `flowq export` runs, for the export benchmark
 * (bench/export.sh), built by flowq's own code (query_sql.h) from the same
 * filter options, so the sqlite3 baseline reads exactly the rows flowq reads.
 *
 *   export_sql --db DB (--sql | --plan) [--FILTER VALUE ...]
 *
 * --sql   prints the TEMP views flowq reads through (dbset.c) and the
 *         statement with its bound values written in (SQLite's
 *         sqlite3_expanded_sql), ready for the sqlite3 shell
 * --plan  prints EXPLAIN QUERY PLAN of the statement as flowq prepares it,
 *         with bound parameters, one step per line
 * Filters are flowq's (--dst CIDR, --since T, --until T, ...).
 */
#include "dbset.h"
#include "fa_time.h"
#include "filters.h"
#include "query_sql.h"

#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
	const char *db_path = NULL;
	bool plan = false, sql = false;
	struct fq_filters f;
	char err[512];
	memset(&f, 0, sizeof(f));
	int64_t now = fa_clock_ns(CLOCK_REALTIME);
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--sql") == 0) {
			sql = true;
		} else if (strcmp(argv[i], "--plan") == 0) {
			plan = true;
		} else if (i + 1 < argc && strcmp(argv[i], "--db") == 0) {
			db_path = argv[++i];
		} else if (i + 1 < argc) {
			if (fq_filter_set(&f, argv[i], argv[i + 1], now, err, sizeof(err)) != 0) {
				fprintf(stderr, "export_sql: %s\n", err);
				return 2;
			}
			i++;
		} else {
			fprintf(stderr, "export_sql: unexpected argument %s\n", argv[i]);
			return 2;
		}
	}
	if (!db_path || plan == sql) {
		fputs("usage: export_sql --db DB (--sql | --plan) [--FILTER VALUE ...]\n", stderr);
		return 2;
	}

	char text[FQ_SQL_MAX], explain[FQ_SQL_MAX + 32];
	if (fq_sql_build(FQ_Q_EVENTS, &f, text, sizeof(text)) != 0) {
		fputs("export_sql: statement too long\n", stderr);
		return 1;
	}
	snprintf(explain, sizeof(explain), "%s%s", plan ? "EXPLAIN QUERY PLAN " : "", text);
	const char *paths[] = {db_path};
	struct fq_dbset dbs = {0};
	if (fq_dbset_open(&dbs, paths, 1, err, sizeof(err)) < 0) {
		fprintf(stderr, "export_sql: %s\n", err);
		return 1;
	}
	sqlite3 *db = dbs.db[0];
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db, explain, -1, &st, NULL);
	if (rc == SQLITE_OK)
		rc = fq_sql_bind(st, &f);
	if (rc != SQLITE_OK) {
		fprintf(stderr, "export_sql: %s: %s\n", db_path, sqlite3_errmsg(db));
		sqlite3_finalize(st);
		fq_dbset_close(&dbs);
		return 1;
	}
	if (sql) {
		/* The views first, in the order they were made (each may read the last). */
		sqlite3_stmt *views = NULL;
		if (sqlite3_prepare_v2(db, "SELECT sql FROM sqlite_temp_schema ORDER BY rowid", -1,
				       &views, NULL) == SQLITE_OK)
			while (sqlite3_step(views) == SQLITE_ROW) {
				/* SQLite keeps the text without TEMP: the view goes in temp again */
				const char *v = (const char *)sqlite3_column_text(views, 0);
				if (strncmp(v, "CREATE VIEW ", 12) == 0)
					printf("CREATE TEMP VIEW %s;\n", v + 12);
				else
					printf("%s;\n", v);
			}
		sqlite3_finalize(views);
		char *expanded = sqlite3_expanded_sql(st);
		printf("%s;\n", expanded ? expanded : text);
		sqlite3_free(expanded);
	} else {
		/* EXPLAIN QUERY PLAN rows: id, parent, notused, detail. */
		while (sqlite3_step(st) == SQLITE_ROW)
			printf("%s\n", (const char *)sqlite3_column_text(st, 3));
	}
	sqlite3_finalize(st);
	fq_dbset_close(&dbs);
	return 0;
}
