/* Simulator host scripts: parser (strict, hostile-input safe) and runner. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <vmbackdoor/script.h>

#define MAXEV 64

static int parse(const char *text, struct vmbd_script_event *ev, size_t *n,
		 struct vmbd_script_error *err)
{
	return vmbd_script_parse(text, strlen(text), ev, MAXEV, n, err);
}

static void test_every_event_kind(void **state)
{
	static struct vmbd_script_event ev[MAXEV];
	struct vmbd_script_error err;
	size_t n = 99;
	const char *text =
		"# a comment line\n"
		"\n"
		"   \t  \n"
		"at 0 guest-drift 12.5\n"
		"at 1.5 host-step -2500   # trailing comment\n"
		"at 2\ttclo   Set_Option  synctime 1  \n"
		"at 2 suspend 3600.000000001\n"
		"at 10 guest-drift -0.001\n"
		"at 10 host-reset\n"
		"at 10 host-channels 0\n"
		"at 11 host-channels 8\n"
		"at 12 tclo-idle empty\n"
		"at 12 tclo-idle\tnone  # the default again\n"
		"at 86400 end\n"
		"# comments after end are fine\n";

	(void)state;
	assert_int_equal(parse(text, ev, &n, &err), VMBD_OK);
	assert_int_equal(n, 11);
	assert_int_equal(ev[0].kind, VMBD_SCRIPT_GUEST_DRIFT);
	assert_int_equal(ev[0].at_ns, 0);
	assert_int_equal(ev[0].value, 12500);
	assert_int_equal(ev[0].line, 4);
	assert_int_equal(ev[1].kind, VMBD_SCRIPT_HOST_STEP);
	assert_int_equal(ev[1].at_ns, 1500000000);
	assert_int_equal(ev[1].value, -2500000);
	assert_int_equal(ev[2].kind, VMBD_SCRIPT_TCLO);
	/* Blanks around the command go, blanks inside it stay. */
	assert_string_equal(ev[2].text, "Set_Option  synctime 1");
	assert_int_equal(ev[3].kind, VMBD_SCRIPT_SUSPEND);
	assert_int_equal(ev[3].value, INT64_C(3600000000001));
	assert_int_equal(ev[4].value, -1);
	assert_int_equal(ev[5].kind, VMBD_SCRIPT_HOST_RESET);
	assert_int_equal(ev[6].kind, VMBD_SCRIPT_HOST_CHANNELS);
	assert_int_equal(ev[6].value, 0);
	assert_int_equal(ev[7].kind, VMBD_SCRIPT_HOST_CHANNELS);
	assert_int_equal(ev[7].value, 8);
	assert_int_equal(ev[8].kind, VMBD_SCRIPT_TCLO_IDLE);
	assert_int_equal(ev[8].value, 1);
	assert_int_equal(ev[9].kind, VMBD_SCRIPT_TCLO_IDLE);
	assert_int_equal(ev[9].value, 0);
	assert_int_equal(ev[10].kind, VMBD_SCRIPT_END);
	assert_int_equal(ev[10].at_ns, INT64_C(86400000000000));
	assert_int_equal(ev[10].line, 14);
}

static void test_crlf_and_no_final_newline(void **state)
{
	static struct vmbd_script_event ev[MAXEV];
	size_t n;

	(void)state;
	assert_int_equal(parse("at 1 tclo ping\r\nat 2 end", ev, &n, NULL),
			 VMBD_OK);
	assert_int_equal(n, 2);
	assert_string_equal(ev[0].text, "ping");
}

static void test_reads_exactly_len_bytes(void **state)
{
	static struct vmbd_script_event ev[MAXEV];
	/* Valid up to len; junk (and no NUL) right after. */
	const char buf[] = {'a', 't', ' ', '3', ' ', 'e', 'n', 'd', 'X', '!'};
	size_t n;

	(void)state;
	assert_int_equal(vmbd_script_parse(buf, 8, ev, MAXEV, &n, NULL),
			 VMBD_OK);
	assert_int_equal(n, 1);
	assert_int_equal(ev[0].at_ns, 3000000000);
	assert_int_equal(vmbd_script_parse(buf, 10, ev, MAXEV, &n, NULL),
			 VMBD_ESCRIPT);
}

struct bad_case {
	const char *text;
	size_t len; /* 0: strlen */
	unsigned line;
	int rc;
};

