/* udploop.c: the bare reference loop for bench/load.sh: the fastest plain UDP sender and
 * receiver (sendmmsg/recvmmsg, batches of 32, no per-packet bookkeeping) and a sniffer
 * that counts a device's UDP packets per 10 ms window to judge pacing.
 *   udploop send HOST PORT SIZE RATE(pps, 0=max) SECONDS     -> "sent N pps P"
 *   udploop recv PORT SECONDS [TICK_US]                     -> "received N"
 *     (TICK_US > 0: read every TICK_US on a timer, as dptune serve does under load,
 *     instead of sleeping in poll and being woken by each arrival)
 *   udploop sniff IFINDEX SECONDS SKIP               -> "windows W total N max M mean X drops D"
 * (sniff counts UDP/IPv4 packets per 10 ms; the first SKIP ms and the last window are left
 * out.) Standalone on purpose: no dptune code, so it is the yardstick. */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define B 32

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int do_send(const char *host, int port, int size, double rate, double secs)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	struct mmsghdr m[B];
	struct iovec iov[B];
	char *buf = calloc(B, size);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	unsigned long long sent = 0;
	double t0, end, t;

	inet_pton(AF_INET, host, &a.sin_addr);
	if (connect(fd, (void *)&a, sizeof(a)))
		return perror("connect"), 1;
	memset(m, 0, sizeof(m));
	for (int i = 0; i < B; i++) {
		iov[i].iov_base = buf + i * size;
		iov[i].iov_len = size;
		m[i].msg_hdr.msg_iov = &iov[i];
		m[i].msg_hdr.msg_iovlen = 1;
	}
	t0 = now();
	end = t0 + secs;
	while ((t = now()) < end) {
		int n, want = B;

		if (rate > 0) {
			double due = (t - t0) * rate - sent;

			if (due < 1)
				continue;
			if (due < want)
				want = (int)due;
		}
		for (int i = 0; i < want; i++)
			memcpy(iov[i].iov_base, &sent, sizeof(sent));
		n = sendmmsg(fd, m, want, 0);
		if (n > 0)
			sent += n;
	}
	printf("sent %llu pps %.0f\n", sent, sent / (now() - t0));
	return 0;
}

static int do_recv(int port, double secs, int tick_us)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	struct mmsghdr m[B];
	struct iovec iov[B];
	char *buf = malloc(B * 2048);
	int fd = socket(AF_INET, SOCK_DGRAM, 0), v = 16 << 20;
	unsigned long long got = 0;
	double end;

	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &v, sizeof(v)))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v));
	if (bind(fd, (void *)&a, sizeof(a)))
		return perror("bind"), 1;
	for (int i = 0; i < B; i++) {
		iov[i].iov_base = buf + i * 2048;
		iov[i].iov_len = 2048;
	}
	end = now() + secs;
	while (now() < end) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		struct timespec tick = { .tv_nsec = tick_us * 1000L };
		int n;

		/* on a tick (as dptune serve under load), or woken by each arrival */
		if (tick_us > 0)
			nanosleep(&tick, NULL);
		else if (poll(&p, 1, 20) <= 0)
			continue;
		do {
			memset(m, 0, sizeof(m));
			for (int i = 0; i < B; i++) {
				m[i].msg_hdr.msg_iov = &iov[i];
				m[i].msg_hdr.msg_iovlen = 1;
			}
			n = recvmmsg(fd, m, B, MSG_DONTWAIT, NULL);
			if (n > 0)
				got += n;
		} while (n == B);
	}
	printf("received %llu\n", got);
	return 0;
}

