/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The neutral shape every flowq output goes through: a record is an array of
 * typed values in the order of a schema's keys. Writers (JSON, CBOR, table)
 * only see records, so a sub-command never formats bytes itself.
 * Text values are borrowed: they must stay valid until the writer returns.
 */
#ifndef FLOWQ_RECORD_H
#define FLOWQ_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

enum fq_vtype {
	FQ_V_NULL = 0,
	FQ_V_TEXT,
	FQ_V_UINT,
	FQ_V_INT,
	FQ_V_BOOL,
};

struct fq_value {
	enum fq_vtype type;
	union {
		struct {
			const char *s; /* FQ_V_TEXT: bytes, not necessarily NUL-terminated
					* or valid UTF-8 */
			size_t len; /* FQ_V_TEXT: byte count */
		};
		uint64_t u; /* FQ_V_UINT */
		int64_t i; /* FQ_V_INT */
		bool b; /* FQ_V_BOOL */
	};
};

struct fq_schema {
	size_t n; /* number of keys */
	const char *const *keys; /* key names, in output (JSON, table) order */
	const uint8_t *cbor_order; /* key indexes sorted by encoded CBOR key, or NULL (no CBOR) */
	const uint8_t *table_cols; /* key indexes shown by the table format, or NULL for all */
	size_t table_n; /* entries in table_cols */
};

/* Value constructors (inline: a record is built from many). fq_v_text(NULL) is null. */
static inline struct fq_value fq_v_null(void)
{
	return (struct fq_value){.type = FQ_V_NULL};
}

static inline struct fq_value fq_v_textn(const char *s, size_t len)
{
	if (!s)
		return fq_v_null();
	return (struct fq_value){.type = FQ_V_TEXT, .s = s, .len = len};
}

static inline struct fq_value fq_v_text(const char *s)
{
	return fq_v_textn(s, s ? strlen(s) : 0);
}

static inline struct fq_value fq_v_uint(uint64_t u)
{
	return (struct fq_value){.type = FQ_V_UINT, .u = u};
}

static inline struct fq_value fq_v_int(int64_t i)
{
	return (struct fq_value){.type = FQ_V_INT, .i = i};
}

static inline struct fq_value fq_v_bool(bool b)
{
	return (struct fq_value){.type = FQ_V_BOOL, .b = b};
}

#endif
