/* SPDX-License-Identifier: Apache-2.0 */
/* The seed's monitor error texts; see monitor_error.h. */
#include "monitor_error.h"

#include <stdio.h>

char *monitor_error_unsupported(char *buf, size_t len, const char *host)
{
	snprintf(buf, len, "eBPF flow monitor is Linux-only (host platform: %s)", host);
	return buf;
}

char *monitor_error_feature_disabled(char *buf, size_t len)
{
	snprintf(buf, len,
		 "eBPF flow monitor requested but BPF support (FLOWAUDIT_WITH_BPF) is not enabled "
		 "on this build");
	return buf;
}

char *monitor_error_object_missing(char *buf, size_t len, const char *path)
{
	snprintf(buf, len, "eBPF object file missing at %s", path);
	return buf;
}

char *monitor_error_setns(char *buf, size_t len, const char *detail)
{
	snprintf(buf, len, "setns(CLONE_NEWNET) into cell netns failed: %s", detail);
	return buf;
}

char *monitor_error_load_failed(char *buf, size_t len, const char *message)
{
	snprintf(buf, len, "BPF object load failed: %s", message);
	return buf;
}

char *monitor_error_attach_failed(char *buf, size_t len, const char *iface, const char *message)
{
	snprintf(buf, len, "tc clsact attach to %s failed: %s", iface, message);
	return buf;
}

char *monitor_error_ringbuf_open_failed(char *buf, size_t len, const char *message)
{
	snprintf(buf, len, "ring-buffer map open failed: %s", message);
	return buf;
}
