/*
 * The vmbd-time side of the vmtoolsd comparison (issue 7, point 3): the
 * scenario becomes a host script for `vmbd-time daemon --sim --script FILE
 * --json`, the program itself (TCLO poll, policy engine, sampler with the
 * frequency estimator, decision, simulated guest clock, STOPCATCHUP), run
 * in virtual time; its JSON events are sorted into one window per step.
 *
 * Schedule: the daemon polls TCLO every VMBD_AGENT_POLL_IDLE_NS (0.999 s)
 * of virtual time when idle, at once again after a command, so a command
 * queued at any instant is handled within the next 0.999 s. Every script
 * event is placed at a half second and a step's window runs from its
 * event to the next step's:
 *
 *   TCLO at cursor c: `at c+0.5 tclo CMD`, handled by the first poll after
 *                     it, before c+1.5 (a loop it starts syncs at once,
 *                     in the same window);
 *                     window [c+0.5, c+1.5), cursor c+1
 *   WAIT ms:          window [c+0.5, c+0.5+ms), cursor c+ms: a loop of
 *                     period ms started by the command before ticks in it,
 *                     as vmtoolsd's does in its wait
 *   HOST ms:          `at c+0.5 host-step`, before the next step's event,
 *                     as the harness shifts the host before it queues the
 *                     next command; no window
 *
 * The start offset is a host step at 0, before the first command.
 *
 * A command with a deliberate clock difference (vmtoolsd steps, we leave
 * the clock alone: step.clock_diff) leaves vmtoolsd's guest on host time
 * and ours where it was. So that the steps after it start from the same
 * host/guest offset on both sides, as the comparison requires, the script
 * then moves the host by the offset vmtoolsd corrected (the offset at that
 * moment: a one-shot step goes all the way), at the end of the command's
 * window.
 */
#include "timesync_compare.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define HALF_S (NS_PER_S / 2)

struct window {
	int64_t from, to;  /* ns since the daemon's start; from < 0: none */
};

static void print_at(FILE *f, int64_t ns)
{
	fprintf(f, "at %lld.%09lld", (long long)(ns / NS_PER_S), (long long)(ns % NS_PER_S));
}

/* The script for the steps; win[i] gets step i's window. */
static int write_script(const char *path, int64_t offset_ms, const struct step *steps,
			size_t nsteps, struct window *win)
{
	FILE *f = fopen(path, "w");
	int64_t c = 0, host_ms = offset_ms; /* host - guest, as scripted */
	size_t i;

	if (!f)
		return -errno;
	fprintf(f, "# vmbd-interop-timesync: a vmtoolsd scenario for vmbd-time\n");
	if (offset_ms != 0)
		fprintf(f, "at 0 host-step %" PRId64 "\n", offset_ms * 1000);
	for (i = 0; i < nsteps; i++) {
		const struct step *s = &steps[i];

		win[i].from = -1;
		switch (s->kind) {
		case S_TCLO:
			print_at(f, c + HALF_S);
			fprintf(f, " tclo %s\n", s->cmd);
			win[i].from = c + HALF_S;
			win[i].to = c + HALF_S + NS_PER_S;
			c += NS_PER_S;
			if (s->clock_diff && host_ms != 0) {
				print_at(f, c + HALF_S);
				fprintf(f, " host-step %" PRId64 "\n", -host_ms * 1000);
				host_ms = 0;
			}
			break;
		case S_WAIT_MS:
			win[i].from = c + HALF_S;
			win[i].to = c + HALF_S + s->ms * NS_PER_MS;
			c += s->ms * NS_PER_MS;
			break;
		case S_HOST_STEP_MS:
			print_at(f, c + HALF_S);
			fprintf(f, " host-step %" PRId64 "\n", s->ms * 1000);
			host_ms += s->ms;
			break;
		default:
			break;
		}
	}
	print_at(f, c + HALF_S);
	fprintf(f, " end\n");
	return fclose(f) == 0 ? 0 : -errno;
}

/* --- the JSON lines vmbd-time prints (out.c): flat objects ------------- */

static const char *json_key(const char *line, const char *key)
{
	char pat[40];
	const char *p;

	snprintf(pat, sizeof(pat), "\"%s\":", key);
	p = strstr(line, pat);
	return p ? p + strlen(pat) : NULL;
}

/* A string member, unescaped (\" \\ \n \u00XX, as vt_json_string writes). */
static int json_str(const char *line, const char *key, char *buf, size_t size)
{
	const char *p = json_key(line, key);
	size_t n = 0;

	if (!p || *p++ != '"')
		return -1;
	while (*p && *p != '"') {
		char c = *p++;

		if (c == '\\') {
			c = *p++;
			if (c == 'n') {
				c = '\n';
			} else if (c == 'u') {
				unsigned v;

				if (sscanf(p, "%4x", &v) != 1)
					return -1;
				c = (char)v;
				p += 4;
			} else if (c == '\0') {
				return -1;
			}
		}
		if (n + 1 < size)
			buf[n++] = c;
	}
	buf[n] = '\0';
	return *p == '"' ? 0 : -1;
}

static int json_int(const char *line, const char *key, int64_t *v)
{
	const char *p = json_key(line, key);
	char *end;

	if (!p)
		return -1;
	errno = 0;
	*v = strtoll(p, &end, 10);
	return end == p || errno ? -1 : 0;
}

