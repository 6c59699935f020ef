/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The --help texts of flowq and its sub-commands, written as short manual
 * pages: synopsis, description, options, formats, exit codes. The exit codes
 * are those of common/fa_exit.h; keep both in step.
 */
#include "commands.h"

#include "fa_exit.h"
#include "fa_health.h"

#include <stdio.h>

#define EXIT_CODES                                                                                 \
	"EXIT STATUS\n"                                                                            \
	"  0   success\n"                                                                          \
	"  1   verify: a check found a problem\n"                                                  \
	"  2   usage: unknown option or bad value (the message names the option and the\n"         \
	"      accepted form)\n"                                                                   \
	"  3   database error: missing or unreadable file, corrupt pages, SQLite error\n"          \
	"  6   not a flowaudit database, or a newer schema than this flowq understands\n"          \
	"  7   output error: the output file or standard output could not be written\n"            \
	"  9   verify-export: the signature does not verify\n"                                     \
	"  10  verify-export: the file cannot be read, or is not a COSE_Sign1 flowq can\n"         \
	"      check\n"                                                                            \
	"  11  wrong key type: not Ed25519 or ECDSA P-256, or not the type the file's\n"           \
	"      alg needs\n"                                                                        \
	"  12  key unusable: unreadable, not a PEM key of the kind needed, encrypted\n"            \
	"      without a passphrase file, or a wrong passphrase\n"                                 \
	"  70  internal error\n"

#define DB_OPTION                                                                                  \
	"  --db PATH        a flowaudit database (one per cell); repeat for several.\n"            \
	"                   Opened read-only; all reads of one call happen in one read\n"          \
	"                   transaction per database, so results are consistent while\n"           \
	"                   flowrec is writing. Rows of several databases are merged in\n"         \
	"                   time order (ties: --db order, then insertion order). One\n"            \
	"                   file given twice (any path to it) is a usage error.\n"                 \
	"                   A database without a -wal file (not being recorded) is\n"              \
	"                   opened immutable: read-only media and read-only users work,\n"         \
	"                   and nothing is created beside it.\n"

#define TIME_FORMS                                                                                 \
	"                   T is RFC 3339 (2026-05-06T12:00:00Z, fraction and offset\n"            \
	"                   allowed) or relative to now: 500ms, 30s, 15m, 2h, 7d.\n"

static const char help_main[] =
	"NAME\n"
	"  flowq - query flowaudit databases and export NetworkFlowDecision records\n"
	"\n"
	"SYNOPSIS\n"
	"  flowq runs    --db PATH [--db PATH ...] [--format table|json|ndjson] [filters]\n"
	"  flowq export  --db PATH [--db PATH ...] [--format "
	"ndjson|json|cbor-seq|cbor|table]\n"
	"                [--output FILE] [--digest sha256] [filters]\n"
	"  flowq export  --db PATH [...] --format cose-sign1 --key KEY.pem [--kid ID]\n"
	"                [--key-pass-file FILE] [--output FILE] [filters]\n"
	"  flowq flows   --db PATH [...] [filters] [--format table|json|ndjson]\n"
	"  flowq summary --db PATH [...] [filters] [--format table|json|ndjson]\n"
	"  flowq health  --db PATH [...] [--cell ID] [--run ID] [--format "
	"table|json|ndjson]\n"
	"  flowq verify  --db PATH [...] [--format table|json|ndjson]\n"
	"  flowq verify-export --pubkey PUB.pem FILE\n"
	"  flowq --help | --version\n"
	"  flowq COMMAND --help\n"
	"\n"
	"DESCRIPTION\n"
	"  flowq reads the SQLite databases written by flowrec, read-only. It never\n"
	"  changes a database, works while flowrec is recording, and refuses files that\n"
	"  are not flowaudit databases or have a newer schema.\n"
	"\n"
	"COMMANDS\n"
	"  runs     every run: ids, start/end, end status, metadata, counts\n"
	"  export   NetworkFlowDecision records (schema/network_flow_decision.md)\n"
	"  flows    connection-tracking rows: state, close reason, counters, duration\n"
	"  summary  top destinations by flows and bytes, denied destinations, protocols\n"
	"  health   per run: loss counters and a verdict (ok, degraded, folded, lost,\n"
	"           no_health)\n"
	"  verify   integrity and consistency checks\n"
	"  verify-export  check the signature of a cose-sign1 export\n"
	"\n"
	"FILTERS (where a command accepts them; see its --help)\n"
	"  --cell ID  --run ID  --since T  --until T  --dst CIDR  --port N\n"
	"  --proto NAME|NUM  --decision allow|deny  --direction egress|ingress\n"
	"  --reason CODE  --limit N\n"
	"\n"
	"OUTPUT\n"
	"  Without --format: table when standard output is a terminal, else ndjson.\n"
	"\n";

