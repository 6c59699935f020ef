/* SPDX-License-Identifier: Apache-2.0 */
/*
 * flowrec options: defaults, each bad value named with its accepted form,
 * and the help generated from the option table (its defaults are the ones
 * the parser stores, or the kernel program's own).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include "recorder_options.h"

#include "flow_table.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int parse(struct recorder_options *o, char *err, size_t errlen, int n, ...)
{
	char *argv[32];
	va_list ap;
	va_start(ap, n);
	argv[0] = (char *)"flowrec";
	for (int i = 0; i < n; i++)
		argv[i + 1] = va_arg(ap, char *);
	va_end(ap);
	err[0] = '\0';
	return recorder_options_parse(n + 1, argv, o, err, errlen);
}

/* --help and --version are flags the parser returns, like any option; main prints and exits 0. */
static void test_help_and_version_are_flags(void **state)
{
	(void)state;
	struct recorder_options o;
	char err[256];
	assert_int_equal(parse(&o, err, sizeof(err), 1, "--help"), OPTIONS_OK);
	assert_true(o.help);
	assert_false(o.version);
	assert_string_equal(err, "");
	/* Nothing after --help is checked, as before: --help wins over a bad line. */
	assert_int_equal(parse(&o, err, sizeof(err), 2, "--help", "--bogus"), OPTIONS_OK);
	assert_true(o.help);
	assert_int_equal(parse(&o, err, sizeof(err), 1, "--version"), OPTIONS_OK);
	assert_true(o.version);
	assert_false(o.help);
	/* A bad option before --help is still a usage error. */
	assert_int_equal(parse(&o, err, sizeof(err), 2, "--bogus", "--help"), -EINVAL);
	assert_non_null(strstr(err, "--bogus"));
	/* An ordinary line sets neither. */
	assert_int_equal(parse(&o, err, sizeof(err), 8, "--db", "a.db", "--cell", "c", "--run", "r",
			       "--replay", "-"),
			 OPTIONS_OK);
	assert_false(o.help || o.version);
}

static void test_defaults(void **state)
{
	(void)state;
	struct recorder_options o;
	char err[256];
	assert_int_equal(parse(&o, err, sizeof(err), 8, "--db", "a.db", "--cell", "c", "--run", "r",
			       "--replay", "-"),
			 OPTIONS_OK);
	assert_int_equal(o.batch_events, 4096);
	assert_int_equal(o.batch_ms, 200);
	assert_false(o.durability_full);
	assert_int_equal(o.tcp_idle_s, 7440); /* RFC 5382: 2 h 4 min */
	assert_int_equal(o.udp_idle_s, 60);
	assert_int_equal(o.nflog_group, -1);
	assert_false(o.iface_side_host);
	assert_string_equal(o.replay, "-");
	assert_int_equal(o.source_mode, SOURCE_MODE_NONE);
	assert_int_equal(o.stats_s, 10);
	assert_int_equal(o.store_retry_s, 60);
	assert_int_equal(o.backlog, 1u << 20);
	/* 0: the kernel program's own default, which the help shows */
	assert_int_equal(o.ringbuf_bytes, 0);
	assert_int_equal(o.flow_table_entries, 0);
	assert_false(o.fail_closed);
	assert_false(o.quiet);
	assert_null(o.iface);
	assert_null(o.tee);
}

/* Every word of a choice is stored as its value; flags set their field. */
static void test_choices_and_flags(void **state)
{
	(void)state;
	struct recorder_options o;
	char err[256];
	assert_int_equal(parse(&o, err, sizeof(err), 14, "--db", "a", "--cell", "c", "--run", "r",
			       "--iface", "veth0", "--iface-side", "host", "--durability", "full",
			       "--quiet", "--fail-closed"),
			 OPTIONS_OK);
	assert_true(o.iface_side_host);
	assert_true(o.durability_full);
	assert_true(o.quiet);
	assert_true(o.fail_closed);
	assert_int_equal(parse(&o, err, sizeof(err), 10, "--db", "a", "--cell", "c", "--run", "r",
			       "--iface", "veth0", "--iface-side", "cell"),
			 OPTIONS_OK);
	assert_false(o.iface_side_host);
	assert_int_equal(parse(&o, err, sizeof(err), 8, "--db", "a", "--cell", "c", "--run", "r",
			       "--source", "noop"),
			 OPTIONS_OK);
	assert_int_equal(o.source_mode, SOURCE_MODE_NOOP);
	assert_int_equal(parse(&o, err, sizeof(err), 8, "--db", "a", "--cell", "c", "--run", "r",
			       "--source", "auto"),
			 OPTIONS_OK);
	assert_int_equal(o.source_mode, SOURCE_MODE_AUTO);
	assert_int_equal(parse(&o, err, sizeof(err), 9, "--db", "a", "--cell", "c", "--run", "r",
			       "--source", "noop", "--durability"),
			 -EINVAL);
	assert_string_equal(err, "--durability needs a value (see flowrec --help)");
}

