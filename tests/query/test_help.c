/* SPDX-License-Identifier: Apache-2.0 */
/*
 * flowq's option tables against the parser, the SQL and the generated
 * --help: for every command, an option is in its SYNOPSIS and its OPTIONS
 * exactly when the parser accepts it there, and no --help names an option
 * its command refuses; every filter a command accepts reaches its query as a
 * bound parameter (summary's --limit, the ranking size, excepted); every
 * filter's bad value is refused by the table's bounds with the table's
 * words; and the top-level --help lists every command and exit code.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "commands.h"
#include "dbset.h"
#include "fa_db.h"
#include "fa_exit.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char help[65536];

/* cmd's --help (or flowq --help when cmd is NULL) into help[]. */
static void render(const struct fq_command *cmd)
{
	FILE *f = fmemopen(help, sizeof(help) - 1, "w");
	assert_non_null(f);
	if (cmd)
		fq_help_print(cmd, f);
	else
		fq_help_print_main(f);
	long n = ftell(f);
	fclose(f);
	help[n] = '\0';
}

/* The text of section name ("OPTIONS") of help[] into out. */
static void section(const char *name, char *out, size_t len)
{
	char head[32];
	snprintf(head, sizeof(head), "%s\n", name);
	const char *a = strstr(help, head);
	assert_non_null(a);
	a += strlen(head);
	const char *b = strstr(a, "\n\n");
	size_t n = b ? (size_t)(b - a) : strlen(a);
	assert_true(n < len);
	memcpy(out, a, n);
	out[n] = '\0';
}

/* Whether text names option as a whole word ("--run" is not in "--run-x"). */
static bool names(const char *text, const char *option)
{
	size_t n = strlen(option);
	for (const char *p = strstr(text, option); p; p = strstr(p + 1, option)) {
		char before = p == text ? ' ' : p[-1], after = p[n];
		if (before != '-' && !(before >= 'a' && before <= 'z') && after != '-' &&
		    !(after >= 'a' && after <= 'z'))
			return true;
	}
	return false;
}

/* Whether the parser takes option (with a valid value) for cmd. */
static bool parser_takes(const struct fq_command *cmd, const char *option, const char *value)
{
	char a0[32], a1[32], a2[64], db1[] = "--db", db2[] = "/nonexistent.db", file[] = "f";
	char pk1[] = "--pubkey", pk2[] = "k.pem", fmt1[] = "--format", fmt2[] = "cose-sign1";
	char key1[] = "--key", key2[] = "k.pem";
	char *argv[12];
	int argc = 0;
	snprintf(a0, sizeof(a0), "%s", cmd->name);
	snprintf(a1, sizeof(a1), "%s", option);
	snprintf(a2, sizeof(a2), "%s", value ? value : "");
	argv[argc++] = a0;
	argv[argc++] = a1;
	if (value)
		argv[argc++] = a2;
	if (cmd->takes & FQ_TAKES_FILE) {
		if (strcmp(option, "--pubkey") != 0) {
			argv[argc++] = pk1;
			argv[argc++] = pk2;
		}
		argv[argc++] = file;
	} else if (strcmp(option, "--db") != 0) {
		argv[argc++] = db1;
		argv[argc++] = db2;
	}
	/* the signing options go with --format cose-sign1, which needs --key */
	if (!strcmp(option, "--key") || !strcmp(option, "--kid") ||
	    !strcmp(option, "--key-pass-file")) {
		argv[argc++] = fmt1;
		argv[argc++] = fmt2;
		if (strcmp(option, "--key") != 0) {
			argv[argc++] = key1;
			argv[argc++] = key2;
		}
	}
	argv[argc] = NULL;
	struct fq_cli cli;
	int saved = dup(STDERR_FILENO), null = open("/dev/null", O_WRONLY);
	fflush(stderr);
	dup2(null, STDERR_FILENO);
	int rc = fq_cli_parse(cmd, argc, argv, &cli);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	close(null);
	assert_true(rc == 0 || rc == -EINVAL);
	return rc == 0;
}

