/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Batch writer; see flow_store.h. The queue is an array of operations; a
 * commit binds and steps one prepared statement per operation inside
 * BEGIN..COMMIT. On any failure the transaction is rolled back and the queue
 * stays, so a retry writes the same rows again from the start.
 */
#include "flow_store.h"

#include "fa_db.h"
#include "fa_names.h"
#include "fa_time.h"
#include "fa_version.h"

#include "conn_common.h"
#include "conn_record_v3.h"
#include "packet_rules.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

/*
 * The -wal file's bound. SQLite's own checkpoints (every 8192 pages) cannot
 * reset the WAL while readers keep snapshots open back to back (flowq during
 * a run), and it then grows without end. Past this size a commit is followed
 * by a RESTART checkpoint, which waits briefly for the old readers to leave
 * (new ones read the database file once the WAL is copied back) so the next
 * batch writes from the start of the WAL again.
 */
#define WAL_RESTART_BYTES (48LL << 20)
#define WAL_RESTART_WAIT_MS 100
#define BUSY_TIMEOUT_MS 5000

enum op_type {
	OP_OPEN,
	OP_DECISION, /* a later decision on an open flow: flow_events row only */
	OP_UPDATE,
	OP_ORPHAN,
	OP_REJECT,
	OP_HEALTH,
	OP_RUN_CLOCK /* the run row's offsets, host and boot id (flow_store_adopt_clock) */
};

struct op_update {
	uint64_t orig_packets, orig_bytes, resp_packets, resp_bytes;
	bool bytes_known;
	bool closed;
	unsigned reason;
	int64_t last_seen_at;
	int64_t closed_at;
};

struct op_reject {
	char source[24];
	char reason[192];
	uint8_t *raw;
	size_t len;
	int64_t at;
};

struct store_op {
	enum op_type type;
	bool merged; /* OP_OPEN: upd holds a later update folded into the insert */
	int64_t flow_id;
	int64_t seq;
	struct op_update upd; /* OP_UPDATE, or OP_OPEN when merged */
	union {
		struct fa_event ev; /* OP_OPEN, OP_DECISION, OP_ORPHAN */
		struct op_reject rej;
		struct {
			struct store_health h;
			bool final;
			int64_t at;
		} health;
		struct {
			int64_t mono_offset_ns, boot_offset_ns;
			char host[72];
			char boot_id[40];
		} clock;
	} u;
};

enum stmt_id {
	ST_BEGIN,
	ST_COMMIT,
	ST_ROLLBACK,
	ST_INSERT_FLOW,
	ST_INSERT_EVENT,
	ST_UPDATE_FLOW,
	ST_INSERT_REJECT,
	ST_INSERT_HEALTH,
	ST_UPDATE_RUN_CLOCK,
	ST_COUNT
};

/*
 * Every named parameter the statements use, once. Each statement's index for
 * each name is looked up when it is prepared (param_index), so a bind names
 * its column and costs no more than a positional one.
 */
#define STORE_PARAMS(X)                                                                            \
	X(flow_id)                                                                                 \
	X(run_pk)                                                                                  \
	X(family)                                                                                  \
	X(protocol)                                                                                \
	X(direction)                                                                               \
	X(orig_addr)                                                                               \
	X(orig_port)                                                                               \
	X(resp_addr)                                                                               \
	X(resp_port)                                                                               \
	X(state)                                                                                   \
	X(opened_at)                                                                               \
	X(last_seen_at)                                                                            \
	X(closed_at)                                                                               \
	X(close_reason)                                                                            \
	X(orig_packets)                                                                            \
	X(orig_bytes)                                                                              \
	X(resp_packets)                                                                            \
	X(resp_bytes)                                                                              \
	X(open_seen)                                                                               \
	X(icmp_type)                                                                               \
	X(icmp_code)                                                                               \
	X(icmp_id)                                                                                 \
	X(midstream)                                                                               \
	X(flow_count)                                                                              \
	X(prefix_len)                                                                              \
	X(untracked)                                                                               \
	X(seq)                                                                                     \
	X(source)                                                                                  \
	X(decision)                                                                                \
	X(reason_code)                                                                             \
	X(nft_rule_ref)                                                                            \
	X(nflog_prefix)                                                                            \
	X(src_addr)                                                                                \
	X(src_port)                                                                                \
	X(dst_addr)                                                                                \
	X(dst_port)                                                                                \
	X(packet_count)                                                                            \
	X(byte_count)                                                                              \
	X(first_seen_kns)                                                                          \
	X(observed_at)                                                                             \
	X(opens_flow)                                                                              \
	X(reason)                                                                                  \
	X(raw)                                                                                     \
	X(received_at)                                                                             \
	X(mono_offset_ns)                                                                          \
	X(boot_offset_ns)                                                                          \
	X(host)                                                                                    \
	X(boot_id)

enum param {
#define PARAM_ENUM(name) P_##name,
	STORE_PARAMS(PARAM_ENUM)
#undef PARAM_ENUM
	P_COUNT
};

static const char *const param_names[P_COUNT] = {
#define PARAM_NAME(name) [P_##name] = ":" #name,
	STORE_PARAMS(PARAM_NAME)
#undef PARAM_NAME
};

/*
 * The health INSERT: every health counter (fa_health.h) is a column and a
 * named parameter of its name.
 */
#define HEALTH_COLUMN(name, ...) ", " #name
#define HEALTH_PARAM(name, ...) ", :" #name
#define HEALTH_INSERT_SQL                                                                          \
	"INSERT INTO health (run_pk, at, is_final" FA_HEALTH_COUNTERS(                             \
		HEALTH_COLUMN) ") VALUES (:run_pk, :at, :is_final" FA_HEALTH_COUNTERS(HEALTH_PARAM) ")"

