/*
 * Simulator host scripts: a strict, allocation-free line parser (it is
 * fuzzed: every byte of hostile input must end in an error code, never in
 * an overflow or a partial run) and a runner that hands out due events.
 */
#include <string.h>

#include <vmbackdoor/script.h>

struct cursor {
	const char *p;
	const char *end;
};

typedef int (*arg_parser)(struct cursor *c, struct vmbd_script_event *ev,
			  const char **reason);

struct event_row {
	const char *keyword;
	int kind;
	arg_parser parse;
};

static int is_blank(char ch)
{
	return ch == ' ' || ch == '\t';
}

static void skip_blanks(struct cursor *c)
{
	while (c->p < c->end && is_blank(*c->p))
		c->p++;
}

/* Next blank-separated token; empty when the line is used up. */
static struct cursor next_token(struct cursor *c)
{
	struct cursor tok;

	skip_blanks(c);
	tok.p = c->p;
	while (c->p < c->end && !is_blank(*c->p))
		c->p++;
	tok.end = c->p;
	return tok;
}

static int token_is(struct cursor tok, const char *word)
{
	size_t n = strlen(word);

	return (size_t)(tok.end - tok.p) == n && memcmp(tok.p, word, n) == 0;
}

static int rest_is_empty(struct cursor *c)
{
	skip_blanks(c);
	return c->p == c->end;
}

/*
 * Strict fixed-point decimal: [sign] digits [. 1..scale digits], scaled by
 * 10^scale. |integer part| <= max_int and the scaled value <= max_int *
 * 10^scale (callers keep that below 2^63). No locale, no strtol, no
 * trailing junk.
 */
static int parse_fixed(struct cursor tok, int sign_ok, unsigned scale,
		       int64_t max_int, int64_t *out, const char **reason)
{
	const char *p = tok.p;
	int negative = 0;
	int64_t ip = 0, frac = 0, pow = 1, limit;
	unsigned fdigits = 0, i;
	int digits = 0;

	if (p < tok.end && (*p == '+' || *p == '-')) {
		if (!sign_ok) {
			*reason = "a sign is not allowed here";
			return VMBD_ESCRIPT;
		}
		negative = *p == '-';
		p++;
	}
	for (; p < tok.end && *p >= '0' && *p <= '9'; p++) {
		if (ip > max_int)
			break; /* stays below 2^63: max_int * 10 + 9 fits */
		ip = ip * 10 + (*p - '0');
		digits++;
	}
	if (p < tok.end && *p >= '0' && *p <= '9') {
		*reason = "number out of range";
		return VMBD_ESCRIPT;
	}
	if (digits == 0) {
		*reason = "expected a number";
		return VMBD_ESCRIPT;
	}
	if (p < tok.end && *p == '.') {
		if (scale == 0) {
			*reason = "expected a whole number";
			return VMBD_ESCRIPT;
		}
		p++;
		for (; p < tok.end && *p >= '0' && *p <= '9'; p++) {
			if (fdigits == scale) {
				*reason = "too many decimals";
				return VMBD_ESCRIPT;
			}
			frac = frac * 10 + (*p - '0');
			fdigits++;
		}
		if (fdigits == 0) {
			*reason = "expected digits after '.'";
			return VMBD_ESCRIPT;
		}
	}
	if (p != tok.end) {
		*reason = "junk after the number";
		return VMBD_ESCRIPT;
	}
	for (i = 0; i < scale; i++)
		pow *= 10;
	for (i = fdigits; i < scale; i++)
		frac *= 10;
	limit = max_int * pow;
	if (ip > max_int || ip * pow > limit - frac) {
		*reason = "number out of range";
		return VMBD_ESCRIPT;
	}
	*out = ip * pow + frac;
	if (negative)
		*out = -*out;
	return VMBD_OK;
}

/* One numeric argument and nothing after it. */
static int parse_one_number(struct cursor *c, int sign_ok, unsigned scale,
			    int64_t max_int, int64_t *out, const char **reason)
{
	struct cursor tok = next_token(c);
	int rc;

	if (tok.p == tok.end) {
		*reason = "missing value";
		return VMBD_ESCRIPT;
	}
	rc = parse_fixed(tok, sign_ok, scale, max_int, out, reason);
	if (rc != VMBD_OK)
		return rc;
	if (!rest_is_empty(c)) {
		*reason = "unexpected text after the value";
		return VMBD_ESCRIPT;
	}
	return VMBD_OK;
}

