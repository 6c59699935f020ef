/* SPDX-License-Identifier: Apache-2.0 */
/* The option table, and parsing by it and the filter table; see cli.h. */
#include "cli.h"

#include "cose.h"
#include "dbset.h"
#include "fa_time.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define FIELD(name) offsetof(struct fq_cli, name)

const struct fq_option fq_options[FQ_OPTION_COUNT] = {
	{"--db", "PATH", FQ_TAKES_DB, FQ_OK_DB, 0, 0, NULL,
	 "a flowaudit database (one per cell); repeat for several. Opened read-only; all reads "
	 "of one call happen in one read transaction per database, so results are consistent "
	 "while flowrec is writing. Rows of several databases are merged in time order (ties: "
	 "--db order, then insertion order). One file given twice (any path to it) is a usage "
	 "error. A database without a -wal file (not being recorded) is opened immutable: "
	 "read-only media and read-only users work, and nothing is created beside it."},
	{"--format", "F", 0, FQ_OK_FORMAT, 0, 0, NULL, NULL /* the command's formats */},
	{"--output", "FILE", FQ_TAKES_EXPORT, FQ_OK_TEXT, FIELD(output), 0,
	 "empty path (expected a file name)",
	 "write FILE atomically (FILE.tmp.XXXXXX, fsync, rename, fsync of the directory) "
	 "instead of standard output. FILE must be a new or regular file and none of the inputs "
	 "(nor their -wal, -shm): anything else is refused (exit 2); for a pipe or a device, "
	 "write to standard output"},
	{"--digest", "sha256", FQ_TAKES_EXPORT, FQ_OK_DIGEST, 0, 0, NULL,
	 "after a successful export print \"sha256:<hex>\" of exactly the bytes exported, as "
	 "one line on standard error"},
	{"--key", "KEY.pem", FQ_TAKES_SIGNING, FQ_OK_TEXT, FIELD(key), 0, "empty value",
	 "cose-sign1: the PEM private key that signs: Ed25519 (alg EdDSA) or ECDSA P-256 (alg "
	 "ES256, r||s signature); any other type fails with exit 11"},
	{"--kid", "ID", FQ_TAKES_SIGNING, FQ_OK_TEXT, FIELD(kid), FQ_COSE_KID_MAX, "empty value",
	 "cose-sign1: the kid of the protected header (1 to 1024 bytes). Default: the issuer_kid "
	 "all selected records share; without one (no records, a null, several) the export "
	 "fails and asks for --kid (exit 2)"},
	{"--key-pass-file", "FILE", FQ_TAKES_SIGNING, FQ_OK_TEXT, FIELD(key_pass_file), 0,
	 "empty value",
	 "cose-sign1: the passphrase of an encrypted KEY.pem is the first line of FILE (a pipe "
	 "works: <(...)); never on the command line. Encrypted without it: exit 12"},
	{"--pubkey", "PUB.pem", FQ_TAKES_FILE, FQ_OK_TEXT, FIELD(pubkey), 0, "empty value",
	 "the signer's PEM public key (\"PUBLIC KEY\"). A private key is refused (exit 12): "
	 "verifying needs no secret; extract the public key with openssl pkey -in KEY.pem "
	 "-pubout"},
	{"--help", NULL, 0, FQ_OK_HELP, 0, 0, NULL, "this text"},
};

/* getopt_long's val of fq_options[i] and of fq_filter_defs[i]. */
#define VAL_OPTION 256
#define VAL_FILTER 512

unsigned fq_cli_filters(const struct fq_command *cmd)
{
	return fq_sql_filters(cmd->query) | cmd->more_filters;
}

bool fq_cli_takes(const struct fq_command *cmd, const struct fq_option *o)
{
	if (o->kind == FQ_OK_FORMAT)
		return cmd->formats != 0;
	return !o->takes || (cmd->takes & o->takes);
}