static const char *const stmt_sql[ST_COUNT] = {
	[ST_BEGIN] = "BEGIN IMMEDIATE",
	[ST_COMMIT] = "COMMIT",
	[ST_ROLLBACK] = "ROLLBACK",
	[ST_INSERT_FLOW] =
		"INSERT INTO flows (flow_id, run_pk, family, protocol, direction, orig_addr,"
		" orig_port, resp_addr, resp_port, state, opened_at, last_seen_at, closed_at,"
		" close_reason, orig_packets, orig_bytes, resp_packets, resp_bytes, open_seen,"
		" icmp_type, icmp_code, icmp_id, midstream, flow_count, prefix_len, untracked,"
		" source, decision, reason_code, nft_rule_ref, nflog_prefix)"
		" VALUES (:flow_id, :run_pk, :family, :protocol, :direction, :orig_addr,"
		" :orig_port, :resp_addr, :resp_port, :state, :opened_at, :last_seen_at, "
		":closed_at,"
		" :close_reason, :orig_packets, :orig_bytes, :resp_packets, :resp_bytes, "
		":open_seen,"
		" :icmp_type, :icmp_code, :icmp_id, :midstream, :flow_count, :prefix_len,"
		" :untracked, :source, :decision, :reason_code, :nft_rule_ref, :nflog_prefix)",
	[ST_INSERT_EVENT] =
		"INSERT INTO flow_events (run_pk, seq, flow_id, source, direction, decision,"
		" reason_code, nft_rule_ref, nflog_prefix, family, protocol, src_addr, src_port,"
		" dst_addr, dst_port, packet_count, byte_count, first_seen_kns, observed_at,"
		" opens_flow, event_id, flow_count, prefix_len)"
		" VALUES (:run_pk, :seq, :flow_id, :source, :direction, :decision,"
		" :reason_code, :nft_rule_ref, :nflog_prefix, :family, :protocol, :src_addr,"
		" :src_port, :dst_addr, :dst_port, :packet_count, :byte_count, :first_seen_kns,"
		" :observed_at, :opens_flow, (:run_pk << 32) + :seq, :flow_count, :prefix_len)",
	[ST_UPDATE_FLOW] =
		"UPDATE flows SET state = :state, close_reason = :close_reason,"
		" closed_at = :closed_at, last_seen_at = max(last_seen_at, :last_seen_at),"
		" orig_packets = max(orig_packets, :orig_packets),"
		" orig_bytes = iif(:orig_bytes IS NULL, orig_bytes,"
		" max(coalesce(orig_bytes, 0), :orig_bytes)),"
		" resp_packets = max(resp_packets, :resp_packets),"
		" resp_bytes = iif(:resp_bytes IS NULL, resp_bytes,"
		" max(coalesce(resp_bytes, 0), :resp_bytes)) WHERE flow_id = :flow_id",
	[ST_INSERT_REJECT] = "INSERT INTO rejects (run_pk, source, reason, raw, received_at)"
			     " VALUES (:run_pk, :source, :reason, :raw, :received_at)",
	[ST_INSERT_HEALTH] = HEALTH_INSERT_SQL,
	[ST_UPDATE_RUN_CLOCK] = "UPDATE runs SET mono_offset_ns = :mono_offset_ns,"
				" boot_offset_ns = :boot_offset_ns, host = :host,"
				" boot_id = :boot_id WHERE run_pk = :run_pk",
};

struct flow_store {
	sqlite3 *db;
	char path[512];
	char wal_path[520];
	char errmsg[768];
	sqlite3_stmt *st[ST_COUNT];
	int param_index[ST_COUNT][P_COUNT]; /* 0: the statement has no such parameter */
	int64_t run_pk;
	int64_t mono_offset_ns;
	int64_t boot_offset_ns;
	int64_t next_seq; /* the next decision's seq: 1, 2, ... without a gap */
	int64_t orphans; /* closes never opened so far: their ids count down */
	/*
	 * The batch's seqs: open_ops[seq - batch_first_seq] is the queue index of
	 * the insert of the flow that decision opened (or NO_OP for a later
	 * decision), so an update of a flow opened in this batch folds into it.
	 */
	int64_t batch_first_seq;
	uint32_t *open_ops;
	size_t open_ops_cap;
	uint32_t *update_order; /* the batch's updates in flow order (flow_store_commit) */
	size_t update_order_cap;
	struct store_op *ops;
	size_t nops;
	size_t cap;
	size_t pending_events;
	uint64_t events_written;
	uint64_t commits;
	uint64_t slowest_commit_us;
};

/* SQLite's result code as the project's error: -errno. */
static int sqlite_errno(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_OK:
		return 0;
	case SQLITE_FULL:
		return -ENOSPC;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return -EBUSY;
	case SQLITE_READONLY:
		return -EROFS;
	case SQLITE_NOMEM:
		return -ENOMEM;
	case SQLITE_PERM:
	case SQLITE_AUTH:
	case SQLITE_CANTOPEN:
		return -EACCES;
	case SQLITE_CONSTRAINT:
		return -EEXIST;
	default:
		return -EIO;
	}
}

/* Keep the message (path, what, SQLite's words) and return the error as -errno. */
static int fail(struct flow_store *st, const char *what)
{
	snprintf(st->errmsg, sizeof(st->errmsg), "%s: %s: %s", st->path, what,
		 sqlite3_errmsg(st->db));
	int e = sqlite_errno(sqlite3_extended_errcode(st->db));
	return e ? e : -EIO;
}

/*
 * Prepare statement id and look up its parameters by name. Every parameter
 * it has must be one of param_names: a name spelt differently in the SQL
 * would otherwise stay unbound (NULL) without a word. The health row is the
 * exception: it binds its counters itself, from the health counters' list.
 */