static int do_sniff(int ifindex, double secs, double skip_ms)
{
	struct sockaddr_ll ll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_IP),
				  .sll_ifindex = ifindex };
	int fd = socket(AF_PACKET, SOCK_DGRAM, htons(ETH_P_IP));
	size_t nwin = (size_t)(secs * 100) + 2;
	unsigned long *win = calloc(nwin, sizeof(*win)), total = 0, max = 0;
	double t0 = 0, end = now() + secs, last = 0; /* t0/last: CLOCK_REALTIME stamps */
	static char buf[B][256], cbuf[B][128];
	struct mmsghdr m[B];
	struct iovec iov[B];
	struct tpacket_stats st;
	socklen_t sl = sizeof(st);
	size_t first, lastw, w;
	int one = 1, big = 64 << 20;

	/* Kernel arrival timestamps, so the reader's own scheduling cannot bunch windows; and
	 * the reader wakes on a 1 ms timer, not per packet: on veth the sending CPU would pay
	 * every wake-up, and the sniffer would slow the path it watches. */
	if (fd < 0 || bind(fd, (void *)&ll, sizeof(ll)) ||
	    setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one)) ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big)))
		return perror("sniff"), 1;
	while (now() < end) {
		struct timespec tick = { .tv_nsec = 1000000 };
		int n;

		nanosleep(&tick, NULL);
		do {
			memset(m, 0, sizeof(m));
			for (int i = 0; i < B; i++) {
				iov[i].iov_base = buf[i];
				iov[i].iov_len = sizeof(buf[i]);
				m[i].msg_hdr.msg_iov = &iov[i];
				m[i].msg_hdr.msg_iovlen = 1;
				m[i].msg_hdr.msg_control = cbuf[i];
				m[i].msg_hdr.msg_controllen = sizeof(cbuf[i]);
			}
			n = recvmmsg(fd, m, B, MSG_DONTWAIT, NULL);
			for (int i = 0; i < n; i++) {
				struct msghdr *mh = &m[i].msg_hdr;
				struct iphdr *ip = (void *)buf[i];
				struct cmsghdr *cm;
				double t = 0;

				for (cm = CMSG_FIRSTHDR(mh); cm; cm = CMSG_NXTHDR(mh, cm))
					if (cm->cmsg_level == SOL_SOCKET &&
					    cm->cmsg_type == SCM_TIMESTAMPNS) {
						struct timespec ts;

						memcpy(&ts, CMSG_DATA(cm), sizeof(ts));
						t = ts.tv_sec + ts.tv_nsec / 1e9;
					}
				if (m[i].msg_len < 20 || ip->protocol != IPPROTO_UDP || !t)
					continue;
				if (!t0)
					t0 = t;
				last = t;
				w = (size_t)((t - t0) * 100);
				if (w < nwin)
					win[w]++;
			}
		} while (n == B);
	}
	first = (size_t)(skip_ms / 10);
	lastw = (size_t)((last - t0) * 100); /* partial: excluded */
	for (w = first; w < lastw && w < nwin; w++) {
		total += win[w];
		if (win[w] > max)
			max = win[w];
	}
	if (getsockopt(fd, SOL_PACKET, PACKET_STATISTICS, &st, &sl))
		st.tp_drops = 0;
	printf("windows %zu total %lu max %lu mean %.2f drops %u\n", lastw > first ? lastw - first : 0,
	       total, max, lastw > first ? (double)total / (lastw - first) : 0, st.tp_drops);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 7 && !strcmp(argv[1], "send"))
		return do_send(argv[2], atoi(argv[3]), atoi(argv[4]), atof(argv[5]), atof(argv[6]));
	if ((argc == 4 || argc == 5) && !strcmp(argv[1], "recv"))
		return do_recv(atoi(argv[2]), atof(argv[3]), argc == 5 ? atoi(argv[4]) : 0);
	if (argc == 5 && !strcmp(argv[1], "sniff"))
		return do_sniff(atoi(argv[2]), atof(argv[3]), atof(argv[4]));
	fprintf(stderr, "usage: udploop send HOST PORT SIZE RATE SECONDS | recv PORT SECONDS [TICK_US] | "
		"sniff IFINDEX SECONDS SKIP_MS\n");
	return 2;
}