static void test_bad_lines_report_line_and_return_nothing(void **state)
{
	static struct vmbd_script_event ev[MAXEV];
	static const char long_cmd[] =
		"at 1 tclo "
		"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n"
		"at 2 end\n";
	static const struct bad_case cases[] = {
		{"at 1 end\nat 2 end\n", 0, 2, VMBD_ESCRIPT},  /* after end */
		{"at 1 tclo ping\n", 0, 1, VMBD_ESCRIPT},      /* no end */
		{"", 0, 0, VMBD_ESCRIPT},                      /* no end */
		{"# only\n\n", 0, 2, VMBD_ESCRIPT},            /* no end */
		{"at -1 end\n", 0, 1, VMBD_ESCRIPT},
		{"at +1 end\n", 0, 1, VMBD_ESCRIPT},
		{"at 1x end\n", 0, 1, VMBD_ESCRIPT},
		{"at 1. end\n", 0, 1, VMBD_ESCRIPT},
		{"at .5 end\n", 0, 1, VMBD_ESCRIPT},
		{"at 1.0000000001 end\n", 0, 1, VMBD_ESCRIPT},
		{"at 1000000000.5 end\n", 0, 1, VMBD_ESCRIPT},
		{"at 99999999999999999999999999 end\n", 0, 1, VMBD_ESCRIPT},
		{"\nat 1 foo\nat 2 end\n", 0, 2, VMBD_ESCRIPT},
		{"at 1 host-step\nat 2 end\n", 0, 1, VMBD_ESCRIPT},
		{"at 1 host-step 1.5\nat 2 end\n", 0, 1, VMBD_ESCRIPT},
		{"at 1 host-step 1 2\nat 2 end\n", 0, 1, VMBD_ESCRIPT},
		{"at 1 host-step 1000000000000001\nat 2 end\n", 0, 1, VMBD_ESCRIPT},
		{"at 1 host-step --5\nat 2 end\n", 0, 1, VMBD_ESCRIPT},
		{"at 1 guest-drift 100000.001\nat 2 end\n", 0, 1, VMBD_ESCRIPT},
		{"at 1 guest-drift 1.0001\nat 2 end\n", 0, 1, VMBD_ESCRIPT},
		{"at 1 suspend -5\nat 2 end\n", 0, 1, VMBD_ESCRIPT},
		{"at 1 tclo\nat 2 end\n", 0, 1, VMBD_ESCRIPT},
		{"at 1 tclo    # only a comment\nat 2 end\n", 0, 1, VMBD_ESCRIPT},
		{"at 1 end extra\n", 0, 1, VMBD_ESCRIPT},
		{"at 1 host-reset now\nat 2 end\n", 0, 1, VMBD_ESCRIPT},
		{"at 1 host-channels\nat 2 end\n", 0, 1, VMBD_ESCRIPT},
		{"at 1 host-channels 9\nat 2 end\n", 0, 1, VMBD_ESCRIPT},
		{"at 1 host-channels -1\nat 2 end\n", 0, 1, VMBD_ESCRIPT},
		{"at 1 host-channels 1.5\nat 2 end\n", 0, 1, VMBD_ESCRIPT},
		{"at 1 host-channels 2 3\nat 2 end\n", 0, 1, VMBD_ESCRIPT},
		{"at 1 tclo-idle\nat 2 end\n", 0, 1, VMBD_ESCRIPT},
		{"at 1 tclo-idle EMPTY\nat 2 end\n", 0, 1, VMBD_ESCRIPT},
		{"at 1 tclo-idle empty now\nat 2 end\n", 0, 1, VMBD_ESCRIPT},
		{"at 1 tclo-idle 1\nat 2 end\n", 0, 1, VMBD_ESCRIPT},
		{"bogus\nat 1 end\n", 0, 1, VMBD_ESCRIPT},
		{"at\nat 1 end\n", 0, 1, VMBD_ESCRIPT},
		{"at 1\nat 1 end\n", 0, 1, VMBD_ESCRIPT},
		{"AT 1 end\n", 0, 1, VMBD_ESCRIPT},
		{"at 5 tclo ping\nat 4 end\n", 0, 2, VMBD_ESCRIPT}, /* order */
		{"at 1 tclo pi\0ng\nat 2 end\n", 24, 1, VMBD_ESCRIPT},
		{"at 1 tclo pi\x01ng\nat 2 end\n", 0, 1, VMBD_ESCRIPT},
		{"at 1 tclo caf\xc3\xa9\nat 2 end\n", 0, 1, VMBD_ESCRIPT},
		{"\n\n\nat 1 tclo a\rb\nat 2 end\n", 0, 4, VMBD_ESCRIPT},
		{long_cmd, 0, 1, VMBD_ESCRIPT},
	};
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct vmbd_script_error err = {77, NULL};
		size_t len = cases[i].len ? cases[i].len : strlen(cases[i].text);
		int rc;

		n = 5;
		rc = vmbd_script_parse(cases[i].text, len, ev, MAXEV, &n, &err);
		if (rc != cases[i].rc || err.line != cases[i].line)
			fail_msg("case %zu (%s): rc %d line %u (%s)", i,
				 cases[i].text, rc, err.line,
				 err.reason ? err.reason : "-");
		assert_non_null(err.reason);
		assert_int_equal(n, 0);
	}
}

