/* SPDX-License-Identifier: Apache-2.0 */
/* The eBPF source of a build without BPF support: says so, as the seed does. */
#include "source_ebpf.h"

#include "fa_exit.h"
#include "monitor_error.h"

#include <stddef.h>

struct source *source_ebpf_new(const struct ebpf_source_config *cfg, char *err, size_t errlen,
			       int *exit_code)
{
	(void)cfg;
	monitor_error_feature_disabled(err, errlen);
	*exit_code = FA_EXIT_UNSUPPORTED;
	return NULL;
}
