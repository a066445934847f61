/* SPDX-License-Identifier: MIT */
/*
 * tlscardd's /metrics: the Prometheus text format written by tlsd_prom.c
 * (every line checked against the 0.0.4 grammar, every family with HELP
 * and TYPE before its samples, counters named _total, label escaping) and
 * the request parsing of tlsd_http.c, including the requests it refuses.
 */
#include <regex.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tls_errors.h"
#include "tlsd_prom.h"

static char *render(const struct tlsd_snapshot *s)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	assert_non_null(f);
	assert_int_equal(tlsd_prom_write(f, s), 0);
	fclose(f);
	return text;
}

static void fill(struct tlsd_snapshot *s, const char *card0)
{
	memset(s, 0, sizeof(*s));
	s->uptime_s = 3.5;
	s->mode = "sim";
	s->st.accepted = 4;
	s->st.closed = 1;
	s->st.hs_full[TLSD_VER_13] = 3;
	s->st.failed_alert_sent[TLS_ALERT_DECODE_ERROR] = 2;
	s->st.failed_alert_received[TLS_ALERT_BAD_CERTIFICATE] = 1;
	s->nops = 1;
	s->ops[0].name = "aead";
	s->ops[0].card = 7;
	s->ncards = 2;
	snprintf(s->card[0].name, sizeof(s->card[0].name), "%s", card0);
	snprintf(s->card[1].name, sizeof(s->card[1].name), "sim1");
	s->card[1].state = TC_CARD_DRAINING;
	s->card[0].submitted = 12;
	s->card[0].busy_ns = 1500000000ull;
	s->card[0].utilization = 0.25;
	s->card[0].cls[TC_CLASS_AEAD].p99_ns = 1u << 20;
}

struct family {
	char name[128], type[16];
	unsigned samples;
};