static void test_comments_may_be_utf8(void **state)
{
	static struct vmbd_script_event ev[MAXEV];
	size_t n;

	(void)state;
	assert_int_equal(parse("# caf\xc3\xa9 \xe2\x80\x94 ok\nat 1 end\n", ev,
			       &n, NULL),
			 VMBD_OK);
	assert_int_equal(n, 1);
}

static void test_too_many_events(void **state)
{
	struct vmbd_script_event ev[2];
	struct vmbd_script_error err;
	size_t n = 9;

	(void)state;
	assert_int_equal(vmbd_script_parse("at 1 tclo a\nat 1 tclo b\nat 2 end\n",
					   33, ev, 2, &n, &err),
			 VMBD_EFULL);
	assert_int_equal(err.line, 3);
	assert_int_equal(n, 0);
	assert_int_equal(vmbd_script_parse("at 2 end\n", 9, ev, 1, &n, &err),
			 VMBD_OK);
	assert_int_equal(vmbd_script_parse("x", 1, NULL, 2, &n, &err),
			 VMBD_EINVAL);
	assert_int_equal(vmbd_script_parse(NULL, 1, ev, 2, &n, &err),
			 VMBD_EINVAL);
	assert_int_equal(vmbd_script_parse("x", 1, ev, 2, NULL, &err),
			 VMBD_EINVAL);
}

static void test_kind_names(void **state)
{
	(void)state;
	assert_string_equal(vmbd_script_kind_name(VMBD_SCRIPT_TCLO), "tclo");
	assert_string_equal(vmbd_script_kind_name(VMBD_SCRIPT_HOST_STEP),
			    "host-step");
	assert_string_equal(vmbd_script_kind_name(VMBD_SCRIPT_GUEST_DRIFT),
			    "guest-drift");
	assert_string_equal(vmbd_script_kind_name(VMBD_SCRIPT_SUSPEND),
			    "suspend");
	assert_string_equal(vmbd_script_kind_name(VMBD_SCRIPT_END), "end");
	assert_string_equal(vmbd_script_kind_name(VMBD_SCRIPT_HOST_RESET),
			    "host-reset");
	assert_string_equal(vmbd_script_kind_name(VMBD_SCRIPT_HOST_CHANNELS),
			    "host-channels");
	assert_string_equal(vmbd_script_kind_name(VMBD_SCRIPT_TCLO_IDLE),
			    "tclo-idle");
	assert_string_equal(vmbd_script_kind_name(0), "?");
}

/* The demo is what the issue asks for: reset, the usual Set_Option
 * sequence with synctime 0, a suspend then Time_Synchronize, synctime 1. */
static void test_demo_script(void **state)
{
	static struct vmbd_script_event ev[MAXEV];
	const char *demo = vmbd_script_demo();
	size_t n, i;
	int seen_reset = 0, seen_sync0 = 0, seen_suspend = 0, seen_ts = 0,
	    seen_sync1 = 0;

	(void)state;
	assert_int_equal(parse(demo, ev, &n, NULL), VMBD_OK);
	for (i = 0; i < n; i++) {
		if (ev[i].kind == VMBD_SCRIPT_TCLO &&
		    !strcmp(ev[i].text, "reset"))
			seen_reset = 1;
		if (ev[i].kind == VMBD_SCRIPT_TCLO &&
		    !strcmp(ev[i].text, "Set_Option synctime 0"))
			seen_sync0 = seen_reset;
		if (ev[i].kind == VMBD_SCRIPT_SUSPEND)
			seen_suspend = seen_sync0;
		if (ev[i].kind == VMBD_SCRIPT_TCLO &&
		    !strncmp(ev[i].text, "Time_Synchronize", 16))
			seen_ts = seen_suspend;
		if (ev[i].kind == VMBD_SCRIPT_TCLO &&
		    !strcmp(ev[i].text, "Set_Option synctime 1"))
			seen_sync1 = seen_ts;
	}
	assert_true(seen_sync1);
	assert_int_equal(ev[n - 1].kind, VMBD_SCRIPT_END);
}

