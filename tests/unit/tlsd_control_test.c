/* SPDX-License-Identifier: MIT */
/*
 * tlscardd's control protocol: request parsing (tlsd_ctl_parse.c, with the
 * malformed requests it must refuse and their exact messages) and the JSON
 * replies (tlsd_ctl_json.c) against the documented schema.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tls_errors.h"
#include "tlsd_ctl_proto.h"

static int parse(const char *line, struct tlsd_ctl_request *req, char *err,
                 size_t errlen)
{
	err[0] = '\0';
	return tlsd_ctl_parse(line, strlen(line), req, err, errlen);
}

static void test_parse_good(void **state)
{
	struct tlsd_ctl_request req;
	char err[256];

	(void)state;
	assert_int_equal(parse("{\"cmd\":\"stats\"}", &req, err, sizeof(err)),
	                 0);
	assert_int_equal(req.cmd, TLSD_CTL_STATS);
	assert_int_equal(
	    parse(" {\"cmd\" : \"health\"} ", &req, err, sizeof(err)), 0);
	assert_int_equal(req.cmd, TLSD_CTL_HEALTH);
	assert_int_equal(
	    parse("{\"card\":2,\"cmd\":\"drain\"}", &req, err, sizeof(err)), 0);
	assert_int_equal(req.cmd, TLSD_CTL_DRAIN);
	assert_int_equal(req.card, 2);
	assert_int_equal(parse("{\"cmd\":\"fault\",\"card\":1,"
	                       "\"error_rate\":0.25}",
	                       &req, err, sizeof(err)),
	                 0);
	assert_int_equal(req.fault, TLSD_FAULT_ERROR_RATE);
	assert_true(req.error_rate == 0.25);
	/* an integer rate is a number too */
	assert_int_equal(parse("{\"cmd\":\"fault\",\"card\":1,"
	                       "\"error_rate\":1}",
	                       &req, err, sizeof(err)),
	                 0);
	assert_true(req.error_rate == 1.0);
	assert_int_equal(parse("{\"cmd\":\"fault\",\"card\":0,"
	                       "\"latency_us\":500}",
	                       &req, err, sizeof(err)),
	                 0);
	assert_int_equal(req.fault, TLSD_FAULT_LATENCY);
	assert_int_equal(req.latency_us, 500);
	assert_int_equal(parse("{\"cmd\":\"fault\",\"card\":0,\"stall\":true}",
	                       &req, err, sizeof(err)),
	                 0);
	assert_int_equal(req.fault, TLSD_FAULT_STALL);
	assert_int_equal(parse("{\"cmd\":\"fault\",\"card\":0,\"clear\":true}",
	                       &req, err, sizeof(err)),
	                 0);
	assert_int_equal(req.fault, TLSD_FAULT_CLEAR);
}

static void test_parse_bad(void **state)
{
	static const struct {
		const char *line, *error;
	} cases[] = {
	    {"", "request is not valid JSON: "},
	    {"garbage", "request is not valid JSON: "},
	    {"[1,2]", "request must be a JSON object"},
	    {"{}", "request needs \"cmd\" (a string)"},
	    {"{\"cmd\":7}", "request needs \"cmd\" (a string)"},
	    {"{\"cmd\":\"explode\"}", "unknown command 'explode'"},
	    {"{\"cmd\":\"stats\",\"card\":1}",
	     "unknown field 'card' for 'stats'"},
	    {"{\"cmd\":\"drain\",\"crad\":1}",
	     "unknown field 'crad' for 'drain'"},
	    {"{\"cmd\":\"drain\"}", "'drain' needs \"card\""},
	    {"{\"cmd\":\"reset\",\"card\":\"1\"}",
	     "\"card\" must be an integer"},
	    {"{\"cmd\":\"reset\",\"card\":1.5}", "\"card\" must be an integer"},
	    {"{\"cmd\":\"reset\",\"card\":-1}", "\"card\" -1 is out of range"},
	    {"{\"cmd\":\"undrain\",\"card\":99}",
	     "\"card\" 99 is out of range"},
	    {"{\"cmd\":\"stats\",\"cmd\":\"cards\"}",
	     "request is not valid JSON: "},
	    {"{\"cmd\":\"fault\",\"card\":0}", "'fault' needs exactly one of "},
	    {"{\"cmd\":\"fault\",\"card\":0,\"stall\":true,\"clear\":true}",
	     "'fault' needs exactly one of "},
	    {"{\"cmd\":\"fault\",\"card\":0,\"error_rate\":1.5}",
	     "\"error_rate\" must be a number in 0..1"},
	    {"{\"cmd\":\"fault\",\"card\":0,\"error_rate\":-0.1}",
	     "\"error_rate\" must be a number in 0..1"},
	    {"{\"cmd\":\"fault\",\"card\":0,\"error_rate\":\"x\"}",
	     "\"error_rate\" must be a number in 0..1"},
	    {"{\"cmd\":\"fault\",\"card\":0,\"latency_us\":-5}",
	     "\"latency_us\" must be an integer in 0..10000000"},
	    {"{\"cmd\":\"fault\",\"card\":0,\"latency_us\":2.5}",
	     "\"latency_us\" must be an integer in 0..10000000"},
	    {"{\"cmd\":\"fault\",\"card\":0,\"stall\":false}",
	     "\"stall\" must be true"},
	    {"{\"cmd\":\"fault\",\"card\":0,\"clear\":1}",
	     "\"clear\" must be true"},
	    {"{\"cmd\":\"fault\",\"card\":0,\"bogus\":1}",
	     "unknown field 'bogus' for 'fault'"},
	};
	struct tlsd_ctl_request req;
	char err[256];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = parse(cases[i].line, &req, err, sizeof(err));

		if (rc != -1 ||
		    strncmp(err, cases[i].error, strlen(cases[i].error)))
			fail_msg("'%s': rc %d, error '%s', expected '%s'",
			         cases[i].line, rc, err, cases[i].error);
	}
}