static const char help_export[] =
	"NAME\n"
	"  flowq export - export flow decisions as NetworkFlowDecision records\n"
	"\n"
	"SYNOPSIS\n"
	"  flowq export --db PATH [--db PATH ...] [--format ndjson|json|cbor-seq|cbor|table]\n"
	"               [--output FILE] [--digest sha256] [--cell ID] [--run ID]\n"
	"               [--since T] [--until T] [--dst CIDR] [--port N] [--proto NAME|NUM]\n"
	"               [--decision allow|deny] [--direction egress|ingress]\n"
	"               [--reason CODE] [--limit N]\n"
	"  flowq export --db PATH [...] --format cose-sign1 --key KEY.pem [--kid ID]\n"
	"               [--key-pass-file FILE] [--output FILE] [--digest sha256] [filters]\n"
	"\n"
	"DESCRIPTION\n"
	"  One record per recorded flow decision, in observed_at order, with the keys\n"
	"  schema_version, cell_id, run_id, decision_id, direction, decision,\n"
	"  reason_code, nft_rule_ref, dst_addr, dst_port, protocol, packet_count,\n"
	"  byte_count, policy_digest, keyset_id, issuer_kid, correlation_id,\n"
	"  observed_at (schema/network_flow_decision.md). Every key is always present;\n"
	"  an unknown value is null. decision_id is CELL:RUN:SEQ, stable and unique\n"
	"  (in CELL and RUN, '%', ':', control characters and bytes outside UTF-8 are\n"
	"  written %XX). The same database and filters always give the same bytes.\n"
	"  A stored direction, decision or family outside its enum fails the export\n"
	"  (exit 3) rather than being guessed.\n"
	"  A summary of flows the kernel aggregated under a flood is one record with\n"
	"  reason_code ebpf_flow_summary, dst_addr its prefix (10.77.0.0/24; 0.0.0.0/0\n"
	"  for any destination), dst_port null when it covers every port, and the\n"
	"  counts of all its flows; a filter selects it when its flows may match.\n"
	"\n"
	"OPTIONS\n" DB_OPTION "  --format F       ndjson    one JSON object per line (streaming)\n"
	"                   json      one JSON array (streaming)\n"
	"                   cbor-seq  RFC 8742 CBOR sequence, one map per record\n"
	"                   cbor      one definite-length CBOR array (counted first,\n"
	"                             in the same read transaction)\n"
	"                   table     aligned columns for a terminal (a subset of keys)\n"
	"                   cose-sign1  one COSE_Sign1 (RFC 9052, tag 18) whose payload\n"
	"                             is exactly the cbor bytes of the same selection,\n"
	"                             signed with --key (needs --key)\n"
	"                   Default: table on a terminal, else ndjson. JSON is RFC 8259\n"
	"                   with invalid UTF-8 replaced by U+FFFD; CBOR is RFC 8949\n"
	"                   core deterministic (sorted keys, shortest integers).\n"
	"  --output FILE    write FILE atomically (FILE.tmp.XXXXXX, fsync, rename,\n"
	"                   fsync of the directory) instead of standard output. FILE\n"
	"                   must be a new or regular file and none of the inputs (nor\n"
	"                   their -wal, -shm): anything else is refused (exit 2); for a\n"
	"                   pipe or a device, write to standard output\n"
	"  --digest sha256  after a successful export print \"sha256:<hex>\" of exactly\n"
	"                   the bytes exported, as one line on standard error\n"
	"  --key KEY.pem    cose-sign1: the PEM private key that signs: Ed25519 (alg\n"
	"                   EdDSA) or ECDSA P-256 (alg ES256, r||s signature); any\n"
	"                   other type fails with exit 11\n"
	"  --kid ID         cose-sign1: the kid of the protected header (1 to 1024\n"
	"                   bytes). Default: the issuer_kid all selected records\n"
	"                   share; without one (no records, a null, several) the\n"
	"                   export fails and asks for --kid (exit 2)\n"
	"  --key-pass-file FILE  cose-sign1: the passphrase of an encrypted KEY.pem is\n"
	"                   the first line of FILE (a pipe works: <(...)); never on\n"
	"                   the command line. Encrypted without it: exit 12\n"
	"  --cell ID        only runs of this cell\n"
	"  --run ID         only this run id\n"
	"  --since T        observed_at >= T\n"
	"  --until T        observed_at < T\n" TIME_FORMS
	"  --dst CIDR       destination in 10.0.0.0/8, 192.0.2.5, 2001:db8::/32 ...\n"
	"  --port N         destination port 0-65535\n"
	"  --proto P        tcp, udp, icmp, icmpv6 or a number 0-255\n"
	"  --decision D     allow or deny\n"
	"  --direction D    egress or ingress (from the cell's point of view)\n"
	"  --reason CODE    reason_code, e.g. ebpf_tc_observed, ebpf_xdp_drop, nflog_match,\n"
	"                   ebpf_tc_untracked, ebpf_flow_summary\n"
	"  --limit N        at most N records in all\n"
	"  -h, --help       this text\n"
	"\n";

