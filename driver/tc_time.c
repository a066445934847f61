/* SPDX-License-Identifier: MIT */
/* The driver's clock: monotonic ns (vDSO, no syscall on Linux). */
#include <time.h>

#include "tc_driver_internal.h"

uint64_t tc_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}
