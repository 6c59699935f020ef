/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The nflog source; see source_nflog.h.
 *
 * Set-up, inside the cell's namespace: a NETLINK_NETFILTER socket (libmnl),
 * a receive buffer sized for bursts, and one nfnetlink_log config message that
 * binds the group and sets, atomically, the copy mode (the first
 * NFLOG_COPY_RANGE bytes of each packet: IPv6 with extension headers plus a
 * transport header), the batch size and flush timeout, and per-group sequence
 * numbers. No PF_BIND/PF_UNBIND: since Linux 3.17 `log group N` reaches
 * nfnetlink_log without a per-family binding, and unbinding would take the
 * namespace's default logger away from whoever set it.
 *
 * Every packet message becomes one frame, whatever it holds: a message
 * without a payload or with an unknown family still becomes a frame, which
 * the decoder rejects into `rejects`, so nothing the kernel sent disappears.
 *
 * Losses: ENOBUFS from recv (the kernel dropped a batch because the socket
 * buffer was full) counts one overrun; the gap in the group's sequence
 * numbers says how many packets it cost. A datagram larger than the receive
 * buffer (cannot happen with the sizes below) counts as an overrun too.
 */
#include "source_nflog.h"

#include "netns.h"
#include "nflog_frame.h"
#include "packet_rules.h"
#include "replay_frame.h"

#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/if_ether.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_log.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#define NFLOG_COPY_RANGE 256u /* IPv6 header + extension headers + TCP header */
#define NFLOG_NLBUFSIZ 65536u /* kernel batch (one datagram) size */
#define NFLOG_FLUSH_CENTIS 1u /* flush a partial batch after 10 ms */
#define NFLOG_QTHRESH 64u /* or after this many packets */
#define NFLOG_RCVBUF (4u << 20) /* socket receive buffer for bursts */
#define NFLOG_RX_SIZE (2 * NFLOG_NLBUFSIZ) /* one recv: a whole batch, with room */
#define NFLOG_ACK_TIMEOUT_MS 2000
/* A frame: header, the longest prefix, the largest payload a netlink attribute holds. */
#define NFLOG_FRAME_CAP (NFLOG_FRAME_HEADER_SIZE + NFLOG_FRAME_PREFIX_MAX + 65536)

struct nflog_source {
	struct source base;
	struct mnl_socket *nl;
	int fd;
	int group;
	uint32_t cfg_seq;
	/* Where packet frames go: the loop's buffer in drain(), pending during set-up. */
	struct record_buf *target;
	struct record_buf pending;
	int64_t rx_boot_ns; /* receipt time of the datagram being parsed */
	bool have_seq;
	uint32_t next_seq;
	uint64_t packets;
	uint64_t overruns;
	uint64_t lost_packets; /* from sequence gaps */
	uint64_t push_failures; /* out of memory copying a frame */
	uint64_t nonconforming_prefixes;
	uint8_t *rx;
	uint8_t *frame;
};

static int64_t boot_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

struct packet_attrs {
	const struct nlattr *tb[NFULA_MAX + 1];
};

static int packet_attr_cb(const struct nlattr *attr, void *data)
{
	struct packet_attrs *a = data;
	int type = mnl_attr_get_type(attr);
	if (type < 0 || type > NFULA_MAX)
		return MNL_CB_OK; /* newer kernel attribute: ignore */
	switch (type) {
	case NFULA_PACKET_HDR:
		if (mnl_attr_validate2(attr, MNL_TYPE_UNSPEC,
				       sizeof(struct nfulnl_msg_packet_hdr)) < 0)
			return MNL_CB_OK; /* leave it out: the frame gets hook unknown */
		break;
	case NFULA_SEQ:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
			return MNL_CB_OK;
		break;
	default:
		break;
	}
	a->tb[type] = attr;
	return MNL_CB_OK;
}

static uint8_t family_of(uint8_t nfgen_family, const struct nfulnl_msg_packet_hdr *ph)
{
	if (nfgen_family == AF_INET)
		return PKT_FAMILY_IPV4;
	if (nfgen_family == AF_INET6)
		return PKT_FAMILY_IPV6;
	if (ph && ntohs(ph->hw_protocol) == ETH_P_IP)
		return PKT_FAMILY_IPV4;
	if (ph && ntohs(ph->hw_protocol) == ETH_P_IPV6)
		return PKT_FAMILY_IPV6;
	return 0;
}