static const char *sample(const char *option)
{
	static const struct {
		const char *option, *value;
	} values[] = {
		{"--db", "/nonexistent.db"},
		{"--format", "json"},
		{"--output", "out"},
		{"--digest", "sha256"},
		{"--key", "k.pem"},
		{"--kid", "k"},
		{"--key-pass-file", "p"},
		{"--pubkey", "k.pem"},
		{"--help", NULL},
		{"--cell", "c"},
		{"--run", "r"},
		{"--since", "1h"},
		{"--until", "1h"},
		{"--dst", "10.0.0.0/8"},
		{"--port", "1"},
		{"--proto", "tcp"},
		{"--decision", "deny"},
		{"--direction", "egress"},
		{"--reason", "x"},
		{"--limit", "1"},
	};
	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++)
		if (strcmp(values[i].option, option) == 0)
			return values[i].value;
	fail_msg("no sample value for %s: add one", option);
	return NULL;
}

static void check_option(const struct fq_command *cmd, const char *option, const char *synopsis,
			 const char *options)
{
	bool takes = parser_takes(cmd, option, sample(option));
	bool in_synopsis = names(synopsis, option) || !strcmp(option, "--help");
	if (takes != in_synopsis || takes != names(options, option) ||
	    (!takes && names(help, option)))
		fail_msg("flowq %s %s: the parser %s it; SYNOPSIS %s it, OPTIONS %s it, --help %s "
			 "it",
			 cmd->name, option, takes ? "takes" : "refuses",
			 in_synopsis ? "names" : "does not name",
			 names(options, option) ? "names" : "does not name",
			 names(help, option) ? "names" : "does not name");
}

static void test_help_names_exactly_what_the_parser_takes(void **state)
{
	(void)state;
	static char synopsis[4096], options[16384];
	for (const struct fq_command *cmd = fq_commands; cmd->name; cmd++) {
		render(cmd);
		section("SYNOPSIS", synopsis, sizeof(synopsis));
		section("OPTIONS", options, sizeof(options));
		for (size_t i = 0; i < FQ_OPTION_COUNT; i++)
			check_option(cmd, fq_options[i].name, synopsis, options);
		for (size_t i = 0; i < FQ_FILTER_COUNT; i++)
			check_option(cmd, fq_filter_defs[i].option, synopsis, options);
		assert_non_null(strstr(help, "EXIT STATUS\n"));
	}
}

