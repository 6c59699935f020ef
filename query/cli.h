/* SPDX-License-Identifier: Apache-2.0 */
/*
 * flowq's command line: the sub-command table and the option parser shared
 * by every sub-command. Each sub-command declares the filters and formats it
 * accepts; anything else is a usage error (exit FA_EXIT_USAGE) with one line
 * naming the option and the accepted form.
 */
#ifndef FLOWQ_CLI_H
#define FLOWQ_CLI_H

#include "filters.h"
#include "writer.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define FQ_MAX_DB 64

struct fq_cli;

struct fq_command {
	const char *name;
	int (*run)(const struct fq_cli *cli); /* returns an fa_exit code */
	const char *help; /* the --help text up to its generated sections (help.c) */
	void (*help_section)(FILE *f); /* a generated section of --help, or NULL */
	unsigned filters; /* fq_filter_bit mask accepted */
	unsigned formats; /* 1 << enum fq_format accepted */
	bool export_options; /* --output and --digest accepted */
	bool signing; /* --key, --kid, --key-pass-file accepted (with --format cose-sign1) */
	bool takes_file; /* one FILE argument and --pubkey, instead of --db */
};

struct fq_cli {
	const struct fq_command *cmd;
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

/*
 * Parse argv (argv[0] is the sub-command name) for cmd into *cli. Returns 0
 * to run, -1 when --help was printed (exit 0), or FA_EXIT_USAGE after
 * printing one line to stderr.
 */
int fq_cli_parse(const struct fq_command *cmd, int argc, char **argv, struct fq_cli *cli);
/* Print "flowq CMD: " and a message to stderr, one line. */
void fq_error(const struct fq_cli *cli, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
