/* SPDX-License-Identifier: Apache-2.0 */
/*
 * flowrec command-line parsing; see recorder_options.h.
 *
 * One table, after xdp-tools' lib/util/params.h: each option is one entry
 * with its name, the kind of value it takes, the field it sets, its bounds,
 * its default and its help. The defaults, the getopt table, the parser and
 * the --help text are all derived from it, so an option is added in one
 * place. What involves several options (one source, --bpf-object needs
 * --iface, ...) is checked after parsing, in check_combination().
 */
#include "recorder_options.h"

#include "fa_names.h"
#include "fa_text.h"
#include "fa_version.h"
#include "flow_table.h"

#include <errno.h>
#include <getopt.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* What an option takes, and so how its value is checked and stored. */
enum opt_kind {
	OPT_HEADING, /* not an option: a section title of the help */
	OPT_PATH, /* any text, kept as given (const char *) */
	OPT_TEXT, /* an id or stamp: 1-256 bytes of clean UTF-8 (const char *) */
	OPT_IFACE, /* an interface name: 1-15 characters (const char *) */
	OPT_U32, /* a whole number from min to max (uint32_t, or int) */
	OPT_POW2, /* OPT_U32 that must also be a power of two */
	OPT_CHOICE, /* one word of choices (stored as the word's value) */
	OPT_FLAG, /* no value: sets a bool */
	OPT_HELP, /* no value: print the help, done */
	OPT_VERSION, /* no value: print the version, done */
};

/* One word a choice option accepts, and what it stores. */
struct opt_choice {
	const char *word;
	int value;
	const char *help; /* NULL: described by the option's help; else a help line of its own */
};

struct opt {
	const char *name; /* without "--"; for OPT_HEADING, NULL */
	enum opt_kind kind;
	size_t offset; /* the field in struct recorder_options ... */
	size_t size; /* ... and its size (integers: 1, 4 or 8 bytes) */
	const char *arg; /* the value's name in the help ("PATH", "N") */
	uint32_t min, max; /* OPT_U32, OPT_POW2 */
	long long def; /* the value stored when the option is not given */
	long long shown_def; /* the default the help shows, when def stands for it (0: def) */
	bool show_def; /* the help ends with "(default ...)" */
	bool bytes; /* the shown default is a size in bytes (printed in MiB) */
	const char *def_note; /* said after the shown default, or NULL */
	bool sub; /* a sub-option of the one before it (indented) */
	const struct opt_choice *choices; /* OPT_CHOICE, ends with a NULL word */
	const char *refusal_hint; /* OPT_CHOICE: added to the refusal, or NULL */
	const char *help; /* OPT_HEADING: the title (and any note under it) */
};

#define FIELD(f)                                                                                   \
	.offset = offsetof(struct recorder_options, f),                                            \
	.size = sizeof(((struct recorder_options *)0)->f)

static const struct opt_choice side_choices[] = {
	{"cell", 0, NULL},
	{"host", 1, NULL},
	{NULL, 0, NULL},
};

static const struct opt_choice source_choices[] = {
	{"noop", SOURCE_MODE_NOOP, "record nothing (a run row and health only)"},
	{"auto", SOURCE_MODE_AUTO,
	 "ebpf when " FA_PER_FLOW_EBPF_ENV " is exactly 1 (needs --iface), otherwise noop"},
	{NULL, 0, NULL},
};

static const struct opt_choice durability_choices[] = {
	{"normal", 0, NULL},
	{"full", 1, NULL},
	{NULL, 0, NULL},
};

/* The help text under the usage line and before the options. */
static const char intro[] =
	"Record the network flows of one cell into a SQLite database (WAL mode,\n"
	"batched transactions). Runs until SIGTERM or SIGINT (or the end of a replay),\n"
	"then closes every open flow (reason run_end), commits, marks the run ended and\n"
	"exits 0. Every record that cannot be decoded or stored is counted (table health)\n"
	"and its raw bytes are kept (table rejects).\n";

