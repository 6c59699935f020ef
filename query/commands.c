/* SPDX-License-Identifier: Apache-2.0 */
/*
 * flowq's sub-commands, one table entry each: the function that runs it,
 * what it is for, its description, the query whose filters it takes, the
 * other options it takes, its formats and its own wording of some options.
 * The parser (cli.c) and the --help texts (help.c) read this table; the
 * options themselves are cli.c's and filters.c's tables.
 */
#include "commands.h"

#define STR_(x) #x
#define STR(x) STR_(x)

#define LISTING_FORMATS                                                                            \
	(FQ_FMT_BIT(FQ_FMT_TABLE) | FQ_FMT_BIT(FQ_FMT_JSON) | FQ_FMT_BIT(FQ_FMT_NDJSON))
#define EXPORT_FORMATS                                                                             \
	(LISTING_FORMATS | FQ_FMT_BIT(FQ_FMT_CBOR_SEQ) | FQ_FMT_BIT(FQ_FMT_CBOR) |                 \
	 FQ_FMT_BIT(FQ_FMT_COSE_SIGN1))

static const struct fq_option_help runs_options[] = {
	{"--limit", "at most N runs"},
	{NULL, NULL},
};

/* A help text with a newline keeps its lines as written (help.c). */
static const struct fq_option_help export_options[] = {
	{"--format", "ndjson    one JSON object per line (streaming)\n"
		     "json      one JSON array (streaming)\n"
		     "cbor-seq  RFC 8742 CBOR sequence, one map per record\n"
		     "cbor      one definite-length CBOR array (counted first,\n"
		     "          in the same read transaction)\n"
		     "table     aligned columns for a terminal (a subset of keys)\n"
		     "cose-sign1  one COSE_Sign1 (RFC 9052, tag 18) whose payload\n"
		     "          is exactly the cbor bytes of the same selection,\n"
		     "          signed with --key (needs --key)\n"
		     "Default: table on a terminal, else ndjson. JSON is RFC 8259\n"
		     "with invalid UTF-8 replaced by U+FFFD; CBOR is RFC 8949\n"
		     "core deterministic (sorted keys, shortest integers)."},
	{"--limit", "at most N records in all"},
	{NULL, NULL},
};

static const struct fq_option_help flows_options[] = {
	{"--limit", "at most N rows"},
	{NULL, NULL},
};

static const struct fq_option_help summary_options[] = {
	{"--limit", "N destinations per ranking (default " STR(FQ_SUMMARY_TOP) ")"},
	{NULL, NULL},
};

static const struct fq_option_help health_options[] = {
	{"--limit", "at most N runs"},
	{NULL, NULL},
};

