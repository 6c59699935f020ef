/* SPDX-License-Identifier: Apache-2.0 */
/* Option parsing shared by all sub-commands; see cli.h. */
#include "cli.h"

#include "commands.h"
#include "cose.h"
#include "dbset.h"
#include "fa_exit.h"
#include "fa_time.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

enum {
	OPT_DB = 256,
	OPT_FORMAT,
	OPT_OUTPUT,
	OPT_DIGEST,
	OPT_KEY,
	OPT_KID,
	OPT_KEY_PASS_FILE,
	OPT_PUBKEY,
	OPT_HELP,
	OPT_FILTER, /* every filter: the option name says which */
};

static const struct option long_options[] = {
	{"db", required_argument, NULL, OPT_DB},
	{"format", required_argument, NULL, OPT_FORMAT},
	{"output", required_argument, NULL, OPT_OUTPUT},
	{"digest", required_argument, NULL, OPT_DIGEST},
	{"key", required_argument, NULL, OPT_KEY},
	{"kid", required_argument, NULL, OPT_KID},
	{"key-pass-file", required_argument, NULL, OPT_KEY_PASS_FILE},
	{"pubkey", required_argument, NULL, OPT_PUBKEY},
	{"help", no_argument, NULL, OPT_HELP},
	{"cell", required_argument, NULL, OPT_FILTER},
	{"run", required_argument, NULL, OPT_FILTER},
	{"since", required_argument, NULL, OPT_FILTER},
	{"until", required_argument, NULL, OPT_FILTER},
	{"dst", required_argument, NULL, OPT_FILTER},
	{"port", required_argument, NULL, OPT_FILTER},
	{"proto", required_argument, NULL, OPT_FILTER},
	{"decision", required_argument, NULL, OPT_FILTER},
	{"direction", required_argument, NULL, OPT_FILTER},
	{"reason", required_argument, NULL, OPT_FILTER},
	{"limit", required_argument, NULL, OPT_FILTER},
	{NULL, 0, NULL, 0},
};

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

/* --format cose-sign1 and the signing options go together. 0, or -1 after one line. */
static int check_signing(const struct fq_cli *cli)
{
	bool cose = cli->format == FQ_FMT_COSE_SIGN1;
	if (cose && !cli->key) {
		fq_error(cli, "--format cose-sign1: needs --key KEY.pem (Ed25519 or ECDSA P-256)");
		return -1;
	}
	const char *given = cli->key		 ? "--key"
			    : cli->kid		 ? "--kid"
			    : cli->key_pass_file ? "--key-pass-file"
						 : NULL;
	if (!cose && given) {
		fq_error(cli, "%s applies only to --format cose-sign1", given);
		return -1;
	}
	return 0;
}

/* A takes_file command: FILE and --pubkey. Returns 0 or FA_EXIT_USAGE. */
static int check_file_args(const struct fq_cli *cli)
{
	if (!cli->file) {
		fq_error(cli, "FILE: missing (expected flowq %s --pubkey PUB.pem FILE)",
			 cli->cmd->name);
		return FA_EXIT_USAGE;
	}
	if (!cli->pubkey) {
		fq_error(cli, "--pubkey: missing (expected --pubkey PUB.pem, the signer's public "
			      "key)");
		return FA_EXIT_USAGE;
	}
	return 0;
}

