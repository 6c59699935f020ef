/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Sources: the seed's noop-listener tests (no events, idempotent drain, name
 * "noop", default listener is noop), source selection from the options, and
 * the replay source's framing (valid frames, unknown kind passed on for the
 * loop to reject, truncated last frame, oversize frame skipped).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "fa_names.h"
#include "recorder_options.h"
#include "replay_frame.h"
#include "source.h"
#include "source_select.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void test_noop_yields_no_events(void **state)
{
	(void)state;
	struct source *src = source_noop_new();
	struct record_buf buf = {0};
	assert_int_equal(src->ops->drain(src, &buf, 100), SOURCE_MORE);
	assert_int_equal(buf.count, 0);
	src->ops->destroy(src);
}

static void test_noop_drain_is_idempotent(void **state)
{
	(void)state;
	struct source *src = source_noop_new();
	struct record_buf buf = {0};
	for (int i = 0; i < 5; i++) {
		assert_int_equal(src->ops->drain(src, &buf, 100), SOURCE_MORE);
		assert_int_equal(buf.count, 0);
	}
	assert_string_equal(src->ops->backend_name(src), "noop");
	assert_int_equal(src->ops->poll_fd(src), -1);
	assert_false(src->ops->pull);
	src->ops->destroy(src);
	record_buf_free(&buf);
}

static int select_sources(const char **args, int nargs, struct source **srcs, int *n, char *err,
			  size_t errlen)
{
	char *argv[16];
	struct recorder_options o;
	argv[0] = (char *)"flowrec";
	for (int i = 0; i < nargs; i++)
		argv[i + 1] = (char *)args[i];
	assert_int_equal(recorder_options_parse(nargs + 1, argv, &o, err, errlen), OPTIONS_OK);
	*n = 0;
	int rc = source_select_check(&o, err, errlen);
	return rc < 0 ? rc : source_select_start(&o, srcs, n, err, errlen);
}

static void test_default_listener_is_noop(void **state)
{
	(void)state;
	const char *args[] = {"--db", "x.db", "--cell", "c", "--run", "r", "--source", "auto"};
	struct source *srcs[2];
	int n = 0;
	char err[256];
	unsetenv(FA_PER_FLOW_EBPF_ENV);
	assert_int_equal(select_sources(args, 8, srcs, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 1);
	assert_string_equal(srcs[0]->ops->backend_name(srcs[0]), "noop");
	srcs[0]->ops->destroy(srcs[0]);

	/* "yes" is not "1": still noop. */
	setenv(FA_PER_FLOW_EBPF_ENV, "yes", 1);
	assert_int_equal(select_sources(args, 8, srcs, &n, err, sizeof(err)), 0);
	assert_string_equal(srcs[0]->ops->backend_name(srcs[0]), "noop");
	srcs[0]->ops->destroy(srcs[0]);

	/* Exactly "1" asks for ebpf, which needs an interface. */
	setenv(FA_PER_FLOW_EBPF_ENV, "1", 1);
	assert_int_equal(select_sources(args, 8, srcs, &n, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "--iface"));
	assert_int_equal(n, 0);
	unsetenv(FA_PER_FLOW_EBPF_ENV);
}

static void put_frame(FILE *f, uint32_t kind, uint32_t len, const void *data, size_t n)
{
	uint8_t head[8] = {(uint8_t)kind,	  (uint8_t)(kind >> 8), (uint8_t)(kind >> 16),
			   (uint8_t)(kind >> 24), (uint8_t)len,		(uint8_t)(len >> 8),
			   (uint8_t)(len >> 16),  (uint8_t)(len >> 24)};
	fwrite(head, 1, 8, f);
	fwrite(data, 1, n, f);
}

static struct source *replay_of(const char *path)
{
	char err[256];
	struct source *src = source_replay_new(path, err, sizeof(err));
	assert_non_null(src);
	assert_true(src->ops->pull);
	assert_string_equal(src->ops->backend_name(src), "replay");
	return src;
}

static void test_replay_frames(void **state)
{
	(void)state;
	char path[] = "/tmp/flowaudit-replay-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	FILE *f = fdopen(fd, "wb");
	uint8_t rec[40], big[100];
	memset(rec, 7, sizeof(rec));
	memset(big, 9, sizeof(big));
	put_frame(f, REPLAY_KIND_FLOW_V1, 40, rec, 40);
	put_frame(f, 77, 3, "abc", 3);
	put_frame(f, REPLAY_KIND_FLOW_V1, REPLAY_MAX_PAYLOAD + 4, "", 0);
	for (int i = 0; i < (int)(REPLAY_MAX_PAYLOAD + 4) / 100; i++)
		fwrite(big, 1, 100, f);
	fwrite(big, 1, (REPLAY_MAX_PAYLOAD + 4) % 100, f);
	put_frame(f, REPLAY_KIND_CONN_V2, 96, rec, 40); /* cut short: truncated */
	fclose(f);

	struct source *src = replay_of(path);
	struct record_buf buf = {0};
	/* max bounds each drain */
	assert_int_equal(src->ops->drain(src, &buf, 1), SOURCE_MORE);
	assert_int_equal(buf.count, 1);
	assert_int_equal(buf.recs[0].kind, REPLAY_KIND_FLOW_V1);
	assert_int_equal(buf.recs[0].len, 40);
	assert_memory_equal(record_buf_data(&buf, 0), rec, 40);
	record_buf_clear(&buf);
	assert_int_equal(src->ops->drain(src, &buf, 100), SOURCE_EOF);
	assert_int_equal(buf.count, 3);
	assert_int_equal(buf.recs[0].kind, 77);
	assert_memory_equal(record_buf_data(&buf, 0), "abc", 3);
	assert_int_equal(buf.recs[1].kind, RAW_KIND_OVERSIZE);
	assert_int_equal(buf.recs[1].len, REPLAY_MAX_PAYLOAD);
	assert_int_equal(buf.recs[2].kind, RAW_KIND_TRUNCATED);
	assert_int_equal(buf.recs[2].len, 40);
	src->ops->destroy(src);
	record_buf_free(&buf);
	unlink(path);
}

static void test_replay_empty_and_partial_header(void **state)
{
	(void)state;
	char path[] = "/tmp/flowaudit-replay-XXXXXX";
	int fd = mkstemp(path);
	struct record_buf buf = {0};
	struct source *src = replay_of(path);
	assert_int_equal(src->ops->drain(src, &buf, 10), SOURCE_EOF);
	assert_int_equal(buf.count, 0);
	src->ops->destroy(src);
	assert_int_equal(write(fd, "\x01\x00\x00", 3), 3);
	src = replay_of(path);
	assert_int_equal(src->ops->drain(src, &buf, 10), SOURCE_EOF);
	assert_int_equal(buf.count, 1);
	assert_int_equal(buf.recs[0].kind, RAW_KIND_TRUNCATED);
	assert_int_equal(buf.recs[0].len, 3);
	src->ops->destroy(src);
	record_buf_free(&buf);
	close(fd);
	unlink(path);
}

static void test_replay_missing_file(void **state)
{
	(void)state;
	char err[256];
	assert_null(source_replay_new("/nonexistent/replay.bin", err, sizeof(err)));
	assert_non_null(strstr(err, "/nonexistent/replay.bin"));
	assert_non_null(strstr(err, "No such file"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_noop_yields_no_events),
		cmocka_unit_test(test_noop_drain_is_idempotent),
		cmocka_unit_test(test_default_listener_is_noop),
		cmocka_unit_test(test_replay_frames),
		cmocka_unit_test(test_replay_empty_and_partial_header),
		cmocka_unit_test(test_replay_missing_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
