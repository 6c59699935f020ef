/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Names and texts: the seed's env-flag tests (default off, exactly "1", truthy
 * look-alikes rejected) and its error-display tests, plus the name tables,
 * and that the schema's CHECK lists allow exactly the names the tables give.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "conn_record_v2.h"
#include "fa_db.h"
#include "fa_names.h"
#include "monitor_error.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *saved_env;

static int save_env(void **state)
{
	(void)state;
	const char *v = getenv(FA_PER_FLOW_EBPF_ENV);
	saved_env = v ? strdup(v) : NULL;
	return 0;
}

static int restore_env(void **state)
{
	(void)state;
	if (saved_env)
		setenv(FA_PER_FLOW_EBPF_ENV, saved_env, 1);
	else
		unsetenv(FA_PER_FLOW_EBPF_ENV);
	free(saved_env);
	saved_env = NULL;
	return 0;
}

static void test_env_flag_default_off(void **state)
{
	(void)state;
	unsetenv(FA_PER_FLOW_EBPF_ENV);
	assert_false(fa_env_flag_enabled(getenv(FA_PER_FLOW_EBPF_ENV)));
}

static void test_env_flag_recognises_one(void **state)
{
	(void)state;
	setenv(FA_PER_FLOW_EBPF_ENV, "1", 1);
	assert_true(fa_env_flag_enabled(getenv(FA_PER_FLOW_EBPF_ENV)));
}

static void test_env_flag_rejects_truthy_lookalikes(void **state)
{
	(void)state;
	const char *bad[] = {"true", "yes", "on", "TRUE", "0", "", "2", " 1", "1 ", "01"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		setenv(FA_PER_FLOW_EBPF_ENV, bad[i], 1);
		if (fa_env_flag_enabled(getenv(FA_PER_FLOW_EBPF_ENV)))
			fail_msg("value \"%s\" must not enable per-flow eBPF", bad[i]);
	}
}

static void test_error_display_strings_are_useful(void **state)
{
	(void)state;
	char buf[256];
	assert_non_null(strstr(monitor_error_unsupported(buf, sizeof(buf), "macos"), "Linux-only"));
	assert_non_null(strstr(buf, "macos"));
	assert_non_null(
		strstr(monitor_error_feature_disabled(buf, sizeof(buf)), "FLOWAUDIT_WITH_BPF"));
	assert_non_null(
		strstr(monitor_error_object_missing(buf, sizeof(buf), "/tmp/x.o"), "/tmp/x.o"));
	assert_string_equal(buf, "eBPF object file missing at /tmp/x.o");
	monitor_error_attach_failed(buf, sizeof(buf), "tap0", "ENODEV");
	assert_non_null(strstr(buf, "tap0"));
	assert_non_null(strstr(buf, "ENODEV"));
	assert_non_null(
		strstr(monitor_error_setns(buf, sizeof(buf), "EPERM"), "setns(CLONE_NEWNET)"));
	assert_non_null(
		strstr(monitor_error_load_failed(buf, sizeof(buf), "bad insn"), "bad insn"));
	assert_non_null(strstr(monitor_error_ringbuf_open_failed(buf, sizeof(buf), "no map"),
			       "ring-buffer"));
}

static void test_protocol_names(void **state)
{
	(void)state;
	assert_string_equal(fa_protocol_name(6), "tcp");
	assert_string_equal(fa_protocol_name(17), "udp");
	assert_string_equal(fa_protocol_name(1), "icmp");
	assert_string_equal(fa_protocol_name(58), "icmpv6");
	assert_null(fa_protocol_name(0));
	assert_null(fa_protocol_name(99));
	assert_int_equal(fa_protocol_parse("tcp"), 6);
	assert_int_equal(fa_protocol_parse("icmpv6"), 58);
	assert_int_equal(fa_protocol_parse("47"), 47);
	assert_int_equal(fa_protocol_parse("256"), -EINVAL);
	assert_int_equal(fa_protocol_parse("TCP"), -EINVAL);
	assert_int_equal(fa_protocol_parse("6x"), -EINVAL);
	assert_int_equal(fa_protocol_parse(""), -EINVAL);
}

