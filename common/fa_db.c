/* SPDX-License-Identifier: Apache-2.0 */
/* Database open, identity checks and migrations; see fa_db.h. */
#include "fa_db.h"

#include "fa_time.h"
#include "fa_version.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SQLITE_MAGIC "SQLite format 3"
#define BUSY_TIMEOUT_MS 5000

const struct fa_deferred_index fa_deferred_indexes[] = {
	/* flowq --dst and --port on flows and on the opening decisions they hold */
	{"flows_by_resp",
	 "CREATE INDEX IF NOT EXISTS flows_by_resp ON flows (resp_addr, resp_port)"},
};
const size_t fa_deferred_index_count = sizeof(fa_deferred_indexes) / sizeof(fa_deferred_indexes[0]);

int fa_db_schema_version(void)
{
	return fa_migrations[fa_migration_count - 1].version;
}

int fa_db_pragma_int(sqlite3 *db, const char *pragma, long long *value)
{
	char sql[128];
	sqlite3_stmt *st = NULL;
	snprintf(sql, sizeof(sql), "PRAGMA %s", pragma);
	int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return rc;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*value = sqlite3_column_int64(st, 0);
		rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	return rc;
}

/*
 * Look at the first bytes before SQLite does: an empty or missing file is new,
 * anything that is not a SQLite file is refused by name rather than with
 * SQLite's vaguer "file is not a database".
 */
static int check_file_header(const char *path, bool must_exist, char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT && !must_exist)
			return 0;
		snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
		return -EIO;
	}
	char head[16] = {0};
	ssize_t n = read(fd, head, sizeof(head));
	struct stat st;
	int stat_rc = fstat(fd, &st);
	close(fd);
	if (stat_rc == 0 && S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s: is a directory, not a flowaudit database", path);
		return -EMEDIUMTYPE;
	}
	if (n == 0 && !must_exist)
		return 0;
	if (n < (ssize_t)sizeof(head) || memcmp(head, SQLITE_MAGIC, sizeof(SQLITE_MAGIC)) != 0) {
		snprintf(err, errlen, "%s: not a flowaudit database (not a SQLite file)", path);
		return -EMEDIUMTYPE;
	}
	return 0;
}

static int read_identity(sqlite3 *db, const char *path, bool allow_new, char *err, size_t errlen)
{
	long long app_id = 0, version = 0;
	int rc = fa_db_pragma_int(db, "application_id", &app_id);
	if (rc == SQLITE_OK)
		rc = fa_db_pragma_int(db, "user_version", &version);
	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "%s: cannot read database header: %s", path,
			 sqlite3_errmsg(db));
		return rc == SQLITE_NOTADB || rc == SQLITE_CORRUPT ? -EMEDIUMTYPE : -EIO;
	}
	if (app_id == 0 && version == 0) {
		long long tables = 0;
		sqlite3_stmt *st = NULL;
		if (sqlite3_prepare_v2(db, "SELECT count(*) FROM sqlite_schema", -1, &st, NULL) ==
			    SQLITE_OK &&
		    sqlite3_step(st) == SQLITE_ROW)
			tables = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
		if (tables == 0 && allow_new)
			return 0;
		snprintf(err, errlen, "%s: not a flowaudit database (%s)", path,
			 tables ? "a SQLite file with other tables" : "an empty SQLite file");
		return -EMEDIUMTYPE;
	}
	if (app_id != FA_APPLICATION_ID) {
		snprintf(err, errlen,
			 "%s: not a flowaudit database (application_id 0x%llx, expected 0x%x)",
			 path, app_id, FA_APPLICATION_ID);
		return -EMEDIUMTYPE;
	}
	if (version > fa_db_schema_version()) {
		snprintf(err, errlen,
			 "%s: schema version %lld is newer than this build understands (%d); "
			 "upgrade flowaudit",
			 path, version, fa_db_schema_version());
		return -EMEDIUMTYPE;
	}
	return 0;
}

/*
 * The identity is read in one read transaction: another recorder creating
 * the same new file may commit its migration at any moment, and pragmas read
 * before it with a table count read after it would call the file foreign.
 */
static int check_identity(sqlite3 *db, const char *path, bool allow_new, char *err, size_t errlen)
{
	bool txn = sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) == SQLITE_OK;
	int rc = read_identity(db, path, allow_new, err, errlen);
	if (txn)
		sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	return rc;
}

/*
 * PRAGMA journal_mode=WAL needs the file to itself for a moment, and it does
 * not wait on the busy handler: when another recorder is starting on the
 * same file it fails with "database is locked". Retry it for the busy
 * timeout before giving up.
 */
