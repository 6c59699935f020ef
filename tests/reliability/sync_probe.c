/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sync_probe: an LD_PRELOAD shim for the durability test. It reads the
 * setting the recorder's own connection has in effect (PRAGMA synchronous, on
 * the handle flowrec passes to sqlite3_close at exit) and counts the
 * fsync/fdatasync calls SQLite makes, then writes both to $FA_SYNC_PROBE_OUT:
 *
 *   synchronous=N   (0 OFF, 1 NORMAL, 2 FULL, 3 EXTRA)
 *   syncs=M
 *
 * With synchronous=FULL in WAL mode every commit syncs the WAL, so M is at
 * least the number of commits; with NORMAL only checkpoints sync. Nothing
 * else in the process changes: each wrapper calls the real function.
 */
#include <dlfcn.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int fsync(int fd);
int fdatasync(int fd);

static atomic_long syncs;

int fsync(int fd)
{
	static int (*real)(int);
	if (!real)
		real = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
	atomic_fetch_add(&syncs, 1);
	return real(fd);
}

int fdatasync(int fd)
{
	static int (*real)(int);
	if (!real)
		real = (int (*)(int))dlsym(RTLD_NEXT, "fdatasync");
	atomic_fetch_add(&syncs, 1);
	return real(fd);
}

static void report(sqlite3 *db)
{
	const char *path = getenv("FA_SYNC_PROBE_OUT");
	sqlite3_stmt *st = NULL;
	long long level = -1;
	if (!path || !db)
		return;
	if (sqlite3_prepare_v2(db, "PRAGMA synchronous", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		level = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	FILE *f = fopen(path, "w");
	if (!f)
		return;
	fprintf(f, "synchronous=%lld\nsyncs=%ld\n", level, (long)atomic_load(&syncs));
	fclose(f);
}

int sqlite3_close(sqlite3 *db)
{
	static int (*real)(sqlite3 *);
	if (!real)
		real = (int (*)(sqlite3 *))dlsym(RTLD_NEXT, "sqlite3_close");
	report(db);
	return real(db);
}
