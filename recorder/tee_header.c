/* SPDX-License-Identifier: Apache-2.0 */
/* The run's clock identity and the tee header frame; see tee_header.h. */
#include "tee_header.h"

#include "fa_text.h"
#include "fa_time.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define BOOT_ID_PATH "/proc/sys/kernel/random/boot_id"

/* "01234567-89ab-cdef-0123-456789abcdef" to 16 bytes; -1 when it is not that. */
static int parse_uuid(const char *text, uint8_t out[16])
{
	size_t n = 0;
	for (const char *p = text; *p && *p != '\n'; p++) {
		if (*p == '-')
			continue;
		if (!isxdigit((unsigned char)p[0]) || !isxdigit((unsigned char)p[1]) || n == 16)
			return -1;
		unsigned v;
		sscanf(p, "%2x", &v);
		out[n++] = (uint8_t)v;
		p++;
	}
	return n == 16 ? 0 : -1;
}

void run_clock_measure(struct run_clock *c)
{
	memset(c, 0, sizeof(*c));
	c->mono_offset_ns = fa_clock_utc_offset(CLOCK_MONOTONIC);
	c->boot_offset_ns = fa_clock_utc_offset(CLOCK_BOOTTIME);
	char text[64] = "";
	FILE *f = fopen(BOOT_ID_PATH, "r");
	if (f) {
		if (!fgets(text, sizeof(text), f) || parse_uuid(text, c->boot_id))
			memset(c->boot_id, 0, sizeof(c->boot_id));
		fclose(f);
	}
	gethostname(c->host, sizeof(c->host) - 1);
}

char *run_clock_boot_id_text(const struct run_clock *c, char *buf)
{
	static const uint8_t zero[16];
	const uint8_t *b = c->boot_id;
	if (memcmp(b, zero, sizeof(zero)) == 0) {
		buf[0] = '\0';
		return buf;
	}
	snprintf(buf, TEE_BOOT_ID_TEXT_LEN,
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
		 b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14],
		 b[15]);
	return buf;
}

static void put_le(unsigned char *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t get_le(const unsigned char *p, int n)
{
	uint64_t v = 0;
	for (int i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

void tee_header_encode(const struct run_clock *c, uint8_t out[REPLAY_TEE_HEADER_SIZE])
{
	struct replay_tee_header h;
	memset(&h, 0, sizeof(h));
	put_le(h.version, REPLAY_TEE_HEADER_VERSION, 4);
	put_le(h.mono_offset_ns, (uint64_t)c->mono_offset_ns, 8);
	put_le(h.boot_offset_ns, (uint64_t)c->boot_offset_ns, 8);
	memcpy(h.boot_id, c->boot_id, sizeof(h.boot_id));
	memcpy(h.host, c->host, strnlen(c->host, sizeof(h.host)));
	memcpy(out, &h, sizeof(h));
}

int tee_header_decode(const void *buf, size_t len, struct run_clock *c, char *why, size_t whylen)
{
	struct replay_tee_header h;
	if (len != REPLAY_TEE_HEADER_SIZE) {
		snprintf(why, whylen, "tee header is %zu bytes, expected exactly %d", len,
			 REPLAY_TEE_HEADER_SIZE);
		return -EINVAL;
	}
	memcpy(&h, buf, sizeof(h));
	uint32_t version = (uint32_t)get_le(h.version, 4);
	if (version != REPLAY_TEE_HEADER_VERSION) {
		snprintf(why, whylen, "tee header version %u is not %u, the one this build reads",
			 version, REPLAY_TEE_HEADER_VERSION);
		return -EINVAL;
	}
	size_t host_len = strnlen(h.host, sizeof(h.host));
	if (!fa_text_is_clean(h.host, host_len)) {
		snprintf(why, whylen, "tee header host is not UTF-8 without control characters");
		return -EINVAL;
	}
	memset(c, 0, sizeof(*c));
	c->mono_offset_ns = (int64_t)get_le(h.mono_offset_ns, 8);
	c->boot_offset_ns = (int64_t)get_le(h.boot_offset_ns, 8);
	memcpy(c->boot_id, h.boot_id, sizeof(c->boot_id));
	memcpy(c->host, h.host, host_len);
	return 0;
}
