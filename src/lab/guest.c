/* guest.c: the process that stands in for a VM behind the tap scenario's vNIC. Like QEMU,
 * it moves frames between the host-side tap (in the compute host namespace) and the
 * guest-side tap (in the "vm" namespace, where the guest's stack and sockets live). Told to
 * be slow (SIGUSR1) it sleeps between reads of the host side, so the host tap's queue
 * (txqueuelen) overflows and its tx_dropped rises, as with a slow guest on a real host. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "lab_int.h"

static volatile sig_atomic_t guest_slow;

static void on_usr(int sig)
{
	guest_slow = sig == SIGUSR1;
}

static void write_stats(const char *path, uint64_t in, uint64_t out, int slow)
{
	char tmp[512], buf[128];
	int fd, n;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	n = snprintf(buf, sizeof(buf), "in=%llu out=%llu slow=%d\n", (unsigned long long)in,
		     (unsigned long long)out, slow);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return;
	if (write(fd, buf, (size_t)n) == n)
		(void)!rename(tmp, path);
	close(fd);
}

void lab_guest_run(int host_fd, int guest_fd, const char *stats_path)
{
	struct sigaction sa;
	uint64_t in = 0, out = 0, w_in = ~0ULL, w_out = ~0ULL;
	int w_slow = -1;
	char frame[65536];
	struct timespec last = { 0, 0 }, now;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr;
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGUSR2, &sa, NULL);
	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_IGN);
	fcntl(host_fd, F_SETFL, O_NONBLOCK);
	fcntl(guest_fd, F_SETFL, O_NONBLOCK);
	for (;;) {
		struct pollfd p[2] = { { .fd = host_fd, .events = POLLIN },
				       { .fd = guest_fd, .events = POLLIN } };
		ssize_t k;

		if (poll(p, 2, 200) < 0 && errno != EINTR)
			_exit(1);
		if (p[0].revents & POLLIN) {
			k = read(host_fd, frame, sizeof(frame));
			if (k > 0) {
				in++;
				(void)!write(guest_fd, frame, (size_t)k);
			}
			if (guest_slow) {
				struct timespec d = { 0, 5 * 1000 * 1000 };

				nanosleep(&d, NULL);
			}
		}
		if (p[1].revents & POLLIN) {
			k = read(guest_fd, frame, sizeof(frame));
			if (k > 0) {
				out++;
				(void)!write(host_fd, frame, (size_t)k);
			}
		}
		if ((p[0].revents | p[1].revents) & (POLLERR | POLLHUP | POLLNVAL))
			_exit(0);
		clock_gettime(CLOCK_MONOTONIC, &now);
		if ((in != w_in || out != w_out || guest_slow != w_slow) &&
		    (now.tv_sec - last.tv_sec) * 1000 + (now.tv_nsec - last.tv_nsec) / 1000000 >= 200) {
			write_stats(stats_path, in, out, guest_slow);
			w_in = in;
			w_out = out;
			w_slow = guest_slow;
			last = now;
		}
	}
}

int lab_guest_parse(const char *buf, size_t len, uint64_t *frames_in, uint64_t *frames_out,
		    bool *slow)
{
	char line[256];
	char *f[8];
	int n, found = 0;

	if (len >= sizeof(line))
		len = sizeof(line) - 1;
	memcpy(line, buf, len);
	line[len] = 0;
	n = split_ws(line, f, 8);
	for (int i = 0; i < n; i++) {
		char *eq = strchr(f[i], '=');
		uint64_t v;

		if (!eq)
			continue;
		*eq = 0;
		if (parse_u64(eq + 1, &v))
			continue;
		if (!strcmp(f[i], "in")) {
			*frames_in = v;
			found++;
		} else if (!strcmp(f[i], "out")) {
			*frames_out = v;
			found++;
		} else if (!strcmp(f[i], "slow")) {
			*slow = v != 0;
			found++;
		}
	}
	return found;
}