static int parse_tclo(struct cursor *c, struct vmbd_script_event *ev,
		      const char **reason)
{
	const char *end = c->end;
	size_t n;

	skip_blanks(c);
	while (end > c->p && is_blank(end[-1]))
		end--;
	n = (size_t)(end - c->p);
	if (n == 0) {
		*reason = "missing TCLO command";
		return VMBD_ESCRIPT;
	}
	if (n >= sizeof(ev->text)) {
		*reason = "TCLO command too long";
		return VMBD_ESCRIPT;
	}
	memcpy(ev->text, c->p, n);
	ev->text[n] = '\0';
	c->p = c->end;
	return VMBD_OK;
}

static int parse_host_step(struct cursor *c, struct vmbd_script_event *ev,
			   const char **reason)
{
	int64_t us;
	int rc = parse_one_number(c, 1, 0, VMBD_SCRIPT_MAX_STEP_US, &us, reason);

	if (rc == VMBD_OK)
		ev->value = us * 1000;
	return rc;
}

static int parse_guest_drift(struct cursor *c, struct vmbd_script_event *ev,
			     const char **reason)
{
	return parse_one_number(c, 1, 3, VMBD_SCRIPT_MAX_PPM, &ev->value,
				reason);
}

static int parse_suspend(struct cursor *c, struct vmbd_script_event *ev,
			 const char **reason)
{
	return parse_one_number(c, 0, 9, VMBD_SCRIPT_MAX_SECONDS, &ev->value,
				reason);
}

static int parse_no_value(struct cursor *c, struct vmbd_script_event *ev,
			  const char **reason)
{
	(void)ev;
	if (!rest_is_empty(c)) {
		*reason = "unexpected text after the event";
		return VMBD_ESCRIPT;
	}
	return VMBD_OK;
}

static int parse_host_channels(struct cursor *c, struct vmbd_script_event *ev,
			       const char **reason)
{
	return parse_one_number(c, 0, 0, VMBD_SCRIPT_MAX_CHANNELS, &ev->value,
				reason);
}

/* The two ways a host says "no command": words, so a script reads as what
 * the host does. */
static int parse_tclo_idle(struct cursor *c, struct vmbd_script_event *ev,
			   const char **reason)
{
	struct cursor tok = next_token(c);

	if (token_is(tok, "empty"))
		ev->value = 1;
	else if (token_is(tok, "none"))
		ev->value = 0;
	else {
		*reason = "expected 'empty' or 'none'";
		return VMBD_ESCRIPT;
	}
	if (!rest_is_empty(c)) {
		*reason = "unexpected text after the value";
		return VMBD_ESCRIPT;
	}
	return VMBD_OK;
}

static const struct event_row event_rows[] = {
	{"tclo", VMBD_SCRIPT_TCLO, parse_tclo},
	{"host-step", VMBD_SCRIPT_HOST_STEP, parse_host_step},
	{"guest-drift", VMBD_SCRIPT_GUEST_DRIFT, parse_guest_drift},
	{"suspend", VMBD_SCRIPT_SUSPEND, parse_suspend},
	{"host-reset", VMBD_SCRIPT_HOST_RESET, parse_no_value},
	{"host-channels", VMBD_SCRIPT_HOST_CHANNELS, parse_host_channels},
	{"tclo-idle", VMBD_SCRIPT_TCLO_IDLE, parse_tclo_idle},
	{"end", VMBD_SCRIPT_END, parse_no_value},
};

#define N_ROWS (sizeof(event_rows) / sizeof(event_rows[0]))

const char *vmbd_script_kind_name(int kind)
{
	size_t i;

	for (i = 0; i < N_ROWS; i++)
		if (event_rows[i].kind == kind)
			return event_rows[i].keyword;
	return "?";
}

/*
 * Bytes allowed: printable ASCII and tab everywhere, and anything but
 * control characters inside comments (so comments may be UTF-8). A NUL or
 * a control character is an error: scripts are text.
 */
static int check_bytes(const char *p, const char *end, const char **reason)
{
	int in_comment = 0;

	for (; p < end; p++) {
		unsigned char ch = (unsigned char)*p;

		if (ch == '#')
			in_comment = 1;
		if (ch == '\t')
			continue;
		if (ch < 0x20 || ch == 0x7f) {
			*reason = ch == 0 ? "NUL byte in script"
					  : "control character in script";
			return VMBD_ESCRIPT;
		}
		if (ch >= 0x80 && !in_comment) {
			*reason = "non-ASCII byte outside a comment";
			return VMBD_ESCRIPT;
		}
	}
	return VMBD_OK;
}

/* Parse one line (no newline, comment already cut). *ev is filled when
 * the line holds an event; returns 1 then, 0 for an empty line. */
