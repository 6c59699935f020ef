/* SPDX-License-Identifier: Apache-2.0 */
/*
 * flowq verify: checks each database and reports one record per check:
 *   integrity      PRAGMA integrity_check says ok
 *   identity       application_id is flowaudit's and user_version one this build reads
 *   foreign_keys   PRAGMA foreign_key_check finds nothing
 *   seq            every run's decisions (flow_events rows and the opening
 *                  decisions flows rows hold) have seq exactly 1..N (no gap,
 *                  no repeat)
 *   flow_refs      every flow_events.flow_id names an existing flows row
 *   enums          every stored enum value is one of its words (direction,
 *                  decision, family of flow_events; direction, decision,
 *                  state, close_reason, family of flows), stored as text or integer
 *                  as written: export refuses anything else
 *   decision_ids   no two runs share (cell_id, run_id), in this database or in
 *                  an earlier --db of the call: their decisions would export
 *                  the same decision_id (with seq above, ids are then unique)
 * Exit FA_EXIT_VERIFY_FAILED when any check finds a problem. A file that is
 * not a flowaudit database at all is refused by the open, as elsewhere.
 */
#include "commands.h"

#include "conn_record_v2.h"
#include "dbset.h"
#include "decision.h"
#include "fa_db.h"
#include "fa_exit.h"
#include "fa_names.h"
#include "fa_text.h"
#include "fa_version.h"
#include "out.h"
#include "writer.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const verify_keys[] = {"db", "check", "status", "detail"};

static const struct fq_schema verify_schema = {
	.n = 4,
	.keys = verify_keys,
};

struct verifier {
	struct fq_writer *w;
	const char *path;
	sqlite3 *db;
	unsigned problems;
};

static void report(struct verifier *v, const char *check, bool ok, const char *detail)
{
	struct fq_value vals[4] = {fq_v_text(v->path), fq_v_text(check),
				   fq_v_text(ok ? "ok" : "problem"), fq_v_text(detail)};
	if (!ok)
		v->problems++;
	fq_writer_record(v->w, vals);
}

/* Run sql; the first column of the first row into buf (or "" when no row). */
static bool first_text(struct verifier *v, const char *sql, char *buf, size_t len)
{
	sqlite3_stmt *st = NULL;
	bool ok = sqlite3_prepare_v2(v->db, sql, -1, &st, NULL) == SQLITE_OK;
	int rc = ok ? sqlite3_step(st) : SQLITE_ERROR;
	buf[0] = '\0';
	if (rc == SQLITE_ROW && sqlite3_column_text(st, 0))
		snprintf(buf, len, "%s", (const char *)sqlite3_column_text(st, 0));
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		snprintf(buf, len, "query failed: %s", sqlite3_errmsg(v->db));
		ok = false;
	}
	sqlite3_finalize(st);
	return ok;
}

static void check_integrity(struct verifier *v)
{
	char buf[512];
	bool ran = first_text(v, "PRAGMA integrity_check", buf, sizeof(buf));
	report(v, "integrity", ran && strcmp(buf, "ok") == 0, buf);
}

static void check_identity(struct verifier *v)
{
	long long app = 0, version = 0;
	char buf[160];
	if (fa_db_pragma_int(v->db, "application_id", &app) != SQLITE_OK ||
	    fa_db_pragma_int(v->db, "user_version", &version) != SQLITE_OK) {
		snprintf(buf, sizeof(buf), "cannot read: %s", sqlite3_errmsg(v->db));
		report(v, "identity", false, buf);
		return;
	}
	/* An older schema is fine: flowq reads it, flowrec upgrades it when it appends. */
	bool ok = app == FA_APPLICATION_ID && version >= 1 && version <= fa_db_schema_version();
	snprintf(buf, sizeof(buf),
		 "application_id 0x%llx (expected 0x%x), user_version %lld (expected 1 to %d)", app,
		 FA_APPLICATION_ID, version, fa_db_schema_version());
	report(v, "identity", ok, buf);
}

