/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cbor_count: counts the top-level items of an RFC 8742 CBOR sequence (what
 * `flowq export --format cbor-seq` writes), so the export benchmark can check
 * that cbor-seq delivered as many records as sqlite3 selected.
 *
 *   cbor_count FILE
 *
 * Walks every item's structure (definite lengths only, as flowq's
 * deterministic encoding has) without building anything. Prints the count, or
 * fails naming the offset of the first malformed or truncated item.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

struct in {
	FILE *f;
	uint64_t off;
};

static int byte(struct in *in)
{
	int c = getc(in->f);
	if (c != EOF)
		in->off++;
	return c;
}

static void bad(const struct in *in, const char *why)
{
	fprintf(stderr, "cbor_count: %s at byte %llu\n", why, (unsigned long long)in->off);
	exit(1);
}

/* The argument of a head whose additional information is ai. */
static uint64_t argument(struct in *in, int ai)
{
	if (ai < 24)
		return (uint64_t)ai;
	if (ai > 27)
		bad(in, "indefinite length or reserved additional information");
	uint64_t v = 0;
	for (int i = 0; i < 1 << (ai - 24); i++) {
		int c = byte(in);
		if (c == EOF)
			bad(in, "truncated head");
		v = v << 8 | (uint64_t)c;
	}
	return v;
}

/* Skip one whole item whose first byte is first. */
static void skip_item(struct in *in, int first, int depth)
{
	if (depth > 64)
		bad(in, "nesting too deep");
	int major = first >> 5;
	uint64_t arg = argument(in, first & 31);
	if (major == 2 || major == 3) {
		for (uint64_t i = 0; i < arg; i++)
			if (byte(in) == EOF)
				bad(in, "truncated string");
	} else if (major == 4 || major == 5 || major == 6) {
		uint64_t items = major == 4 ? arg : major == 5 ? 2 * arg : 1;
		for (uint64_t i = 0; i < items; i++) {
			int c = byte(in);
			if (c == EOF)
				bad(in, "truncated container");
			skip_item(in, c, depth + 1);
		}
	}
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fputs("usage: cbor_count FILE\n", stderr);
		return 2;
	}
	struct in in = {.f = fopen(argv[1], "rb")};
	if (!in.f) {
		perror(argv[1]);
		return 1;
	}
	unsigned long long items = 0;
	int c;
	while ((c = byte(&in)) != EOF) {
		skip_item(&in, c, 0);
		items++;
	}
	fclose(in.f);
	printf("%llu\n", items);
	return 0;
}
