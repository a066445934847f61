/* SPDX-License-Identifier: MIT */
/*
 * Small helpers shared by the selftest, the benchmarks and the load test.
 */
#include <poll.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"

uint64_t ctl_rand_next(uint64_t *state)
{
	uint64_t x = *state ? *state : 0x9e3779b97f4a7c15ull;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 0x2545f4914f6cdd1dull;
}

void ctl_rand_fill(uint64_t *state, void *buf, size_t len)
{
	uint8_t *p = buf;

	while (len) {
		uint64_t v = ctl_rand_next(state);
		size_t n = len < sizeof(v) ? len : sizeof(v);

		memcpy(p, &v, n);
		p += n;
		len -= n;
	}
}

static int hex_nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int ctl_unhex(const char *hex, uint8_t *out, size_t max)
{
	size_t len = strlen(hex);

	if (len % 2 || len / 2 > max)
		return -1;
	for (size_t i = 0; i < len / 2; i++) {
		int hi = hex_nibble(hex[2 * i]);
		int lo = hex_nibble(hex[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return (int)(len / 2);
}

double ctl_seconds_since(uint64_t start_ns)
{
	return (double)(tc_now_ns() - start_ns) / 1e9;
}

void ctl_qp_wait(struct tc_qp *qp, unsigned timeout_us)
{
	int fd = tc_qp_eventfd(qp);
	struct pollfd pfd = {.fd = fd, .events = POLLIN};
	uint64_t count;

	if (fd < 0) {
		struct timespec ts = {0, 20000};

		/* no interrupt: a short sleep hands the CPU to the engines */
		nanosleep(&ts, NULL);
		return;
	}
	/* ms resolution: round up so a short wait still yields the CPU */
	if (poll(&pfd, 1, (int)((timeout_us + 999) / 1000)) == 1) {
		/* reading rearms the eventfd; EAGAIN means someone else did */
		ssize_t r = read(fd, &count, sizeof(count));

		(void)r;
	}
}

const char *ctl_card_state_name(enum tc_card_state st)
{
	switch (st) {
	case TC_CARD_UP: return "up";
	case TC_CARD_DRAINING: return "draining";
	case TC_CARD_QUARANTINED: return "quarantined";
	}
	return "unknown";
}

int ctl_cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

uint64_t ctl_percentile(const uint64_t *sorted, size_t n, double pct)
{
	size_t idx;

	if (!n)
		return 0;
	/* nearest-rank: the smallest value with pct% of samples at or below */
	idx = (size_t)((pct / 100.0) * (double)n + 0.999999);
	if (idx < 1)
		idx = 1;
	if (idx > n)
		idx = n;
	return sorted[idx - 1];
}