static void check_foreign_keys(struct verifier *v)
{
	char buf[256], detail[320];
	bool ran = first_text(v,
			      "SELECT \"table\" || ' rowid ' || rowid || ' -> ' || parent"
			      " FROM pragma_foreign_key_check",
			      buf, sizeof(buf));
	snprintf(detail, sizeof(detail), "%s%s", buf[0] ? "dangling reference: " : "", buf);
	report(v, "foreign_keys", ran && buf[0] == '\0', detail);
}

static void check_seq(struct verifier *v)
{
	/* With UNIQUE (run_pk, seq), min 1 and max N over N rows means exactly 1..N. */
	static const char sql[] =
		"SELECT r.cell_id, r.run_id, count(e.seq), min(e.seq), max(e.seq)"
		" FROM runs AS r JOIN flow_events AS e ON e.run_pk = r.run_pk"
		" GROUP BY r.run_pk HAVING min(e.seq) <> 1 OR max(e.seq) <> count(e.seq)"
		" OR count(DISTINCT e.seq) <> count(e.seq)";
	sqlite3_stmt *st = NULL;
	char detail[512] = "";
	unsigned bad = 0;
	int rc = sqlite3_prepare_v2(v->db, sql, -1, &st, NULL);
	while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (bad++ == 0)
			snprintf(detail, sizeof(detail),
				 "run %.100s/%.100s has %" PRId64 " events with seq %" PRId64
				 "..%" PRId64 " (expected 1..%" PRId64 ")",
				 (const char *)sqlite3_column_text(st, 0),
				 (const char *)sqlite3_column_text(st, 1),
				 (int64_t)sqlite3_column_int64(st, 2),
				 (int64_t)sqlite3_column_int64(st, 3),
				 (int64_t)sqlite3_column_int64(st, 4),
				 (int64_t)sqlite3_column_int64(st, 2));
		rc = SQLITE_OK;
	}
	if (rc != SQLITE_DONE) {
		snprintf(detail, sizeof(detail), "query failed: %s", sqlite3_errmsg(v->db));
		bad++;
	} else if (bad > 1) {
		size_t used = strlen(detail);
		snprintf(detail + used, sizeof(detail) - used, "; %u runs in all", bad);
	}
	sqlite3_finalize(st);
	report(v, "seq", bad == 0, detail);
}

static void check_flow_refs(struct verifier *v)
{
	char buf[64], detail[128];
	bool ran =
		first_text(v,
			   "SELECT count(*) FROM flow_events AS e WHERE e.flow_id IS NOT NULL"
			   " AND NOT EXISTS (SELECT 1 FROM flows AS f WHERE f.flow_id = e.flow_id)",
			   buf, sizeof(buf));
	bool ok = ran && strcmp(buf, "0") == 0;
	snprintf(detail, sizeof(detail), ran ? "%s events name a missing flow" : "%s", buf);
	report(v, "flow_refs", ok, ok ? "" : detail);
}

/* "'a', 'b'" for the SQL IN list of an enum's words (all plain identifiers). */
static void word_list(char *buf, size_t len, const char *const *words, size_t n)
{
	size_t used = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < n && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s'%s'", i ? ", " : "", words[i]);
}

