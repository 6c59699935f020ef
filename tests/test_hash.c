/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fa_hash (SHA-256 over libcrypto) against the FIPS 180-2 appendix B vectors,
 * one-shot and in pieces, and its text form: the vectors the hand-written
 * implementation it replaced was tested with, so flowq --digest prints the
 * same bytes as before.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "fa_hash.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static void hash_text(const void *p, size_t n, char out[FA_SHA256_TEXT_LEN])
{
	struct fa_sha256 s;
	uint8_t d[FA_SHA256_LEN];
	assert_int_equal(fa_sha256_init(&s), 0);
	fa_sha256_update(&s, p, n);
	assert_int_equal(fa_sha256_final(&s, d), 0);
	fa_sha256_text(d, out);
}

static void fips_vectors(void **state)
{
	(void)state;
	char t[FA_SHA256_TEXT_LEN];
	hash_text("", 0, t);
	assert_string_equal(
		t, "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	hash_text("abc", 3, t);
	assert_string_equal(
		t, "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	const char *m448 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	hash_text(m448, strlen(m448), t);
	assert_string_equal(
		t, "sha256:248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	const char *m896 =
		"abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnop"
		"jklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";
	hash_text(m896, strlen(m896), t);
	assert_string_equal(
		t, "sha256:cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
}

static void million_a_in_uneven_pieces(void **state)
{
	(void)state;
	char *a = malloc(1000000);
	memset(a, 'a', 1000000);
	char t[FA_SHA256_TEXT_LEN];
	hash_text(a, 1000000, t);
	assert_string_equal(
		t, "sha256:cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	struct fa_sha256 s;
	uint8_t d[FA_SHA256_LEN];
	assert_int_equal(fa_sha256_init(&s), 0);
	size_t done = 0, step = 1;
	while (done < 1000000) {
		size_t n = step < 1000000 - done ? step : 1000000 - done;
		fa_sha256_update(&s, a + done, n);
		done += n;
		step = step * 7 % 131 + 1; /* 1..131: crosses block edges every way */
	}
	assert_int_equal(fa_sha256_final(&s, d), 0);
	fa_sha256_text(d, t);
	assert_string_equal(
		t, "sha256:cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	free(a);
}

/* Lengths around the padding edge (55, 56, 63, 64 bytes) agree piecewise and whole. */
static void padding_edges(void **state)
{
	(void)state;
	unsigned char buf[130];
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (unsigned char)i;
	for (size_t n = 50; n <= 130; n++) {
		char whole[FA_SHA256_TEXT_LEN], parts[FA_SHA256_TEXT_LEN];
		hash_text(buf, n, whole);
		struct fa_sha256 s;
		uint8_t d[FA_SHA256_LEN];
		assert_int_equal(fa_sha256_init(&s), 0);
		for (size_t i = 0; i < n; i++)
			fa_sha256_update(&s, buf + i, 1);
		assert_int_equal(fa_sha256_final(&s, d), 0);
		fa_sha256_text(d, parts);
		assert_string_equal(whole, parts);
	}
}

/* The one-shot helper agrees with the streaming one; a freed context can be freed again. */
static void one_shot_and_free(void **state)
{
	(void)state;
	uint8_t d[FA_SHA256_LEN];
	char t[FA_SHA256_TEXT_LEN];
	assert_int_equal(fa_sha256("abc", 3, d), 0);
	fa_sha256_text(d, t);
	assert_string_equal(
		t, "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	struct fa_sha256 s;
	assert_int_equal(fa_sha256_init(&s), 0);
	fa_sha256_update(&s, "abc", 3);
	fa_sha256_free(&s);
	fa_sha256_free(&s);
	assert_null(s.ctx);
	struct fa_sha256 zero = {0};
	fa_sha256_free(&zero);
	/* A finished hash cannot be finished twice: the context is gone. */
	assert_int_equal(fa_sha256_init(&s), 0);
	assert_int_equal(fa_sha256_final(&s, d), 0);
	assert_int_equal(fa_sha256_final(&s, d), -EIO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fips_vectors),
		cmocka_unit_test(million_a_in_uneven_pieces),
		cmocka_unit_test(padding_edges),
		cmocka_unit_test(one_shot_and_free),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