/* The help text after the options. */
static const char outro[] =
	"Replay framing: per record, a little-endian u32 kind (1 = FLOW_EVENTS v1,\n"
	"40 bytes; 2 = CONN_EVENTS v2, 96 bytes, from earlier versions; 3 = NFLOG;\n"
	"4 = CONN_EVENTS v3, 112 bytes; 5 = tee header, 104 bytes), a little-endian u32\n"
	"length, then the record. Wrong lengths, unknown kinds and a truncated last\n"
	"frame are stored as rejects and do not stop the run. A replay whose first\n"
	"frame is a tee header uses its clock offsets, so it exports the same\n"
	"observed_at as the run that wrote the tee. A replay's idle flows close on the\n"
	"records' own time, however fast the bytes arrive.\n"
	"\n"
	"Exit status: 0 ok; 2 bad command line (also: a --run that exists, a --tee that\n"
	"is an input); 3 database error; 4 capture source failed (BPF load/attach,\n"
	"namespace, replay file); 5 not supported by this build or host; 6 not a\n"
	"flowaudit database or a newer schema; 7 the --tee file could not be written\n"
	"(the run is recorded, the tee is incomplete); 8 privilege drop failed;\n"
	"70 internal error.\n";

static const struct opt options[] = {
	{.kind = OPT_HEADING, .help = "Required:"},
	{"db", OPT_PATH, FIELD(db), .arg = "PATH",
	 .help = "database file; created mode 0640 if missing. Many runs may share one file; "
		 "one file per cell is the convention."},
	{"cell", OPT_TEXT, FIELD(cell), .arg = "ID", .help = "the cell's identifier"},
	{"run", OPT_TEXT, FIELD(run), .arg = "ID",
	 .help = "the run's identifier (unique per cell within the file). Ids and stamps: "
		 "1-256 bytes of UTF-8, no control characters"},

	{.kind = OPT_HEADING, .help = "SOURCE (one of, --nflog-group may be added to --iface):"},
	{"iface", OPT_IFACE, FIELD(iface), .arg = "IFACE",
	 .help = "capture with flowaudit's eBPF tc program on IFACE"},
	{"netns", OPT_PATH, FIELD(netns), .arg = "NAME|PATH", .sub = true,
	 .help = "the cell's network namespace (a name under /run/netns or a path such as "
		 "/proc/PID/ns/net); IFACE is resolved and the program attached inside it"},
	{"iface-side", OPT_CHOICE, FIELD(iface_side_host), .sub = true, .choices = side_choices,
	 .show_def = true,
	 .help = "cell: IFACE is inside the cell; host: IFACE is the host end of a veth or a "
		 "Firecracker tap"},
	{"bpf-object", OPT_PATH, FIELD(bpf_object), .arg = "PATH", .sub = true,
	 .help = "load an external object with the seed's 40-byte v1 ABI instead "
		 "(also " EBPF_OBJECT_PATH_ENV ")"},
	{"replay", OPT_PATH, FIELD(replay), .arg = "FILE|-",
	 .help = "replay framed kernel records from FILE or stdin"},
	{"source", OPT_CHOICE, FIELD(source_mode), .def = SOURCE_MODE_NONE,
	 .choices = source_choices, .refusal_hint = "use --iface or --replay for the others"},
	{"nflog-group", OPT_U32, FIELD(nflog_group), .arg = "N", .min = 0, .max = 65535, .def = -1,
	 .help = "also record packets logged to netfilter log group N (nft ... log group N "
		 "prefix \"RULE deny \")"},

	{.kind = OPT_HEADING, .help = "Storage:"},
	{"batch-events", OPT_U32, FIELD(batch_events), .arg = "N", .min = 1, .max = 1000000,
	 .def = 4096, .show_def = true, .help = "commit after N events"},
	{"batch-ms", OPT_U32, FIELD(batch_ms), .arg = "MS", .min = 1, .max = 3600000, .def = 200,
	 .show_def = true,
	 .help = "commit a batch at most MS ms after its first event, even when the source goes "
		 "quiet"},
	{"durability", OPT_CHOICE, FIELD(durability_full), .choices = durability_choices,
	 .show_def = true,
	 .help = "synchronous=NORMAL or FULL: with full, a commit is on disk when it is "
		 "reported"},
	{"store-retry-s", OPT_U32, FIELD(store_retry_s), .arg = "S", .min = 0, .max = 86400,
	 .def = 60, .show_def = true,
	 .help = "keep retrying failed commits (disk full) for S seconds before giving up with "
		 "exit 3"},

	{.kind = OPT_HEADING,
	 .help = "Stamping (stored on the run, exported with every decision):"},
	{"policy-digest", OPT_TEXT, FIELD(policy_digest), .arg = "S",
	 .help = "the digest of the policy the cell runs under"},
	{"keyset-id", OPT_TEXT, FIELD(keyset_id), .arg = "S", .help = "the key set identifier"},
	{"issuer-kid", OPT_TEXT, FIELD(issuer_kid), .arg = "S",
	 .help = "the issuer's key identifier"},
	{"correlation-id", OPT_TEXT, FIELD(correlation_id), .arg = "S",
	 .help = "a correlation identifier (a deployment, a job)"},

	{.kind = OPT_HEADING, .help = "Connection tracking and capture:"},
	{"tcp-idle-s", OPT_U32, FIELD(tcp_idle_s), .arg = "S", .min = 1, .max = 604800,
	 .def = TCP_IDLE_DEFAULT_S, .show_def = true, .help = "close TCP flows idle for S seconds"},
	{"udp-idle-s", OPT_U32, FIELD(udp_idle_s), .arg = "S", .min = 1, .max = 604800, .def = 60,
	 .show_def = true, .help = "close UDP/ICMP/other flows idle for S seconds"},
	{"ringbuf-bytes", OPT_POW2, FIELD(ringbuf_bytes), .arg = "N", .min = 4096, .max = 1u << 30,
	 .shown_def = CONN_EVENTS_DEFAULT_BYTES, .show_def = true, .bytes = true,
	 .help = "kernel ring buffer size, a power of two"},
	{"flow-table-entries", OPT_U32, FIELD(flow_table_entries), .arg = "N", .min = 1,
	 .max = 1u << 24, .shown_def = FLOW_TABLE_DEFAULT_ENTRIES, .show_def = true,
	 .help = "kernel flow table size; when it is full, the oldest idle flow is evicted "
		 "(closed, reason evicted) to make room"},
	{"flow-rate", OPT_U32, FIELD(flow_rate), .arg = "N", .min = 10, .max = 10000000,
	 .shown_def = FLOW_BUDGET_DEFAULT_RATE, .show_def = true,
	 .help = "new flows per second reported when their first packet is seen (one "
		 "destination class may take 1/8 of it); beyond it a flow is still tracked and "
		 "is reported when its peer answers, when it ends, or in a summary of its class "
		 "if it is evicted first"},
	{"fail-closed", OPT_FLAG, FIELD(fail_closed),
	 .help = "drop (TC_ACT_SHOT) the packets of a new flow that can be neither tracked, nor "
		 "reported, nor summarised with its destination: a flood then costs the cell its "
		 "own connectivity instead of leaving flows unrecorded"},
	{"stats-s", OPT_U32, FIELD(stats_s), .arg = "S", .min = 1, .max = 3600, .def = 10,
	 .show_def = true, .help = "write a health row every S seconds"},
	{"backlog", OPT_U32, FIELD(backlog), .arg = "N", .min = 1, .max = 1u << 26, .def = 1u << 20,
	 .show_def = true, .def_note = "about 130 MiB at most",
	 .help = "records held in memory while the database catches up with a burst, beyond "
		 "the kernel ring"},
	{"tee", OPT_PATH, FIELD(tee), .arg = "FILE",
	 .help = "also write every record received, framed, to FILE (replayable with --replay), "
		 "after a header frame holding the run's clock offsets, host and boot id. FILE "
		 "must not be the database or the --replay input (exit 2); a failed write is "
		 "exit 7"},
	{"user", OPT_PATH, FIELD(user), .arg = "NAME",
	 .help = "after attaching, switch to user NAME and drop every capability"},
	{"quiet", OPT_FLAG, FIELD(quiet), .help = "no summary on stderr at exit"},
	{"help", OPT_HELP, .help = "print this help and exit"},
	{"version", OPT_VERSION, .help = "print the version and exit"},
};