static void test_parse_too_long(void **state)
{
	struct tlsd_ctl_request req;
	char *line = malloc(TLSD_CTL_MAX_REQUEST + 16);
	char err[256];

	(void)state;
	assert_non_null(line);
	memset(line, ' ', TLSD_CTL_MAX_REQUEST + 15);
	memcpy(line, "{\"cmd\":\"stats\"}", 15);
	assert_int_equal(
	    tlsd_ctl_parse(line, TLSD_CTL_MAX_REQUEST, &req, err, sizeof(err)),
	    -1);
	assert_string_equal(err, "request longer than 4095 bytes");
	/* one byte shorter is fine (trailing blanks are JSON whitespace) */
	assert_int_equal(tlsd_ctl_parse(line, TLSD_CTL_MAX_REQUEST - 1, &req,
	                                err, sizeof(err)),
	                 0);
	free(line);
}

static void fill_snapshot(struct tlsd_snapshot *s)
{
	memset(s, 0, sizeof(*s));
	s->uptime_s = 12.5;
	s->mode = "sim";
	s->st.accepted = 10;
	s->st.closed = 7;
	s->st.handshakes = 8;
	s->st.hs_full[TLSD_VER_13] = 5;
	s->st.hs_resumed[TLSD_VER_13] = 2;
	s->st.hs_full[TLSD_VER_12] = 1;
	s->st.digest_calls = 20;
	s->st.failed = 2;
	s->st.failed_alert_sent[TLS_ALERT_HANDSHAKE_FAILURE] = 1;
	s->st.failed_alert_sent[TLS_ALERT_NONE] = 1;
	/* two codes without a name share "unknown_alert" */
	s->st.failed_alert_received[200] = 1;
	s->st.failed_alert_received[201] = 2;
	s->nops = 2;
	s->ops[0].name = "ecdh";
	s->ops[0].card = 30;
	s->ops[0].cpu = 10;
	s->ops[1].name = "aead";
	s->ops[1].card = 50;
	s->ops[1].cpu = 10;
	s->ncards = 2;
	for (unsigned i = 0; i < 2; i++) {
		struct tlsd_card_snap *c = &s->card[i];

		snprintf(c->name, sizeof(c->name), "sim%u", i);
		snprintf(c->backend, sizeof(c->backend), "sim");
		c->submitted = 100 + i;
		c->completed = 99 + i;
		c->inflight = 1;
		c->utilization = 0.5;
		c->engines = 2;
		c->fi_supported = true;
		c->cls[TC_CLASS_AEAD].jobs = 40;
		c->cls[TC_CLASS_AEAD].ewma_ns = 1234.4;
		c->cls[TC_CLASS_AEAD].p50_ns = 2047;
		c->cls[TC_CLASS_AEAD].p99_ns = 8191;
	}
	s->card[1].state = TC_CARD_QUARANTINED;
	s->card[1].fi_error_ppm = 250000;
	s->st.coalesce[TLSD_DIR_TO_CLIENT].flushes[TLSD_FLUSH_PUSH] = 6;
	tlsd_lat_add(&s->st.coalesce[TLSD_DIR_TO_CLIENT].latency, 5000);
}

static json_int_t get_int(const json_t *o, const char *path)
{
	char buf[128], *save = NULL, *key;
	const json_t *v = o;

	snprintf(buf, sizeof(buf), "%s", path);
	for (key = strtok_r(buf, "/", &save); key && v;
	     key = strtok_r(NULL, "/", &save))
		v = json_object_get(v, key);
	if (!json_is_integer(v))
		fail_msg("%s is not an integer", path);
	return json_integer_value(v);
}

