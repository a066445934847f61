/* SPDX-License-Identifier: MIT */
/*
 * tlscardd --metrics ADDR:PORT: GET /metrics in the Prometheus text format
 * (tlsd_prom.h), served from the event loop without blocking.  One request
 * per connection, then "Connection: close".
 */
#ifndef TLSD_METRICS_H
#define TLSD_METRICS_H

#include "tlsd.h"
#include "tlsd_observe.h"

/* Scrapers connected at once; a new one pushes out the oldest. */
#define TLSD_METRICS_MAX_CLIENTS 16

struct tlsd_http_client;

struct tlsd_metrics {
	struct tlsd_source src; /* the listening socket */
	int lfd, epfd;
	struct tlsd_observe *obs;
	struct tlsd_http_client *clients; /* newest first */
	unsigned nclients;
	uint64_t scrapes;
};

/* Listen on addr and add it to epfd; 0, or -1 (logged). */
int tlsd_metrics_open(struct tlsd_metrics *m, const struct tlsd_addr *addr,
                      int epfd, struct tlsd_observe *obs);
/* Safe on a struct that was never opened (zeroed, lfd -1). */
void tlsd_metrics_close(struct tlsd_metrics *m);

#endif /* TLSD_METRICS_H */