/* "t":S.UUUUUU in ns. */
static int json_time(const char *line, int64_t *ns)
{
	const char *p = json_key(line, "t");
	long long s, us;

	if (!p || sscanf(p, "%lld.%6lld", &s, &us) != 2)
		return -1;
	*ns = (int64_t)s * NS_PER_S + us * 1000;
	return 0;
}

static int window_of(const struct window *win, size_t nsteps, int64_t t)
{
	size_t i;

	for (i = 0; i < nsteps; i++)
		if (win[i].from >= 0 && t >= win[i].from && t < win[i].to)
			return (int)i;
	return -1;
}

/* One JSON line into out. 1 when it is the final "stop" of a script run
 * to its end, 0 otherwise, -1 on a malformed line. */
static int take_line(const char *line, const struct window *win, size_t nsteps,
		     struct vt_result *out)
{
	char event[32], msg[64];
	int64_t t, v, period_s;
	struct outcome *o;
	int w;

	if (json_time(line, &t) != 0 || json_str(line, "event", event, sizeof(event)) != 0)
		return -1;
	if (strcmp(event, "stop") == 0)
		return json_str(line, "message", msg, sizeof(msg)) == 0 &&
		       strcmp(msg, "script ended") == 0;
	if (strcmp(event, "reply") != 0 && strcmp(event, "step") != 0 &&
	    strcmp(event, "slew") != 0 && strcmp(event, "sync-failed") != 0)
		return 0; /* tclo, in-sync, loop-start/stop, skipped, log, ... */
	w = window_of(win, nsteps, t);
	if (w < 0) {
		out->unplaced++;
		return 0;
	}
	o = &out->step[w].clock;
	if (strcmp(event, "reply") == 0) {
		struct vt_step_result *s = &out->step[w];

		s->nreply++;
		if (json_str(line, "command", s->cmd, sizeof(s->cmd)) != 0 ||
		    json_str(line, "reply", s->reply, sizeof(s->reply)) != 0)
			return -1;
	} else if (strcmp(event, "step") == 0) {
		if (json_int(line, "delta_us", &v) != 0)
			return -1;
		if (o->nstep < 4)
			o->step_ns[o->nstep++] = v * 1000;
	} else if (strcmp(event, "slew") == 0) {
		long tick;

		if (json_int(line, "delta_us", &v) != 0 ||
		    json_int(line, "period_s", &period_s) != 0 || period_s <= 0)
			return -1;
		/* As in the policy comparison: a tick of nominal length is
		 * no change the kernel would see. */
		tick = tick_for(v, period_s * 1000000);
		if (tick != TICK_NOMINAL && o->nslew < 4)
			o->tick[o->nslew++] = tick;
		if (json_int(line, "freq_ppb", &v) == 0 && v != 0 && o->nfreq < 4)
			o->freq_ppb[o->nfreq++] = v;
	} else {
		o->nfail++;
	}
	return 0;
}

int vt_run_scenario(const char *vmbd_time, const char *dir, const char *name,
		    int64_t offset_ms, const struct step *steps, size_t nsteps,
		    struct vt_result *out)
{
	struct window win[MAX_STEPS];
	char path[256], line[1024];
	int fds[2], status, rc, ended = 0, bad = 0;
	pid_t pid;
	FILE *f;

	memset(out, 0, sizeof(*out));
	if (nsteps > MAX_STEPS) {
		snprintf(out->error, sizeof(out->error), "more than %d steps", MAX_STEPS);
		return -1;
	}
	snprintf(path, sizeof(path), "%s/%s.script", dir, name);
	rc = write_script(path, offset_ms, steps, nsteps, win);
	if (rc != 0) {
		snprintf(out->error, sizeof(out->error), "%.200s: %s", path, strerror(-rc));
		return -1;
	}
	if (pipe(fds) != 0) {
		snprintf(out->error, sizeof(out->error), "pipe: %s", strerror(errno));
		return -1;
	}
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		snprintf(out->error, sizeof(out->error), "fork: %s", strerror(errno));
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (pid == 0) {
		char *argv[] = {(char *)vmbd_time, "daemon", "--sim", "--script",
				path, "--json", NULL};

		dup2(fds[1], STDOUT_FILENO);
		close(fds[0]);
		close(fds[1]);
		execv(vmbd_time, argv);
		_exit(127);
	}
	close(fds[1]);
	f = fdopen(fds[0], "r");
	while (f && fgets(line, sizeof(line), f)) {
		int got = take_line(line, win, nsteps, out);

		if (got < 0 && !bad) {
			bad = 1;
			snprintf(out->error, sizeof(out->error),
				 "unreadable vmbd-time output: %.200s", line);
		}
		ended |= got == 1;
	}
	if (f)
		fclose(f);
	else
		close(fds[0]);
	if (waitpid(pid, &status, 0) != pid) {
		snprintf(out->error, sizeof(out->error), "waitpid: %s", strerror(errno));
		return -1;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		snprintf(out->error, sizeof(out->error), "%.200s daemon exited with status %d",
			 vmbd_time, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		return -1;
	}
	if (bad)
		return -1;
	if (!ended) {
		snprintf(out->error, sizeof(out->error),
			 "vmbd-time did not play the script to its end");
		return -1;
	}
	return 0;
}