static void test_json_stats(void **state)
{
	struct tlsd_snapshot *s = malloc(sizeof(*s));
	json_t *j, *card, *aead;

	(void)state;
	fill_snapshot(s);
	j = tlsd_ctl_json_stats(s);
	assert_non_null(j);
	assert_int_equal(get_int(j, "schema"), TLSD_CTL_SCHEMA_VERSION);
	assert_int_equal(get_int(j, "connections/active"), 3);
	assert_int_equal(get_int(j, "connections/total"), 10);
	assert_int_equal(get_int(j, "handshakes/full/tls1.3"), 0 + 5);
	assert_int_equal(get_int(j, "failures/by_alert_sent/handshake_failure"),
	                 1);
	assert_int_equal(get_int(j, "failures/by_alert_sent/none"), 1);
	assert_int_equal(get_int(j, "failures/by_alert_received/unknown_alert"),
	                 3);
	assert_true(json_real_value(json_object_get(
	                j, "digest_calls_per_handshake")) == 2.5);
	assert_int_equal(get_int(j, "jobs/card"), 80);
	assert_int_equal(get_int(j, "jobs/cpu"), 20);
	assert_true(json_real_value(json_object_get(json_object_get(j, "jobs"),
	                                            "card_fraction")) == 0.8);
	assert_int_equal(get_int(j, "jobs/by_op/ecdh/card"), 30);
	assert_int_equal(json_array_size(json_object_get(j, "cards")), 2);
	card = json_array_get(json_object_get(j, "cards"), 1);
	assert_string_equal(json_string_value(json_object_get(card, "state")),
	                    "quarantined");
	assert_true(json_real_value(json_object_get(
	                json_object_get(card, "fault"), "error_rate")) == 0.25);
	aead = json_object_get(json_object_get(card, "classes"), "aead");
	assert_int_equal(get_int(aead, "ewma_ns"), 1234);
	assert_int_equal(get_int(aead, "p99_ns"), 8191);
	/* the coalescer, per direction and reason */
	assert_true(json_is_false(
	    json_object_get(json_object_get(j, "coalesce"), "enabled")));
	assert_int_equal(get_int(j, "coalesce/to_client/flushes/push"), 6);
	assert_int_equal(get_int(j, "coalesce/to_backend/records_in"), 0);
	assert_int_equal(get_int(j, "coalesce/to_client/latency/max_ns"), 5000);
	/* every op class is present, with or without jobs */
	assert_int_equal(json_object_size(json_object_get(card, "classes")),
	                 TC_CLASS_COUNT);
	json_decref(j);
	free(s);
}

static void test_json_cards_health(void **state)
{
	struct tlsd_snapshot *s = malloc(sizeof(*s));
	json_t *j, *card;

	(void)state;
	fill_snapshot(s);
	j = tlsd_ctl_json_cards(s);
	card = json_array_get(json_object_get(j, "cards"), 0);
	assert_string_equal(json_string_value(json_object_get(card, "name")),
	                    "sim0");
	/* cards leaves out the per-class latencies */
	assert_null(json_object_get(card, "classes"));
	json_decref(j);

	j = tlsd_ctl_json_health(s);
	assert_string_equal(json_string_value(json_object_get(j, "status")),
	                    "degraded");
	assert_int_equal(get_int(j, "cards/quarantined"), 1);
	assert_int_equal(get_int(j, "cards/up"), 1);
	assert_string_equal(json_string_value(json_array_get(
	                        json_object_get(j, "problems"), 0)),
	                    "card 1 (sim1) is quarantined");
	json_decref(j);

	s->card[1].state = TC_CARD_UP;
	j = tlsd_ctl_json_health(s);
	assert_string_equal(json_string_value(json_object_get(j, "status")),
	                    "ok");
	json_decref(j);
	/* no cards at all is healthy: the CPU is the configured engine */
	s->ncards = 0;
	assert_int_equal(tlsd_snapshot_health(s), TLSD_HEALTH_OK);
	free(s);
}

static void test_dump_line(void **state)
{
	json_t *j = tlsd_ctl_json_error("bad %s", "thing\n\"x\"");
	size_t n;
	char *line;

	(void)state;
	line = tlsd_ctl_dump_line(j, &n);
	assert_string_equal(line, "{\"error\":\"bad thing\\n\\\"x\\\"\"}\n");
	assert_int_equal(n, strlen(line));
	/* exactly one newline: the protocol's record separator */
	assert_ptr_equal(strchr(line, '\n'), line + n - 1);
	free(line);
	json_decref(j);
}

static void test_default_path(void **state)
{
	char buf[108];

	(void)state;
	setenv("TLSCARD_CONTROL", "/x/y.sock", 1);
	assert_int_equal(tlsd_ctl_default_path(buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/x/y.sock");
	assert_int_equal(tlsd_ctl_default_path(buf, 5), -1);
	unsetenv("TLSCARD_CONTROL");
	assert_int_equal(tlsd_ctl_default_path(buf, sizeof(buf)), 0);
	assert_true(buf[0] == '/');
	assert_non_null(strstr(buf, "tlscardd"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_good),
	    cmocka_unit_test(test_parse_bad),
	    cmocka_unit_test(test_parse_too_long),
	    cmocka_unit_test(test_json_stats),
	    cmocka_unit_test(test_json_cards_health),
	    cmocka_unit_test(test_dump_line),
	    cmocka_unit_test(test_default_path),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