/* Checks the whole text; returns the number of families. */
static unsigned check_exposition(const char *text, struct family *fam,
                                 unsigned max)
{
	/* metric name, optional labels, a float value (no timestamp) */
	static const char sample_rx[] =
	    "^([a-zA-Z_:][a-zA-Z0-9_:]*)"
	    "(\\{[a-zA-Z_][a-zA-Z0-9_]*=\"([^\"\\\\]|\\\\[\\\\\"n])*\""
	    "(,[a-zA-Z_][a-zA-Z0-9_]*=\"([^\"\\\\]|\\\\[\\\\\"n])*\")*\\})?"
	    " [-+]?([0-9]+(\\.[0-9]*)?([eE][-+]?[0-9]+)?|NaN|[-+]?Inf)$";
	regex_t rx;
	regmatch_t m[2];
	unsigned nfam = 0;
	char *copy = strdup(text), *save = NULL, *line;

	assert_int_equal(regcomp(&rx, sample_rx, REG_EXTENDED), 0);
	assert_true(text[strlen(text) - 1] == '\n');
	for (line = strtok_r(copy, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char name[128], what[16];

		if (!strncmp(line, "# HELP ", 7)) {
			assert_int_equal(sscanf(line + 7, "%127s", name), 1);
			for (unsigned i = 0; i < nfam; i++)
				if (!strcmp(fam[i].name, name))
					fail_msg("family %s twice", name);
			assert_true(nfam < max);
			memset(&fam[nfam], 0, sizeof(fam[nfam]));
			snprintf(fam[nfam].name, sizeof(fam[nfam].name), "%s",
			         name);
			nfam++;
			continue;
		}
		assert_true(nfam > 0);
		if (!strncmp(line, "# TYPE ", 7)) {
			assert_int_equal(
			    sscanf(line + 7, "%127s %15s", name, what), 2);
			assert_string_equal(name, fam[nfam - 1].name);
			assert_true(!strcmp(what, "counter") ||
			            !strcmp(what, "gauge"));
			snprintf(fam[nfam - 1].type, sizeof(fam[nfam - 1].type),
			         "%s", what);
			continue;
		}
		if (regexec(&rx, line, 2, m, 0))
			fail_msg("not a sample line: '%s'", line);
		/* samples follow their own family's HELP and TYPE */
		if ((size_t)(m[1].rm_eo - m[1].rm_so) !=
		        strlen(fam[nfam - 1].name) ||
		    strncmp(line, fam[nfam - 1].name,
		            (size_t)(m[1].rm_eo - m[1].rm_so)))
			fail_msg("sample '%s' outside its family %s", line,
			         fam[nfam - 1].name);
		assert_true(fam[nfam - 1].type[0] != '\0');
		fam[nfam - 1].samples++;
	}
	for (unsigned i = 0; i < nfam; i++) {
		size_t n = strlen(fam[i].name);
		bool total = n > 6 && !strcmp(fam[i].name + n - 6, "_total");

		if (!strcmp(fam[i].type, "counter") != total)
			fail_msg("%s: counters and only counters end in _total",
			         fam[i].name);
		if (strncmp(fam[i].name, "tlscard_", 8))
			fail_msg("%s: not in the tlscard_ namespace",
			         fam[i].name);
	}
	regfree(&rx);
	free(copy);
	return nfam;
}

static void test_exposition_grammar(void **state)
{
	struct tlsd_snapshot *s = malloc(sizeof(*s));
	struct family fam[64];
	char *text;
	unsigned n;

	(void)state;
	fill(s, "sim0");
	text = render(s);
	n = check_exposition(text, fam, 64);
	assert_true(n >= 25);
	assert_non_null(strstr(text,
	                       "tlscard_card_submitted_total{card=\"sim0\"} "
	                       "12\n"));
	assert_non_null(strstr(text, "tlscard_card_state{card=\"sim1\","
	                             "state=\"draining\"} 1\n"));
	assert_non_null(strstr(text,
	                       "tlscard_card_latency_seconds{card=\"sim0\","
	                       "class=\"aead\",quantile=\"0.99\"} "
	                       "0.001048576\n"));
	assert_non_null(strstr(text, "tlscard_card_busy_seconds_total{card="
	                             "\"sim0\"} 1.500000000\n"));
	assert_non_null(strstr(text,
	                       "tlscard_handshake_failure_alerts_total{"
	                       "alert=\"decode_error\",code=\"50\"} 2\n"));
	assert_non_null(strstr(text, "tlscard_handshake_peer_alerts_total{"
	                             "alert=\"bad_certificate\",code=\"42\"} "
	                             "1\n"));
	assert_non_null(strstr(text, "tlscard_connections_active 3\n"));
	assert_non_null(strstr(text, "tlscard_jobs_total{op=\"aead\","
	                             "where=\"card\"} 7\n"));
	free(text);
	/* the coalescer's families, both directions, every reason */
	s->st.coalesce[TLSD_DIR_TO_CLIENT].flushes[TLSD_FLUSH_TIMER] = 4;
	s->st.coalesce[TLSD_DIR_TO_BACKEND].records_out = 9;
	tlsd_lat_add(&s->st.coalesce[TLSD_DIR_TO_CLIENT].latency, 2000000);
	text = render(s);
	check_exposition(text, fam, 64);
	assert_non_null(strstr(text, "tlscard_coalesce_flushes_total{direction="
	                             "\"to_client\",reason=\"timer\"} 4\n"));
	assert_non_null(strstr(text, "tlscard_coalesce_flushes_total{direction="
	                             "\"to_backend\",reason=\"http_end\"} "
	                             "0\n"));
	assert_non_null(strstr(text, "tlscard_coalesce_records_total{direction="
	                             "\"to_backend\",side=\"out\"} 9\n"));
	assert_non_null(strstr(text, "tlscard_coalesce_latency_seconds{"
	                             "direction=\"to_client\",quantile="
	                             "\"0.99\"} 0.002000000\n"));
	free(text);
	free(s);
}

static void test_no_cards(void **state)
{
	struct tlsd_snapshot *s = malloc(sizeof(*s));
	struct family fam[64];
	char *text;

	(void)state;
	fill(s, "sim0");
	s->ncards = 0;
	text = render(s);
	/* the families stay (with HELP and TYPE), just without samples */
	check_exposition(text, fam, 64);
	assert_non_null(strstr(text, "# TYPE tlscard_card_utilization gauge"));
	assert_null(strstr(text, "card=\""));
	free(text);
	free(s);
}

static void test_label_escaping(void **state)
{
	struct tlsd_snapshot *s = malloc(sizeof(*s));
	struct family fam[64];
	char *text;

	(void)state;
	fill(s, "we\"ird\\na\nme");
	text = render(s);
	check_exposition(text, fam, 64);
	assert_non_null(strstr(text, "{card=\"we\\\"ird\\\\na\\nme\"}"));
	free(text);
	free(s);
}

static int http(const char *req, struct tlsd_http_request *r)
{
	return tlsd_http_parse(req, strlen(req), r);
}

static void test_http_parse(void **state)
{
	struct tlsd_http_request r;
	char *big;

	(void)state;
	assert_int_equal(http("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", &r),
	                 1);
	assert_string_equal(r.method, "GET");
	assert_string_equal(r.path, "/metrics");
	assert_int_equal(tlsd_http_route(&r), 200);
	assert_int_equal(http("GET /metrics?x=1 HTTP/1.0\n\n", &r), 1);
	assert_string_equal(r.path, "/metrics");
	assert_int_equal(http("HEAD /metrics HTTP/1.0\r\n\r\n", &r), 1);
	assert_int_equal(tlsd_http_route(&r), 200);
	assert_int_equal(http("POST /metrics HTTP/1.1\r\n\r\n", &r), 1);
	assert_int_equal(tlsd_http_route(&r), 405);
	assert_int_equal(http("GET / HTTP/1.1\r\n\r\n", &r), 1);
	assert_int_equal(tlsd_http_route(&r), 404);
	assert_int_equal(http("GET /metricsx HTTP/1.1\r\n\r\n", &r), 1);
	assert_int_equal(tlsd_http_route(&r), 404);
	/* incomplete heads ask for more */
	assert_int_equal(http("GET /metrics HTTP/1.1\r\n", &r), 0);
	assert_int_equal(http("", &r), 0);
	/* malformed request lines */
	assert_int_equal(http("GET\r\n\r\n", &r), 400);
	assert_int_equal(http("GET /metrics\r\n\r\n", &r), 400);
	assert_int_equal(http("GET  /metrics HTTP/1.1\r\n\r\n", &r), 400);
	assert_int_equal(http("GET metrics HTTP/1.1\r\n\r\n", &r), 400);
	assert_int_equal(http("GET /metrics FTP/1.1\r\n\r\n", &r), 400);
	assert_int_equal(http("GET /metrics HTTP/1.1 x\r\n\r\n", &r), 400);
	assert_int_equal(http("GET /metrics HTTP/2.0\r\n\r\n", &r), 505);
	/* a head that never ends is refused at the limit */
	big = malloc(TLSD_HTTP_MAX_REQUEST + 1);
	memset(big, 'a', TLSD_HTTP_MAX_REQUEST);
	big[TLSD_HTTP_MAX_REQUEST] = '\0';
	assert_int_equal(http(big, &r), 431);
	free(big);
	assert_string_equal(tlsd_http_reason(404), "Not Found");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_exposition_grammar),
	    cmocka_unit_test(test_no_cards),
	    cmocka_unit_test(test_label_escaping),
	    cmocka_unit_test(test_http_parse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