static int prepare(struct flow_store *st, enum stmt_id id, char *err, size_t errlen)
{
	sqlite3_stmt *s = NULL;
	if (sqlite3_prepare_v3(st->db, stmt_sql[id], -1, SQLITE_PREPARE_PERSISTENT, &s, NULL) !=
	    SQLITE_OK) {
		snprintf(err, errlen, "%s: preparing statement: %s", st->path,
			 sqlite3_errmsg(st->db));
		return sqlite_errno(sqlite3_extended_errcode(st->db));
	}
	st->st[id] = s;
	int found = 0;
	for (int p = 0; p < P_COUNT; p++) {
		st->param_index[id][p] = sqlite3_bind_parameter_index(s, param_names[p]);
		found += st->param_index[id][p] > 0;
	}
	if (id != ST_INSERT_HEALTH && found != sqlite3_bind_parameter_count(s)) {
		snprintf(err, errlen, "%s: a statement has a parameter the store does not bind: %s",
			 st->path, stmt_sql[id]);
		return -EINVAL;
	}
	return 0;
}

struct flow_store *flow_store_open(sqlite3 *db, const char *path, char *err, size_t errlen)
{
	struct flow_store *st = calloc(1, sizeof(*st));
	if (!st) {
		snprintf(err, errlen, "%s: out of memory", path);
		errno = ENOMEM;
		return NULL;
	}
	st->db = db;
	snprintf(st->path, sizeof(st->path), "%s", path);
	snprintf(st->wal_path, sizeof(st->wal_path), "%s-wal", path);
	for (int i = 0; i < ST_COUNT; i++) {
		int rc = prepare(st, (enum stmt_id)i, err, errlen);
		if (rc < 0) {
			flow_store_close(st);
			errno = -rc;
			return NULL;
		}
	}
	return st;
}

/* Bind helpers: statement id, parameter name (enum param), value. */
static void bind_int64(struct flow_store *st, enum stmt_id id, enum param p, int64_t v)
{
	sqlite3_bind_int64(st->st[id], st->param_index[id][p], v);
}

static void bind_int(struct flow_store *st, enum stmt_id id, enum param p, int v)
{
	sqlite3_bind_int(st->st[id], st->param_index[id][p], v);
}

static void bind_null(struct flow_store *st, enum stmt_id id, enum param p)
{
	sqlite3_bind_null(st->st[id], st->param_index[id][p]);
}

/* Static text (it outlives the statement's step). */
static void bind_text(struct flow_store *st, enum stmt_id id, enum param p, const char *v)
{
	sqlite3_bind_text(st->st[id], st->param_index[id][p], v, -1, SQLITE_STATIC);
}

/* Text, or NULL for NULL or "". */
static void bind_text_or_null(struct flow_store *st, enum stmt_id id, enum param p, const char *v)
{
	if (v && *v)
		bind_text(st, id, p, v);
	else
		bind_null(st, id, p);
}

static void bind_blob(struct flow_store *st, enum stmt_id id, enum param p, const void *v,
		      size_t len)
{
	sqlite3_bind_blob(st->st[id], st->param_index[id][p], v, (int)len, SQLITE_STATIC);
}

/* A one-off statement's parameter by name (runs row at the start and end). */
static int named(sqlite3_stmt *s, const char *name)
{
	return sqlite3_bind_parameter_index(s, name);
}