#define NOPTIONS (sizeof(options) / sizeof(options[0]))
#define OPT_ID_BASE 256 /* getopt ids: OPT_ID_BASE + index in options[] */

/* --- the help ------------------------------------------------------------ */

#define HELP_COLUMN 25 /* where help texts start */
#define HELP_WIDTH 80 /* lines stay shorter than this */
/* Joins two words so that no line ends between them (a number and its unit); printed as a space. */
#define HELP_GLUE '\x1f'

/*
 * Print text from column col (the cursor is there), words wrapped before
 * HELP_WIDTH onto lines that start at HELP_COLUMN.
 */
static void print_wrapped(FILE *out, const char *text, int col)
{
	bool first = true;
	for (const char *p = text; *p; first = false) {
		int word = (int)strcspn(p, " ");
		if (!first && col + 1 + word >= HELP_WIDTH) {
			col = fprintf(out, "\n%*s", HELP_COLUMN, "") - 1;
		} else if (!first) {
			fputc(' ', out);
			col++;
		}
		for (int i = 0; i < word; i++)
			fputc(p[i] == HELP_GLUE ? ' ' : p[i], out);
		col += word;
		p += word;
		p += strspn(p, " ");
	}
	fputc('\n', out);
}

/* "  --name ARG" and its help from HELP_COLUMN (two spaces on, if the name reaches it). */
static void print_entry(FILE *out, const struct opt *o, const char *arg, const char *help)
{
	int col = fprintf(out, "  %s--%s%s%s", o->sub ? "  " : "", o->name, arg ? " " : "",
			  arg ? arg : "");
	col += fprintf(out, "%*s", col < HELP_COLUMN - 1 ? HELP_COLUMN - col : 2, "");
	print_wrapped(out, help, col);
}

