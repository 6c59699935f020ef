/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The seed's EbpfMonitorError texts, one formatter each, so every backend
 * reports a failure with the same words (tests and operators grep for them).
 * Each writes one line into buf and returns buf.
 */
#ifndef FLOWAUDIT_MONITOR_ERROR_H
#define FLOWAUDIT_MONITOR_ERROR_H

#include <stddef.h>

char *monitor_error_unsupported(char *buf, size_t len, const char *host);
char *monitor_error_feature_disabled(char *buf, size_t len);
char *monitor_error_object_missing(char *buf, size_t len, const char *path);
char *monitor_error_setns(char *buf, size_t len, const char *detail);
char *monitor_error_load_failed(char *buf, size_t len, const char *message);
char *monitor_error_attach_failed(char *buf, size_t len, const char *iface, const char *message);
char *monitor_error_ringbuf_open_failed(char *buf, size_t len, const char *message);

#endif