static const char help_runs[] =
	"NAME\n"
	"  flowq runs - list recorded runs\n"
	"\n"
	"SYNOPSIS\n"
	"  flowq runs --db PATH [--db PATH ...] [--format table|json|ndjson] [--cell ID]\n"
	"             [--run ID] [--since T] [--until T] [--limit N]\n"
	"\n"
	"DESCRIPTION\n"
	"  One record per run, by start time: cell_id, run_id, started_at, ended_at\n"
	"  (RFC 3339 UTC, 9 fractional digits), end_status (clean or error as stored;\n"
	"  running_or_killed when the run never ended cleanly, ended_at null),\n"
	"  policy_digest, keyset_id, issuer_kid, correlation_id, source, iface, host,\n"
	"  recorder_version, events (flow decisions), flows (connection rows),\n"
	"  unique_flows (flows whose open was seen: a repeated open counts once, a\n"
	"  close without an open counts nothing) and rejects (undecodable records).\n"
	"\n"
	"OPTIONS\n" DB_OPTION
	"  --format F       table, json (one array) or ndjson (one object per line)\n"
	"  --cell ID        only this cell\n"
	"  --run ID         only this run id\n"
	"  --since T        started at or after T\n"
	"  --until T        started before T\n" TIME_FORMS "  --limit N        at most N runs\n"
	"  -h, --help       this text\n"
	"\n";

static const char help_flows[] =
	"NAME\n"
	"  flowq flows - list connection-tracking rows\n"
	"\n"
	"SYNOPSIS\n"
	"  flowq flows --db PATH [--db PATH ...] [--format table|json|ndjson] [--cell ID]\n"
	"              [--run ID] [--since T] [--until T] [--dst CIDR] [--port N]\n"
	"              [--proto NAME|NUM] [--direction egress|ingress] [--limit N]\n"
	"\n"
	"DESCRIPTION\n"
	"  One record per connection, by opened_at: cell_id, run_id, flow_id, state\n"
	"  (open, closed), close_reason (tcp_fin, tcp_rst, idle, run_end, evicted),\n"
	"  direction, protocol (name or null) and protocol_number, orig_addr/orig_port\n"
	"  (the side that sent the first packet; null for ICMP and summaries),\n"
	"  resp_addr/resp_port, opened_at, last_seen_at (the last packet), closed_at\n"
	"  (when the close was decided: the FIN/RST, the idle sweep, the run's end),\n"
	"  duration_ns (closed_at, or last_seen_at while open, minus opened_at),\n"
	"  packets and bytes of each side, open_seen (false: a close arrived for a flow\n"
	"  whose open was never seen), icmp_type, icmp_code and icmp_id (ICMP/ICMPv6:\n"
	"  the first message's type and code, the echo identifier), midstream (true: a\n"
	"  TCP flow continued without its SYN, its direction inferred), kind (flow;\n"
	"  untracked: the kernel's table could not hold it, its counters are those of\n"
	"  the packets reported; summary: flow_count flows aggregated under a flood,\n"
	"  resp_addr a prefix such as 10.77.0.0/24, no originator, resp_port null for\n"
	"  every port) and flow_count. --dst and --port select a summary when its\n"
	"  flows may match.\n"
	"\n"
	"OPTIONS\n" DB_OPTION "  --format F       table, json or ndjson\n"
	"  --cell ID, --run ID\n"
	"  --since T, --until T   opened_at in [since, until)\n" TIME_FORMS
	"  --dst CIDR       responder address in CIDR\n"
	"  --port N         responder port\n"
	"  --proto P        tcp, udp, icmp, icmpv6 or 0-255\n"
	"  --direction D    egress or ingress\n"
	"  --limit N        at most N rows\n"
	"  -h, --help       this text\n"
	"\n";