static void check_enums(struct verifier *v)
{
	const char *dirs[] = {fa_direction_name(CONN_DIR_EGRESS),
			      fa_direction_name(CONN_DIR_INGRESS)};
	const char *decisions[] = {fq_outcome_text(FQ_OUTCOME_ALLOW),
				   fq_outcome_text(FQ_OUTCOME_DENY)};
	const char *reasons[CONN_CLOSE_REASON_COUNT];
	size_t nreasons = 0;
	for (unsigned r = 0; r < CONN_CLOSE_REASON_COUNT; r++)
		if (fa_close_reason_name(r))
			reasons[nreasons++] = fa_close_reason_name(r);
	char dir_list[64], decision_list[64], reason_list[160], sql[2048], buf[256], detail[320];
	word_list(dir_list, sizeof(dir_list), dirs, 2);
	word_list(decision_list, sizeof(decision_list), decisions, 2);
	word_list(reason_list, sizeof(reason_list), reasons, nreasons);
	/* The first offending row, described, and how many there are in all. */
	snprintf(sql, sizeof(sql),
		 "WITH bad AS ("
		 " SELECT 'flow_events event_id ' || event_id || ': direction ' ||"
		 " quote(direction) || ', decision ' || quote(decision) || ', family ' ||"
		 " quote(family) AS what FROM flow_events_stored"
		 " WHERE typeof(direction) <> 'text' OR direction NOT IN (%s)"
		 " OR typeof(decision) <> 'text' OR decision NOT IN (%s)"
		 " OR typeof(family) <> 'integer' OR family NOT IN (4, 6)"
		 " UNION ALL SELECT 'flows flow_id ' || flow_id || ': direction ' ||"
		 " quote(direction) || coalesce(', decision ' || quote(decision), '') ||"
		 " ', state ' || quote(state) || ', close_reason ' ||"
		 " quote(close_reason) || ', family ' || quote(family) FROM flows"
		 " WHERE typeof(direction) <> 'text' OR direction NOT IN (%s)"
		 " OR (decision IS NOT NULL AND (typeof(decision) <> 'text'"
		 " OR decision NOT IN (%s)))"
		 " OR typeof(state) <> 'text' OR state NOT IN ('open', 'closed')"
		 " OR (close_reason IS NOT NULL AND (typeof(close_reason) <> 'text'"
		 " OR close_reason NOT IN (%s)))"
		 " OR typeof(family) <> 'integer' OR family NOT IN (4, 6))"
		 " SELECT (SELECT count(*) FROM bad) || ' rows hold a value outside its enum;"
		 " first: ' || what FROM bad LIMIT 1",
		 dir_list, decision_list, dir_list, decision_list, reason_list);
	bool ran = first_text(v, sql, buf, sizeof(buf));
	snprintf(detail, sizeof(detail), "%s", buf);
	report(v, "enums", ran && buf[0] == '\0', detail);
}

/* The (cell, run) pairs seen so far, as the decision_id prefix "<cell>:<run>" (encoded). */
struct run_keys {
	struct run_key {
		char *key;
		size_t db; /* index of the --db it came from */
	} * k;
	size_t n, cap;
};

static int by_key(const void *a, const void *b)
{
	return strcmp(((const struct run_key *)a)->key, ((const struct run_key *)b)->key);
}

static char *encoded_component(sqlite3_stmt *st, int col)
{
	const char *s = (const char *)sqlite3_column_blob(st, col);
	size_t n = (size_t)sqlite3_column_bytes(st, col);
	size_t len = fa_id_component_encode(s ? s : "", s ? n : 0, NULL, 0) + 1;
	char *out = malloc(len);
	if (out)
		fa_id_component_encode(s ? s : "", s ? n : 0, out, len);
	return out;
}

/* Append this database's run keys to keys (db index db). false on a query or memory failure. */
static bool collect_run_keys(struct verifier *v, struct run_keys *keys, size_t db, char *why,
			     size_t len)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(v->db,
				    "SELECT CAST(cell_id AS BLOB), CAST(run_id AS BLOB) FROM runs",
				    -1, &st, NULL);
	while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		char *cell = encoded_component(st, 0), *run = encoded_component(st, 1);
		char *key = cell && run ? malloc(strlen(cell) + strlen(run) + 2) : NULL;
		if (key)
			sprintf(key, "%s:%s", cell, run);
		free(cell);
		free(run);
		if (keys->n == keys->cap) {
			size_t cap = keys->cap ? 2 * keys->cap : 64;
			struct run_key *p = realloc(keys->k, cap * sizeof(*p));
			if (p) {
				keys->k = p;
				keys->cap = cap;
			}
		}
		if (!key || keys->n == keys->cap) {
			free(key);
			snprintf(why, len, "out of memory");
			sqlite3_finalize(st);
			return false;
		}
		keys->k[keys->n++] = (struct run_key){key, db};
		rc = SQLITE_OK;
	}
	if (rc != SQLITE_DONE)
		snprintf(why, len, "query failed: %s", sqlite3_errmsg(v->db));
	sqlite3_finalize(st);
	return rc == SQLITE_DONE;
}

