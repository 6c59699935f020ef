/* SPDX-License-Identifier: Apache-2.0 */
/* The eBPF source of a build without BPF support: says so, as the seed does. */
#include "source_ebpf.h"

#include "monitor_error.h"

#include <errno.h>
#include <stddef.h>

struct source *source_ebpf_new(const struct ebpf_source_config *cfg, char *err, size_t errlen)
{
	(void)cfg;
	monitor_error_feature_disabled(err, errlen);
	errno = ENOSYS;
	return NULL;
}