/* The usage text as a string (freed by the caller). */
static char *usage_text(void)
{
	FILE *f = tmpfile();
	assert_non_null(f);
	recorder_options_usage(f);
	long len = ftell(f);
	assert_true(len > 0);
	char *text = calloc(1, (size_t)len + 1);
	assert_non_null(text);
	rewind(f);
	assert_int_equal(fread(text, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	return text;
}

/* The line of text that starts with start (after spaces), and its continuation lines. */
static void entry_of(const char *text, const char *start, char *out, size_t len)
{
	char key[64];
	snprintf(key, sizeof(key), "\n  %s", start);
	const char *p = strstr(text, key);
	assert_non_null(p);
	p += 3;
	size_t n = 0;
	/* the entry ends at the next line that does not start with the help column's spaces */
	for (const char *q = p; *q && n + 1 < len; q++) {
		if (*q == '\n' && strncmp(q + 1, "                         ", 25) != 0)
			break;
		out[n++] = *q == '\n' ? ' ' : *q;
		if (*q == '\n')
			q += 25; /* a continuation line: its indentation is one space */
	}
	out[n] = '\0';
}

static void assert_has(const char *entry, const char *what)
{
	if (!strstr(entry, what))
		fail_msg("'%s' does not say '%s'", entry, what);
}

/*
 * The help is the table's: defaults from the same place the parser takes
 * them (or the kernel program's), one entry per option, every line shorter
 * than 80 columns.
 */
static void test_usage_from_the_table(void **state)
{
	(void)state;
	char *text = usage_text();
	char entry[1024], want[64];
	entry_of(text, "--batch-events N", entry, sizeof(entry));
	assert_has(entry, "(default 4096)");
	entry_of(text, "--tcp-idle-s S", entry, sizeof(entry));
	snprintf(want, sizeof(want), "(default %d)", TCP_IDLE_DEFAULT_S);
	assert_has(entry, want);
	entry_of(text, "--flow-table-entries N", entry, sizeof(entry));
	snprintf(want, sizeof(want), "(default %d)", FLOW_TABLE_DEFAULT_ENTRIES);
	assert_has(entry, want);
	entry_of(text, "--flow-rate N", entry, sizeof(entry));
	snprintf(want, sizeof(want), "(default %d)", FLOW_BUDGET_DEFAULT_RATE);
	assert_has(entry, want);
	entry_of(text, "--ringbuf-bytes N", entry, sizeof(entry));
	snprintf(want, sizeof(want), "(default %u MiB)", CONN_EVENTS_DEFAULT_BYTES >> 20);
	assert_has(entry, want);
	entry_of(text, "--backlog N", entry, sizeof(entry));
	assert_has(entry, "(default 1048576, about 130 MiB at most)");
	entry_of(text, "  --iface-side cell|host", entry, sizeof(entry));
	assert_has(entry, "(default cell)");
	entry_of(text, "--durability normal|full", entry, sizeof(entry));
	assert_has(entry, "(default normal)");
	entry_of(text, "--source noop", entry, sizeof(entry));
	entry_of(text, "--source auto", entry, sizeof(entry));
	assert_has(entry, "CELLOS_FIRECRACKER_PER_FLOW_EBPF is exactly 1");
	entry_of(text, "--fail-closed ", entry, sizeof(entry));
	entry_of(text, "--version ", entry, sizeof(entry));
	assert_null(strchr(text, '\x1f')); /* the glue of "4 MiB" is printed as a space */
	/* Option lines fit a terminal (the intro's prose is not generated). */
	const char *opts = strstr(text, "Required:");
	assert_non_null(opts);
	for (const char *line = opts; *line;) {
		size_t n = strcspn(line, "\n");
		if (n >= 80)
			fail_msg("line of %zu columns: %.*s", n, (int)n, line);
		line += n + (line[n] == '\n');
	}
	free(text);
}

static void test_bad_values_are_named(void **state)
{
	(void)state;
	struct recorder_options o;
	char err[256];
#define BASE "--db", "a.db", "--cell", "c", "--run", "r", "--replay", "x"
	assert_int_equal(parse(&o, err, sizeof(err), 10, BASE, "--batch-events", "0"), -EINVAL);
	assert_non_null(strstr(err, "--batch-events: '0' is not a whole number from 1"));
	assert_int_equal(parse(&o, err, sizeof(err), 10, BASE, "--batch-ms", "12x"), -EINVAL);
	assert_non_null(strstr(err, "--batch-ms"));
	assert_int_equal(parse(&o, err, sizeof(err), 10, BASE, "--durability", "always"), -EINVAL);
	assert_non_null(strstr(err, "normal or full"));
	assert_int_equal(parse(&o, err, sizeof(err), 10, BASE, "--iface-side", "left"), -EINVAL);
	assert_int_equal(parse(&o, err, sizeof(err), 10, BASE, "--ringbuf-bytes", "5000"), -EINVAL);
	assert_non_null(strstr(err, "power of two"));
	assert_int_equal(parse(&o, err, sizeof(err), 9, BASE, "--bogus"), -EINVAL);
	assert_non_null(strstr(err, "unknown option '--bogus'"));
	assert_int_equal(parse(&o, err, sizeof(err), 9, BASE, "stray"), -EINVAL);
	assert_int_equal(parse(&o, err, sizeof(err), 10, BASE, "--source", "ebpf"), -EINVAL);
	assert_int_equal(parse(&o, err, sizeof(err), 10, BASE, "--iface", "eth0"), -EINVAL);
	assert_non_null(strstr(err, "choose one source"));
	assert_int_equal(parse(&o, err, sizeof(err), 10, BASE, "--flow-rate", "5"), -EINVAL);
	assert_non_null(strstr(err, "--flow-rate: '5' is not a whole number from 10"));
	assert_int_equal(parse(&o, err, sizeof(err), 9, BASE, "--fail-closed"), -EINVAL);
	assert_non_null(strstr(err, "--fail-closed needs --iface"));
	assert_int_equal(
		parse(&o, err, sizeof(err), 10, BASE, "--batch-events", "99999999999999999999"),
		-EINVAL);
#undef BASE
}

static void test_required_options(void **state)
{
	(void)state;
	struct recorder_options o;
	char err[256];
	assert_int_equal(parse(&o, err, sizeof(err), 4, "--cell", "c", "--run", "r"), -EINVAL);
	assert_non_null(strstr(err, "--db"));
	assert_int_equal(parse(&o, err, sizeof(err), 6, "--db", "a", "--cell", "c", "--run", "r"),
			 -EINVAL);
	assert_non_null(strstr(err, "missing a source"));
	assert_int_equal(parse(&o, err, sizeof(err), 8, "--db", "a", "--cell", "", "--run", "r",
			       "--source", "noop"),
			 -EINVAL);
	assert_int_equal(parse(&o, err, sizeof(err), 8, "--db", "a", "--cell", "c", "--run", "r",
			       "--bpf-object", "x.o"),
			 -EINVAL);
	/* ebpf and nflog together are one run. */
	assert_int_equal(parse(&o, err, sizeof(err), 10, "--db", "a", "--cell", "c", "--run", "r",
			       "--iface", "veth0", "--nflog-group", "5"),
			 OPTIONS_OK);
	assert_int_equal(o.nflog_group, 5);
	assert_false(o.fail_closed);
	assert_int_equal(o.flow_rate, 0); /* the program's default */
	assert_int_equal(parse(&o, err, sizeof(err), 11, "--db", "a", "--cell", "c", "--run", "r",
			       "--iface", "veth0", "--fail-closed", "--flow-rate", "20000"),
			 OPTIONS_OK);
	assert_true(o.fail_closed);
	assert_int_equal(o.flow_rate, 20000);
	/* an external v1 object has no budgets and drops nothing */
	assert_int_equal(parse(&o, err, sizeof(err), 11, "--db", "a", "--cell", "c", "--run", "r",
			       "--iface", "veth0", "--bpf-object", "x.o", "--fail-closed"),
			 -EINVAL);
}

/* Ids and stamps must be valid UTF-8 without control characters: exit 2, escaped in the message. */
static void test_ids_must_be_clean_utf8(void **state)
{
	(void)state;
	struct recorder_options o;
	char err[256];
	assert_int_equal(parse(&o, err, sizeof(err), 8, "--db", "a", "--cell", "c\xff", "--run",
			       "r", "--source", "noop"),
			 -EINVAL);
	assert_non_null(strstr(err, "--cell: value must be valid UTF-8"));
	assert_non_null(strstr(err, "c\\xff"));
	assert_int_equal(parse(&o, err, sizeof(err), 8, "--db", "a", "--cell", "c", "--run", "r\n1",
			       "--source", "noop"),
			 -EINVAL);
	assert_non_null(strstr(err, "--run"));
	assert_null(strchr(err, '\n'));
	assert_int_equal(parse(&o, err, sizeof(err), 10, "--db", "a", "--cell", "c", "--run", "r",
			       "--source", "noop", "--correlation-id", "x\x1b[2J"),
			 -EINVAL);
	/* ':' and '%' are fine: decision_id encodes them. */
	assert_int_equal(parse(&o, err, sizeof(err), 8, "--db", "a", "--cell", "a:b", "--run",
			       "50%\xc3\xa9", "--source", "noop"),
			 OPTIONS_OK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_help_and_version_are_flags),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_choices_and_flags),
		cmocka_unit_test(test_usage_from_the_table),
		cmocka_unit_test(test_bad_values_are_named),
		cmocka_unit_test(test_required_options),
		cmocka_unit_test(test_ids_must_be_clean_utf8),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