/*
 * decision_id is "<cell>:<run>:<seq>" with injective encoding, so ids are
 * unique when (cell, run) pairs are (seq is checked per run above). Pairs are
 * compared over the stored bytes, as the exporter encodes them.
 */
static void check_decision_ids(struct verifier *v, const struct fq_cli *cli, struct run_keys *keys,
			       size_t db)
{
	char detail[512] = "";
	if (!collect_run_keys(v, keys, db, detail, sizeof(detail))) {
		report(v, "decision_ids", false, detail);
		return;
	}
	qsort(keys->k, keys->n, sizeof(*keys->k), by_key);
	unsigned bad = 0;
	for (size_t i = 1; i < keys->n; i++) {
		const struct run_key *a = &keys->k[i - 1], *b = &keys->k[i];
		if (strcmp(a->key, b->key) != 0 || (a->db != db && b->db != db))
			continue;
		if (bad++ == 0) {
			size_t other = a->db != db ? a->db : b->db;
			if (other == db)
				snprintf(detail, sizeof(detail),
					 "run %.200s is recorded twice in this database; its "
					 "decision_ids repeat",
					 a->key);
			else
				snprintf(detail, sizeof(detail),
					 "run %.200s is also in %.200s; exported together their "
					 "decision_ids repeat",
					 a->key, cli->dbs[other]);
		}
	}
	report(v, "decision_ids", bad == 0, detail);
}

int fq_cmd_verify(const struct fq_cli *cli)
{
	struct fq_writer w = {0};
	struct fq_out *out = malloc(sizeof(*out));
	char err[1024];
	int exit_code = FA_EXIT_OK;
	unsigned problems = 0;
	struct run_keys keys = {0};
	if (!out)
		return FA_EXIT_INTERNAL;
	fq_out_init(out, STDOUT_FILENO, false);
	fq_writer_init(&w, fq_format_resolve(cli->format, STDOUT_FILENO), out, &verify_schema);
	fq_writer_begin(&w, 0);
	for (size_t i = 0; i < cli->ndb; i++) {
		struct fq_dbset one = {0};
		int rc = fq_dbset_open(&one, &cli->dbs[i], 1, err, sizeof(err));
		if (rc) {
			fq_out_flush(out);
			fq_error(cli, "%s", err);
			if (exit_code == FA_EXIT_OK)
				exit_code = fq_exit_code(rc, FA_EXIT_DB);
			continue;
		}
		struct verifier v = {.w = &w, .path = cli->dbs[i], .db = one.db[0]};
		check_integrity(&v);
		check_identity(&v);
		check_foreign_keys(&v);
		check_seq(&v);
		check_flow_refs(&v);
		check_enums(&v);
		check_decision_ids(&v, cli, &keys, i);
		problems += v.problems;
		fq_dbset_close(&one);
	}
	fq_writer_end(&w);
	if (fq_out_flush(out) && exit_code == FA_EXIT_OK)
		exit_code = FA_EXIT_IO;
	if (problems && exit_code == FA_EXIT_OK)
		exit_code = FA_EXIT_VERIFY_FAILED;
	fq_writer_destroy(&w);
	for (size_t i = 0; i < keys.n; i++)
		free(keys.k[i].key);
	free(keys.k);
	free(out);
	return exit_code;
}