/* One NFULNL_MSG_PACKET message: build its frame and push it to the target. */
static void on_packet(struct nflog_source *s, const struct nlmsghdr *nlh)
{
	struct packet_attrs a = {0};
	struct nflog_frame_hdr h = {0};
	const struct nfgenmsg *nfg;
	const struct nfulnl_msg_packet_hdr *ph = NULL;
	const char *prefix = "";
	size_t prefix_len = 0, packet_len = 0;
	const void *packet = NULL;

	s->packets++;
	if (nlh->nlmsg_len < MNL_NLMSG_HDRLEN + sizeof(*nfg)) {
		h.family = 0; /* the decoder rejects it; the frame is still kept */
	} else {
		nfg = mnl_nlmsg_get_payload(nlh);
		/* A malformed attribute stops the parse; what was parsed is used. */
		mnl_attr_parse(nlh, sizeof(*nfg), packet_attr_cb, &a);
		if (a.tb[NFULA_PACKET_HDR])
			ph = mnl_attr_get_payload(a.tb[NFULA_PACKET_HDR]);
		h.family = family_of(nfg->nfgen_family, ph);
	}
	h.hook = ph ? ph->hook : NFLOG_HOOK_UNKNOWN;
	h.verdict_hint = NFLOG_VERDICT_HINT_DROP;
	h.boot_ns = (uint64_t)s->rx_boot_ns;
	if (a.tb[NFULA_PREFIX]) {
		prefix = mnl_attr_get_payload(a.tb[NFULA_PREFIX]);
		prefix_len = strnlen(prefix, mnl_attr_get_payload_len(a.tb[NFULA_PREFIX]));
		if (prefix_len > NFLOG_FRAME_PREFIX_MAX)
			prefix_len = NFLOG_FRAME_PREFIX_MAX;
	}
	if (a.tb[NFULA_PAYLOAD]) {
		packet = mnl_attr_get_payload(a.tb[NFULA_PAYLOAD]);
		packet_len = mnl_attr_get_payload_len(a.tb[NFULA_PAYLOAD]);
	}
	if (a.tb[NFULA_SEQ]) {
		uint32_t seq = ntohl(mnl_attr_get_u32(a.tb[NFULA_SEQ]));
		if (s->have_seq && seq != s->next_seq)
			s->lost_packets += (uint32_t)(seq - s->next_seq);
		s->have_seq = true;
		s->next_seq = seq + 1;
	}
	struct nflog_prefix_info info;
	if (nflog_prefix_parse(prefix, prefix_len, &info) != 0)
		s->nonconforming_prefixes++;

	size_t n = nflog_frame_build(s->frame, NFLOG_FRAME_CAP, &h, prefix, prefix_len, packet,
				     packet_len);
	if (n == 0 || record_buf_push(s->target, REPLAY_KIND_NFLOG, s->frame, n) != 0)
		s->push_failures++;
}

/*
 * Walk the netlink messages of one datagram. Packet messages become frames;
 * the acknowledgement of config message cfg_seq (if nonzero) sets *acked and
 * *ack_errno (0 or the kernel's errno).
 */
static void on_datagram(struct nflog_source *s, const void *buf, size_t len, uint32_t cfg_seq,
			bool *acked, int *ack_errno)
{
	int remaining = (int)len;
	const struct nlmsghdr *nlh = buf;
	s->rx_boot_ns = boot_now_ns();
	while (mnl_nlmsg_ok(nlh, remaining)) {
		if (nlh->nlmsg_type == ((NFNL_SUBSYS_ULOG << 8) | NFULNL_MSG_PACKET)) {
			on_packet(s, nlh);
		} else if (nlh->nlmsg_type == NLMSG_ERROR && cfg_seq && nlh->nlmsg_seq == cfg_seq &&
			   nlh->nlmsg_len >= MNL_NLMSG_HDRLEN + sizeof(struct nlmsgerr)) {
			const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
			*acked = true;
			*ack_errno = -e->error;
		}
		nlh = mnl_nlmsg_next(nlh, &remaining);
	}
}

/* Start a config message for the group (nfgen_family AF_UNSPEC). */
static struct nlmsghdr *cfg_header(void *buf, int group, uint32_t seq, bool ack)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = (NFNL_SUBSYS_ULOG << 8) | NFULNL_MSG_CONFIG;
	nlh->nlmsg_flags = NLM_F_REQUEST | (ack ? NLM_F_ACK : 0);
	nlh->nlmsg_seq = seq;
	struct nfgenmsg *nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
	nfg->nfgen_family = AF_UNSPEC;
	nfg->version = NFNETLINK_V0;
	nfg->res_id = htons((uint16_t)group);
	return nlh;
}

