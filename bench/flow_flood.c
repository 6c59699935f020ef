/* SPDX-License-Identifier: Apache-2.0 */
/*
 * flow_flood: a bounded generator of new UDP flows, for bench/flow_rate.sh.
 *
 *   flow_flood --src A.B.C.D --dst A.B.C.D --count N [--payload U] [--pps R]
 *
 * Sends N IPv4 UDP datagrams, each a new 5-tuple: source port 1024 + i mod
 * 64512, destination port 10000 + i / 64512, through one raw socket
 * (IP_HDRINCL) in batches of sendmmsg(), as fast as the machine allows or at
 * about R packets per second. Prints "sent=N seconds=T rate=R". Needs
 * CAP_NET_RAW; run it inside the namespace whose traffic is measured.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/ip.h>
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
	struct udphdr udp;
	uint8_t payload[MAX_PAYLOAD];
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: flow_flood --src ADDR --dst ADDR --count N [--payload U] [--pps R]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static struct pkt pkts[BATCH];
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	struct sockaddr_in dst = {.sin_family = AF_INET};
	struct in_addr src = {0};
	unsigned long count = 0, sent = 0, payload = 16;
	double pps = 0, t0, dt;
	int fd, one = 1;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--src") && inet_pton(AF_INET, argv[i + 1], &src) == 1)
			continue;
		if (!strcmp(argv[i], "--dst") &&
		    inet_pton(AF_INET, argv[i + 1], &dst.sin_addr) == 1)
			continue;
		if (!strcmp(argv[i], "--count"))
			count = strtoul(argv[i + 1], NULL, 10);
		else if (!strcmp(argv[i], "--payload"))
			payload = strtoul(argv[i + 1], NULL, 10);
		else if (!strcmp(argv[i], "--pps"))
			pps = strtod(argv[i + 1], NULL);
		else
			usage();
	}
	if (argc % 2 == 0 || !count || !src.s_addr || !dst.sin_addr.s_addr || payload > MAX_PAYLOAD)
		usage();

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
		p->ip.protocol = IPPROTO_UDP;
		p->ip.saddr = src.s_addr;
		p->ip.daddr = dst.sin_addr.s_addr;
		p->ip.tot_len = htons((uint16_t)(sizeof(p->ip) + sizeof(p->udp) + payload));
		p->udp.len = htons((uint16_t)(sizeof(p->udp) + payload));
		p->udp.check = 0; /* optional in IPv4 */
		memset(p->payload, 'f', payload);
		iov[i].iov_base = p;
		iov[i].iov_len = sizeof(p->ip) + sizeof(p->udp) + payload;
		memset(&msgs[i], 0, sizeof(msgs[i]));
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
		msgs[i].msg_hdr.msg_name = &dst;
		msgs[i].msg_hdr.msg_namelen = sizeof(dst);
	}

	t0 = now_s();
	while (sent < count) {
		unsigned long n = count - sent < BATCH ? count - sent : BATCH;
		int r;

		for (unsigned long i = 0; i < n; i++) {
			unsigned long flow = sent + i;

			pkts[i].udp.source = htons((uint16_t)(1024 + flow % PORTS));
			pkts[i].udp.dest = htons((uint16_t)(10000 + flow / PORTS));
		}
		r = sendmmsg(fd, msgs, (unsigned int)n, 0);
		if (r < 0) {
			if (errno == ENOBUFS || errno == EAGAIN)
				continue;
			perror("flow_flood: sendmmsg");
			return 1;
		}
		sent += (unsigned long)r;
		if (pps > 0) {
			double ahead = (double)sent / pps - (now_s() - t0);

			if (ahead > 0)
				usleep((useconds_t)(ahead * 1e6));
		}
	}
	dt = now_s() - t0;
	printf("sent=%lu seconds=%.3f rate=%.0f\n", sent, dt, (double)sent / dt);
	close(fd);
	return 0;
}
