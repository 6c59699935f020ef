/* SPDX-License-Identifier: Apache-2.0 */
/* Source selection; see source_select.h. */
#include "source_select.h"

#include "fa_exit.h"
#include "fa_names.h"
#include "source_ebpf.h"
#ifdef FLOWAUDIT_WITH_NFLOG
#include "source_nflog.h"
#endif

#include <stdio.h>
#include <stdlib.h>

static int start_ebpf(const struct recorder_options *o, struct source **out, char *err,
		      size_t errlen)
{
	const char *object = o->bpf_object;
	if (!object && getenv(EBPF_OBJECT_PATH_ENV) && *getenv(EBPF_OBJECT_PATH_ENV))
		object = getenv(EBPF_OBJECT_PATH_ENV);
	struct ebpf_source_config cfg = {
		.iface = o->iface,
		.netns = o->netns,
		.iface_side_host = o->iface_side_host,
		.bpf_object = object,
		.ringbuf_bytes = o->ringbuf_bytes,
		.flow_table_entries = o->flow_table_entries,
		.flow_rate = o->flow_rate,
		.fail_closed = o->fail_closed,
		.tcx_only = o->user != NULL,
	};
	int code = FA_EXIT_SOURCE;
	*out = source_ebpf_new(&cfg, err, errlen, &code);
	return *out ? 0 : code;
}

int source_select_start(const struct recorder_options *o, struct source **sources, int *nsources,
			char *err, size_t errlen)
{
	int rc = 0;
	struct source *src = NULL;
	if (o->replay) {
		src = source_replay_new(o->replay, err, errlen);
		if (!src)
			return FA_EXIT_SOURCE;
	} else if (o->source_mode == SOURCE_MODE_NOOP) {
		src = source_noop_new();
	} else if (o->source_mode == SOURCE_MODE_AUTO) {
		if (fa_env_flag_enabled(getenv(FA_PER_FLOW_EBPF_ENV))) {
			if (!o->iface) {
				snprintf(err, errlen,
					 "--source auto chose ebpf (%s=1) but no --iface was given",
					 FA_PER_FLOW_EBPF_ENV);
				return FA_EXIT_USAGE;
			}
			rc = start_ebpf(o, &src, err, errlen);
		} else {
			src = source_noop_new();
		}
	} else if (o->iface) {
		rc = start_ebpf(o, &src, err, errlen);
	}
	if (rc)
		return rc;
	if (src)
		sources[(*nsources)++] = src;
	if (o->nflog_group >= 0) {
#ifdef FLOWAUDIT_WITH_NFLOG
		int code = FA_EXIT_SOURCE;
		struct source *nf = source_nflog_new(o->nflog_group, o->netns, err, errlen, &code);
		if (!nf)
			return code;
		sources[(*nsources)++] = nf;
#else
		snprintf(err, errlen, "--nflog-group: NFLOG support is not enabled on this build");
		return FA_EXIT_UNSUPPORTED;
#endif
	}
	if (*nsources == 0) {
		snprintf(err, errlen, "out of memory starting the source");
		return FA_EXIT_INTERNAL;
	}
	return 0;
}