/* Send the bind-and-configure message and wait for its acknowledgement: 0 or -errno. */
static int bind_group(struct nflog_source *s)
{
	char buf[256] __attribute__((aligned(4)));
	struct nlmsghdr *nlh = cfg_header(buf, s->group, ++s->cfg_seq, true);
	struct nfulnl_msg_config_cmd cmd = {.command = NFULNL_CFG_CMD_BIND};
	struct nfulnl_msg_config_mode mode = {
		.copy_range = htonl(NFLOG_COPY_RANGE),
		.copy_mode = NFULNL_COPY_PACKET,
	};
	mnl_attr_put(nlh, NFULA_CFG_CMD, sizeof(cmd), &cmd);
	mnl_attr_put(nlh, NFULA_CFG_MODE, sizeof(mode), &mode);
	mnl_attr_put_u32(nlh, NFULA_CFG_NLBUFSIZ, htonl(NFLOG_NLBUFSIZ));
	mnl_attr_put_u32(nlh, NFULA_CFG_TIMEOUT, htonl(NFLOG_FLUSH_CENTIS));
	mnl_attr_put_u32(nlh, NFULA_CFG_QTHRESH, htonl(NFLOG_QTHRESH));
	mnl_attr_put_u16(nlh, NFULA_CFG_FLAGS, htons(NFULNL_CFG_F_SEQ));
	if (mnl_socket_sendto(s->nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;

	bool acked = false;
	int ack_errno = 0;
	struct timespec start;
	clock_gettime(CLOCK_MONOTONIC, &start);
	while (!acked) {
		struct timespec now;
		clock_gettime(CLOCK_MONOTONIC, &now);
		long waited = (now.tv_sec - start.tv_sec) * 1000 +
			      (now.tv_nsec - start.tv_nsec) / 1000000;
		if (waited >= NFLOG_ACK_TIMEOUT_MS)
			return -ETIMEDOUT;
		struct pollfd pfd = {.fd = s->fd, .events = POLLIN};
		int pr = poll(&pfd, 1, (int)(NFLOG_ACK_TIMEOUT_MS - waited));
		if (pr < 0 && errno != EINTR)
			return -errno;
		if (pr <= 0)
			continue;
		ssize_t n = recv(s->fd, s->rx, NFLOG_RX_SIZE, MSG_DONTWAIT | MSG_TRUNC);
		if (n < 0) {
			if (errno == ENOBUFS)
				s->overruns++;
			else if (errno != EAGAIN && errno != EINTR)
				return -errno;
			continue;
		}
		if ((size_t)n > NFLOG_RX_SIZE) {
			s->overruns++;
			continue;
		}
		on_datagram(s, s->rx, (size_t)n, s->cfg_seq, &acked, &ack_errno);
	}
	return -ack_errno;
}

static void unbind_group(struct nflog_source *s)
{
	char buf[128] __attribute__((aligned(4)));
	struct nlmsghdr *nlh = cfg_header(buf, s->group, ++s->cfg_seq, false);
	struct nfulnl_msg_config_cmd cmd = {.command = NFULNL_CFG_CMD_UNBIND};
	mnl_attr_put(nlh, NFULA_CFG_CMD, sizeof(cmd), &cmd);
	/* Best effort: after --user it fails (EPERM); closing the socket frees the group anyway. */
	(void)mnl_socket_sendto(s->nl, nlh, nlh->nlmsg_len);
}

static const char *nflog_name(const struct source *src)
{
	(void)src;
	return "nflog";
}

static int nflog_fd(const struct source *src)
{
	const struct nflog_source *s = (const struct nflog_source *)src;
	return s->fd;
}

/*
 * Frames from the datagrams available now. A datagram is parsed whole, so
 * out may receive up to one batch (NFLOG_QTHRESH packets) beyond max.
 */
static int nflog_drain(struct source *src, struct record_buf *out, size_t max)
{
	struct nflog_source *s = (struct nflog_source *)src;
	size_t start = out->count;
	for (size_t i = 0; i < s->pending.count; i++)
		if (record_buf_push(out, s->pending.recs[i].kind, record_buf_data(&s->pending, i),
				    s->pending.recs[i].len) != 0)
			s->push_failures++;
	record_buf_clear(&s->pending);
	s->target = out;
	while (out->count - start < max) {
		ssize_t n = recv(s->fd, s->rx, NFLOG_RX_SIZE, MSG_DONTWAIT | MSG_TRUNC);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			if (errno == EINTR)
				continue;
			if (errno == ENOBUFS) {
				s->overruns++; /* the kernel dropped a batch; keep reading */
				continue;
			}
			int e = errno;
			fprintf(stderr, "flowrec: nflog group %d: recv: %s\n", s->group,
				strerror(e));
			return -e;
		}
		if ((size_t)n > NFLOG_RX_SIZE) {
			s->overruns++;
			continue;
		}
		bool acked = false;
		int ack_errno = 0;
		on_datagram(s, s->rx, (size_t)n, 0, &acked, &ack_errno);
	}
	return SOURCE_MORE;
}

static int nflog_read_counters(struct source *src, struct source_counters *out)
{
	struct nflog_source *s = (struct nflog_source *)src;
	memset(out, 0, sizeof(*out));
	out->nflog_overruns = s->overruns;
	out->nflog_lost = s->lost_packets;
	out->nflog_nonconforming = s->nonconforming_prefixes;
	out->daemon_drops = s->push_failures;
	return 0;
}

static void nflog_destroy(struct source *src)
{
	struct nflog_source *s = (struct nflog_source *)src;
	if (!s)
		return;
	if (s->nl) {
		unbind_group(s);
		mnl_socket_close(s->nl);
	}
	if (s->packets &&
	    (s->overruns || s->lost_packets || s->push_failures || s->nonconforming_prefixes))
		fprintf(stderr,
			"flowrec: nflog group %d: %llu packets received; netlink overruns %llu "
			"(%llu packets lost), %llu not kept (out of memory), %llu with a log "
			"prefix outside the '<rule_ref> <allow|deny> ' convention\n",
			s->group, (unsigned long long)s->packets, (unsigned long long)s->overruns,
			(unsigned long long)s->lost_packets, (unsigned long long)s->push_failures,
			(unsigned long long)s->nonconforming_prefixes);
	record_buf_free(&s->pending);
	free(s->rx);
	free(s->frame);
	free(s);
}

static const struct source_ops nflog_ops = {
	.backend_name = nflog_name,
	.poll_fd = nflog_fd,
	.drain = nflog_drain,
	.read_counters = nflog_read_counters,
	.destroy = nflog_destroy,
};

/* Open and bind the socket in the current namespace. 0, or -errno with err set. */
static int open_socket(struct nflog_source *s, char *err, size_t errlen)
{
	s->nl = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (!s->nl) {
		int e = errno;
		snprintf(err, errlen, "nflog: netlink socket (NETLINK_NETFILTER): %s", strerror(e));
		return -e;
	}
	if (mnl_socket_bind(s->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		int e = errno;
		snprintf(err, errlen, "nflog: binding the netlink socket: %s", strerror(e));
		return -e;
	}
	s->fd = mnl_socket_get_fd(s->nl);
	int size = (int)NFLOG_RCVBUF;
	/* FORCE passes rmem_max with CAP_NET_ADMIN; without it, take what rmem_max allows. */
	if (setsockopt(s->fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
		(void)setsockopt(s->fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	return 0;
}

/*
 * Bind the group; on failure err says why and what to try. The kernel without
 * nfnetlink_log is this host lacking the feature: -ENOSYS.
 */
static int bind_or_explain(struct nflog_source *s, const char *netns, char *err, size_t errlen)
{
	int rc = bind_group(s);
	const char *in = netns && *netns ? " in namespace " : "",
		   *ns = netns && *netns ? netns : "";
	if (rc == -ENOENT || rc == -EOPNOTSUPP || rc == -EPROTONOSUPPORT) {
		snprintf(err, errlen,
			 "nflog: the kernel has no nfnetlink_log (NFLOG) support: %s; try "
			 "'modprobe nfnetlink_log'",
			 strerror(-rc));
		return -ENOSYS;
	}
	if (rc == -EPERM || rc == -EBUSY)
		snprintf(err, errlen,
			 "nflog: binding NFLOG group %d%s%s: %s (needs CAP_NET_ADMIN in "
			 "the namespace, and no other listener such as ulogd on the group)",
			 s->group, in, ns, strerror(-rc));
	else if (rc)
		snprintf(err, errlen, "nflog: binding NFLOG group %d%s%s: %s", s->group, in, ns,
			 strerror(-rc));
	return rc;
}

struct source *source_nflog_new(int group, const char *netns, char *err, size_t errlen)
{
	struct nflog_source *s = NULL;
	struct netns_saved saved = {.orig_fd = -1};
	char nserr[512];
	int rc;

	if (group < 0 || group > 65535) {
		snprintf(err, errlen, "--nflog-group %d: expected a group number 0-65535", group);
		errno = EINVAL;
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		goto oom;
	s->base.ops = &nflog_ops;
	s->fd = -1;
	s->group = group;
	s->target = &s->pending;
	s->rx = malloc(NFLOG_RX_SIZE);
	s->frame = malloc(NFLOG_FRAME_CAP);
	if (!s->rx || !s->frame)
		goto oom;

	rc = netns_enter(netns, &saved, err, errlen);
	if (rc < 0)
		goto fail;
	rc = open_socket(s, err, errlen);
	if (rc == 0)
		rc = bind_or_explain(s, netns, err, errlen);
	/* Return to our own namespace whatever happened; the socket stays in the cell's. */
	int back = netns_restore(&saved, nserr, sizeof(nserr));
	if (back < 0) {
		snprintf(err, errlen, "%s", nserr);
		rc = back;
	}
	if (rc)
		goto fail;
	return &s->base;

oom:
	snprintf(err, errlen, "nflog: out of memory");
	rc = -ENOMEM;
fail:
	nflog_destroy(s ? &s->base : NULL);
	errno = -rc;
	return NULL;
}