static bool switch_to_wal(sqlite3 *db)
{
	int64_t deadline = fa_clock_ns(CLOCK_MONOTONIC) + (int64_t)BUSY_TIMEOUT_MS * 1000000;
	for (;;) {
		sqlite3_stmt *st = NULL;
		const char *mode = NULL;
		if (sqlite3_prepare_v2(db, "PRAGMA journal_mode=WAL", -1, &st, NULL) == SQLITE_OK &&
		    sqlite3_step(st) == SQLITE_ROW)
			mode = (const char *)sqlite3_column_text(st, 0);
		bool wal = mode && strcmp(mode, "wal") == 0;
		sqlite3_finalize(st);
		if (wal)
			return true;
		if (fa_clock_ns(CLOCK_MONOTONIC) > deadline)
			return false;
		sqlite3_sleep(10);
	}
}

/*
 * Appending to a damaged file would bury new records in it (and SQLite may
 * only notice the damage when a later commit touches it, mid-run). So an
 * existing database is checked before anything is written: PRAGMA
 * quick_check reads every page (about 10 s per GB when cold).
 */
static int check_not_corrupt(sqlite3 *db, const char *path, char *err, size_t errlen)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db, "PRAGMA quick_check(1)", -1, &st, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	const char *verdict = rc == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 0) : NULL;
	int ret = 0;
	if (!verdict || strcmp(verdict, "ok") != 0) {
		/* quick_check's report spans lines; an error here is one line. */
		char what[256];
		snprintf(what, sizeof(what), "%s", verdict ? verdict : sqlite3_errmsg(db));
		for (char *p = what; *p; p++)
			if (*p == '\n' || *p == '\r')
				*p = ' ';
		snprintf(err, errlen,
			 "%s: database is damaged (%s); refusing to append to it: check it with "
			 "flowq verify, or record into a new --db",
			 path, what);
		ret = -EMEDIUMTYPE;
	}
	sqlite3_finalize(st);
	return ret;
}

static int exec_or_err(sqlite3 *db, const char *sql, const char *path, const char *what, char *err,
		       size_t errlen)
{
	char *msg = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s failed: %s", path, what,
			 msg ? msg : sqlite3_errmsg(db));
		sqlite3_free(msg);
		return -EIO;
	}
	return 0;
}

static int migrate(sqlite3 *db, const char *path, char *err, size_t errlen)
{
	int rc = exec_or_err(db, "BEGIN IMMEDIATE", path, "starting migration", err, errlen);
	if (rc)
		return rc;
	long long version = 0;
	fa_db_pragma_int(db, "user_version", &version);
	for (size_t i = 0; i < fa_migration_count; i++) {
		if (fa_migrations[i].version <= version)
			continue;
		char what[128];
		snprintf(what, sizeof(what), "migration %s", fa_migrations[i].name);
		rc = exec_or_err(db, fa_migrations[i].sql, path, what, err, errlen);
		if (rc)
			goto rollback;
	}
	char sql[96];
	snprintf(sql, sizeof(sql), "PRAGMA application_id=%d; PRAGMA user_version=%d",
		 FA_APPLICATION_ID, fa_db_schema_version());
	rc = exec_or_err(db, sql, path, "stamping schema version", err, errlen);
	if (rc)
		goto rollback;
	return exec_or_err(db, "COMMIT", path, "committing migration", err, errlen);
rollback:
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

int fa_db_open_writer(const char *path, enum fa_db_durability durability, sqlite3 **out, char *err,
		      size_t errlen)
{
	sqlite3 *db = NULL;
	*out = NULL;
	int rc = check_file_header(path, false, err, errlen);
	if (rc)
		return rc;
	/* Create the file ourselves so its mode is 0640 whatever the umask says;
	 * SQLite gives the -wal and -shm files the database file's mode. */
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0640);
	if (fd < 0) {
		snprintf(err, errlen, "%s: cannot create: %s", path, strerror(errno));
		return -EIO;
	}
	struct stat st;
	if (fstat(fd, &st) == 0 && st.st_size == 0 && (st.st_mode & 0027))
		fchmod(fd, st.st_mode & ~0027u);
	close(fd);

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: cannot open: %s", path,
			 db ? sqlite3_errmsg(db) : "out of memory");
		rc = -EIO;
		goto fail;
	}
	sqlite3_extended_result_codes(db, 1);
	sqlite3_busy_timeout(db, BUSY_TIMEOUT_MS);
	rc = check_identity(db, path, true, err, errlen);
	if (rc)
		goto fail;
	long long version = 0;
	if (fa_db_pragma_int(db, "user_version", &version) == SQLITE_OK && version > 0) {
		rc = check_not_corrupt(db, path, err, errlen);
		if (rc)
			goto fail;
	}

	if (!switch_to_wal(db)) {
		snprintf(err, errlen, "%s: cannot switch to WAL mode: %s", path,
			 sqlite3_errmsg(db));
		rc = -EIO;
		goto fail;
	}
	/*
	 * An 8 MiB page cache: rows go in at the end of their tables and the
	 * random-key index is built when a run ends (fa_deferred_indexes), so the
	 * write path needs little; 8 to 64 MiB replay 1M events in the same time,
	 * and CREATE INDEX's sorter takes as much memory again as the cache.
	 * Checkpoints every 8192 pages (32 MiB of WAL): faster than 1000 or 32768
	 * on a 1M replay. When a checkpoint resets the WAL, the file is cut back
	 * to 32 MiB (see flow_store.c for the bound kept while readers are
	 * active). CHECK constraints are not evaluated on this connection: the
	 * close_reason check (an IN list of five words) builds an ephemeral table
	 * on every insert and update, a third of a replay's time, and every enum
	 * value the recorder writes comes from its own name tables (fa_names.h);
	 * other writers keep the checks, and flowq refuses a stored value outside
	 * its enum.
	 */
	rc = exec_or_err(db,
			 durability == FA_DB_DURABILITY_FULL ? "PRAGMA synchronous=FULL"
							     : "PRAGMA synchronous=NORMAL",
			 path, "setting pragmas", err, errlen);
	if (rc == 0)
		rc = exec_or_err(
			db,
			"PRAGMA foreign_keys=ON; PRAGMA cache_size=-8192; PRAGMA "
			"ignore_check_constraints=ON;"
			" PRAGMA wal_autocheckpoint=8192; PRAGMA journal_size_limit=33554432",
			path, "setting pragmas", err, errlen);
	if (rc)
		goto fail;
	rc = migrate(db, path, err, errlen);
	if (rc)
		goto fail;
	*out = db;
	return 0;
