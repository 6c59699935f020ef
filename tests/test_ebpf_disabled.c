/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A build without BPF support (FLOWAUDIT_WITH_BPF=OFF) still builds flowrec,
 * and asking it for the eBPF source gives the seed's "feature not enabled"
 * error (exit 5) instead of failing to build. Built only in such builds;
 * scripts/test.sh runs the sanitizer build that way.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "recorder_options.h"
#include "source_ebpf.h"
#include "source_select.h"

#include <errno.h>
#include <string.h>

static void test_ebpf_source_reports_feature_disabled(void **state)
{
	(void)state;
	char err[256] = "";
	struct ebpf_source_config cfg = {.iface = "eth0"};
	errno = 0;
	assert_null(source_ebpf_new(&cfg, err, sizeof(err)));
	assert_int_equal(errno, ENOSYS); /* main: exit 5, not supported by this build */
	assert_string_equal(err, "eBPF flow monitor requested but BPF support (FLOWAUDIT_WITH_BPF) "
				 "is not enabled on this build");
}

static void test_iface_option_reaches_the_error(void **state)
{
	(void)state;
	char *argv[] = {(char *)"flowrec", (char *)"--db",    (char *)"x.db",
			(char *)"--cell",  (char *)"c",	      (char *)"--run",
			(char *)"r",	   (char *)"--iface", (char *)"eth0"};
	struct recorder_options o;
	struct source *srcs[2];
	int n = 0;
	char err[256];
	assert_int_equal(recorder_options_parse(9, argv, &o, err, sizeof(err)), OPTIONS_OK);
	assert_int_equal(source_select_check(&o, err, sizeof(err)), 0);
	assert_int_equal(source_select_start(&o, srcs, &n, err, sizeof(err)), -ENOSYS);
	assert_int_equal(n, 0);
	assert_non_null(strstr(err, "FLOWAUDIT_WITH_BPF"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ebpf_source_reports_feature_disabled),
		cmocka_unit_test(test_iface_option_reaches_the_error),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
