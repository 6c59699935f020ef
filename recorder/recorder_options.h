/* SPDX-License-Identifier: Apache-2.0 */
/*
 * flowrec's command line: parsing, validation and the usage text. Every value
 * is checked here, so the rest of the recorder never sees a bad one.
 */
#ifndef FLOWAUDIT_RECORDER_OPTIONS_H
#define FLOWAUDIT_RECORDER_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

enum source_mode {
	SOURCE_MODE_NONE = 0, /* chosen by --iface / --replay / --nflog-group */
	SOURCE_MODE_NOOP,
	SOURCE_MODE_AUTO,
};

/*
 * TCP idle timeout default: 2 h 4 min, the least a NAT may keep an idle
 * established connection (RFC 5382, REQ-5), just above the 2 h of Linux TCP
 * keepalives. nf_conntrack keeps established entries 5 days and relies on
 * table pressure; here a connection idle longer is not split into an invented
 * one: its next packet continues it as a midstream flow (see
 * docs/design-notes.md).
 */
#define TCP_IDLE_DEFAULT_S 7440

/* The seed's environment variable naming an external v1 object (as --bpf-object). */
#define EBPF_OBJECT_PATH_ENV "CELLOS_EBPF_OBJECT_PATH"

struct recorder_options {
	const char *db;
	const char *cell;
	const char *run;
	const char *iface;
	const char *netns;
	bool iface_side_host;
	const char *replay;
	enum source_mode source_mode;
	int nflog_group; /* -1: none */
	uint32_t batch_events;
	uint32_t batch_ms;
	bool durability_full;
	const char *policy_digest;
	const char *keyset_id;
	const char *issuer_kid;
	const char *correlation_id;
	const char *bpf_object;
	uint32_t tcp_idle_s; /* default TCP_IDLE_DEFAULT_S */
	uint32_t udp_idle_s;
	const char *user;
	const char *tee;
	uint32_t stats_s;
	uint32_t ringbuf_bytes;
	uint32_t flow_table_entries;
	uint32_t flow_rate; /* 0: the program's default (FLOW_BUDGET_DEFAULT_RATE) */
	bool fail_closed;
	uint32_t store_retry_s;
	uint32_t backlog; /* records held in memory between a kernel ring and the store */
	bool quiet;
	bool help; /* --help: main prints the usage and exits 0; nothing else was checked */
	bool version; /* --version: the same, with the version */
};

enum options_result {
	OPTIONS_OK = 0,
};

/*
 * Parse argv into o (defaults first). Returns OPTIONS_OK (with o->help or
 * o->version set when asked: the rest is then not checked), or -EINVAL with a one-line message in err naming the option and the accepted
 * form (a bad command line).
 */
int recorder_options_parse(int argc, char **argv, struct recorder_options *o, char *err,
			   size_t errlen);
/* The full usage text, generated from the option table. */
void recorder_options_usage(FILE *out);

#endif
