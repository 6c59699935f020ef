/* SPDX-License-Identifier: Apache-2.0 */
/*
 * flow_flood: a bounded generator of new flows, for bench/flow_rate.sh,
 * bench/flood_probe.sh and the flood tests.
 *
 *   flow_flood --src A.B.C.D --dst A.B.C.D --count N [--payload U] [--pps R]
 *              [--seconds S] [--dst-bits B] [--tcp]
 *
 * Sends N IPv4 packets (or as many as S seconds allow), each a new 5-tuple,
 * through one raw socket (IP_HDRINCL) in batches of sendmmsg(), as fast as
 * the machine allows or at about R packets per second. Flow i is, by default,
 * a UDP datagram from source port 1024 + i mod 64512 to destination port
 * 10000 + i / 64512. With --dst-bits B (1 to 24) the flows scatter, as an
 * attacker who knows the recorder's classes would: the 32 bits of i * an odd
 * constant (a bijection, so every flow stays distinct) give the low B bits of
 * the destination, the source port and the destination port. With --tcp
 * every other flow is a TCP SYN instead. Prints "sent=N seconds=T rate=R
 * failed=F": F packets the kernel refused (ENOBUFS) were not sent again, as
 * no flow may carry two packets; some of them may still have crossed the
 * interface's tc hook before the refusal.
 * Needs CAP_NET_RAW; run it inside the namespace whose traffic is measured.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <netinet/udp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 256
#define MAX_PAYLOAD 1400
#define PORTS (65536 - 1024)

struct pkt {
	struct iphdr ip;
	union {
		struct udphdr udp;
		struct tcphdr tcp;
	} l4;
	uint8_t payload[MAX_PAYLOAD];
};

struct flood {
	unsigned long payload;
	unsigned dst_bits;
	bool tcp;
	uint32_t dst_base; /* host order */
};