void fq_error(const struct fq_cli *cli, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "flowq %s: ", cli->cmd->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void formats_list(unsigned mask, char *buf, size_t len)
{
	buf[0] = '\0';
	for (int f = FQ_FMT_TABLE; f <= FQ_FMT_COSE_SIGN1; f++) {
		if (!(mask & FQ_FMT_BIT(f)))
			continue;
		size_t used = strlen(buf);
		snprintf(buf + used, len - used, "%s%s", used ? ", " : "",
			 fq_format_name((enum fq_format)f));
	}
}

/* --format cose-sign1 and the signing options go together. 0, or -EINVAL after one line. */
static int check_signing(const struct fq_cli *cli)
{
	bool cose = cli->format == FQ_FMT_COSE_SIGN1;
	if (cose && !cli->key) {
		fq_error(cli, "--format cose-sign1: needs --key KEY.pem (Ed25519 or ECDSA P-256)");
		return -EINVAL;
	}
	const char *given = cli->key		 ? "--key"
			    : cli->kid		 ? "--kid"
			    : cli->key_pass_file ? "--key-pass-file"
						 : NULL;
	if (!cose && given) {
		fq_error(cli, "%s applies only to --format cose-sign1", given);
		return -EINVAL;
	}
	return 0;
}

/* A takes_file command: FILE and --pubkey. Returns 0 or -EINVAL. */
static int check_file_args(const struct fq_cli *cli)
{
	if (!cli->file) {
		fq_error(cli, "FILE: missing (expected flowq %s --pubkey PUB.pem FILE)",
			 cli->cmd->name);
		return -EINVAL;
	}
	if (!cli->pubkey) {
		fq_error(cli, "--pubkey: missing (expected --pubkey PUB.pem, the signer's public "
			      "key)");
		return -EINVAL;
	}
	return 0;
}

/* getopt_long's table: every option and every filter, each with a value but --help. */
static void long_options(struct option *out)
{
	size_t n = 0;
	for (size_t i = 0; i < FQ_OPTION_COUNT; i++)
		out[n++] = (struct option){fq_options[i].name + 2,
					   fq_options[i].kind == FQ_OK_HELP ? no_argument
									    : required_argument,
					   NULL, VAL_OPTION + (int)i};
	for (size_t i = 0; i < FQ_FILTER_COUNT; i++)
		out[n++] = (struct option){fq_filter_defs[i].option + 2, required_argument, NULL,
					   VAL_FILTER + (int)i};
	out[n] = (struct option){NULL, 0, NULL, 0};
}

/* Set option o from value. Returns 0, or -EINVAL after one line. */
static int set_option(struct fq_cli *cli, const struct fq_option *o, const char *value)
{
	const struct fq_command *cmd = cli->cmd;
	char list[128];
	if (!fq_cli_takes(cmd, o)) {
		fq_error(cli, "%s does not apply to '%s' (see flowq %s --help)", o->name, cmd->name,
			 cmd->name);
		return -EINVAL;
	}
	switch (o->kind) {
	case FQ_OK_HELP:
		cli->help = true;
		return 0;
	case FQ_OK_DB:
		if (cli->ndb == FQ_MAX_DB) {
			fq_error(cli, "--db: too many databases (at most %d)", FQ_MAX_DB);
			return -EINVAL;
		}
		cli->dbs[cli->ndb++] = value;
		return 0;
	case FQ_OK_FORMAT:
		if (fq_format_parse(value, &cli->format) ||
		    !(cmd->formats & FQ_FMT_BIT(cli->format))) {
			formats_list(cmd->formats, list, sizeof(list));
			fq_error(cli, "--format: '%.64s' is not a format here (expected %s)", value,
				 list);
			return -EINVAL;
		}
		return 0;
	case FQ_OK_DIGEST:
		if (strcmp(value, "sha256") != 0) {
			fq_error(cli, "--digest: '%.64s' is not supported (expected sha256)",
				 value);
			return -EINVAL;
		}
		cli->digest = true;
		return 0;
	case FQ_OK_TEXT:
		if (value[0] == '\0') {
			fq_error(cli, "%s: %s", o->name, o->empty);
			return -EINVAL;
		}
		if (o->max_len && strlen(value) > o->max_len) {
			fq_error(cli, "%s: longer than %zu bytes", o->name, o->max_len);
			return -EINVAL;
		}
		memcpy((char *)cli + o->field, &value, sizeof(value));
		return 0;
	}
	return -EINVAL;
}

/* Set filter i from value. Returns 0, or -EINVAL after one line. */
static int set_filter(struct fq_cli *cli, size_t i, const char *value, int64_t now)
{
	const struct fq_command *cmd = cli->cmd;
	char err[512];
	if (fq_filter_set(&cli->filters, fq_filter_defs[i].option, value, now, err, sizeof(err))) {
		fq_error(cli, "%s", err);
		return -EINVAL;
	}
	if (cli->filters.set & ~fq_cli_filters(cmd)) {
		fq_error(cli, "%s does not apply to '%s' (see flowq %s --help)",
			 fq_filter_defs[i].option, cmd->name, cmd->name);
		return -EINVAL;
	}
	return 0;
}

/* After the options: the arguments and the options that go together. Returns 0 or -EINVAL. */
static int check_args(struct fq_cli *cli, int argc, char **argv)
{
	const struct fq_command *cmd = cli->cmd;
	char err[512];
	if ((cmd->takes & FQ_TAKES_FILE) && optind < argc)
		cli->file = argv[optind++];
	if (optind < argc) {
		fq_error(cli, "unexpected argument '%.64s' (see flowq %s --help)", argv[optind],
			 cmd->name);
		return -EINVAL;
	}
	if (cmd->takes & FQ_TAKES_FILE)
		return check_file_args(cli);
	int rc = check_signing(cli);
	if (rc)
		return rc;
	if (cli->ndb == 0) {
		fq_error(cli, "--db: missing (expected --db PATH, once per cell database)");
		return -EINVAL;
	}
	if (fq_dbset_check_distinct(cli->dbs, cli->ndb, err, sizeof(err))) {
		fq_error(cli, "%s", err);
		return -EINVAL;
	}
	return 0;
}

int fq_cli_parse(const struct fq_command *cmd, int argc, char **argv, struct fq_cli *cli)
{
	struct option options[FQ_OPTION_COUNT + FQ_FILTER_COUNT + 1];
	memset(cli, 0, sizeof(*cli));
	cli->cmd = cmd;
	long_options(options);
	int64_t now = fa_clock_ns(CLOCK_REALTIME);
	optind = 1;
	opterr = 0;
	for (;;) {
		int c = getopt_long(argc, argv, ":h", options, NULL);
		int rc = -EINVAL;
		if (c == -1)
			break;
		if (c == 'h')
			c = VAL_OPTION + FQ_OPTION_COUNT - 1;
		if (c >= VAL_OPTION && c < VAL_OPTION + FQ_OPTION_COUNT)
			rc = set_option(cli, &fq_options[c - VAL_OPTION], optarg);
		else if (c >= VAL_FILTER && c < VAL_FILTER + FQ_FILTER_COUNT)
			rc = set_filter(cli, (size_t)(c - VAL_FILTER), optarg, now);
		else if (c == ':')
			fq_error(cli, "%s needs a value (see flowq %s --help)", argv[optind - 1],
				 cmd->name);
		else
			fq_error(cli, "unknown option '%.64s' (see flowq %s --help)",
				 argv[optind - 1], cmd->name);
		if (rc)
			return rc;
		if (cli->help)
			return 0;
	}
	return check_args(cli, argc, argv);
}
