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
 * Whether the sources o asks for can be chosen in this environment: --source
 * auto that chooses ebpf needs --iface. 0, or -EINVAL with a one-line message
 * in err (a usage error).
 */
int source_select_check(const struct recorder_options *o, char *err, size_t errlen);

/*
 * Start the sources o asks for (source_select_check passed) into sources[]
 * (room for RECORDER_MAX_SOURCES), setting *nsources. Returns 0, or the
 * -errno of the source that failed, with a one-line message in err: -ENOSYS
 * when this build or this host lacks what it needs, -ENOMEM out of memory.
 * Sources already started stay in sources[] for the caller to destroy.
 */
int source_select_start(const struct recorder_options *o, struct source **sources, int *nsources,
			char *err, size_t errlen);

#endif
