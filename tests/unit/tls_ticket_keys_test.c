// SPDX-License-Identifier: MIT
/*
 * The ticket key ring across configurations (tls_ticket.c): keys set from
 * outside (a ticket-key file) seal and open the same tickets in two
 * configurations, as on two workers or instances; a ring copied into a
 * reloaded configuration opens the old configuration's tickets; an
 * external ring never rotates by itself; a ticket from an unrelated ring
 * is refused; older keys still open, only the first seals.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "tls_offload_cpu.h"
#include "tls_proto.h"
#include "tls_ticket.h"

static struct tls_offload *off;

static const uint8_t names[2][TLS_TICKET_NAME_LEN] = {{1, 2, 3}, {9, 9, 9}};
static const uint8_t secrets[2][TLS_TICKET_SECRET_LEN] = {{7, 7, 7}, {5, 5, 5}};

static void session(struct tls_session *s)
{
	memset(s, 0, sizeof(*s));
	s->version = TLS_VERSION_13;
	s->suite = 0x1301;
	s->issued = (uint64_t)time(NULL);
	s->age_add = 42;
	s->secret_len = 32;
	memset(s->secret, 0xab, 32);
}

static size_t seal(struct tls_config *c, uint8_t *out)
{
	struct tls_session s;
	size_t len = 0;

	session(&s);
	assert_true(
	    tls_is_ok(tls_ticket_seal(c, &s, out, TLS_TICKET_MAX, &len)));
	return len;
}

static bool opens(struct tls_config *c, const uint8_t *t, size_t len)
{
	struct tls_session s;

	return tls_is_ok(tls_ticket_open(c, t, len, time(NULL), &s)) &&
	       s.age_add == 42 && s.secret[31] == 0xab;
}

static void init(struct tls_config *c)
{
	assert_true(tls_is_ok(tls_config_init(c, off)));
}

static void set(struct tls_config *c, unsigned first, unsigned n)
{
	time_t created[2] = {time(NULL), time(NULL)};

	assert_true(tls_is_ok(tls_ticket_keys_set(
	    c, &names[first], &secrets[first], created, n, true)));
}

static void test_shared_keys_open_each_others_tickets(void **state)
{
	struct tls_config a, b, other;
	uint8_t t[TLS_TICKET_MAX];
	size_t len;

	(void)state;
	init(&a);
	init(&b);
	init(&other);
	set(&a, 0, 1);
	set(&b, 0, 1);
	len = seal(&a, t);
	assert_memory_equal(t, names[0], TLS_TICKET_NAME_LEN);
	assert_true(opens(&b, t, len));
	/* A configuration with its own random ring cannot. */
	assert_false(opens(&other, t, len));
	tls_config_free(&a);
	tls_config_free(&b);
	tls_config_free(&other);
}

static void test_copy_keeps_tickets_valid_across_a_reload(void **state)
{
	struct tls_config old, next;
	uint8_t t[TLS_TICKET_MAX];
	size_t len;

	(void)state;
	init(&old);
	init(&next);
	len = seal(&old, t);
	assert_false(opens(&next, t, len));
	assert_true(tls_is_ok(tls_ticket_keys_copy(&next, &old)));
	assert_true(opens(&next, t, len));
	/* The copy is independent: freeing the old ring keeps it working. */
	tls_config_free(&old);
	assert_true(opens(&next, t, len));
	tls_config_free(&next);
}

static void test_external_ring_does_not_rotate(void **state)
{
	struct tls_config c;

	(void)state;
	init(&c);
	set(&c, 0, 1);
	c.ticket_rotate_secs = 1;
	assert_true(tls_is_ok(tls_ticket_keys_rotate(&c, time(NULL) + 100)));
	assert_memory_equal(c.tickets[0].name, names[0], TLS_TICKET_NAME_LEN);
	assert_false(c.tickets[1].valid);
	tls_config_free(&c);
}

static void test_older_keys_open_first_seals(void **state)
{
	struct tls_config before, after;
	uint8_t t[TLS_TICKET_MAX];
	size_t len;

	(void)state;
	init(&before);
	init(&after);
	set(&before, 1, 1); /* key 1 alone */
	len = seal(&before, t);
	/* Rotated file: key 0 on top, key 1 below it. */
	set(&after, 0, 2);
	assert_true(opens(&after, t, len));
	len = seal(&after, t);
	assert_memory_equal(t, names[0], TLS_TICKET_NAME_LEN);
	assert_false(opens(&before, t, len));
	tls_config_free(&before);
	tls_config_free(&after);
}

static void test_bad_counts_are_refused(void **state)
{
	struct tls_config c;
	time_t created[4] = {0};

	(void)state;
	init(&c);
	assert_true(tls_is_err(
	    tls_ticket_keys_set(&c, names, secrets, created, 0, true)));
	assert_true(tls_is_err(tls_ticket_keys_set(&c, names, secrets, created,
	                                           TLS_TICKET_KEYS + 1, true)));
	tls_config_free(&c);
}

static int setup(void **state)
{
	(void)state;
	off = tls_offload_cpu_create();
	return off ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	tls_offload_destroy(off);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_shared_keys_open_each_others_tickets),
	    cmocka_unit_test(test_copy_keeps_tickets_valid_across_a_reload),
	    cmocka_unit_test(test_external_ring_does_not_rotate),
	    cmocka_unit_test(test_older_keys_open_first_seals),
	    cmocka_unit_test(test_bad_counts_are_refused),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