/* The word a choice option stores for value, or NULL. */
static const char *choice_word(const struct opt *o, long long value)
{
	for (const struct opt_choice *c = o->choices; c->word; c++)
		if (c->value == value)
			return c->word;
	return NULL;
}

/* o's help, with its default appended when it shows one. */
static void option_help(const struct opt *o, char *buf, size_t len)
{
	long long def = o->shown_def ? o->shown_def : o->def;
	size_t n = (size_t)snprintf(buf, len, "%s", o->help);
	if (!o->show_def || n >= len)
		return;
	if (o->kind == OPT_CHOICE)
		n += (size_t)snprintf(buf + n, len - n, " (default %s", choice_word(o, def));
	else if (o->bytes && def % (1 << 20) == 0)
		n += (size_t)snprintf(buf + n, len - n, " (default %lld%cMiB", def >> 20,
				      HELP_GLUE);
	else
		n += (size_t)snprintf(buf + n, len - n, " (default %lld", def);
	if (n < len)
		snprintf(buf + n, len - n, "%s%s)", o->def_note ? ", " : "",
			 o->def_note ? o->def_note : "");
}

/* "a|b|c": a choice option's words. */
static void choice_words(const struct opt *o, const char *sep, char *buf, size_t len)
{
	size_t n = 0;
	buf[0] = '\0';
	for (const struct opt_choice *c = o->choices; c->word && n < len; c++)
		n += (size_t)snprintf(buf + n, len - n, "%s%s", c == o->choices ? "" : sep,
				      c->word);
}

void recorder_options_usage(FILE *out)
{
	char help[768], words[64];
	fprintf(out, "Usage: flowrec --db PATH --cell ID --run ID SOURCE [options]\n\n%s", intro);
	for (size_t i = 0; i < NOPTIONS; i++) {
		const struct opt *o = &options[i];
		if (o->kind == OPT_HEADING) {
			fprintf(out, "\n%s\n", o->help);
		} else if (o->kind == OPT_CHOICE && o->choices[0].help) {
			/* one line per word: each does something of its own */
			for (const struct opt_choice *c = o->choices; c->word; c++)
				print_entry(out, o, c->word, c->help);
		} else {
			option_help(o, help, sizeof(help));
			if (o->kind == OPT_CHOICE)
				choice_words(o, "|", words, sizeof(words));
			print_entry(out, o, o->kind == OPT_CHOICE ? words : o->arg, help);
		}
	}
	fprintf(out, "\n%s", outro);
}

/* --- parsing ------------------------------------------------------------- */