/* Lay out flow number flow in p; returns its length on the wire. */
static size_t make_flow(const struct flood *f, struct pkt *p, unsigned long flow)
{
	bool tcp = f->tcp && (flow & 1);
	uint32_t dst = f->dst_base;
	uint16_t sport, dport;
	size_t l4;

	if (f->dst_bits) {
		/* 32 bits, distinct for distinct flows: B for the address, 16 for the
		 * source port, the rest (if any) for the destination port */
		uint32_t x = (uint32_t)flow * 0x9E3779B1u;
		unsigned rest = 32 - f->dst_bits;

		dst = (dst & ~((1u << f->dst_bits) - 1)) | (x >> rest);
		sport = (uint16_t)(rest >= 16 ? x : x << (16 - rest));
		dport = rest > 16 ? (uint16_t)(10000 + ((x >> 16) & ((1u << (rest - 16)) - 1)))
				  : 10000;
	} else {
		sport = (uint16_t)(1024 + flow % PORTS);
		dport = (uint16_t)(10000 + flow / PORTS);
	}
	p->ip.daddr = htonl(dst);
	p->ip.protocol = tcp ? IPPROTO_TCP : IPPROTO_UDP;
	memset(&p->l4, 0, sizeof(p->l4));
	if (tcp) {
		p->l4.tcp.source = htons(sport);
		p->l4.tcp.dest = htons(dport);
		p->l4.tcp.doff = 5;
		p->l4.tcp.syn = 1;
		p->l4.tcp.window = htons(1024);
		l4 = sizeof(p->l4.tcp);
	} else {
		p->l4.udp.source = htons(sport);
		p->l4.udp.dest = htons(dport);
		p->l4.udp.len = htons((uint16_t)(sizeof(p->l4.udp) + f->payload));
		l4 = sizeof(p->l4.udp);
	}
	/* the payload follows the L4 header it has */
	if (l4 != sizeof(p->l4.udp) || f->payload)
		memset((uint8_t *)&p->l4 + l4, 'f', f->payload);
	p->ip.tot_len = htons((uint16_t)(sizeof(p->ip) + l4 + f->payload));
	return sizeof(p->ip) + l4 + f->payload;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: flow_flood --src ADDR --dst ADDR --count N [--payload U] [--pps R]\n"
		"                  [--seconds S] [--dst-bits 1-24] [--tcp]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static struct pkt pkts[BATCH];
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	struct sockaddr_in dst = {.sin_family = AF_INET};
	struct in_addr src = {0};
	struct flood fl = {.payload = 16};
	unsigned long count = 0, sent = 0, next = 0, failed = 0;
	double pps = 0, seconds = 0, t0, dt;
	int fd, one = 1;

	for (int i = 1; i < argc; i += 2) {
		if (!strcmp(argv[i], "--tcp")) {
			fl.tcp = true;
			i--;
			continue;
		}
		if (i + 1 >= argc)
			usage();
		if (!strcmp(argv[i], "--src") && inet_pton(AF_INET, argv[i + 1], &src) == 1)
			continue;
		if (!strcmp(argv[i], "--dst") &&
		    inet_pton(AF_INET, argv[i + 1], &dst.sin_addr) == 1)
			continue;
		if (!strcmp(argv[i], "--count"))
			count = strtoul(argv[i + 1], NULL, 10);
		else if (!strcmp(argv[i], "--payload"))
			fl.payload = strtoul(argv[i + 1], NULL, 10);
		else if (!strcmp(argv[i], "--pps"))
			pps = strtod(argv[i + 1], NULL);
		else if (!strcmp(argv[i], "--seconds"))
			seconds = strtod(argv[i + 1], NULL);
		else if (!strcmp(argv[i], "--dst-bits"))
			fl.dst_bits = (unsigned)strtoul(argv[i + 1], NULL, 10);
		else
			usage();
	}
	if (!count || !src.s_addr || !dst.sin_addr.s_addr || fl.payload > MAX_PAYLOAD ||
	    fl.dst_bits > 24)
		usage();
	fl.dst_base = ntohl(dst.sin_addr.s_addr);

	fd = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
	if (fd < 0 || setsockopt(fd, IPPROTO_IP, IP_HDRINCL, &one, sizeof(one)) < 0) {
		perror("flow_flood: raw socket");
		return 1;
	}
	for (int i = 0; i < BATCH; i++) {
		struct pkt *p = &pkts[i];

		p->ip.version = 4;
		p->ip.ihl = 5;
		p->ip.ttl = 64;
		p->ip.saddr = src.s_addr;
		iov[i].iov_base = p;
		memset(&msgs[i], 0, sizeof(msgs[i]));
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
		msgs[i].msg_hdr.msg_name = &dst;
		msgs[i].msg_hdr.msg_namelen = sizeof(dst);
	}

	t0 = now_s();
	while (next < count && (seconds <= 0 || now_s() - t0 < seconds)) {
		unsigned long n = count - next < BATCH ? count - next : BATCH;
		int r;

		/* UDP checksum 0 is allowed in IPv4; the TCP SYNs go nowhere */
		for (unsigned long i = 0; i < n; i++)
			iov[i].iov_len = make_flow(&fl, &pkts[i], next + i);
		r = sendmmsg(fd, msgs, (unsigned int)n, 0);
		if (r < 0) {
			if (errno != ENOBUFS && errno != EAGAIN) {
				perror("flow_flood: sendmmsg");
				return 1;
			}
			/*
			 * The first packet failed, maybe after the interface saw it (a
			 * full receive queue behind a veth says ENOBUFS): it is not sent
			 * again, so no 5-tuple ever carries two packets.
			 */
			next++;
			failed++;
			continue;
		}
		sent += (unsigned long)r;
		next += (unsigned long)r;
		if (pps > 0) {
			double ahead = (double)sent / pps - (now_s() - t0);

			if (ahead > 0)
				usleep((useconds_t)(ahead * 1e6));
		}
	}
	dt = now_s() - t0;
	printf("sent=%lu seconds=%.3f rate=%.0f failed=%lu\n", sent, dt, (double)sent / dt, failed);
	close(fd);
	return 0;
}
