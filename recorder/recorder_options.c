/* SPDX-License-Identifier: Apache-2.0 */
/* flowrec command-line parsing; see recorder_options.h. */
#include "recorder_options.h"

#include "fa_exit.h"
#include "fa_text.h"
#include "fa_version.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

void recorder_options_usage(FILE *out)
{
	fputs("Usage: flowrec --db PATH --cell ID --run ID SOURCE [options]\n"
	      "\n"
	      "Record the network flows of one cell into a SQLite database (WAL mode,\n"
	      "batched transactions). Runs until SIGTERM or SIGINT (or the end of a replay),\n"
	      "then closes every open flow (reason run_end), commits, marks the run ended and\n"
	      "exits 0. Every record that cannot be decoded or stored is counted (table health)\n"
	      "and its raw bytes are kept (table rejects).\n"
	      "\n"
	      "Required:\n"
	      "  --db PATH              database file; created mode 0640 if missing. Many runs\n"
	      "                         may share one file; one file per cell is the convention.\n"
	      "  --cell ID              the cell's identifier\n"
	      "  --run ID               the run's identifier (unique per cell within the file)\n"
	      "                         Ids and stamps: 1-256 bytes of UTF-8, no control\n"
	      "                         characters\n"
	      "\n"
	      "SOURCE (one of, --nflog-group may be added to --iface):\n"
	      "  --iface IFACE          capture with flowaudit's eBPF tc program on IFACE\n"
	      "    --netns NAME|PATH    the cell's network namespace (a name under /run/netns\n"
	      "                         or a path such as /proc/PID/ns/net); IFACE is resolved\n"
	      "                         and the program attached inside it\n"
	      "    --iface-side cell|host  cell (default): IFACE is inside the cell; host: IFACE\n"
	      "                         is the host end of a veth or a Firecracker tap\n"
	      "    --bpf-object PATH    load an external object with the seed's 40-byte v1 ABI\n"
	      "                         instead (also CELLOS_EBPF_OBJECT_PATH)\n"
	      "  --replay FILE|-        replay framed kernel records from FILE or stdin\n"
	      "  --source noop          record nothing (a run row and health only)\n"
	      "  --source auto          ebpf when CELLOS_FIRECRACKER_PER_FLOW_EBPF is exactly 1\n"
	      "                         (needs --iface), otherwise noop\n"
	      "  --nflog-group N        also record packets logged to netfilter log group N\n"
	      "                         (nft ... log group N prefix \"RULE deny \")\n"
	      "\n"
	      "Storage:\n"
	      "  --batch-events N       commit after N events (default 4096)\n"
	      "  --batch-ms MS          commit a batch at most MS ms after its first event\n"
	      "                         (default 200), even when the source goes quiet\n"
	      "  --durability normal|full  synchronous=NORMAL (default) or FULL: a commit is\n"
	      "                         on disk when it is reported\n"
	      "  --store-retry-s S      keep retrying failed commits (disk full) for S seconds\n"
	      "                         before giving up with exit 3 (default 60)\n"
	      "\n"
	      "Stamping (stored on the run, exported with every decision):\n"
	      "  --policy-digest S  --keyset-id S  --issuer-kid S  --correlation-id S\n"
	      "\n"
	      "Connection tracking and capture:\n"
	      "  --tcp-idle-s S         close TCP flows idle for S seconds (default " FA_STR(
		      TCP_IDLE_DEFAULT_S) ")\n"
					  "  --udp-idle-s S         close UDP/ICMP/other flows "
					  "idle for S seconds (default "
					  "60)\n"
					  "  --ringbuf-bytes N      kernel ring buffer size, a "
					  "power of two (default 4 MiB)\n"
					  "  --flow-table-entries N kernel flow table size "
					  "(default 65536); when it is\n"
					  "                         full, the oldest idle flow is "
					  "evicted (closed, reason\n"
					  "                         evicted) to make room\n"
					  "  --flow-rate N          new flows per second reported "
					  "when their first packet\n"
					  "                         is seen (default 10000; one "
					  "destination class may take\n"
					  "                         1/8 of it); beyond it a flow "
					  "is still tracked and is\n"
					  "                         reported when its peer "
					  "answers, when it ends, or in a\n"
					  "                         summary of its class if it is "
					  "evicted first\n"
					  "  --fail-closed          drop (TC_ACT_SHOT) the packets "
					  "of a new flow that can be\n"
					  "                         neither tracked, nor reported, "
					  "nor summarised with its\n"
					  "                         destination: a flood then "
					  "costs the cell its own\n"
					  "                         connectivity instead of "
					  "leaving flows unrecorded\n"
					  "  --stats-s S            write a health row every S "
					  "seconds (default 10)\n"
					  "  --backlog N            records held in memory while "
					  "the database catches up\n"
					  "                         with a burst, beyond the "
					  "kernel ring (default 1048576,\n"
					  "                         about 130 MiB at most)\n"
					  "  --tee FILE             also write every record "
					  "received, framed, to FILE\n"
					  "                         (replayable with --replay), "
					  "after a header frame\n"
					  "                         holding the run's clock "
					  "offsets, host and boot id.\n"
					  "                         FILE must not be the database "
					  "or the --replay\n"
					  "                         input (exit 2); a failed write "
					  "is exit 7\n"
					  "  --user NAME            after attaching, switch to "
					  "user NAME and drop every\n"
					  "                         capability\n"
					  "  --quiet                no summary on stderr at exit\n"
					  "  --help, --version\n"
					  "\n"
					  "Replay framing: per record, a little-endian u32 kind (1 "
					  "= FLOW_EVENTS v1,\n"
					  "40 bytes; 2 = CONN_EVENTS v2, 96 bytes, from earlier "
					  "versions; 3 = NFLOG;\n"
					  "4 = CONN_EVENTS v3, 112 bytes; 5 = tee header, 104 "
					  "bytes), a little-endian u32\n"
					  "length, then the record. Wrong lengths, unknown kinds "
					  "and a truncated last\n"
					  "frame are stored as rejects and do not stop the run. A "
					  "replay whose first\n"
					  "frame is a tee header uses its clock offsets, so it "
					  "exports the same\n"
					  "observed_at as the run that wrote the tee. A replay's "
					  "idle flows close on the\n"
					  "records' own time, however fast the bytes arrive.\n"
					  "\n"
					  "Exit status: 0 ok; 2 bad command line (also: a --run "
					  "that exists, a --tee that\n"
					  "is an input); 3 database error; 4 capture source failed "
					  "(BPF load/attach,\n"
					  "namespace, replay file); 5 not supported by this build "
					  "or host; 6 not a\n"
					  "flowaudit database or a newer schema; 7 the --tee file "
					  "could not be written\n"
					  "(the run is recorded, the tee is incomplete); 8 "
					  "privilege drop failed;\n"
					  "70 internal error.\n",
	      out);
}