/* An integer field: a bool (1 byte), or a uint32_t, int or enum (4 bytes). */
static void store_int(struct recorder_options *ro, const struct opt *o, long long v)
{
	char *field = (char *)ro + o->offset;
	if (o->size == sizeof(bool)) {
		bool b = v != 0;
		memcpy(field, &b, sizeof(b));
	} else {
		uint32_t u = (uint32_t)v; /* an int's -1 too: two's complement */
		memcpy(field, &u, sizeof(u));
	}
}

static void store_text(struct recorder_options *ro, const struct opt *o, const char *v)
{
	*(const char **)((char *)ro + o->offset) = v;
}

/* Every field its table default. */
static void set_defaults(struct recorder_options *ro)
{
	*ro = (struct recorder_options){0};
	for (size_t i = 0; i < NOPTIONS; i++) {
		const struct opt *o = &options[i];
		if (o->kind == OPT_U32 || o->kind == OPT_POW2 || o->kind == OPT_CHOICE ||
		    o->kind == OPT_FLAG)
			store_int(ro, o, o->def);
	}
}

static int parse_u32(const struct opt *o, const char *v, uint32_t *out, char *err, size_t errlen)
{
	char *end = NULL;
	errno = 0;
	unsigned long long n = strtoull(v, &end, 10);
	if (v[0] < '0' || v[0] > '9' || errno || *end != '\0' || n < o->min || n > o->max) {
		snprintf(err, errlen, "--%s: '%s' is not a whole number from %u to %u", o->name, v,
			 o->min, o->max);
		return -EINVAL;
	}
	if (o->kind == OPT_POW2 && (n & (n - 1))) {
		snprintf(err, errlen, "--%s: %llu is not a power of two", o->name, n);
		return -EINVAL;
	}
	*out = (uint32_t)n;
	return 0;
}

/*
 * Ids and stamps are evidence exported as UTF-8 text: bytes that are not
 * valid UTF-8 would be exported replaced (two ids could then read the same),
 * and control characters would reach logs and terminals. Refuse both.
 */
static int check_text(const struct opt *o, const char *v, char *err, size_t errlen)
{
	if (v[0] == '\0' || strlen(v) > 256) {
		snprintf(err, errlen, "--%s: value must be 1 to 256 characters", o->name);
		return -EINVAL;
	}
	if (!fa_text_is_clean(v, strlen(v))) {
		char shown[80];
		snprintf(err, errlen,
			 "--%s: value must be valid UTF-8 without control characters (got \"%s\")",
			 o->name, fa_text_escape(v, shown, sizeof(shown)));
		return -EINVAL;
	}
	return 0;
}

static int parse_choice(const struct opt *o, const char *v, long long *out, char *err,
			size_t errlen)
{
	char words[64];
	size_t n = 0;
	for (const struct opt_choice *c = o->choices; c->word; c++, n++) {
		if (strcmp(v, c->word) == 0) {
			*out = c->value;
			return 0;
		}
	}
	/* "a or b", "a, b or c" */
	words[0] = '\0';
	for (size_t i = 0, used = 0; i < n; i++)
		used += (size_t)snprintf(words + used, sizeof(words) - used, "%s%s",
					 i == 0	      ? ""
					 : i + 1 == n ? " or "
						      : ", ",
					 o->choices[i].word);
	snprintf(err, errlen, "--%s: '%s' is not %s%s%s%s", o->name, v, words,
		 o->refusal_hint ? " (" : "", o->refusal_hint ? o->refusal_hint : "",
		 o->refusal_hint ? ")" : "");
	return -EINVAL;
}

/* Check v for option o and store it. 0, or -EINVAL with err. */
static int take(struct recorder_options *ro, const struct opt *o, const char *v, char *err,
		size_t errlen)
{
	uint32_t u;
	long long word;
	int rc = 0;
	switch (o->kind) {
	case OPT_TEXT:
		rc = check_text(o, v, err, errlen);
		if (rc == 0)
			store_text(ro, o, v);
		return rc;
	case OPT_IFACE:
		if (strlen(v) == 0 || strlen(v) >= 16) {
			snprintf(err, errlen,
				 "--%s: '%s' is not an interface name (1-15 characters)", o->name,
				 v);
			return -EINVAL;
		}
		store_text(ro, o, v);
		return 0;
	case OPT_PATH:
		store_text(ro, o, v);
		return 0;
	case OPT_U32:
	case OPT_POW2:
		rc = parse_u32(o, v, &u, err, errlen);
		if (rc == 0)
			store_int(ro, o, u);
		return rc;
	case OPT_CHOICE:
		rc = parse_choice(o, v, &word, err, errlen);
		if (rc == 0)
			store_int(ro, o, word);
		return rc;
	case OPT_FLAG:
		store_int(ro, o, 1);
		return 0;
	case OPT_HELP:
		ro->help = true;
		return 0;
	case OPT_VERSION:
		ro->version = true;
		return 0;
	case OPT_HEADING:
	default:
		return 0;
	}
}