const struct fq_command fq_commands[] = {
	{
		.name = "runs",
		.run = fq_cmd_runs,
		.purpose = "list recorded runs: ids, start and end, end status, metadata, counts",
		.description =
			"  One record per run, by start time: cell_id, run_id, started_at, "
			"ended_at\n"
			"  (RFC 3339 UTC, 9 fractional digits), end_status (clean or error as "
			"stored;\n"
			"  running_or_killed when the run never ended cleanly, ended_at null),\n"
			"  policy_digest, keyset_id, issuer_kid, correlation_id, source, iface, "
			"host,\n"
			"  recorder_version, events (flow decisions), flows (connection rows),\n"
			"  unique_flows (flows whose open was seen: a repeated open counts once, "
			"a\n"
			"  close without an open counts nothing) and rejects (undecodable "
			"records).\n",
		.query = FQ_Q_RUNS,
		.takes = FQ_TAKES_DB,
		.formats = LISTING_FORMATS,
		.option_help = runs_options,
	},
	{
		.name = "export",
		.run = fq_cmd_export,
		.purpose = "export flow decisions as NetworkFlowDecision records "
			   "(schema/network_flow_decision.md)",
		.description =
			"  One record per recorded flow decision, in observed_at order, with the "
			"keys\n"
			"  schema_version, cell_id, run_id, decision_id, direction, decision,\n"
			"  reason_code, nft_rule_ref, dst_addr, dst_port, protocol, packet_count,\n"
			"  byte_count, policy_digest, keyset_id, issuer_kid, correlation_id,\n"
			"  observed_at (schema/network_flow_decision.md). Every key is always "
			"present;\n"
			"  an unknown value is null. decision_id is CELL:RUN:SEQ, stable and "
			"unique\n"
			"  (in CELL and RUN, '%', ':', control characters and bytes outside UTF-8 "
			"are\n"
			"  written %XX). The same database and filters always give the same "
			"bytes.\n"
			"  A stored direction, decision or family outside its enum fails the "
			"export\n"
			"  (exit 3) rather than being guessed.\n"
			"  A summary of flows the kernel aggregated under a flood is one record "
			"with\n"
			"  reason_code ebpf_flow_summary, dst_addr its prefix (10.77.0.0/24; "
			"0.0.0.0/0\n"
			"  for any destination), dst_port null when it covers every port, and the\n"
			"  counts of all its flows; a filter selects it when its flows may match.\n"
			"  --format cose-sign1 needs --key; --kid and --key-pass-file go with "
			"it.\n",
		.query = FQ_Q_EVENTS,
		.takes = FQ_TAKES_DB | FQ_TAKES_EXPORT | FQ_TAKES_SIGNING,
		.formats = EXPORT_FORMATS,
		.option_help = export_options,
	},
	{
		.name = "flows",
		.run = fq_cmd_flows,
		.purpose = "list connection-tracking rows: state, close reason, counters, duration",
		.description =
			"  One record per connection, by opened_at: cell_id, run_id, flow_id, "
			"state\n"
			"  (open, closed), close_reason (tcp_fin, tcp_rst, idle, run_end, "
			"evicted),\n"
			"  direction, protocol (name or null) and protocol_number, "
			"orig_addr/orig_port\n"
			"  (the side that sent the first packet; null for ICMP and summaries),\n"
			"  resp_addr/resp_port, opened_at, last_seen_at (the last packet), "
			"closed_at\n"
			"  (when the close was decided: the FIN/RST, the idle sweep, the run's "
			"end),\n"
			"  duration_ns (closed_at, or last_seen_at while open, minus opened_at),\n"
			"  packets and bytes of each side, open_seen (false: a close arrived for a "
			"flow\n"
			"  whose open was never seen), icmp_type, icmp_code and icmp_id "
			"(ICMP/ICMPv6:\n"
			"  the first message's type and code, the echo identifier), midstream "
			"(true: a\n"
			"  TCP flow continued without its SYN, its direction inferred), kind "
			"(flow;\n"
			"  untracked: the kernel's table could not hold it, its counters are those "
			"of\n"
			"  the packets reported; summary: flow_count flows aggregated under a "
			"flood,\n"
			"  resp_addr a prefix such as 10.77.0.0/24, no originator, resp_port null "
			"for\n"
			"  every port) and flow_count. --dst and --port select a summary when its\n"
			"  flows may match.\n",
		.query = FQ_Q_FLOWS,
		.takes = FQ_TAKES_DB,
		.formats = LISTING_FORMATS,
		.option_help = flows_options,
	},
	{
		.name = "summary",
		.run = fq_cmd_summary,
		.purpose = "who did the cells talk to: top destinations by flows and bytes, denied "
			   "destinations, protocols",
		.description =
			"  Records {section, dst_addr, protocol, flows, denied, packets, bytes,\n"
			"  summarized}: one \"total\", one \"protocol\" per protocol, then the top "
			"N\n"
			"  destinations \"top_by_flows\" and \"top_by_bytes\", and \"denied\"\n"
			"  (destinations with denied decisions, most first). flows counts flows "
			"(one\n"
			"  per decision; a summary of a flood counts the flows it stands for, and "
			"its\n"
			"  destination is its prefix, e.g. 10.77.0.0/24); summarized says how many "
			"of\n"
			"  them are known only from summaries; packets and bytes are the flows' "
			"totals\n"
			"  where known. Databases are combined. A stored decision other than "
			"allow\n"
			"  or deny fails the summary (exit 3) rather than being counted as "
			"allowed.\n",
		.query = FQ_Q_SUM_DST,
		.more_filters = FQ_F_LIMIT, /* the top N, not a LIMIT of the query */
		.takes = FQ_TAKES_DB,
		.formats = LISTING_FORMATS,
		.option_help = summary_options,
	},
	{
		.name = "health",
		.run = fq_cmd_health,
		.purpose = "did a run lose anything: per run, its loss counters and a verdict (ok, "
			   "degraded, folded, lost, no_health)",
		.description =
			"  One record per run from its last health row (the final row written when "
			"the\n"
			"  run ended, else the latest periodic one): cell_id, run_id, at, "
			"is_final,\n"
			"  every counter below, lost and verdict. lost is the sum of the counters\n"
			"  marked [lost] (an overrun with unknown loss counts). verdict: \"lost\" "
			"when\n"
			"  lost > 0 or received != decoded + rejected; else \"degraded\" when a "
			"counter\n"
			"  marked [degraded] is not 0 (nothing lost, but flows recorded without a "
			"row\n"
			"  and counters of their own, ended early, or dropped); else \"folded\" "
			"when\n"
			"  one marked [folded] is not 0 (nothing lost, but some opens have no "
			"decision\n"
			"  of their own); else \"ok\"; \"no_health\" when the run has no health "
			"row\n"
			"  (all counters null).\n",
		.help_section = fq_help_health_counters,
		.query = FQ_Q_HEALTH,
		.takes = FQ_TAKES_DB,
		.formats = LISTING_FORMATS,
		.option_help = health_options,
	},
	{
		.name = "verify",
		.run = fq_cmd_verify,
		.purpose = "check flowaudit databases: integrity and consistency",
		.description =
			"  Records {db, check, status (ok | problem), detail} for the checks:\n"
			"  integrity (PRAGMA integrity_check), identity (application_id and\n"
			"  user_version), foreign_keys (PRAGMA foreign_key_check), seq (each "
			"run's\n"
			"  flow_events seq are exactly 1..N), flow_refs (every event's flow "
			"exists),\n"
			"  enums (direction, decision, state, close_reason and family hold one of\n"
			"  their words; export refuses a row that does not) and decision_ids (no "
			"two\n"
			"  runs share cell_id and run_id, in the database or in an earlier --db "
			"of\n"
			"  the call, so every decision_id is unique).\n"
			"  Exit status 1 when any check reports a problem.\n",
		.query = FQ_Q_NONE,
		.takes = FQ_TAKES_DB,
		.formats = LISTING_FORMATS,
	},
	{
		.name = "verify-export",
		.run = fq_cmd_verify_export,
		.purpose = "check the signature of a cose-sign1 export",
		.description =
			"  FILE is a COSE_Sign1 written by flowq export in its cose-sign1 format: "
			"tag\n"
			"  18 holding the protected header {1: alg, 3: 60, 4: kid}, an "
			"unprotected\n"
			"  map, the payload (one CBOR array of NetworkFlowDecision maps) and a\n"
			"  64-byte signature over the Sig_structure [\"Signature1\", protected, "
			"h'',\n"
			"  payload] (RFC 9052 section 4.4). flowq checks the structure, that "
			"PUB.pem\n"
			"  is the key type the alg needs (EdDSA: Ed25519, ES256: ECDSA P-256), "
			"the\n"
			"  signature, and that the payload is one array of maps, then prints\n"
			"    ok alg=EdDSA|ES256 kid=KID records=N\n"
			"  KID is printed as is when it is printable ASCII without spaces, else "
			"as\n"
			"  h'HEX'.\n"
			"  FILE must be a regular file, unchanged while it is checked.\n",
		.query = FQ_Q_NONE,
		.takes = FQ_TAKES_FILE,
	},
	{.name = NULL},
};
