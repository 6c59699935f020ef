/* SPDX-License-Identifier: Apache-2.0 */
/* Number-to-name tables; see fa_names.h. */
#include "fa_names.h"

#include "conn_common.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const struct {
	unsigned number;
	const char *name;
} protocols[] = {{6, "tcp"}, {17, "udp"}, {1, "icmp"}, {58, "icmpv6"}};

const char *fa_protocol_name(unsigned proto)
{
	for (size_t i = 0; i < sizeof(protocols) / sizeof(protocols[0]); i++)
		if (protocols[i].number == proto)
			return protocols[i].name;
	return NULL;
}

int fa_protocol_parse(const char *text)
{
	for (size_t i = 0; i < sizeof(protocols) / sizeof(protocols[0]); i++)
		if (strcmp(protocols[i].name, text) == 0)
			return (int)protocols[i].number;
	if (text[0] < '0' || text[0] > '9')
		return -EINVAL;
	char *end = NULL;
	unsigned long n = strtoul(text, &end, 10);
	if (*end != '\0' || n > 255)
		return -EINVAL;
	return (int)n;
}

const char *fa_close_reason_name(unsigned reason)
{
	static const char *const names[CONN_CLOSE_REASON_COUNT] = {
		[CONN_CLOSE_NONE] = NULL,	  [CONN_CLOSE_TCP_FIN] = "tcp_fin",
		[CONN_CLOSE_TCP_RST] = "tcp_rst", [CONN_CLOSE_IDLE] = "idle",
		[CONN_CLOSE_RUN_END] = "run_end", [CONN_CLOSE_EVICTED] = "evicted",
	};
	return reason < CONN_CLOSE_REASON_COUNT ? names[reason] : NULL;
}

const char *fa_direction_name(unsigned dir)
{
	return dir == CONN_DIR_INGRESS ? "ingress" : "egress";
}

bool fa_env_flag_enabled(const char *value)
{
	return value != NULL && strcmp(value, "1") == 0;
}