static const char help_summary[] =
	"NAME\n"
	"  flowq summary - who did the cells talk to\n"
	"\n"
	"SYNOPSIS\n"
	"  flowq summary --db PATH [--db PATH ...] [--format table|json|ndjson] [filters]\n"
	"                [--limit N]\n"
	"\n"
	"DESCRIPTION\n"
	"  Records {section, dst_addr, protocol, flows, denied, packets, bytes,\n"
	"  summarized}: one \"total\", one \"protocol\" per protocol, then the top N\n"
	"  destinations \"top_by_flows\" and \"top_by_bytes\", and \"denied\"\n"
	"  (destinations with denied decisions, most first). flows counts flows (one\n"
	"  per decision; a summary of a flood counts the flows it stands for, and its\n"
	"  destination is its prefix, e.g. 10.77.0.0/24); summarized says how many of\n"
	"  them are known only from summaries; packets and bytes are the flows' totals\n"
	"  where known. Databases are combined. A stored decision other than allow\n"
	"  or deny fails the summary (exit 3) rather than being counted as allowed.\n"
	"\n"
	"OPTIONS\n" DB_OPTION "  --format F       table, json or ndjson\n"
	"  --limit N        N destinations per ranking (default 10)\n"
	"  filters          --cell --run --since --until --dst --port --proto --decision\n"
	"                   --direction --reason, as for flowq export\n"
	"  -h, --help       this text\n"
	"\n";

static const char help_health[] =
	"NAME\n"
	"  flowq health - did a run lose anything\n"
	"\n"
	"SYNOPSIS\n"
	"  flowq health --db PATH [--db PATH ...] [--format table|json|ndjson] [--cell ID]\n"
	"               [--run ID] [--since T] [--until T] [--limit N]\n"
	"\n"
	"DESCRIPTION\n"
	"  One record per run from its last health row (the final row written when the\n"
	"  run ended, else the latest periodic one): cell_id, run_id, at, is_final,\n"
	"  every counter below, lost and verdict. lost is the sum of the counters\n"
	"  marked [lost] (an overrun with unknown loss counts). verdict: \"lost\" when\n"
	"  lost > 0 or received != decoded + rejected; else \"degraded\" when a counter\n"
	"  marked [degraded] is not 0 (nothing lost, but flows recorded without a row\n"
	"  and counters of their own, ended early, or dropped); else \"folded\" when\n"
	"  one marked [folded] is not 0 (nothing lost, but some opens have no decision\n"
	"  of their own); else \"ok\"; \"no_health\" when the run has no health row\n"
	"  (all counters null).\n"
	"\n"
	"OPTIONS\n" DB_OPTION "  --format F       table, json or ndjson\n"
	"  --cell ID, --run ID, --since T, --until T (run start), --limit N\n"
	"  -h, --help       this text\n"
	"\n";

static const char help_verify[] =
	"NAME\n"
	"  flowq verify - check flowaudit databases\n"
	"\n"
	"SYNOPSIS\n"
	"  flowq verify --db PATH [--db PATH ...] [--format table|json|ndjson]\n"
	"\n"
	"DESCRIPTION\n"
	"  Records {db, check, status (ok | problem), detail} for the checks:\n"
	"  integrity (PRAGMA integrity_check), identity (application_id and\n"
	"  user_version), foreign_keys (PRAGMA foreign_key_check), seq (each run's\n"
	"  flow_events seq are exactly 1..N), flow_refs (every event's flow exists),\n"
	"  enums (direction, decision, state, close_reason and family hold one of\n"
	"  their words; export refuses a row that does not) and decision_ids (no two\n"
	"  runs share cell_id and run_id, in the database or in an earlier --db of\n"
	"  the call, so every decision_id is unique).\n"
	"  Exit status 1 when any check reports a problem.\n"
	"\n"
	"OPTIONS\n" DB_OPTION "  --format F       table, json or ndjson\n"
	"  -h, --help       this text\n"
	"\n";