static void bind_named_text_or_null(sqlite3_stmt *s, const char *name, const char *v)
{
	if (v && *v)
		sqlite3_bind_text(s, named(s, name), v, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(s, named(s, name));
}

/* Run sql outside the queue (no result rows). 0, or -errno with st->errmsg naming what. */
static int exec_sql(struct flow_store *st, const char *sql, const char *what)
{
	return sqlite3_exec(st->db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : fail(st, what);
}

/* Drop the indexes a run does not keep (fa_db.h); within the caller's transaction. */
static int drop_deferred_indexes(struct flow_store *st)
{
	for (size_t i = 0; i < fa_deferred_index_count; i++) {
		char sql[128];
		snprintf(sql, sizeof(sql), "DROP INDEX IF EXISTS %s", fa_deferred_indexes[i].name);
		int rc = exec_sql(st, sql, "dropping the forensic indexes while the run records");
		if (rc)
			return rc;
	}
	return 0;
}

int flow_store_build_indexes(struct flow_store *st)
{
	int rc = exec_sql(st, "BEGIN IMMEDIATE", "building the forensic indexes");
	for (size_t i = 0; rc == 0 && i < fa_deferred_index_count; i++)
		rc = exec_sql(st, fa_deferred_indexes[i].create_sql,
			      "building the forensic indexes");
	if (rc == 0)
		rc = exec_sql(st, "COMMIT", "building the forensic indexes");
	if (rc && !sqlite3_get_autocommit(st->db))
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

int flow_store_begin_run(struct flow_store *st, const struct store_run_info *run, char *err,
			 size_t errlen)
{
	sqlite3_stmt *s = NULL;
	/* The run's row and the dropped indexes in one transaction: a refused
	 * start changes nothing. */
	int rc = exec_sql(st, "BEGIN IMMEDIATE", "recording the run");
	if (rc == 0)
		rc = drop_deferred_indexes(st);
	if (rc) {
		snprintf(err, errlen, "%s", st->errmsg);
		if (!sqlite3_get_autocommit(st->db))
			sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
		return rc;
	}
	rc = sqlite3_prepare_v2(
		st->db,
		"INSERT INTO runs (cell_id, run_id, started_at, policy_digest, keyset_id,"
		" issuer_kid, correlation_id, source, iface, iface_side, netns, host,"
		" recorder_version, mono_offset_ns, boot_offset_ns, boot_id)"
		" VALUES (:cell_id, :run_id, :started_at, :policy_digest, :keyset_id,"
		" :issuer_kid, :correlation_id, :source, :iface, :iface_side, :netns, :host,"
		" :recorder_version, :mono_offset_ns, :boot_offset_ns, :boot_id)",
		-1, &s, NULL);
	if (rc != SQLITE_OK)
		goto sql_error;
	sqlite3_bind_text(s, named(s, ":cell_id"), run->cell_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, named(s, ":run_id"), run->run_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, named(s, ":started_at"), run->started_at);
	bind_named_text_or_null(s, ":policy_digest", run->policy_digest);
	bind_named_text_or_null(s, ":keyset_id", run->keyset_id);
	bind_named_text_or_null(s, ":issuer_kid", run->issuer_kid);
	bind_named_text_or_null(s, ":correlation_id", run->correlation_id);
	sqlite3_bind_text(s, named(s, ":source"), run->source, -1, SQLITE_STATIC);
	bind_named_text_or_null(s, ":iface", run->iface);
	bind_named_text_or_null(s, ":iface_side", run->iface_side);
	bind_named_text_or_null(s, ":netns", run->netns);
	bind_named_text_or_null(s, ":host", run->host);
	sqlite3_bind_text(s, named(s, ":recorder_version"), FLOWAUDIT_VERSION_STRING, -1,
			  SQLITE_STATIC);
	sqlite3_bind_int64(s, named(s, ":mono_offset_ns"), run->mono_offset_ns);
	sqlite3_bind_int64(s, named(s, ":boot_offset_ns"), run->boot_offset_ns);
	bind_named_text_or_null(s, ":boot_id", run->boot_id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_CONSTRAINT_UNIQUE) {
		snprintf(err, errlen,
			 "%s: run '%s' of cell '%s' already exists in this database; use a new "
			 "--run id",
			 st->path, run->run_id, run->cell_id);
		sqlite3_finalize(s);
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
		return -EEXIST; /* the command line named a run that exists */
	}
	if (rc != SQLITE_DONE)
		goto sql_error;
	sqlite3_finalize(s);
	s = NULL;
	st->run_pk = sqlite3_last_insert_rowid(st->db);
	if (sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		goto sql_error;
	st->mono_offset_ns = run->mono_offset_ns;
	st->boot_offset_ns = run->boot_offset_ns;
	st->batch_first_seq = 1;
	st->next_seq = 1;
	st->orphans = 0;
	return 0;
sql_error:
	snprintf(err, errlen, "%s: recording the run: %s", st->path, sqlite3_errmsg(st->db));
	rc = sqlite_errno(sqlite3_extended_errcode(st->db));
	sqlite3_finalize(s);
	if (!sqlite3_get_autocommit(st->db))
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	/* not -EEXIST: only the run id's uniqueness means the command line was wrong */
	return rc && rc != -EEXIST ? rc : -EIO;
}

int64_t flow_store_clock_offset(const struct flow_store *st, enum fa_clock clock)
{
	return clock == FA_CLOCK_MONOTONIC ? st->mono_offset_ns : st->boot_offset_ns;
}

static struct store_op *push_op(struct flow_store *st, enum op_type type);

int flow_store_adopt_clock(struct flow_store *st, int64_t mono_offset_ns, int64_t boot_offset_ns,
			   const char *host, const char *boot_id)
{
	struct store_op *op = push_op(st, OP_RUN_CLOCK);
	if (!op)
		return -ENOMEM;
	st->mono_offset_ns = mono_offset_ns;
	st->boot_offset_ns = boot_offset_ns;
	op->u.clock.mono_offset_ns = mono_offset_ns;
	op->u.clock.boot_offset_ns = boot_offset_ns;
	snprintf(op->u.clock.host, sizeof(op->u.clock.host), "%s", host ? host : "");
	snprintf(op->u.clock.boot_id, sizeof(op->u.clock.boot_id), "%s", boot_id ? boot_id : "");
	return 0;
}

static struct store_op *push_op(struct flow_store *st, enum op_type type)
{
	if (st->nops == st->cap) {
		size_t cap = st->cap ? st->cap * 2 : 1024;
		struct store_op *ops = realloc(st->ops, cap * sizeof(*ops));
		if (!ops)
			return NULL;
		st->ops = ops;
		st->cap = cap;
	}
	struct store_op *op = &st->ops[st->nops++];
	memset(op, 0, offsetof(struct store_op, upd));
	op->type = type;
	return op;
}

#define NO_OP UINT32_MAX

/*
 * The next decision's seq, for the last queued op: the insert of the flow it
 * opens (opens), or a later decision. -ENOSPC when the run's key space is
 * used up (2^32 ids per run, shared with the closes never opened).
 */
static int64_t take_seq(struct flow_store *st, bool opens)
{
	if (st->next_seq >= (int64_t)UINT32_MAX - st->orphans)
		return -ENOSPC;
	size_t i = (size_t)(st->next_seq - st->batch_first_seq);
	if (i >= st->open_ops_cap) {
		size_t cap = st->open_ops_cap ? 2 * st->open_ops_cap : 4096;
		uint32_t *p = realloc(st->open_ops, cap * sizeof(*p));
		if (!p)
			return -ENOMEM;
		st->open_ops = p;
		st->open_ops_cap = cap;
	}
	st->open_ops[i] = opens ? (uint32_t)(st->nops - 1) : NO_OP;
	return st->next_seq++;
}

/* The op of the flow's insert when it is still queued in this batch, else NULL. */
static struct store_op *queued_open(struct flow_store *st, int64_t flow_id)
{
	int64_t n = flow_id - (st->run_pk << 32);
	if (n < st->batch_first_seq || n >= st->next_seq)
		return NULL;
	uint32_t i = st->open_ops[n - st->batch_first_seq];
	if (i == NO_OP)
		return NULL;
	struct store_op *op = &st->ops[i];
	return op->type == OP_OPEN && op->flow_id == flow_id ? op : NULL;
}

/* The event's own counters, as a flows row starts with them. */
static void event_counts(const struct fa_event *ev, struct op_update *u)
{
	u->orig_packets = ev->orig_packets;
	u->orig_bytes = ev->orig_bytes;
	u->resp_packets = ev->resp_packets;
	u->resp_bytes = ev->resp_bytes;
	u->bytes_known = ev->bytes_known;
}

int flow_store_queue_open(struct flow_store *st, struct ct_flow *flow, const struct fa_event *ev)
{
	struct store_op *op = push_op(st, OP_OPEN);
	if (!op)
		return -ENOMEM;
	int64_t seq = take_seq(st, true);
	if (seq < 0) {
		st->nops--;
		return (int)seq;
	}
	/* The flow's id is its opening decision's key. */
	flow->flow_id = (st->run_pk << 32) + seq;
	op->flow_id = flow->flow_id;
	op->seq = seq;
	op->u.ev = *ev;
	event_counts(ev, &op->upd);
	st->pending_events++;
	return 0;
}

int flow_store_queue_decision(struct flow_store *st, const struct ct_flow *flow,
			      const struct fa_event *ev)
{
	struct store_op *op = push_op(st, OP_DECISION);
	if (!op)
		return -ENOMEM;
	int64_t seq = take_seq(st, false);
	if (seq < 0) {
		st->nops--;
		return (int)seq;
	}
	op->flow_id = flow->flow_id;
	op->seq = seq;
	op->u.ev = *ev;
	st->pending_events++;
	return 0;
}

static uint64_t max_u64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

/* Counts only grow: keep the larger of each (snapshots may arrive out of order). */
static void merge_counts(struct op_update *u, const struct ct_counts *c)
{
	u->orig_packets = max_u64(u->orig_packets, c->orig_packets);
	u->resp_packets = max_u64(u->resp_packets, c->resp_packets);
	if (c->bytes_known) {
		u->orig_bytes =
			u->bytes_known ? max_u64(u->orig_bytes, c->orig_bytes) : c->orig_bytes;
		u->resp_bytes =
			u->bytes_known ? max_u64(u->resp_bytes, c->resp_bytes) : c->resp_bytes;
		u->bytes_known = true;
	}
}

int flow_store_queue_update(struct flow_store *st, const struct ct_flow *flow,
			    const struct ct_counts *counts, bool closed, unsigned reason,
			    int64_t close_kns)
{
	static const struct ct_counts none;
	int64_t off = flow_store_clock_offset(st, (enum fa_clock)flow->clock);
	/* The flow's insert is still queued: fold the update into it, one row
	 * write instead of two (short flows open and close within a batch). */
	struct store_op *op = queued_open(st, flow->flow_id);
	if (op) {
		if (op->merged && op->upd.closed && !closed)
			return 0; /* never reopen a flow closed in this batch */
		op->merged = true;
	} else {
		op = push_op(st, OP_UPDATE);
		if (!op)
			return -ENOMEM;
		op->flow_id = flow->flow_id;
		op->upd = (struct op_update){0};
	}
	merge_counts(&op->upd, counts ? counts : &none);
	op->upd.closed = closed;
	op->upd.reason = reason;
	op->upd.last_seen_at = flow->last_seen_kns + off;
	op->upd.closed_at = close_kns + off;
	return 0;
}

int flow_store_queue_summary(struct flow_store *st, const struct fa_event *ev)
{
	struct store_op *op = push_op(st, OP_OPEN);
	if (!op)
		return -ENOMEM;
	int64_t seq = take_seq(st, true);
	if (seq < 0) {
		st->nops--;
		return (int)seq;
	}
	op->flow_id = (st->run_pk << 32) + seq;
	op->seq = seq;
	op->u.ev = *ev;
	/* A summary is over when it arrives: its flows row is written closed. */
	int64_t off = flow_store_clock_offset(st, ev->clock);
	op->merged = true;
	op->upd = (struct op_update){
		.orig_packets = ev->orig_packets,
		.orig_bytes = ev->orig_bytes,
		.resp_packets = ev->resp_packets,
		.resp_bytes = ev->resp_bytes,
		.bytes_known = ev->bytes_known,
		.closed = true,
		.reason = CONN_CLOSE_NONE,
		.last_seen_at = ev->last_seen_kns + off,
		.closed_at = ev->last_seen_kns + off,
	};
	st->pending_events++;
	return 0;
}

int flow_store_queue_orphan_close(struct flow_store *st, const struct fa_event *ev)
{
	struct store_op *op = push_op(st, OP_ORPHAN);
	if (!op)
		return -ENOMEM;
	/* No decision, so no seq: its id counts down from the top of the run's range. */
	if (st->next_seq >= (int64_t)UINT32_MAX - st->orphans) {
		st->nops--;
		return -ENOSPC;
	}
	op->flow_id = (st->run_pk << 32) + ((int64_t)UINT32_MAX - st->orphans++);
	op->u.ev = *ev;
	return 0;
}

int flow_store_queue_reject(struct flow_store *st, const char *source, const char *reason,
			    const void *raw, size_t len)
{
	uint8_t *copy = NULL;
	if (len) {
		copy = malloc(len);
		if (!copy)
			return -ENOMEM;
		memcpy(copy, raw, len);
	}
	struct store_op *op = push_op(st, OP_REJECT);
	if (!op) {
		free(copy);
		return -ENOMEM;
	}
	snprintf(op->u.rej.source, sizeof(op->u.rej.source), "%s", source);
	snprintf(op->u.rej.reason, sizeof(op->u.rej.reason), "%s", reason);
	op->u.rej.raw = copy;
	op->u.rej.len = len;
	op->u.rej.at = fa_clock_ns(CLOCK_REALTIME);
	return 0;
}

int flow_store_queue_health(struct flow_store *st, const struct store_health *h, bool final)
{
	struct store_op *op = push_op(st, OP_HEALTH);
	if (!op)
		return -ENOMEM;
	op->u.health.h = *h;
	op->u.health.final = final;
	op->u.health.at = fa_clock_ns(CLOCK_REALTIME);
	return 0;
}

size_t flow_store_pending_events(const struct flow_store *st)
{
	return st->pending_events;
}

size_t flow_store_pending_ops(const struct flow_store *st)
{
	return st->nops;
}

static int step_reset(sqlite3_stmt *s)
{
	int rc = sqlite3_step(s);
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static void bind_counter(sqlite3_stmt *s, int i, uint64_t v, bool known)
{
	/* Events are checked (event_limits.h), so only a flow's NFLOG per-packet
	 * sum could pass INT64_MAX, after 2^63 packets: clamped, not wrapped. */
	if (!known)
		sqlite3_bind_null(s, i);
	else
		sqlite3_bind_int64(s, i, v > INT64_MAX ? INT64_MAX : (int64_t)v);
}

/* A counter column by name; NULL when unknown. */
static void bind_count(struct flow_store *st, enum stmt_id id, enum param p, uint64_t v, bool known)
{
	bind_counter(st->st[id], st->param_index[id][p], v, known);
}

/* Bind the columns an update sets: state, close, last seen, counters. */
static void bind_flow_state(struct flow_store *st, enum stmt_id id, const struct op_update *u)
{
	bind_text(st, id, P_state, u->closed ? "closed" : "open");
	if (u->closed) {
		bind_text(st, id, P_close_reason, fa_close_reason_name(u->reason));
		bind_int64(st, id, P_closed_at, u->closed_at);
	}
	bind_int64(st, id, P_last_seen_at, u->last_seen_at);
	bind_count(st, id, P_orig_packets, u->orig_packets, true);
	bind_count(st, id, P_orig_bytes, u->orig_bytes, u->bytes_known);
	bind_count(st, id, P_resp_packets, u->resp_packets, true);
	bind_count(st, id, P_resp_bytes, u->resp_bytes, u->bytes_known);
}

/* A port column: NULL for ICMP flows of the built-in program and NFLOG (they have none). */
static void bind_port(struct flow_store *st, enum stmt_id id, enum param p,
		      const struct fa_event *ev, uint16_t port)
{
	if (ev->icmp_fields)
		bind_null(st, id, p);
	else
		bind_int(st, id, p, port);
}

/*
 * The two ports of a row (flows: originator and responder; flow_events:
 * source and destination) and a summary's columns: flow_count and prefix_len
 * (NULL for a single flow), no source port, and no destination port when it
 * covers every port.
 */
static void bind_ports(struct flow_store *st, enum stmt_id id, enum param src_p, enum param dst_p,
		       const struct fa_event *ev)
{
	bind_port(st, id, src_p, ev, ev->src_port);
	bind_port(st, id, dst_p, ev, ev->dst_port);
	if (ev->kind != FA_EVENT_SUMMARY)
		return;
	bind_null(st, id, src_p);
	if (ev->any_port)
		bind_null(st, id, dst_p);
	bind_count(st, id, P_flow_count, ev->flow_count, true);
	bind_int(st, id, P_prefix_len, ev->prefix_len);
}

static int apply_flow_insert(struct flow_store *st, const struct store_op *op, bool orphan)
{
	const enum stmt_id id = ST_INSERT_FLOW;
	const struct fa_event *ev = &op->u.ev;
	int64_t off = flow_store_clock_offset(st, ev->clock);
	/* The row's state: a later update folded into this insert (opened and
	 * updated or closed within the batch), else the event's own. */
	struct op_update state = {
		.orig_packets = ev->orig_packets,
		.orig_bytes = ev->orig_bytes,
		.resp_packets = ev->resp_packets,
		.resp_bytes = ev->resp_bytes,
		.bytes_known = ev->bytes_known,
		.closed = orphan,
		.reason = ev->close_reason,
		.last_seen_at = ev->last_seen_kns + off,
		.closed_at = (ev->closed_kns ? ev->closed_kns : ev->last_seen_kns) + off,
	};
	if (op->merged)
		state = op->upd;
	bind_int64(st, id, P_flow_id, op->flow_id);
	bind_int64(st, id, P_run_pk, st->run_pk);
	bind_int(st, id, P_family, ev->family);
	bind_int(st, id, P_protocol, ev->protocol);
	bind_text(st, id, P_direction, fa_direction_name(ev->direction));
	bind_blob(st, id, P_orig_addr, ev->src.b, FA_ADDR_LEN);
	bind_blob(st, id, P_resp_addr, ev->dst.b, FA_ADDR_LEN);
	bind_ports(st, id, P_orig_port, P_resp_port, ev);
	bind_int64(st, id, P_opened_at, ev->first_seen_kns + off);
	bind_flow_state(st, id, &state);
	bind_int(st, id, P_open_seen, orphan ? 0 : 1);
	if (ev->icmp_fields) {
		bind_int(st, id, P_icmp_type, ev->icmp_type);
		bind_int(st, id, P_icmp_code, ev->icmp_code);
		if (pkt_icmp_is_echo(ev->protocol, ev->icmp_type))
			bind_int(st, id, P_icmp_id, ev->icmp_id);
	}
	bind_int(st, id, P_midstream, (ev->flags & CONN_FLAG_MIDSTREAM) ? 1 : 0);
	bind_int(st, id, P_untracked, ev->kind == FA_EVENT_UNTRACKED);
	if (!orphan) { /* the opening decision (a close never opened has none) */
		bind_text(st, id, P_source, ev->source);
		bind_text(st, id, P_decision, ev->deny ? "deny" : "allow");
		bind_text(st, id, P_reason_code, ev->reason_code);
		bind_text_or_null(st, id, P_nft_rule_ref, ev->nft_rule_ref);
		bind_text_or_null(st, id, P_nflog_prefix, ev->nflog_prefix);
	}
	return step_reset(st->st[id]);
}

static int apply_event_insert(struct flow_store *st, const struct store_op *op)
{
	const enum stmt_id id = ST_INSERT_EVENT;
	const struct fa_event *ev = &op->u.ev;
	int64_t off = flow_store_clock_offset(st, ev->clock);
	bind_int64(st, id, P_run_pk, st->run_pk);
	bind_int64(st, id, P_seq, op->seq);
	bind_int64(st, id, P_flow_id, op->flow_id);
	bind_text(st, id, P_source, ev->source);
	bind_text(st, id, P_direction, fa_direction_name(ev->direction));
	bind_text(st, id, P_decision, ev->deny ? "deny" : "allow");
	bind_text(st, id, P_reason_code, ev->reason_code);
	bind_text_or_null(st, id, P_nft_rule_ref, ev->nft_rule_ref);
	bind_text_or_null(st, id, P_nflog_prefix, ev->nflog_prefix);
	bind_int(st, id, P_family, ev->family);
	bind_int(st, id, P_protocol, ev->protocol);
	bind_blob(st, id, P_src_addr, ev->src.b, FA_ADDR_LEN);
	bind_blob(st, id, P_dst_addr, ev->dst.b, FA_ADDR_LEN);
	bind_ports(st, id, P_src_port, P_dst_port, ev);
	bind_count(st, id, P_packet_count, ev->orig_packets + ev->resp_packets, true);
	bind_count(st, id, P_byte_count, ev->orig_bytes + ev->resp_bytes, ev->bytes_known);
	bind_int64(st, id, P_first_seen_kns, ev->first_seen_kns);
	bind_int64(st, id, P_observed_at, ev->first_seen_kns + off);
	bind_int(st, id, P_opens_flow, 0); /* an opening decision is its flows row */
	return step_reset(st->st[id]);
}

static int apply_update(struct flow_store *st, const struct store_op *op)
{
	bind_int64(st, ST_UPDATE_FLOW, P_flow_id, op->flow_id);
	bind_flow_state(st, ST_UPDATE_FLOW, &op->upd);
	return step_reset(st->st[ST_UPDATE_FLOW]);
}

static int apply_reject(struct flow_store *st, const struct store_op *op)
{
	const enum stmt_id id = ST_INSERT_REJECT;
	const struct op_reject *r = &op->u.rej;
	bind_int64(st, id, P_run_pk, st->run_pk);
	bind_text(st, id, P_source, r->source);
	bind_text(st, id, P_reason, r->reason);
	bind_blob(st, id, P_raw, r->raw, r->len);
	bind_int64(st, id, P_received_at, r->at);
	return step_reset(st->st[id]);
}

/* The row's counters as queued, with the store's own (filled_by STORE) as of this commit. */
static int apply_health(struct flow_store *st, const struct store_op *op, uint64_t written)
{
	struct store_health h = op->u.health.h;
	sqlite3_stmt *s = st->st[ST_INSERT_HEALTH];
	h.events_written = written;
	h.commits = st->commits + 1;
	h.slowest_commit_us = st->slowest_commit_us;
	sqlite3_bind_int64(s, sqlite3_bind_parameter_index(s, ":run_pk"), st->run_pk);
	sqlite3_bind_int64(s, sqlite3_bind_parameter_index(s, ":at"), op->u.health.at);
	sqlite3_bind_int(s, sqlite3_bind_parameter_index(s, ":is_final"), op->u.health.final);
#define BIND_HEALTH_COUNTER(name, ...)                                                             \
	bind_counter(s, sqlite3_bind_parameter_index(s, ":" #name), h.name, true);
	FA_HEALTH_COUNTERS(BIND_HEALTH_COUNTER)
#undef BIND_HEALTH_COUNTER
	return step_reset(s);
}

static int apply_run_clock(struct flow_store *st, const struct store_op *op)
{
	const enum stmt_id id = ST_UPDATE_RUN_CLOCK;
	bind_int64(st, id, P_run_pk, st->run_pk);
	bind_int64(st, id, P_mono_offset_ns, op->u.clock.mono_offset_ns);
	bind_int64(st, id, P_boot_offset_ns, op->u.clock.boot_offset_ns);
	bind_text_or_null(st, id, P_host, op->u.clock.host);
	bind_text_or_null(st, id, P_boot_id, op->u.clock.boot_id);
	return step_reset(st->st[id]);
}

static void free_op(struct store_op *op)
{
	if (op->type == OP_REJECT)
		free(op->u.rej.raw);
}

/* Keep the -wal file bounded while readers are active; see WAL_RESTART_BYTES. */
static void limit_wal(struct flow_store *st)
{
	struct stat sb;
	if (stat(st->wal_path, &sb) != 0 || sb.st_size < WAL_RESTART_BYTES)
		return;
	sqlite3_busy_timeout(st->db, WAL_RESTART_WAIT_MS);
	/* SQLITE_BUSY (readers stayed): the next commit tries again. */
	sqlite3_wal_checkpoint_v2(st->db, NULL, SQLITE_CHECKPOINT_RESTART, NULL, NULL);
	sqlite3_busy_timeout(st->db, BUSY_TIMEOUT_MS);
}

/* Write one queued operation. written counts the decisions written so far. */
static int apply_op(struct flow_store *st, const struct store_op *op, uint64_t *written)
{
	switch (op->type) {
	case OP_OPEN: /* the flow and its opening decision: one row */
		++*written;
		return apply_flow_insert(st, op, false);
	case OP_DECISION:
		++*written;
		return apply_event_insert(st, op);
	case OP_ORPHAN:
		return apply_flow_insert(st, op, true);
	case OP_UPDATE:
		return apply_update(st, op);
	case OP_REJECT:
		return apply_reject(st, op);
	case OP_HEALTH:
		return apply_health(st, op, *written);
	case OP_RUN_CLOCK:
		return apply_run_clock(st, op);
	}
	return SQLITE_MISUSE;
}

static int by_flow_then_queue(const void *a, const void *b, void *ops)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	const struct store_op *o = ops;
	int64_t fx = o[x].flow_id, fy = o[y].flow_id;
	if (fx != fy)
		return fx < fy ? -1 : 1;
	return (x > y) - (x < y);
}

/*
 * The queue positions of the batch's updates, in flow order (and queue order
 * for one flow's). Returns how many, or -ENOMEM (then none is sorted).
 */
static ssize_t sort_updates(struct flow_store *st)
{
	size_t n = 0;
	for (size_t i = 0; i < st->nops; i++)
		n += st->ops[i].type == OP_UPDATE;
	if (n > st->update_order_cap) {
		uint32_t *p = realloc(st->update_order, n * sizeof(*p));
		if (!p)
			return -ENOMEM;
		st->update_order = p;
		st->update_order_cap = n;
	}
	n = 0;
	for (size_t i = 0; i < st->nops; i++)
		if (st->ops[i].type == OP_UPDATE)
			st->update_order[n++] = (uint32_t)i;
	if (n > 1) /* none may mean no array at all */
		qsort_r(st->update_order, n, sizeof(*st->update_order), by_flow_then_queue,
			st->ops);
	return (ssize_t)n;
}

int flow_store_commit(struct flow_store *st)
{
	if (st->nops == 0)
		return 0;
	int64_t t0 = fa_clock_ns(CLOCK_MONOTONIC);
	uint64_t written = st->events_written;
	ssize_t nupdates = sort_updates(st);
	if (nupdates < 0) {
		snprintf(st->errmsg, sizeof(st->errmsg), "%s: writing a batch: out of memory",
			 st->path);
		return -ENOMEM;
	}
	int rc = step_reset(st->st[ST_BEGIN]);
	if (rc != SQLITE_OK)
		return fail(st, "beginning a batch");
	/* Rows first, in queue order. Then the updates of rows written by earlier
	 * batches (a flow opened in this one has its updates folded into its
	 * insert), in flow order: each finds its row on or next to the pages the
	 * one before it used, rather than on pages all over the table. */
	for (size_t i = 0; i < st->nops && rc == SQLITE_OK; i++)
		if (st->ops[i].type != OP_UPDATE)
			rc = apply_op(st, &st->ops[i], &written);
	for (ssize_t k = 0; k < nupdates && rc == SQLITE_OK; k++)
		rc = apply_op(st, &st->ops[st->update_order[k]], &written);
	if (rc == SQLITE_OK)
		rc = step_reset(st->st[ST_COMMIT]);
	if (rc != SQLITE_OK) {
		int ret = fail(st, "writing a batch");
		if (!sqlite3_get_autocommit(st->db))
			step_reset(st->st[ST_ROLLBACK]);
		return ret;
	}
	for (size_t i = 0; i < st->nops; i++)
		free_op(&st->ops[i]);
	st->nops = 0;
	st->batch_first_seq = st->next_seq;
	st->events_written = written;
	st->pending_events = 0;
	st->commits++;
	uint64_t us = (uint64_t)(fa_clock_ns(CLOCK_MONOTONIC) - t0) / 1000;
	if (us > st->slowest_commit_us)
		st->slowest_commit_us = us;
	limit_wal(st);
	return 0;
}

const char *flow_store_errmsg(const struct flow_store *st)
{
	return st->errmsg;
}

uint64_t flow_store_events_written(const struct flow_store *st)
{
	return st->events_written;
}

uint64_t flow_store_commits(const struct flow_store *st)
{
	return st->commits;
}

uint64_t flow_store_slowest_commit_us(const struct flow_store *st)
{
	return st->slowest_commit_us;
}

int flow_store_end_run(struct flow_store *st, const char *status, int64_t ended_at)
{
	sqlite3_stmt *s = NULL;
	if (sqlite3_prepare_v2(st->db,
			       "UPDATE runs SET ended_at = :ended_at, end_status = :end_status"
			       " WHERE run_pk = :run_pk",
			       -1, &s, NULL) != SQLITE_OK)
		return fail(st, "ending the run");
	sqlite3_bind_int64(s, named(s, ":run_pk"), st->run_pk);
	sqlite3_bind_int64(s, named(s, ":ended_at"), ended_at);
	sqlite3_bind_text(s, named(s, ":end_status"), status, -1, SQLITE_STATIC);
	int rc = sqlite3_step(s);
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : fail(st, "ending the run");
}

void flow_store_close(struct flow_store *st)
{
	if (!st)
		return;
	for (size_t i = 0; i < st->nops; i++)
		free_op(&st->ops[i]);
	free(st->ops);
	free(st->open_ops);
	free(st->update_order);
	for (int i = 0; i < ST_COUNT; i++)
		sqlite3_finalize(st->st[i]);
	free(st);
}