static void test_runner_hands_out_due_events_once(void **state)
{
	static struct vmbd_script_event ev[MAXEV];
	struct vmbd_script_runner r;
	const struct vmbd_script_event *e;
	size_t n;

	(void)state;
	assert_int_equal(parse("at 1 tclo a\nat 1 tclo b\nat 5 host-step 1\n"
			       "at 9 end\n",
			       ev, &n, NULL),
			 VMBD_OK);
	vmbd_script_runner_init(&r, ev, n);
	assert_int_equal(vmbd_script_next_at(&r), 1000000000);
	assert_null(vmbd_script_take_due(&r, 999999999));
	e = vmbd_script_take_due(&r, 1000000000);
	assert_non_null(e);
	assert_string_equal(e->text, "a");
	e = vmbd_script_take_due(&r, 4000000000);
	assert_string_equal(e->text, "b");
	assert_null(vmbd_script_take_due(&r, 4000000000));
	assert_int_equal(vmbd_script_next_at(&r), 5000000000);
	/* Late: everything due comes out in order. */
	e = vmbd_script_take_due(&r, 100000000000);
	assert_int_equal(e->kind, VMBD_SCRIPT_HOST_STEP);
	e = vmbd_script_take_due(&r, 100000000000);
	assert_int_equal(e->kind, VMBD_SCRIPT_END);
	assert_int_equal(r.ended, 1);
	assert_null(vmbd_script_take_due(&r, INT64_MAX));
	assert_int_equal(vmbd_script_next_at(&r), INT64_MAX);

	vmbd_script_runner_init(&r, NULL, 3);
	assert_null(vmbd_script_take_due(&r, INT64_MAX));
	assert_int_equal(vmbd_script_next_at(&r), INT64_MAX);
}

static uint64_t rng_next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/*
 * Property over 100,000 seeded random scripts built from valid and broken
 * pieces and raw bytes: the parser always returns OK, ESCRIPT or EFULL;
 * on OK the events are in time order, end is last and only there, every
 * TCLO text is NUL-terminated within its buffer, and values are in range;
 * on failure a line and a reason are given and no event is returned.
 */
static void test_random_scripts_property(void **state)
{
	static const char *pieces[] = {
		"at ", "1", "2.5", "86400", "0.000000001", "-", "+", " ", "\t",
		"tclo ", "ping", "Set_Option synctime 1", "host-step ",
		"guest-drift ", "suspend ", "end", "#", "\n", "\r\n", "99999999999",
		".", "x", "\x00", "\xff", "1000000000", "100000", "at 7 end\n",
	};
	static struct vmbd_script_event ev[8];
	char buf[512];
	uint64_t s = 0xdeadbeefcafef00du;
	int i, ok = 0;

	(void)state;
	for (i = 0; i < 100000; i++) {
		size_t len = 0, n = 77, k;
		int parts = (int)(rng_next(&s) % 40);
		struct vmbd_script_error err = {0, NULL};
		int rc;

		while (parts-- > 0 && len < sizeof(buf) - 32) {
			uint64_t r = rng_next(&s);

			if (r % 8 == 0) {
				buf[len++] = (char)(r >> 8);
			} else {
				const char *p = pieces[(r >> 3) % (sizeof(pieces) /
								  sizeof(pieces[0]))];
				size_t pl = strlen(p);

				if (p[0] == '\0')
					pl = 1; /* the NUL piece */
				memcpy(buf + len, p, pl);
				len += pl;
			}
		}
		rc = vmbd_script_parse(buf, len, ev, 8, &n, &err);
		assert_true(rc == VMBD_OK || rc == VMBD_ESCRIPT ||
			    rc == VMBD_EFULL);
		if (rc != VMBD_OK) {
			assert_int_equal(n, 0);
			assert_non_null(err.reason);
			continue;
		}
		ok++;
		assert_true(n >= 1 && n <= 8);
		assert_int_equal(ev[n - 1].kind, VMBD_SCRIPT_END);
		for (k = 0; k < n; k++) {
			assert_true(ev[k].at_ns >= 0);
			assert_true(ev[k].at_ns <= VMBD_SCRIPT_MAX_SECONDS * 1000000000);
			if (k)
				assert_true(ev[k].at_ns >= ev[k - 1].at_ns);
			if (k + 1 < n)
				assert_int_not_equal(ev[k].kind, VMBD_SCRIPT_END);
			assert_non_null(memchr(ev[k].text, '\0',
					       sizeof(ev[k].text)));
		}
	}
	/* The generator does produce valid scripts, so both paths ran. */
	assert_true(ok > 100);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_event_kind),
		cmocka_unit_test(test_crlf_and_no_final_newline),
		cmocka_unit_test(test_reads_exactly_len_bytes),
		cmocka_unit_test(test_bad_lines_report_line_and_return_nothing),
		cmocka_unit_test(test_comments_may_be_utf8),
		cmocka_unit_test(test_too_many_events),
		cmocka_unit_test(test_kind_names),
		cmocka_unit_test(test_demo_script),
		cmocka_unit_test(test_runner_hands_out_due_events_once),
		cmocka_unit_test(test_random_scripts_property),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