int fq_cli_parse(const struct fq_command *cmd, int argc, char **argv, struct fq_cli *cli)
{
	memset(cli, 0, sizeof(*cli));
	cli->cmd = cmd;
	int64_t now = fa_clock_ns(CLOCK_REALTIME);
	char err[512], list[128];
	int index = -1;
	optind = 1;
	opterr = 0;
	for (;;) {
		index = -1;
		int c = getopt_long(argc, argv, ":h", long_options, &index);
		if (c == -1)
			break;
		const char *name = index >= 0 ? long_options[index].name : NULL;
		char option[32];
		snprintf(option, sizeof(option), "--%s", name ? name : "");
		switch (c) {
		case 'h':
		case OPT_HELP:
			fq_help_print(cmd, stdout);
			return -1;
		case OPT_DB:
			if (cmd->takes_file) {
				fq_error(cli, "--db does not apply to '%s' (see flowq %s --help)",
					 cmd->name, cmd->name);
				return FA_EXIT_USAGE;
			}
			if (cli->ndb == FQ_MAX_DB) {
				fq_error(cli, "--db: too many databases (at most %d)", FQ_MAX_DB);
				return FA_EXIT_USAGE;
			}
			cli->dbs[cli->ndb++] = optarg;
			break;
		case OPT_FORMAT:
			formats_list(cmd->formats, list, sizeof(list));
			if (!cmd->formats) {
				fq_error(cli,
					 "--format does not apply to '%s' (see flowq %s --help)",
					 cmd->name, cmd->name);
				return FA_EXIT_USAGE;
			}
			if (fq_format_parse(optarg, &cli->format) ||
			    !(cmd->formats & FQ_FMT_BIT(cli->format))) {
				fq_error(cli,
					 "--format: '%.64s' is not a format here (expected %s)",
					 optarg, list);
				return FA_EXIT_USAGE;
			}
			break;
		case OPT_OUTPUT:
		case OPT_DIGEST:
			if (!cmd->export_options) {
				fq_error(cli, "%s does not apply to '%s' (see flowq %s --help)",
					 option, cmd->name, cmd->name);
				return FA_EXIT_USAGE;
			}
			if (c == OPT_OUTPUT) {
				if (optarg[0] == '\0') {
					fq_error(cli,
						 "--output: empty path (expected a file name)");
					return FA_EXIT_USAGE;
				}
				cli->output = optarg;
			} else if (strcmp(optarg, "sha256") == 0) {
				cli->digest = true;
			} else {
				fq_error(cli,
					 "--digest: '%.64s' is not supported (expected sha256)",
					 optarg);
				return FA_EXIT_USAGE;
			}
			break;
		case OPT_KEY:
		case OPT_KID:
		case OPT_KEY_PASS_FILE:
		case OPT_PUBKEY:
			if (!(c == OPT_PUBKEY ? cmd->takes_file : cmd->signing)) {
				fq_error(cli, "%s does not apply to '%s' (see flowq %s --help)",
					 option, cmd->name, cmd->name);
				return FA_EXIT_USAGE;
			}
			if (optarg[0] == '\0') {
				fq_error(cli, "%s: empty value", option);
				return FA_EXIT_USAGE;
			}
			if (c == OPT_KID && strlen(optarg) > FQ_COSE_KID_MAX) {
				fq_error(cli, "--kid: longer than %d bytes", FQ_COSE_KID_MAX);
				return FA_EXIT_USAGE;
			}
			*(c == OPT_KEY	    ? &cli->key
			  : c == OPT_KID    ? &cli->kid
			  : c == OPT_PUBKEY ? &cli->pubkey
					    : &cli->key_pass_file) = optarg;
			break;
		case OPT_FILTER: {
			int rc =
				fq_filter_set(&cli->filters, option, optarg, now, err, sizeof(err));
			if (rc) {
				fq_error(cli, "%s", err);
				return FA_EXIT_USAGE;
			}
			unsigned extra = cli->filters.set & ~cmd->filters;
			if (extra) {
				fq_error(cli, "%s does not apply to '%s' (see flowq %s --help)",
					 option, cmd->name, cmd->name);
				return FA_EXIT_USAGE;
			}
			break;
		}
		case ':':
			fq_error(cli, "%s needs a value (see flowq %s --help)", argv[optind - 1],
				 cmd->name);
			return FA_EXIT_USAGE;
		case '?':
		default:
			fq_error(cli, "unknown option '%.64s' (see flowq %s --help)",
				 argv[optind - 1], cmd->name);
			return FA_EXIT_USAGE;
		}
	}
	if (cmd->takes_file && optind < argc)
		cli->file = argv[optind++];
	if (optind < argc) {
		fq_error(cli, "unexpected argument '%.64s' (see flowq %s --help)", argv[optind],
			 cmd->name);
		return FA_EXIT_USAGE;
	}
	if (cmd->takes_file)
		return check_file_args(cli);
	if (check_signing(cli))
		return FA_EXIT_USAGE;
	if (cli->ndb == 0) {
		fq_error(cli, "--db: missing (expected --db PATH, once per cell database)");
		return FA_EXIT_USAGE;
	}
	if (fq_dbset_check_distinct(cli->dbs, cli->ndb, err, sizeof(err))) {
		fq_error(cli, "%s", err);
		return FA_EXIT_USAGE;
	}
	return 0;
}
