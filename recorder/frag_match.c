/* SPDX-License-Identifier: Apache-2.0 */
/* Fragment matching for NFLOG packets; see frag_match.h. */
#include "frag_match.h"

#include "frag_track.h"
#include "packet_rules.h"

#include <stdlib.h>
#include <string.h>

struct frag_slot {
	struct frag_key key;
	bool used;
	int64_t first_kns;
	uint16_t src_port, dst_port;
	bool icmp_fields;
	uint8_t icmp_type, icmp_code;
	uint16_t icmp_id;
};

struct frag_match {
	struct frag_slot slots[FRAG_MATCH_SLOTS];
};

_Static_assert((FRAG_MATCH_SLOTS & (FRAG_MATCH_SLOTS - 1)) == 0, "slots: a power of two");

struct frag_match *frag_match_new(void)
{
	return calloc(1, sizeof(struct frag_match));
}

void frag_match_free(struct frag_match *fm)
{
	free(fm);
}

static void make_key(const struct fa_event *ev, struct frag_key *k)
{
	memset(k, 0, sizeof(*k));
	k->family = ev->family;
	k->protocol = ev->protocol;
	k->id = ev->frag_id;
	memcpy(k->src, ev->src.b, sizeof(k->src));
	memcpy(k->dst, ev->dst.b, sizeof(k->dst));
}

static struct frag_slot *slot_of(struct frag_match *fm, const struct frag_key *k)
{
	/* FNV-1a over the packed key (no padding bytes: it is zeroed first). */
	const uint8_t *p = (const uint8_t *)k;
	uint64_t h = 0xcbf29ce484222325ULL;
	for (size_t i = 0; i < sizeof(*k); i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	return &fm->slots[(h ^ h >> 32) & (FRAG_MATCH_SLOTS - 1)];
}

bool frag_match_apply(struct frag_match *fm, struct fa_event *ev)
{
	struct frag_key k;
	if (ev->frag == PKT_FRAG_NONE)
		return true;
	make_key(ev, &k);
	struct frag_slot *s = slot_of(fm, &k);
	if (ev->frag == PKT_FRAG_FIRST) {
		*s = (struct frag_slot){
			.key = k,
			.used = true,
			.first_kns = ev->first_seen_kns,
			.src_port = ev->src_port,
			.dst_port = ev->dst_port,
			.icmp_fields = ev->icmp_fields,
			.icmp_type = ev->icmp_type,
			.icmp_code = ev->icmp_code,
			.icmp_id = ev->icmp_id,
		};
		return true;
	}
	if (!s->used || memcmp(&s->key, &k, sizeof(k)) != 0 ||
	    ev->first_seen_kns - s->first_kns > (int64_t)PKT_FRAG_TRACK_NS ||
	    ev->first_seen_kns < s->first_kns)
		return false;
	ev->src_port = s->src_port;
	ev->dst_port = s->dst_port;
	ev->icmp_fields = s->icmp_fields;
	ev->icmp_type = s->icmp_type;
	ev->icmp_code = s->icmp_code;
	ev->icmp_id = s->icmp_id;
	return true;
}