static int parse_u32(const char *opt, const char *v, uint32_t min, uint32_t max, uint32_t *out,
		     char *err, size_t errlen)
{
	char *end = NULL;
	errno = 0;
	unsigned long long n = strtoull(v, &end, 10);
	if (v[0] < '0' || v[0] > '9' || errno || *end != '\0' || n < min || n > max) {
		snprintf(err, errlen, "%s: '%s' is not a whole number from %u to %u", opt, v, min,
			 max);
		return -FA_EXIT_USAGE;
	}
	*out = (uint32_t)n;
	return 0;
}

enum {
	OPT_DB = 256,
	OPT_CELL,
	OPT_RUN,
	OPT_IFACE,
	OPT_NETNS,
	OPT_IFACE_SIDE,
	OPT_REPLAY,
	OPT_SOURCE,
	OPT_NFLOG_GROUP,
	OPT_BATCH_EVENTS,
	OPT_BATCH_MS,
	OPT_DURABILITY,
	OPT_POLICY_DIGEST,
	OPT_KEYSET_ID,
	OPT_ISSUER_KID,
	OPT_CORRELATION_ID,
	OPT_BPF_OBJECT,
	OPT_TCP_IDLE,
	OPT_UDP_IDLE,
	OPT_USER,
	OPT_TEE,
	OPT_STATS,
	OPT_RINGBUF,
	OPT_FLOW_TABLE,
	OPT_FLOW_RATE,
	OPT_FAIL_CLOSED,
	OPT_STORE_RETRY,
	OPT_BACKLOG,
	OPT_QUIET,
	OPT_HELP,
	OPT_VERSION,
};