fail:
	sqlite3_close(db);
	return rc;
}

/*
 * "file:PATH?immutable=1" with PATH percent-encoded (everything but unreserved
 * characters and '/'), so '?', '#' and '%' in a file name stay in the name.
 * Returns a malloc'ed URI or NULL.
 */
static char *immutable_uri(const char *path)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = strlen(path);
	char *uri = malloc(3 * n + 32), *p = uri;
	if (!uri)
		return NULL;
	/* An absolute path gets an empty authority, so "//x" is not a host. */
	p += sprintf(p, path[0] == '/' ? "file://" : "file:");
	for (const unsigned char *s = (const unsigned char *)path; *s; s++) {
		if (isalnum(*s) || strchr("/-._~", *s)) {
			*p++ = (char)*s;
		} else {
			*p++ = '%';
			*p++ = hex[*s >> 4];
			*p++ = hex[*s & 15];
		}
	}
	strcpy(p, "?immutable=1");
	return uri;
}

/*
 * A database without a -wal file beside it is not being written (flowrec
 * keeps the WAL while it runs, and SQLite removes it on a clean close): it is
 * opened immutable, so SQLite creates no -wal or -shm and needs no write
 * access anywhere (a forensic copy on read-only media, a reader who cannot
 * write the directory). With a -wal, the normal WAL read path sees what the
 * writer committed.
 */
int fa_db_open_reader(const char *path, sqlite3 **out, char *err, size_t errlen)
{
	sqlite3 *db = NULL;
	*out = NULL;
	int rc = check_file_header(path, true, err, errlen);
	if (rc)
		return rc;
	char wal[PATH_MAX + 8];
	struct stat sb;
	snprintf(wal, sizeof(wal), "%s-wal", path);
	bool live = stat(wal, &sb) == 0 || errno != ENOENT;
	char *uri = live ? NULL : immutable_uri(path);
	/* One thread per connection: no mutex around every column read. */
	const int flags = SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX;
	int open_rc = live || !uri ? sqlite3_open_v2(path, &db, flags, NULL)
				   : sqlite3_open_v2(uri, &db, flags | SQLITE_OPEN_URI, NULL);
	free(uri);
	if (open_rc != SQLITE_OK) {
		snprintf(err, errlen, "%s: cannot open read-only: %s", path,
			 db ? sqlite3_errmsg(db) : "out of memory");
		sqlite3_close(db);
		return -EIO;
	}
	sqlite3_extended_result_codes(db, 1);
	sqlite3_busy_timeout(db, 5000);
	rc = check_identity(db, path, false, err, errlen);
	if (rc) {
		sqlite3_close(db);
		return rc;
	}
	*out = db;
	return 0;
}
