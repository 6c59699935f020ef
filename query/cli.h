/* SPDX-License-Identifier: Apache-2.0 */
/*
 * flowq's command line: what a sub-command is (struct fq_command; the table
 * of them is commands.c) and the option parser every sub-command shares.
 * Options are one table entry each (fq_options, and the filters'
 * fq_filter_defs): name, value, which commands take it, where the value
 * goes, its bounds and its help. The parser and the --help texts (help.c)
 * both walk those tables. A command takes the filters of its query
 * (fq_sql_filters) and the options its takes mask names; anything else is a
 * usage error with one line naming the option and the accepted form.
 */
#ifndef FLOWQ_CLI_H
#define FLOWQ_CLI_H

#include "filters.h"
#include "query_sql.h"
#include "writer.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define FQ_MAX_DB 64

struct fq_cli;

/* The options beyond the filters a command takes (fq_command.takes). */
enum fq_takes {
	FQ_TAKES_DB = 1u << 0, /* --db PATH, at least one */
	FQ_TAKES_EXPORT = 1u << 1, /* --output FILE, --digest sha256 */
	FQ_TAKES_SIGNING = 1u << 2, /* --key, --kid, --key-pass-file (with --format cose-sign1) */
	FQ_TAKES_FILE = 1u << 3, /* one FILE argument and --pubkey PUB.pem */
};

/* A command's wording of one option in its --help, instead of the option's own. */
struct fq_option_help {
	const char *option; /* "--limit" */
	const char *help;
};

struct fq_command {
	const char *name;
	int (*run)(const struct fq_cli *cli); /* returns an fa_exit code */
	const char *purpose; /* one line: its NAME and flowq --help's COMMANDS */
	const char *description; /* its DESCRIPTION, as lines of text */
	void (*help_section)(FILE *f); /* a generated section of --help, or NULL */
	enum fq_query_kind query; /* it takes this query's filters (fq_sql_filters) */
	unsigned more_filters; /* and these (fq_filter_bit) */
	unsigned takes; /* fq_takes */
	unsigned formats; /* 1 << enum fq_format accepted; 0: no --format */
	const struct fq_option_help *option_help; /* terminated by a NULL option; or NULL */
};

struct fq_cli {
	const struct fq_command *cmd;
	bool help; /* -h or --help: print the command's --help, run nothing */
	const char *dbs[FQ_MAX_DB];
	size_t ndb;
	enum fq_format format; /* FQ_FMT_AUTO unless --format */
	struct fq_filters filters;
	const char *output; /* --output FILE or NULL */
	bool digest; /* --digest sha256 */
	const char *key; /* --key KEY.pem (signing) */
	const char *kid; /* --kid ID (signing) */
	const char *key_pass_file; /* --key-pass-file FILE (signing) */
	const char *pubkey; /* --pubkey PUB.pem (takes_file) */
	const char *file; /* the FILE argument (takes_file) */
};

#define FQ_FMT_BIT(f) (1u << (f))

/* How an option's value is read (fq_option.kind). */
enum fq_option_kind {
	FQ_OK_DB, /* appended to dbs[] */
	FQ_OK_FORMAT, /* one of the command's formats */
	FQ_OK_TEXT, /* a non-empty string into a const char * field */
	FQ_OK_DIGEST, /* "sha256" sets digest */
	FQ_OK_HELP, /* no value: sets help */
};

/* One option that is not a filter. */
struct fq_option {
	const char *name; /* "--db" */
	const char *metavar; /* its value in OPTIONS and SYNOPSIS, NULL for none */
	unsigned takes; /* the fq_takes bit a command needs for it; 0: every command */
	enum fq_option_kind kind;
	size_t field; /* FQ_OK_TEXT: offsetof(struct fq_cli, ...) */
	size_t max_len; /* FQ_OK_TEXT: the longest value in bytes, 0 for no bound */
	const char *empty; /* FQ_OK_TEXT: the error for an empty value */
	const char *help; /* its OPTIONS text, unless the command words it */
};

#define FQ_OPTION_COUNT 9
/* --db, --format, --output, --digest, --key, --kid, --key-pass-file, --pubkey, --help. */
extern const struct fq_option fq_options[FQ_OPTION_COUNT];

/* The filters cmd takes (fq_filter_bit mask). */
unsigned fq_cli_filters(const struct fq_command *cmd);
/* Whether cmd takes option o. */
bool fq_cli_takes(const struct fq_command *cmd, const struct fq_option *o);

/*
 * Parse argv (argv[0] is the sub-command name) for cmd into *cli. Returns 0
 * (run the command, or print its --help when cli->help), or -EINVAL after
 * printing one line to stderr.
 */
int fq_cli_parse(const struct fq_command *cmd, int argc, char **argv, struct fq_cli *cli);
/* Print "flowq CMD: " and a message to stderr, one line. */
void fq_error(const struct fq_cli *cli, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