/* What the options say together: the required ones, one source, and pairs that need each other. */
static int check_combination(const struct recorder_options *o, char *err, size_t errlen)
{
	if (!o->db || !o->cell || !o->run) {
		snprintf(err, errlen, "missing %s (see flowrec --help)",
			 !o->db	    ? "--db PATH"
			 : !o->cell ? "--cell ID"
				    : "--run ID");
		return -EINVAL;
	}
	int sources =
		(o->iface != NULL) + (o->replay != NULL) + (o->source_mode != SOURCE_MODE_NONE);
	if (o->source_mode == SOURCE_MODE_AUTO && o->iface)
		sources--; /* --source auto --iface X: ebpf on X when the env flag says so */
	if (sources > 1) {
		snprintf(err, errlen,
			 "choose one source: --iface, --replay or --source (--nflog-group may join "
			 "--iface)");
		return -EINVAL;
	}
	if (sources == 0 && o->nflog_group < 0) {
		snprintf(err, errlen,
			 "missing a source: --iface IFACE, --replay FILE, --source noop|auto or "
			 "--nflog-group N");
		return -EINVAL;
	}
	if (o->replay && o->nflog_group >= 0) {
		snprintf(err, errlen, "--nflog-group cannot be combined with --replay");
		return -EINVAL;
	}
	if (o->bpf_object && !o->iface) {
		snprintf(err, errlen, "--bpf-object needs --iface");
		return -EINVAL;
	}
	if ((o->fail_closed || o->flow_rate) && (!o->iface || o->bpf_object)) {
		snprintf(err, errlen,
			 "%s needs --iface with the built-in program (no --bpf-object)",
			 o->fail_closed ? "--fail-closed" : "--flow-rate");
		return -EINVAL;
	}
	return 0;
}

int recorder_options_parse(int argc, char **argv, struct recorder_options *ro, char *err,
			   size_t errlen)
{
	struct option long_opts[NOPTIONS + 1];
	size_t n = 0;
	int c;

	for (size_t i = 0; i < NOPTIONS; i++) {
		const struct opt *o = &options[i];
		if (o->kind == OPT_HEADING)
			continue;
		bool takes_value =
			o->kind != OPT_FLAG && o->kind != OPT_HELP && o->kind != OPT_VERSION;
		long_opts[n++] =
			(struct option){o->name, takes_value ? required_argument : no_argument,
					NULL, OPT_ID_BASE + (int)i};
	}
	long_opts[n] = (struct option){NULL, 0, NULL, 0};

	set_defaults(ro);
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", long_opts, NULL)) != -1) {
		const char *name = optind > 0 && optind <= argc ? argv[optind - 1] : "option";
		int rc;
		if (c == ':') {
			snprintf(err, errlen, "%s needs a value (see flowrec --help)", name);
			return -EINVAL;
		}
		if (c < OPT_ID_BASE || c >= OPT_ID_BASE + (int)NOPTIONS) {
			snprintf(err, errlen, "unknown option '%s' (see flowrec --help)", name);
			return -EINVAL;
		}
		rc = take(ro, &options[c - OPT_ID_BASE], optarg, err, errlen);
		if (rc)
			return rc;
		if (ro->help || ro->version)
			return OPTIONS_OK; /* as before: the rest of the line is not checked */
	}
	if (optind < argc) {
		snprintf(err, errlen, "unexpected argument '%s' (see flowrec --help)",
			 argv[optind]);
		return -EINVAL;
	}
	return check_combination(ro, err, errlen);
}