static const struct option long_opts[] = {
	{"db", required_argument, NULL, OPT_DB},
	{"cell", required_argument, NULL, OPT_CELL},
	{"run", required_argument, NULL, OPT_RUN},
	{"iface", required_argument, NULL, OPT_IFACE},
	{"netns", required_argument, NULL, OPT_NETNS},
	{"iface-side", required_argument, NULL, OPT_IFACE_SIDE},
	{"replay", required_argument, NULL, OPT_REPLAY},
	{"source", required_argument, NULL, OPT_SOURCE},
	{"nflog-group", required_argument, NULL, OPT_NFLOG_GROUP},
	{"batch-events", required_argument, NULL, OPT_BATCH_EVENTS},
	{"batch-ms", required_argument, NULL, OPT_BATCH_MS},
	{"durability", required_argument, NULL, OPT_DURABILITY},
	{"policy-digest", required_argument, NULL, OPT_POLICY_DIGEST},
	{"keyset-id", required_argument, NULL, OPT_KEYSET_ID},
	{"issuer-kid", required_argument, NULL, OPT_ISSUER_KID},
	{"correlation-id", required_argument, NULL, OPT_CORRELATION_ID},
	{"bpf-object", required_argument, NULL, OPT_BPF_OBJECT},
	{"tcp-idle-s", required_argument, NULL, OPT_TCP_IDLE},
	{"udp-idle-s", required_argument, NULL, OPT_UDP_IDLE},
	{"user", required_argument, NULL, OPT_USER},
	{"tee", required_argument, NULL, OPT_TEE},
	{"stats-s", required_argument, NULL, OPT_STATS},
	{"ringbuf-bytes", required_argument, NULL, OPT_RINGBUF},
	{"flow-table-entries", required_argument, NULL, OPT_FLOW_TABLE},
	{"flow-rate", required_argument, NULL, OPT_FLOW_RATE},
	{"fail-closed", no_argument, NULL, OPT_FAIL_CLOSED},
	{"store-retry-s", required_argument, NULL, OPT_STORE_RETRY},
	{"backlog", required_argument, NULL, OPT_BACKLOG},
	{"quiet", no_argument, NULL, OPT_QUIET},
	{"help", no_argument, NULL, OPT_HELP},
	{"version", no_argument, NULL, OPT_VERSION},
	{NULL, 0, NULL, 0},
};

/*
 * Ids and stamps are evidence exported as UTF-8 text: bytes that are not
 * valid UTF-8 would be exported replaced (two ids could then read the same),
 * and control characters would reach logs and terminals. Refuse both.
 */
static int check_text(const char *opt, const char *v, char *err, size_t errlen)
{
	if (v[0] == '\0' || strlen(v) > 256) {
		snprintf(err, errlen, "%s: value must be 1 to 256 characters", opt);
		return -FA_EXIT_USAGE;
	}
	if (!fa_text_is_clean(v, strlen(v))) {
		char shown[80];
		snprintf(err, errlen,
			 "%s: value must be valid UTF-8 without control characters (got \"%s\")",
			 opt, fa_text_escape(v, shown, sizeof(shown)));
		return -FA_EXIT_USAGE;
	}
	return 0;
}