static int parse_line(struct cursor c, struct vmbd_script_event *ev,
		      const char **reason)
{
	struct cursor tok;
	size_t i;
	int rc;

	tok = next_token(&c);
	if (tok.p == tok.end)
		return 0;
	if (!token_is(tok, "at")) {
		*reason = "expected 'at SECONDS EVENT'";
		return VMBD_ESCRIPT;
	}
	tok = next_token(&c);
	if (tok.p == tok.end) {
		*reason = "missing time after 'at'";
		return VMBD_ESCRIPT;
	}
	rc = parse_fixed(tok, 0, 9, VMBD_SCRIPT_MAX_SECONDS, &ev->at_ns,
			 reason);
	if (rc != VMBD_OK)
		return rc;
	tok = next_token(&c);
	if (tok.p == tok.end) {
		*reason = "missing event after the time";
		return VMBD_ESCRIPT;
	}
	for (i = 0; i < N_ROWS; i++)
		if (token_is(tok, event_rows[i].keyword))
			break;
	if (i == N_ROWS) {
		*reason = "unknown event (tclo, host-step, guest-drift, "
			  "suspend, host-reset, host-channels, tclo-idle, end)";
		return VMBD_ESCRIPT;
	}
	ev->kind = event_rows[i].kind;
	ev->value = 0;
	ev->text[0] = '\0';
	rc = event_rows[i].parse(&c, ev, reason);
	return rc == VMBD_OK ? 1 : rc;
}

static int fail(struct vmbd_script_error *err, unsigned line,
		const char *reason, int rc)
{
	if (err) {
		err->line = line;
		err->reason = reason;
	}
	return rc;
}

int vmbd_script_parse(const char *text, size_t len,
		      struct vmbd_script_event *events, size_t max_events,
		      size_t *n_events, struct vmbd_script_error *err)
{
	const char *p, *end, *eol, *hash;
	const char *reason = NULL;
	struct vmbd_script_event ev;
	struct cursor line_cur;
	unsigned line = 0;
	size_t n = 0;
	int ended = 0;
	int64_t last_at = 0;
	int rc;

	if (n_events)
		*n_events = 0;
	if (err) {
		err->line = 0;
		err->reason = NULL;
	}
	if ((!text && len) || !n_events || (!events && max_events))
		return fail(err, 0, "invalid argument", VMBD_EINVAL);

	p = text;
	end = text ? text + len : text;
	while (p < end) {
		if (line == UINT32_MAX)
			return fail(err, line, "too many lines", VMBD_ESCRIPT);
		line++;
		eol = memchr(p, '\n', (size_t)(end - p));
		if (!eol)
			eol = end;
		line_cur.p = p;
		line_cur.end = eol;
		p = eol < end ? eol + 1 : end;
		/* Windows line ends are tolerated. */
		if (line_cur.end > line_cur.p && line_cur.end[-1] == '\r')
			line_cur.end--;
		if (check_bytes(line_cur.p, line_cur.end, &reason) != VMBD_OK)
			return fail(err, line, reason, VMBD_ESCRIPT);
		hash = memchr(line_cur.p, '#',
			      (size_t)(line_cur.end - line_cur.p));
		if (hash)
			line_cur.end = hash;

		rc = parse_line(line_cur, &ev, &reason);
		if (rc < 0)
			return fail(err, line, reason, rc);
		if (rc == 0)
			continue;
		if (ended)
			return fail(err, line, "event after 'end'",
				    VMBD_ESCRIPT);
		if (ev.at_ns < last_at)
			return fail(err, line,
				    "event earlier than the one before it",
				    VMBD_ESCRIPT);
		if (n == max_events)
			return fail(err, line, "too many events", VMBD_EFULL);
		ev.line = line;
		last_at = ev.at_ns;
		ended = ev.kind == VMBD_SCRIPT_END;
		events[n++] = ev;
	}
	if (!ended)
		return fail(err, line,
			    "script has no 'at SECONDS end' line", VMBD_ESCRIPT);
	*n_events = n;
	return VMBD_OK;
}

void vmbd_script_runner_init(struct vmbd_script_runner *r,
			     const struct vmbd_script_event *events,
			     size_t n_events)
{
	if (!r)
		return;
	r->events = events;
	r->n_events = events ? n_events : 0;
	r->next = 0;
	r->ended = 0;
}

int64_t vmbd_script_next_at(const struct vmbd_script_runner *r)
{
	if (!r || r->ended || r->next >= r->n_events)
		return INT64_MAX;
	return r->events[r->next].at_ns;
}

const struct vmbd_script_event *
vmbd_script_take_due(struct vmbd_script_runner *r, int64_t elapsed_ns)
{
	const struct vmbd_script_event *ev;

	if (!r || r->ended || r->next >= r->n_events)
		return NULL;
	ev = &r->events[r->next];
	if (ev->at_ns > elapsed_ns)
		return NULL;
	r->next++;
	if (ev->kind == VMBD_SCRIPT_END)
		r->ended = 1;
	return ev;
}
