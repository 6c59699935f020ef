/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Choosing and starting the capture sources from the options: --replay,
 * --iface (ebpf), --source noop|auto (auto: ebpf when
 * CELLOS_FIRECRACKER_PER_FLOW_EBPF is exactly "1", else noop, as the seed's
 * build_default_listener), plus --nflog-group.
 */
#ifndef FLOWAUDIT_SOURCE_SELECT_H
#define FLOWAUDIT_SOURCE_SELECT_H

#include "recorder_options.h"
#include "source.h"

#include <stddef.h>

/*
 * Start the sources o asks for into sources[] (room for RECORDER_MAX_SOURCES),
 * setting *nsources. Returns 0, or an fa_exit code with a one-line message in
 * err; sources already started stay in sources[] for the caller to destroy.
 */
int source_select_start(const struct recorder_options *o, struct source **sources, int *nsources,
			char *err, size_t errlen);

#endif