int recorder_options_parse(int argc, char **argv, struct recorder_options *o, char *err,
			   size_t errlen)
{
	*o = (struct recorder_options){
		.nflog_group = -1,
		.batch_events = 4096,
		.batch_ms = 200,
		.tcp_idle_s = TCP_IDLE_DEFAULT_S,
		.udp_idle_s = 60,
		.stats_s = 10,
		.store_retry_s = 60,
		.backlog = 1u << 20,
	};
	int rc = 0, c;
	uint32_t u = 0;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", long_opts, NULL)) != -1) {
		const char *name = optind > 0 && optind <= argc ? argv[optind - 1] : "option";
		switch (c) {
		case OPT_DB:
			o->db = optarg;
			break;
		case OPT_CELL:
			rc = check_text("--cell", optarg, err, errlen);
			o->cell = optarg;
			break;
		case OPT_RUN:
			rc = check_text("--run", optarg, err, errlen);
			o->run = optarg;
			break;
		case OPT_IFACE:
			if (strlen(optarg) == 0 || strlen(optarg) >= 16) {
				snprintf(err, errlen,
					 "--iface: '%s' is not an interface name (1-15 characters)",
					 optarg);
				return -FA_EXIT_USAGE;
			}
			o->iface = optarg;
			break;
		case OPT_NETNS:
			o->netns = optarg;
			break;
		case OPT_IFACE_SIDE:
			if (strcmp(optarg, "cell") && strcmp(optarg, "host")) {
				snprintf(err, errlen, "--iface-side: '%s' is not cell or host",
					 optarg);
				return -FA_EXIT_USAGE;
			}
			o->iface_side_host = strcmp(optarg, "host") == 0;
			break;
		case OPT_REPLAY:
			o->replay = optarg;
			break;
		case OPT_SOURCE:
			if (strcmp(optarg, "noop") == 0)
				o->source_mode = SOURCE_MODE_NOOP;
			else if (strcmp(optarg, "auto") == 0)
				o->source_mode = SOURCE_MODE_AUTO;
			else {
				snprintf(err, errlen,
					 "--source: '%s' is not noop or auto (use --iface or "
					 "--replay for the others)",
					 optarg);
				return -FA_EXIT_USAGE;
			}
			break;
		case OPT_NFLOG_GROUP:
			rc = parse_u32("--nflog-group", optarg, 0, 65535, &u, err, errlen);
			o->nflog_group = (int)u;
			break;
		case OPT_BATCH_EVENTS:
			rc = parse_u32("--batch-events", optarg, 1, 1000000, &o->batch_events, err,
				       errlen);
			break;
		case OPT_BATCH_MS:
			rc = parse_u32("--batch-ms", optarg, 1, 3600000, &o->batch_ms, err, errlen);
			break;
		case OPT_DURABILITY:
			if (strcmp(optarg, "normal") && strcmp(optarg, "full")) {
				snprintf(err, errlen, "--durability: '%s' is not normal or full",
					 optarg);
				return -FA_EXIT_USAGE;
			}
			o->durability_full = strcmp(optarg, "full") == 0;
			break;
		case OPT_POLICY_DIGEST:
			rc = check_text("--policy-digest", optarg, err, errlen);
			o->policy_digest = optarg;
			break;
		case OPT_KEYSET_ID:
			rc = check_text("--keyset-id", optarg, err, errlen);
			o->keyset_id = optarg;
			break;
		case OPT_ISSUER_KID:
			rc = check_text("--issuer-kid", optarg, err, errlen);
			o->issuer_kid = optarg;
			break;
		case OPT_CORRELATION_ID:
			rc = check_text("--correlation-id", optarg, err, errlen);
			o->correlation_id = optarg;
			break;
		case OPT_BPF_OBJECT:
			o->bpf_object = optarg;
			break;
		case OPT_TCP_IDLE:
			rc = parse_u32("--tcp-idle-s", optarg, 1, 604800, &o->tcp_idle_s, err,
				       errlen);
			break;
		case OPT_UDP_IDLE:
			rc = parse_u32("--udp-idle-s", optarg, 1, 604800, &o->udp_idle_s, err,
				       errlen);
			break;
		case OPT_USER:
			o->user = optarg;
			break;
		case OPT_TEE:
			o->tee = optarg;
			break;
		case OPT_STATS:
			rc = parse_u32("--stats-s", optarg, 1, 3600, &o->stats_s, err, errlen);
			break;
		case OPT_RINGBUF:
			rc = parse_u32("--ringbuf-bytes", optarg, 4096, 1u << 30, &o->ringbuf_bytes,
				       err, errlen);
			if (rc == 0 && (o->ringbuf_bytes & (o->ringbuf_bytes - 1))) {
				snprintf(err, errlen, "--ringbuf-bytes: %u is not a power of two",
					 o->ringbuf_bytes);
				return -FA_EXIT_USAGE;
			}
			break;
		case OPT_FLOW_TABLE:
			rc = parse_u32("--flow-table-entries", optarg, 1, 1u << 24,
				       &o->flow_table_entries, err, errlen);
			break;
		case OPT_FLOW_RATE:
			rc = parse_u32("--flow-rate", optarg, 10, 10000000, &o->flow_rate, err,
				       errlen);
			break;
		case OPT_FAIL_CLOSED:
			o->fail_closed = true;
			break;
		case OPT_STORE_RETRY:
			rc = parse_u32("--store-retry-s", optarg, 0, 86400, &o->store_retry_s, err,
				       errlen);
			break;
		case OPT_BACKLOG:
			rc = parse_u32("--backlog", optarg, 1, 1u << 26, &o->backlog, err, errlen);
			break;
		case OPT_QUIET:
			o->quiet = true;
			break;
		case OPT_HELP:
			recorder_options_usage(stdout);
			return OPTIONS_EXIT;
		case OPT_VERSION:
			printf("flowrec %s\n", FLOWAUDIT_VERSION);
			return OPTIONS_EXIT;
		case ':':
			snprintf(err, errlen, "%s needs a value (see flowrec --help)", name);
			return -FA_EXIT_USAGE;
		default:
			snprintf(err, errlen, "unknown option '%s' (see flowrec --help)", name);
			return -FA_EXIT_USAGE;
		}
		if (rc)
			return rc;
	}
	if (optind < argc) {
		snprintf(err, errlen, "unexpected argument '%s' (see flowrec --help)",
			 argv[optind]);
		return -FA_EXIT_USAGE;
	}
	if (!o->db || !o->cell || !o->run) {
		snprintf(err, errlen, "missing %s (see flowrec --help)",
			 !o->db	    ? "--db PATH"
			 : !o->cell ? "--cell ID"
				    : "--run ID");
		return -FA_EXIT_USAGE;
	}
	int sources =
		(o->iface != NULL) + (o->replay != NULL) + (o->source_mode != SOURCE_MODE_NONE);
	if (o->source_mode == SOURCE_MODE_AUTO && o->iface)
		sources--; /* --source auto --iface X: ebpf on X when the env flag says so */
	if (sources > 1) {
		snprintf(err, errlen,
			 "choose one source: --iface, --replay or --source (--nflog-group may join "
			 "--iface)");
		return -FA_EXIT_USAGE;
	}
	if (sources == 0 && o->nflog_group < 0) {
		snprintf(err, errlen,
			 "missing a source: --iface IFACE, --replay FILE, --source noop|auto or "
			 "--nflog-group N");
		return -FA_EXIT_USAGE;
	}
	if (o->replay && o->nflog_group >= 0) {
		snprintf(err, errlen, "--nflog-group cannot be combined with --replay");
		return -FA_EXIT_USAGE;
	}
	if (o->bpf_object && !o->iface) {
		snprintf(err, errlen, "--bpf-object needs --iface");
		return -FA_EXIT_USAGE;
	}
	if ((o->fail_closed || o->flow_rate) && (!o->iface || o->bpf_object)) {
		snprintf(err, errlen,
			 "%s needs --iface with the built-in program (no --bpf-object)",
			 o->fail_closed ? "--fail-closed" : "--flow-rate");
		return -FA_EXIT_USAGE;
	}
	return OPTIONS_OK;
}