static void test_close_reason_and_direction_names(void **state)
{
	(void)state;
	assert_null(fa_close_reason_name(CONN_CLOSE_NONE));
	assert_string_equal(fa_close_reason_name(CONN_CLOSE_TCP_FIN), "tcp_fin");
	assert_string_equal(fa_close_reason_name(CONN_CLOSE_TCP_RST), "tcp_rst");
	assert_string_equal(fa_close_reason_name(CONN_CLOSE_IDLE), "idle");
	assert_string_equal(fa_close_reason_name(CONN_CLOSE_RUN_END), "run_end");
	assert_string_equal(fa_close_reason_name(CONN_CLOSE_EVICTED), "evicted");
	assert_null(fa_close_reason_name(CONN_CLOSE_REASON_COUNT));
	assert_string_equal(fa_direction_name(CONN_DIR_EGRESS), "egress");
	assert_string_equal(fa_direction_name(CONN_DIR_INGRESS), "ingress");
}

/*
 * The words the migrated schema's CHECK (column IN ('a', 'b', ...)) allows in
 * table.column, into words[] (at most max, each < 32 bytes). Returns the count.
 */
static int schema_check_words(const char *table, const char *column, char words[][32], int max)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;
	char pattern[64];
	int n = 0;
	assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
	for (size_t i = 0; i < fa_migration_count; i++)
		assert_int_equal(sqlite3_exec(db, fa_migrations[i].sql, NULL, NULL, NULL),
				 SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT sql FROM sqlite_master WHERE name = ?1", -1,
					    &s, NULL),
			 SQLITE_OK);
	sqlite3_bind_text(s, 1, table, -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	snprintf(pattern, sizeof(pattern), "CHECK (%s IN (", column);
	const char *p = strstr((const char *)sqlite3_column_text(s, 0), pattern);
	assert_non_null(p);
	p += strlen(pattern);
	while (*p != ')') {
		const char *open = strchr(p, '\'');
		const char *close = open ? strchr(open + 1, '\'') : NULL;
		assert_non_null(close);
		assert_true(n < max && close - open - 1 < 32);
		snprintf(words[n++], 32, "%.*s", (int)(close - open - 1), open + 1);
		p = close + 1;
		while (*p == ',' || *p == ' ')
			p++;
	}
	sqlite3_finalize(s);
	sqlite3_close(db);
	return n;
}

/* flows.close_reason's CHECK allows exactly the names of the enum's reasons, in order. */
static void test_close_reasons_are_the_schema_check(void **state)
{
	(void)state;
	char words[16][32];
	int n = schema_check_words("flows", "close_reason", words, 16);
	int named = 0;
	for (unsigned r = 0; r < CONN_CLOSE_REASON_COUNT; r++) {
		const char *name = fa_close_reason_name(r);
		if (!name)
			continue;
		if (named >= n || strcmp(words[named], name) != 0)
			fail_msg("close reason %u (%s) is not the schema's word %d", r, name,
				 named);
		named++;
	}
	assert_int_equal(named, n);
	n = schema_check_words("flows", "direction", words, 16);
	assert_int_equal(n, 2);
	assert_string_equal(words[CONN_DIR_EGRESS], fa_direction_name(CONN_DIR_EGRESS));
	assert_string_equal(words[CONN_DIR_INGRESS], fa_direction_name(CONN_DIR_INGRESS));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_env_flag_default_off, save_env, restore_env),
		cmocka_unit_test_setup_teardown(test_env_flag_recognises_one, save_env,
						restore_env),
		cmocka_unit_test_setup_teardown(test_env_flag_rejects_truthy_lookalikes, save_env,
						restore_env),
		cmocka_unit_test(test_error_display_strings_are_useful),
		cmocka_unit_test(test_protocol_names),
		cmocka_unit_test(test_close_reason_and_direction_names),
		cmocka_unit_test(test_close_reasons_are_the_schema_check),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
