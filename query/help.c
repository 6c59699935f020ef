/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The --help texts of flowq and its sub-commands, written as short manual
 * pages and generated from the tables: a command's NAME, SYNOPSIS and
 * OPTIONS from its entry in fq_commands and the option tables (cli.c,
 * filters.c, and the query's own wording of a filter, query_sql.c); the
 * EXIT STATUS from exit_status below, whose codes are fa_exit.h's; flowq
 * health's COUNTERS from the health counter list. Only the descriptions are
 * prose, in commands.c.
 */
#include "commands.h"

#include "fa_exit.h"
#include "fa_health.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define WIDTH 80
#define HELP_COLUMN 19 /* where an option's text starts */

/* What each exit code means to flowq; the codes flowrec alone uses are not here. */
static const struct {
	enum fa_exit code;
	const char *text;
} exit_status[] = {
	{FA_EXIT_OK, "success"},
	{FA_EXIT_VERIFY_FAILED, "verify: a check found a problem"},
	{FA_EXIT_USAGE,
	 "usage: unknown option or bad value (the message names the option and the accepted "
	 "form)"},
	{FA_EXIT_DB, "database error: missing or unreadable file, corrupt pages, SQLite error"},
	{FA_EXIT_NOT_FLOWAUDIT,
	 "not a flowaudit database, or a newer schema than this flowq understands"},
	{FA_EXIT_IO, "output error: the output file or standard output could not be written"},
	{FA_EXIT_BAD_SIGNATURE, "verify-export: the signature does not verify"},
	{FA_EXIT_NOT_COSE,
	 "verify-export: the file cannot be read, or is not a COSE_Sign1 flowq can check"},
	{FA_EXIT_KEY_TYPE,
	 "wrong key type: not Ed25519 or ECDSA P-256, or not the type the file's alg needs"},
	{FA_EXIT_KEY_UNREADABLE,
	 "key unusable: unreadable, not a PEM key of the kind needed, encrypted without a "
	 "passphrase file, or a wrong passphrase"},
	{FA_EXIT_INTERNAL, "internal error"},
};

/*
 * Print text word-wrapped to WIDTH columns: the first line after lead (which
 * ends at column col, or later: then after two spaces), every other line
 * indented by indent spaces. A word longer than a line stays whole.
 */
static void wrap(FILE *f, const char *lead, int indent, const char *text)
{
	int col = (int)strlen(lead);
	fputs(lead, f);
	if (col > indent && lead[col - 1] != ' ') {
		fputs("  ", f);
		col += 2;
	} else if (col < indent) {
		fprintf(f, "%*s", indent - col, "");
		col = indent;
	}
	const char *p = text;
	while (*p) {
		int room = WIDTH - col, len = 0, last_space = -1;
		while (p[len] && (len < room || last_space < 0)) {
			if (p[len] == ' ')
				last_space = len;
			len++;
		}
		if (p[len] && last_space >= 0)
			len = last_space;
		fprintf(f, "%.*s\n", len, p);
		p += len;
		while (*p == ' ')
			p++;
		if (*p) {
			fprintf(f, "%*s", indent, "");
			col = indent;
		}
	}
	if (!text[0])
		fputc('\n', f);
}

/* Print a list of items on lines of WIDTH: item by item, never split, sep between. */
static void fill(FILE *f, const char *lead, int indent, const char *const *items, size_t n,
		 const char *sep)
{
	int col = (int)strlen(lead);
	fputs(lead, f);
	for (size_t i = 0; i < n; i++) {
		int len = (int)strlen(items[i]) + (i ? (int)strlen(sep) : 0);
		if (i && col + len > WIDTH) {
			fprintf(f, "\n%*s%s", indent, "", items[i]);
			col = indent + (int)strlen(items[i]);
			continue;
		}
		fprintf(f, "%s%s", i ? sep : "", items[i]);
		col += len;
	}
	fputc('\n', f);
}

/* "a, b or c" of the command's formats, sep between all ("|") when sep is not NULL. */
static void formats_text(unsigned formats, const char *sep, char *buf, size_t len)
{
	int n = 0, count = 0;
	buf[0] = '\0';
	for (int f = FQ_FMT_TABLE; f <= FQ_FMT_COSE_SIGN1; f++)
		count += (formats & FQ_FMT_BIT(f)) != 0;
	for (int f = FQ_FMT_TABLE; f <= FQ_FMT_COSE_SIGN1; f++) {
		if (!(formats & FQ_FMT_BIT(f)))
			continue;
		size_t used = strlen(buf);
		const char *s = !n ? "" : sep ? sep : n == count - 1 ? " or " : ", ";
		snprintf(buf + used, len - used, "%s%s", s, fq_format_name((enum fq_format)f));
		n++;
	}
}

/* cmd's wording of option, or NULL. */
static const char *command_wording(const struct fq_command *cmd, const char *option)
{
	for (const struct fq_option_help *h = cmd->option_help; h && h->option; h++)
		if (strcmp(h->option, option) == 0)
			return h->help;
	return NULL;
}

/* "  --name META" then its text at HELP_COLUMN; a text with newlines keeps its lines. */
static void option_line(FILE *f, const char *name, const char *metavar, const char *text)
{
	char lead[64];
	snprintf(lead, sizeof(lead), "  %s%s%s", name, metavar ? " " : "", metavar ? metavar : "");
	if (!strchr(text, '\n')) {
		wrap(f, lead, HELP_COLUMN, text);
		return;
	}
	fprintf(f, "%-*s", HELP_COLUMN, lead);
	for (const char *p = text; *p;) {
		size_t len = strcspn(p, "\n");
		fprintf(f, "%s%.*s\n", p == text ? "" : "                   ", (int)len, p);
		p += len + (p[len] == '\n');
	}
}

static void print_synopsis(const struct fq_command *cmd, FILE *f)
{
	char lead[48], items[32][128], formats[96];
	const char *list[32];
	size_t n = 0;
	for (size_t i = 0; i < FQ_OPTION_COUNT; i++) {
		const struct fq_option *o = &fq_options[i];
		if (!fq_cli_takes(cmd, o) || o->kind == FQ_OK_HELP)
			continue;
		if (o->kind == FQ_OK_DB) {
			snprintf(items[n++], sizeof(items[0]), "%s %s", o->name, o->metavar);
			snprintf(items[n++], sizeof(items[0]), "[%s %s ...]", o->name, o->metavar);
		} else if (o->kind == FQ_OK_FORMAT) {
			formats_text(cmd->formats, "|", formats, sizeof(formats));
			snprintf(items[n++], sizeof(items[0]), "[%s %s]", o->name, formats);
		} else if (o->takes & FQ_TAKES_FILE) { /* the file's key: required */
			snprintf(items[n++], sizeof(items[0]), "%s %s", o->name, o->metavar);
		} else {
			snprintf(items[n++], sizeof(items[0]), "[%s %s]", o->name, o->metavar);
		}
	}
	unsigned filters = fq_cli_filters(cmd);
	for (size_t i = 0; i < FQ_FILTER_COUNT; i++)
		if (filters & (1u << i))
			snprintf(items[n++], sizeof(items[0]), "[%s %s]", fq_filter_defs[i].option,
				 fq_filter_defs[i].synopsis);
	if (cmd->takes & FQ_TAKES_FILE)
		snprintf(items[n++], sizeof(items[0]), "FILE");
	for (size_t i = 0; i < n; i++)
		list[i] = items[i];
	snprintf(lead, sizeof(lead), "  flowq %s ", cmd->name);
	fputs("SYNOPSIS\n", f);
	fill(f, lead, (int)strlen(lead), list, n, " ");
	fputc('\n', f);
}

static void print_options(const struct fq_command *cmd, FILE *f)
{
	char formats[96];
	fputs("OPTIONS\n", f);
	for (size_t i = 0; i < FQ_OPTION_COUNT; i++) {
		const struct fq_option *o = &fq_options[i];
		if (!fq_cli_takes(cmd, o) || o->kind == FQ_OK_HELP)
			continue;
		const char *text = command_wording(cmd, o->name);
		if (!text && o->kind == FQ_OK_FORMAT) {
			formats_text(cmd->formats, NULL, formats, sizeof(formats));
			text = formats;
		}
		option_line(f, o->name, o->metavar, text ? text : o->help);
	}
	unsigned filters = fq_cli_filters(cmd);
	for (size_t i = 0; i < FQ_FILTER_COUNT; i++) {
		const struct fq_filter_def *d = &fq_filter_defs[i];
		if (!(filters & (1u << i)))
			continue;
		const char *text = command_wording(cmd, d->option);
		if (!text)
			text = fq_sql_filter_help(cmd->query, 1u << i);
		option_line(f, d->option, d->metavar, text ? text : d->help);
		if (d->note)
			wrap(f, "", HELP_COLUMN, d->note);
	}
	option_line(f, "-h, --help", NULL, fq_options[FQ_OPTION_COUNT - 1].help);
	fputc('\n', f);
}

static void print_exit_status(FILE *f)
{
	fputs("EXIT STATUS\n", f);
	for (size_t i = 0; i < sizeof(exit_status) / sizeof(exit_status[0]); i++) {
		char lead[16];
		snprintf(lead, sizeof(lead), "  %-3d", exit_status[i].code);
		wrap(f, lead, 6, exit_status[i].text);
	}
}

void fq_help_print(const struct fq_command *cmd, FILE *f)
{
	char lead[48];
	fputs("NAME\n", f);
	snprintf(lead, sizeof(lead), "  flowq %s - ", cmd->name);
	wrap(f, lead, 4, cmd->purpose);
	fputc('\n', f);
	print_synopsis(cmd, f);
	fprintf(f, "DESCRIPTION\n%s\n", cmd->description);
	print_options(cmd, f);
	if (cmd->help_section)
		cmd->help_section(f);
	print_exit_status(f);
}

void fq_help_command_list(char *buf, size_t len, const char *last_sep)
{
	size_t used = 0;
	buf[0] = '\0';
	for (const struct fq_command *c = fq_commands; c->name && used < len; c++) {
		const char *sep = c == fq_commands ? "" : !c[1].name && last_sep ? last_sep : ", ";
		int n = snprintf(buf + used, len - used, "%s%s", sep, c->name);
		used += n > 0 ? (size_t)n : 0;
	}
}

void fq_help_print_main(FILE *f)
{
	char lead[48], items[FQ_FILTER_COUNT][48];
	const char *list[FQ_FILTER_COUNT];
	fputs("NAME\n"
	      "  flowq - query flowaudit databases and export NetworkFlowDecision records\n"
	      "\n"
	      "SYNOPSIS\n",
	      f);
	for (const struct fq_command *c = fq_commands; c->name; c++) {
		bool more = c->formats || fq_cli_filters(c) ||
			    (c->takes & ~(unsigned)(FQ_TAKES_DB | FQ_TAKES_FILE));
		fprintf(f, "  flowq %s %s%s\n", c->name,
			(c->takes & FQ_TAKES_FILE) ? "--pubkey PUB.pem FILE"
						   : "--db PATH [--db PATH ...]",
			more ? " [OPTIONS]" : "");
	}
	fputs("  flowq --help | --version\n"
	      "  flowq COMMAND --help\n"
	      "\n"
	      "DESCRIPTION\n"
	      "  flowq reads the SQLite databases written by flowrec, read-only. It never\n"
	      "  changes a database, works while flowrec is recording, and refuses files that\n"
	      "  are not flowaudit databases or have a newer schema.\n"
	      "\n"
	      "COMMANDS\n",
	      f);
	for (const struct fq_command *c = fq_commands; c->name; c++) {
		snprintf(lead, sizeof(lead), "  %-8s", c->name);
		wrap(f, lead, 11, c->purpose);
	}
	for (size_t i = 0; i < FQ_FILTER_COUNT; i++) {
		snprintf(items[i], sizeof(items[i]), "%s %s", fq_filter_defs[i].option,
			 fq_filter_defs[i].synopsis);
		list[i] = items[i];
	}
	fputs("\nFILTERS (where a command accepts them; see its --help)\n", f);
	fill(f, "  ", 2, list, FQ_FILTER_COUNT, "  ");
	fputs("\n"
	      "OUTPUT\n"
	      "  Without --format: table when standard output is a terminal, else ndjson.\n"
	      "\n",
	      f);
	print_exit_status(f);
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
		char line[512], lead[48];
		snprintf(line, sizeof(line), "%s%s", h->help, weighs[h->verdict]);
		snprintf(lead, sizeof(lead), "  %s", h->name);
		fprintf(f, "%s\n", lead);
		wrap(f, "", 6, line);
	}
	fputc('\n', f);
}