/* A filter a command takes is applied: its query binds a parameter of the filter's name. */
static void test_every_accepted_filter_reaches_the_query(void **state)
{
	(void)state;
	char sql[FQ_SQL_MAX], err[256], path[64];
	/* A database of the current schema, read as flowq reads one (its TEMP views). */
	snprintf(path, sizeof(path), "/tmp/flowaudit-help-%d.db", (int)getpid());
	unlink(path);
	sqlite3 *w = NULL;
	assert_int_equal(fa_db_open_writer(path, FA_DB_DURABILITY_NORMAL, &w, err, sizeof(err)), 0);
	sqlite3_close(w);
	const char *paths[] = {path};
	struct fq_dbset dbs = {0};
	assert_int_equal(fq_dbset_open(&dbs, paths, 1, err, sizeof(err)), 0);
	sqlite3 *db = dbs.db[0];
	for (const struct fq_command *cmd = fq_commands; cmd->name; cmd++) {
		unsigned filters = fq_cli_filters(cmd);
		assert_int_equal(filters, fq_sql_filters(cmd->query) | cmd->more_filters);
		/* The one filter a command may apply itself: --limit (summary's ranking size). */
		if (cmd->more_filters & ~FQ_F_LIMIT)
			fail_msg("flowq %s takes filters its query does not apply", cmd->name);
		if (cmd->query == FQ_Q_NONE) {
			assert_int_equal(filters, 0);
			continue;
		}
		struct fq_filters f = {0};
		for (size_t i = 0; i < FQ_FILTER_COUNT; i++)
			if (filters & (1u << i))
				assert_int_equal(fq_filter_set(&f, fq_filter_defs[i].option,
							       sample(fq_filter_defs[i].option), 0,
							       err, sizeof(err)),
						 0);
		assert_int_equal(fq_sql_build(cmd->query, &f, sql, sizeof(sql)), 0);
		sqlite3_stmt *st = NULL;
		if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
			fail_msg("flowq %s: %s", cmd->name, sqlite3_errmsg(db));
		assert_int_equal(fq_sql_bind(st, &f), SQLITE_OK);
		for (size_t i = 0; i < FQ_FILTER_COUNT; i++) {
			char param[32];
			if (!(fq_sql_filters(cmd->query) & (1u << i)))
				continue;
			snprintf(param, sizeof(param), ":%s%s", fq_filter_defs[i].option + 2,
				 fq_filter_defs[i].kind == FQ_FK_CIDR ? "_lo" : "");
			if (!sqlite3_bind_parameter_index(st, param))
				fail_msg("flowq %s takes %s, but its query has no %s", cmd->name,
					 fq_filter_defs[i].option, param);
		}
		sqlite3_finalize(st);
	}
	fq_dbset_close(&dbs);
	char p[96];
	snprintf(p, sizeof(p), "%s-wal", path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", path);
	unlink(p);
	unlink(path);
}

/* Each number filter's bounds are the table's: max is taken, max + 1 refused in its words. */
static void test_filter_bounds_come_from_the_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < FQ_FILTER_COUNT; i++) {
		const struct fq_filter_def *d = &fq_filter_defs[i];
		struct fq_filters f = {0};
		char value[32], err[512], want[256];
		if (d->kind != FQ_FK_UINT)
			continue;
		snprintf(value, sizeof(value), "%lld", d->max);
		assert_int_equal(fq_filter_set(&f, d->option, value, 0, err, sizeof(err)), 0);
		assert_int_equal(*(const int64_t *)(const void *)((const char *)&f + d->field),
				 d->max);
		snprintf(value, sizeof(value), "%llu", (unsigned long long)d->max + 1);
		assert_int_equal(fq_filter_set(&f, d->option, value, 0, err, sizeof(err)), -EINVAL);
		snprintf(want, sizeof(want), "%s: '%s' is not %s (expected %s)", d->option, value,
			 d->what, d->expected);
		assert_string_equal(err, want);
	}
}

static void test_main_help_lists_commands_and_exit_codes(void **state)
{
	(void)state;
	static char commands[4096], exits[4096];
	render(NULL);
	section("COMMANDS", commands, sizeof(commands));
	section("EXIT STATUS", exits, sizeof(exits));
	for (const struct fq_command *cmd = fq_commands; cmd->name; cmd++) {
		char line[64];
		snprintf(line, sizeof(line), "  %s ", cmd->name);
		assert_non_null(strstr(commands, line));
	}
	static const int codes[] = {FA_EXIT_OK,
				    FA_EXIT_VERIFY_FAILED,
				    FA_EXIT_USAGE,
				    FA_EXIT_DB,
				    FA_EXIT_NOT_FLOWAUDIT,
				    FA_EXIT_IO,
				    FA_EXIT_BAD_SIGNATURE,
				    FA_EXIT_NOT_COSE,
				    FA_EXIT_KEY_TYPE,
				    FA_EXIT_KEY_UNREADABLE,
				    FA_EXIT_INTERNAL};
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		char line[16];
		snprintf(line, sizeof(line), "  %-3d ", codes[i]);
		if (!strstr(exits, line))
			fail_msg("flowq --help: exit code %d missing", codes[i]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_help_names_exactly_what_the_parser_takes),
		cmocka_unit_test(test_every_accepted_filter_reaches_the_query),
		cmocka_unit_test(test_filter_bounds_come_from_the_table),
		cmocka_unit_test(test_main_help_lists_commands_and_exit_codes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
