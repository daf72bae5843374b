/* vmbd-time output: a readable timeline, or one JSON object per line. */
#include <inttypes.h>
#include <string.h>

#include "vt.h"

void vt_json_string(FILE *f, const char *s, size_t len)
{
	size_t i;

	fputc('"', f);
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c < 0x20 || c >= 0x7f)
			/* Host strings may hold any byte; keep the line valid
			 * JSON (bytes >= 0x80 read as Latin-1). */
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

/* Seconds with microseconds, sign always shown. */
static void print_us(FILE *f, int64_t us)
{
	uint64_t mag = us < 0 ? (uint64_t)0 - (uint64_t)us : (uint64_t)us;

	fprintf(f, "%c%" PRIu64 ".%06" PRIu64 " s", us < 0 ? '-' : '+',
		mag / 1000000u, mag % 1000000u);
}

static void emit_json(FILE *f, int64_t t_ns, const struct vt_event *ev)
{
	fprintf(f, "{\"t\":%" PRId64 ".%06" PRId64 ",\"event\":", t_ns / VT_NS_PER_SEC,
		(t_ns % VT_NS_PER_SEC) / 1000);
	vt_json_string(f, ev->event, strlen(ev->event));
	if (ev->command) {
		fputs(",\"command\":", f);
		vt_json_string(f, ev->command, ev->command_len);
	}
	if (ev->reply) {
		fputs(",\"reply\":", f);
		vt_json_string(f, ev->reply, ev->reply_len);
	}
	if (ev->cause) {
		fputs(",\"cause\":", f);
		vt_json_string(f, ev->cause, strlen(ev->cause));
	}
	if (ev->has_delta)
		fprintf(f, ",\"delta_us\":%" PRId64, ev->delta_us);
	if (ev->has_backward)
		fprintf(f, ",\"backward\":%s", ev->backward ? "true" : "false");
	if (ev->has_period)
		fprintf(f, ",\"period_s\":%" PRIu32, ev->period_s);
	if (ev->has_freq)
		fprintf(f, ",\"freq_ppb\":%" PRId64, ev->freq_ppb);
	if (ev->has_offset)
		fprintf(f, ",\"offset_us\":%" PRId64, ev->offset_us);
	if (ev->reason) {
		fputs(",\"reason\":", f);
		vt_json_string(f, ev->reason, strlen(ev->reason));
	}
	if (ev->message) {
		fputs(",\"message\":", f);
		vt_json_string(f, ev->message, strlen(ev->message));
	}
	if (ev->has_calls)
		fprintf(f, ",\"backdoor_calls\":%" PRIu64, ev->calls);
	fputs("}\n", f);
}

/* Printable copy of a host string for the timeline. */
static void print_text(FILE *f, const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x20 && c < 0x7f)
			fputc(c, f);
		else
			fprintf(f, "\\x%02x", c);
	}
}

static void emit_text(FILE *f, int64_t t_ns, const struct vt_event *ev)
{
	int64_t ms = t_ns / 1000000;

	fprintf(f, "%3" PRId64 ":%02" PRId64 ":%02" PRId64 ".%03" PRId64 "  %-12s",
		ms / 3600000, ms / 60000 % 60, ms / 1000 % 60, ms % 1000,
		ev->event);
	if (ev->command) {
		fputs(" ", f);
		print_text(f, ev->command, ev->command_len);
		if (ev->reply)
			fputs("  ->", f);
	}
	if (ev->reply) {
		fputs(" ", f);
		print_text(f, ev->reply, ev->reply_len);
	}
	if (ev->has_delta) {
		fputs(" ", f);
		print_us(f, ev->delta_us);
	}
	if (ev->has_period)
		fprintf(f, " %s%" PRIu32 " s", ev->has_delta ? "over " : "every ",
			ev->period_s);
	if (ev->has_freq)
		fprintf(f, ", frequency %+.3f ppm", (double)ev->freq_ppb / 1e3);
	if (ev->cause || ev->has_backward) {
		fputs(" (", f);
		if (ev->cause)
			fputs(ev->cause, f);
		if (ev->has_backward)
			fprintf(f, "%s%s", ev->cause ? ", " : "",
				ev->backward ? "backward allowed" : "forward only");
		fputs(")", f);
	}
	/* "what happened: why" when there are both. */
	if (ev->message)
		fprintf(f, " %s%s", ev->message, ev->reason ? ":" : "");
	if (ev->reason)
		fprintf(f, " %s", ev->reason);
	if (ev->has_calls)
		fprintf(f, ", %" PRIu64 " backdoor calls", ev->calls);
	if (ev->has_offset) {
		fputs("  [guest-host ", f);
		print_us(f, ev->offset_us);
		fputs("]", f);
	}
	fputs("\n", f);
}

void vt_emit(struct vt_out *o, int64_t t_ns, const struct vt_event *ev)
{
	if (t_ns < 0)
		t_ns = 0;
	if (o->json)
		emit_json(o->f, t_ns, ev);
	else
		emit_text(o->f, t_ns, ev);
	fflush(o->f);
}
