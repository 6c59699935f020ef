/* SPDX-License-Identifier: Apache-2.0 */
/* Source selection; see source_select.h. */
#include "source_select.h"

#include "fa_names.h"
#include "source_ebpf.h"
#ifdef FLOWAUDIT_WITH_NFLOG
#include "source_nflog.h"
#endif

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

/* --source auto chooses ebpf when the seed's environment flag says so. */
static bool auto_chooses_ebpf(void)
{
	return fa_env_flag_enabled(getenv(FA_PER_FLOW_EBPF_ENV));
}

static struct source *start_ebpf(const struct recorder_options *o, char *err, size_t errlen)
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
	return source_ebpf_new(&cfg, err, errlen);
}

/* The one capture source (not NFLOG) o asks for; NULL with errno and err. */
static struct source *start_capture(const struct recorder_options *o, char *err, size_t errlen)
{
	struct source *src;
	if (o->replay)
		return source_replay_new(o->replay, err, errlen);
	if (o->iface && (o->source_mode != SOURCE_MODE_AUTO || auto_chooses_ebpf()))
		return start_ebpf(o, err, errlen);
	src = source_noop_new();
	if (!src)
		snprintf(err, errlen, "out of memory starting the source");
	return src;
}

int source_select_check(const struct recorder_options *o, char *err, size_t errlen)
{
	if (o->source_mode == SOURCE_MODE_AUTO && auto_chooses_ebpf() && !o->iface) {
		snprintf(err, errlen, "--source auto chose ebpf (%s=1) but no --iface was given",
			 FA_PER_FLOW_EBPF_ENV);
		return -EINVAL;
	}
	return 0;
}

int source_select_start(const struct recorder_options *o, struct source **sources, int *nsources,
			char *err, size_t errlen)
{
	if (o->replay || o->iface || o->source_mode != SOURCE_MODE_NONE) {
		struct source *src = start_capture(o, err, errlen);
		if (!src)
			return -errno;
		sources[(*nsources)++] = src;
	}
	if (o->nflog_group >= 0) {
#ifdef FLOWAUDIT_WITH_NFLOG
		struct source *nf = source_nflog_new(o->nflog_group, o->netns, err, errlen);
		if (!nf)
			return -errno;
		sources[(*nsources)++] = nf;
#else
		snprintf(err, errlen, "--nflog-group: NFLOG support is not enabled on this build");
		return -ENOSYS;
#endif
	}
	return 0;
}
