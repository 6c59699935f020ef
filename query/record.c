/* SPDX-License-Identifier: Apache-2.0 */
/* Value constructors; see record.h. */
#include "record.h"

#include <string.h>

struct fq_value fq_v_null(void)
{
	return (struct fq_value){.type = FQ_V_NULL};
}

struct fq_value fq_v_text(const char *s)
{
	if (!s)
		return fq_v_null();
	return (struct fq_value){.type = FQ_V_TEXT, .s = s, .len = strlen(s)};
}

struct fq_value fq_v_textn(const char *s, size_t len)
{
	if (!s)
		return fq_v_null();
	return (struct fq_value){.type = FQ_V_TEXT, .s = s, .len = len};
}

struct fq_value fq_v_uint(uint64_t u)
{
	return (struct fq_value){.type = FQ_V_UINT, .u = u};
}

struct fq_value fq_v_int(int64_t i)
{
	return (struct fq_value){.type = FQ_V_INT, .i = i};
}

struct fq_value fq_v_bool(bool b)
{
	return (struct fq_value){.type = FQ_V_BOOL, .b = b};
}