static const char help_verify_export[] =
	"NAME\n"
	"  flowq verify-export - check the signature of a signed export\n"
	"\n"
	"SYNOPSIS\n"
	"  flowq verify-export --pubkey PUB.pem FILE\n"
	"\n"
	"DESCRIPTION\n"
	"  FILE is a COSE_Sign1 written by flowq export in its cose-sign1 format: tag\n"
	"  18 holding the protected header {1: alg, 3: 60, 4: kid}, an unprotected\n"
	"  map, the payload (one CBOR array of NetworkFlowDecision maps) and a\n"
	"  64-byte signature over the Sig_structure [\"Signature1\", protected, h'',\n"
	"  payload] (RFC 9052 section 4.4). flowq checks the structure, that PUB.pem\n"
	"  is the key type the alg needs (EdDSA: Ed25519, ES256: ECDSA P-256), the\n"
	"  signature, and that the payload is one array of maps, then prints\n"
	"    ok alg=EdDSA|ES256 kid=KID records=N\n"
	"  KID is printed as is when it is printable ASCII without spaces, else as\n"
	"  h'HEX'.\n"
	"  FILE must be a regular file, unchanged while it is checked.\n"
	"\n"
	"OPTIONS\n"
	"  --pubkey PUB.pem the signer's PEM public key (\"PUBLIC KEY\"). A private key\n"
	"                   is refused (exit 12): verifying needs no secret; extract\n"
	"                   the public key with openssl pkey -in KEY.pem -pubout\n"
	"  -h, --help       this text\n"
	"\n";

#define LISTING_FORMATS                                                                            \
	(FQ_FMT_BIT(FQ_FMT_TABLE) | FQ_FMT_BIT(FQ_FMT_JSON) | FQ_FMT_BIT(FQ_FMT_NDJSON))
#define RUN_FILTERS (FQ_F_CELL | FQ_F_RUN | FQ_F_SINCE | FQ_F_UNTIL | FQ_F_LIMIT)

const struct fq_command fq_commands[] = {
	{"runs", fq_cmd_runs, help_runs, NULL, RUN_FILTERS, LISTING_FORMATS, false, false, false},
	{"export", fq_cmd_export, help_export, NULL, FQ_F_ALL,
	 LISTING_FORMATS | FQ_FMT_BIT(FQ_FMT_CBOR_SEQ) | FQ_FMT_BIT(FQ_FMT_CBOR) |
		 FQ_FMT_BIT(FQ_FMT_COSE_SIGN1),
	 true, true, false},
	{"flows", fq_cmd_flows, help_flows, NULL,
	 FQ_F_CELL | FQ_F_RUN | FQ_F_SINCE | FQ_F_UNTIL | FQ_F_DST | FQ_F_PORT | FQ_F_PROTO |
		 FQ_F_DIRECTION | FQ_F_LIMIT,
	 LISTING_FORMATS, false, false, false},
	{"summary", fq_cmd_summary, help_summary, NULL, FQ_F_ALL, LISTING_FORMATS, false, false,
	 false},
	{"health", fq_cmd_health, help_health, fq_help_health_counters, RUN_FILTERS,
	 LISTING_FORMATS, false, false, false},
	{"verify", fq_cmd_verify, help_verify, NULL, 0, LISTING_FORMATS, false, false, false},
	{"verify-export", fq_cmd_verify_export, help_verify_export, NULL, 0, 0, false, false, true},
	{NULL, NULL, NULL, NULL, 0, 0, false, false, false},
};

/* Print text word-wrapped to width columns, every line indented by indent spaces. */
static void wrap(FILE *f, int indent, const char *text, int width)
{
	const char *p = text;
	while (*p) {
		int room = width - indent, len = 0, last_space = -1;
		while (p[len] && (len < room || last_space < 0)) {
			if (p[len] == ' ')
				last_space = len;
			len++;
		}
		if (p[len] && last_space >= 0)
			len = last_space;
		fprintf(f, "%*s%.*s\n", indent, "", len, p);
		p += len;
		while (*p == ' ')
			p++;
	}
}

void fq_help_health_counters(FILE *f)
{
	static const char *const weighs[] = {
		[FA_HEALTH_INFO] = "",
		[FA_HEALTH_LOST] = " [lost]",
		[FA_HEALTH_OVERRUN] = " [lost when nflog_lost is 0]",
		[FA_HEALTH_DEGRADED] = " [degraded]",
		[FA_HEALTH_FOLDED] = " [folded]",
	};
	fputs("COUNTERS\n", f);
	for (int c = 0; c < FA_HEALTH_COUNT; c++) {
		const struct fa_health_info *h = &fa_health_list[c];
		char line[512];
		snprintf(line, sizeof(line), "%s%s", h->help, weighs[h->verdict]);
		fprintf(f, "  %s\n", h->name);
		wrap(f, 6, line, 80);
	}
	fputc('\n', f);
}

void fq_help_print_main(FILE *f)
{
	fputs(help_main, f);
	fputs(EXIT_CODES, f);
}

void fq_help_print(const struct fq_command *cmd, FILE *f)
{
	fputs(cmd->help, f);
	if (cmd->help_section)
		cmd->help_section(f);
	fputs(EXIT_CODES, f);
}
