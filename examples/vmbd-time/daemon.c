/*
 * vmbd-time daemon: the TCLO loop. The library's agent (agent.h) does one
 * poll step at a time (send the previous reply, take a command, policy
 * engine, syncs, periodic loop) and says when to poll again: about once a
 * second, at once after a command. Here: the channels, the actions that
 * need RPCI, the chrony refclock, output and sleeping.
 *
 * Backdoor calls (every one a VM exit): opening costs the two channel
 * OPENs; an idle second one TCLO poll (2 calls, 3 when the host says
 * "nothing" with an empty message); a loop sync the sampler's host reads
 * (+ STOPCATCHUP after a step), without an extra poll; the version goes
 * to the host when it sends Capabilities_Register, which it does whenever
 * tools connect. A lost channel is logged once and retried about once a
 * second (the TCLO layer has already retried at once).
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vt.h"

/* What we report with tools.set.version: "guest managed" tools, the value
 * distribution-built open-vm-tools sends, so the host never offers an
 * upgrade of VMware Tools over us. */
#define VT_TOOLS_VERSION "2147483647"
/* Reopening a lost channel and feeding chronyd: once a second. */
#define RETRY_NS INT64_C(1000000000)
#define REFCLOCK_NS INT64_C(1000000000)
#define CMD_MAX 65536

struct daemon {
	struct vt_env env;
	struct vmbd_tclo tclo;
	struct vmbd_rpci rpci;
	struct vmbd_agent agent;
	char cmd[CMD_MAX];
	struct vt_refclock refclock;
	int refclock_on;
	int64_t next_refclock;
	int channels_up;
	int ever_open;           /* the channels were open once */
	int64_t next_reopen;
	int64_t down_since;      /* when the channels went (or first failed) */
	unsigned open_failures;  /* failed opens since: logged only the first */
	uint64_t tclo_reopens;   /* reopens of the TCLO layer already reported */
};

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static void emit_simple(struct daemon *d, const char *event, const char *msg)
{
	struct vt_event ev = {.event = event, .message = msg};

	vt_emit(d->env.out, vt_elapsed(&d->env), &ev);
}

/* RPCI request; the reply text is dropped (we only report facts). The
 * RPCI layer reopens a lost channel by itself. */
static int rpci_call(struct daemon *d, const char *req)
{
	char reply[256];
	size_t len = 0;

	return vmbd_rpci_command(&d->rpci, req, reply, sizeof(reply), &len);
}

static void report_version(struct daemon *d)
{
	int rc = rpci_call(d, "tools.set.version " VT_TOOLS_VERSION);

	if (rc != VMBD_OK) {
		struct vt_event ev = {.event = "log", .message =
				      "tools.set.version failed",
				      .reason = vmbd_strerror(rc)};

		vt_emit(d->env.out, vt_elapsed(&d->env), &ev);
	}
}

static void close_channels(struct daemon *d)
{
	if (d->channels_up) {
		vmbd_tclo_close(&d->tclo);
		vmbd_rpci_close(&d->rpci);
	}
	d->channels_up = 0;
}

/* Open both channels. While the host refuses, one line says so and the
 * retries (about every second) are silent; the success after them says
 * how long it took. The version is not sent here: the host asks with
 * Capabilities_Register once it sees the TCLO channel (as it does for
 * vmtoolsd and the BSDs' vmt(4)), so sending it now would cost a second
 * RPCI round trip for nothing. */
static int open_channels(struct daemon *d, int64_t now)
{
	char msg[128];
	int rc;

	rc = vmbd_tclo_open(&d->tclo, d->env.ctx, 0);
	if (rc == VMBD_OK) {
		rc = vmbd_rpci_open(&d->rpci, d->env.ctx, 0);
		if (rc != VMBD_OK)
			vmbd_tclo_close(&d->tclo);
	}
	if (rc != VMBD_OK) {
		struct vt_event ev = {.event = "channel", .message =
				      "cannot open the TCLO/RPCI channels; "
				      "retrying about every second",
				      .reason = vmbd_strerror(rc)};

		if (d->open_failures++ == 0) {
			d->down_since = now;
			vt_emit(d->env.out, vt_elapsed(&d->env), &ev);
		}
		return rc;
	}
	d->channels_up = 1;
	d->tclo_reopens = d->tclo.reopens;
	/* A fresh channel starts with an empty poll. */
	vmbd_agent_drop_reply(&d->agent);
	if (d->open_failures == 0)
		snprintf(msg, sizeof(msg), "TCLO and RPCI channels open");
	else
		snprintf(msg, sizeof(msg), "TCLO and RPCI channels %s after %.1f s",
			 d->ever_open ? "reopened" : "open",
			 (double)(now - d->down_since) / 1e9);
	emit_simple(d, "channel", msg);
	d->ever_open = 1;
	d->open_failures = 0;
	return VMBD_OK;
}

/* The poll failed even after the TCLO layer's own reopen: say so once,
 * release what the host may still hold, and retry in a second (at once
 * would repeat the reopen that just failed). */
static void channel_lost(struct daemon *d, int rc, int64_t now)
{
	struct vt_event ev = {.event = "channel",
			      .message = "channel lost; reopening about every second",
			      .reason = vmbd_strerror(rc)};

	vt_emit(d->env.out, vt_elapsed(&d->env), &ev);
	close_channels(d);
	d->down_since = now;
	d->open_failures = 1; /* logged: the retries stay quiet */
	d->next_reopen = now + RETRY_NS;
}

/* The TCLO layer reopened a channel the host had dropped (host reset,
 * VMX restart) within a poll: nothing was lost, but it is worth a line. */
static void note_tclo_reopen(struct daemon *d)
{
	if (d->tclo.reopens == d->tclo_reopens)
		return;
	d->tclo_reopens = d->tclo.reopens;
	emit_simple(d, "channel", "host dropped the TCLO channel; reopened");
}

/*
 * Power operations (vmbd-time(1), POWER OPERATIONS). The host's TCLO
 * reply is "OK " (the policy engine's, as vmtoolsd's powerOps answers
 * when no script is to run); the outcome goes over RPCI as
 * `tools.os.statechange.status SUCCESS STATE`. vmtoolsd reports success
 * and then halts or reboots the guest itself; a time daemon must not, so
 * for those two it reports failure, and the host falls back to a hard
 * power operation or tells its user. Power-on, resume and suspend need
 * nothing from a guest without scripts: success, as vmtoolsd reports.
 * A resume does not sync: the host sends Time_Synchronize when it wants.
 */
static const struct os_state_row {
	int state;               /* enum vmbd_os_state */
	const char *command;
	int success;
	const char *what;
} os_states[] = {
	{VMBD_OS_HALT, "OS_Halt", 0,
	 "not performed: vmbd-time powers nothing off; reported as failed"},
	{VMBD_OS_REBOOT, "OS_Reboot", 0,
	 "not performed: vmbd-time reboots nothing; reported as failed"},
	{VMBD_OS_POWERON, "OS_PowerOn", 1, "no power-on script to run"},
	{VMBD_OS_RESUME, "OS_Resume", 1, "no resume script to run"},
	{VMBD_OS_SUSPEND, "OS_Suspend", 1, "no suspend script to run"},
};

static void state_change(struct daemon *d, int os_state)
{
	const struct os_state_row *row = NULL;
	char req[64], msg[192];
	size_t i;
	int rc;

	for (i = 0; i < sizeof(os_states) / sizeof(os_states[0]); i++)
		if (os_states[i].state == os_state)
			row = &os_states[i];
	if (row == NULL)
		return; /* the policy engine knows no other */
	snprintf(req, sizeof(req), "tools.os.statechange.status %d %d",
		 row->success, os_state);
	rc = rpci_call(d, req);
	snprintf(msg, sizeof(msg), "%s: %s (%s)", row->command, row->what, req);
	{
		struct vt_event ev = {.event = "log", .message = msg,
				      .reason = rc == VMBD_OK ? NULL
							      : vmbd_strerror(rc)};

		vt_emit(d->env.out, vt_elapsed(&d->env), &ev);
	}
}

/* The agent's events: printed, and the actions that need RPCI done. */
static void on_agent_event(void *arg, const struct vmbd_agent_event *ev)
{
	struct daemon *d = arg;
	const struct vmbd_policy_action *a = ev->action;

	if (ev->type != VMBD_AGENT_EV_ACTION) {
		vt_agent_event(&d->env, ev);
		return;
	}
	switch (a->type) {
	case VMBD_ACT_STATE_CHANGE:
		state_change(d, a->os_state);
		break;
	case VMBD_ACT_CAPABILITIES:
		report_version(d);
		break;
	case VMBD_ACT_RESYNC_UNSUPPORTED:
		emit_simple(d, "log", "host asks to hand steps to a native time "
			    "service; vmbd-time steps the clock itself");
		break;
	default:
		break;
	}
}

static void refclock_sample(struct daemon *d)
{
	struct vmbd_ts_sample s;
	struct vt_event ev = {.event = "refclock"};
	char why[sizeof(d->refclock.path) + 96];
	int rc = vt_sample(&d->env, &s), err = 0;

	if (rc == VMBD_OK) {
		rc = vt_refclock_send(&d->refclock, s.guest_ns,
				      s.host_ns - s.guest_ns);
		err = rc != VMBD_OK ? errno : 0;
	}
	if (err) {
		/* Which socket and why (no chronyd there yet: ENOENT or
		 * ECONNREFUSED), not just "input/output error". */
		snprintf(why, sizeof(why), "%s: %s", d->refclock.path,
			 strerror(err));
		ev.reason = why;
	} else if (rc != VMBD_OK) {
		ev.reason = vmbd_strerror(rc);
	} else {
		ev.has_offset = 1;
		ev.offset_us = (s.guest_ns - s.host_ns) / 1000;
	}
	vt_emit(d->env.out, vt_elapsed(&d->env), &ev);
}

static int run(struct daemon *d)
{
	int ended = 0;

	while (!stop_flag && !ended) {
		int64_t now = vt_mono(&d->env), wake, due;
		int rc;

		if (!d->channels_up && now >= d->next_reopen &&
		    open_channels(d, now) != VMBD_OK)
			d->next_reopen = now + RETRY_NS;
		if (d->channels_up) {
			/* The library's schedule (agent.h): a TCLO poll when
			 * due, else the loop sync it woke us for. */
			rc = vmbd_agent_step(&d->agent, &d->tclo, d->cmd,
					     sizeof(d->cmd), now, &wake);
			note_tclo_reopen(d);
			if (rc == VMBD_ENOSPC) {
				/* Refused as too big; the channel stays usable.
				 * Wait as when idle, so a flood cannot spin us. */
				emit_simple(d, "log", "host command too large; refused");
			} else if (rc != VMBD_OK) {
				channel_lost(d, rc, now);
				continue;
			}
			if (wake <= now)
				continue; /* a command: poll again at once */
		} else {
			/* The channels are down; the loop goes on (host time
			 * needs no channel). */
			vmbd_agent_tick(&d->agent, now, &due);
			wake = due < d->next_reopen ? due : d->next_reopen;
		}
		now = vt_mono(&d->env);
		if (d->refclock_on && now >= d->next_refclock) {
			refclock_sample(d);
			d->next_refclock = now + REFCLOCK_NS;
		}
		/* Wake for the next sample too: polls every 0.999 s alone find
		 * it due only every other time, and chronyd (poll 0) wants one
		 * a second. */
		if (d->refclock_on && d->next_refclock < wake)
			wake = d->next_refclock;
		ended = vt_wait(&d->env, wake);
	}
	return 0;
}

static void daemon_usage(FILE *out)
{
	fprintf(out,
		"usage: " VMBD_TIME_PROG " daemon [--sim [--script FILE] | --force] [--json]\n"
		"         [--dry-run] [--disable-all] [--disable-periodic]\n"
		"         [--never-backward] [--refclock-sock PATH]\n"
		"\n"
		"Follow the host's time-sync settings (TCLO) until SIGTERM/SIGINT:\n"
		"answer the host, sync when it asks, run the periodic loop.\n"
		"\n"
		"  --sim               the embedded simulated host, in virtual time;\n"
		"                      without --script it plays the built-in demo\n"
		"  --script FILE       host script for --sim (see vmbd-time(1))\n"
		"  --force             real backdoor even if CPUID does not say VMware\n"
		"  --json              one JSON object per event\n"
		"  --dry-run           decide, but only report what would change\n"
		"  --disable-all       never change the clock (the host still gets OK)\n"
		"  --disable-periodic  one-shot syncs only\n"
		"  --never-backward    never step the clock backward\n"
		"  --refclock-sock P   hand host time to chronyd (SOCK refclock at P)\n"
		"                      instead of setting the clock\n"
		"\n"
		"VMBD_TIME_DISABLE_ALL=1, VMBD_TIME_DISABLE_PERIODIC=1 and\n"
		"VMBD_TIME_NEVER_BACKWARD=1 in the environment do the same as the flags\n"
		"(1, yes, true: on; 0, no, false, empty: off; anything else: exit 2).\n");
}

static int daemon_run(int argc, char **argv)
{
	struct vt_opts opts_storage, *opts = &opts_storage;
	struct vt_out out = {stdout, 0};
	struct daemon *d;
	struct sigaction sa;
	char msg[160];
	int rc;

	rc = vt_parse_opts("daemon", VT_OPT_DAEMON, argc, argv, opts, daemon_usage);
	if (rc >= 0)
		return rc;
	out.json = opts->json;
	d = calloc(1, sizeof(*d));
	if (!d) {
		fprintf(stderr, "vmbd-time: out of memory\n");
		return VMBD_TIME_EXIT_ERROR;
	}
	rc = vt_env_open(&d->env, opts, &out, &stop_flag, 1);
	if (rc != VMBD_TIME_EXIT_OK) {
		free(d);
		return rc;
	}
	if (opts->refclock_path &&
	    (rc = vt_refclock_open(&d->refclock, opts->refclock_path)) != 0) {
		fprintf(stderr, "vmbd-time: %s: %s\n", opts->refclock_path,
			vmbd_strerror(rc));
		vt_env_close(&d->env);
		free(d);
		return VMBD_TIME_EXIT_ERROR;
	}
	d->refclock_on = opts->refclock_path != NULL;
	vmbd_agent_init(&d->agent, d->env.ctx, d->env.guest, &d->env.act,
			&opts->veto);
	vmbd_agent_set_events(&d->agent, on_agent_event, d);
	/* chronyd owns the clock; host time reaches it as refclock samples. */
	vmbd_agent_set_external_clock(&d->agent, d->refclock_on);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal; /* no SA_RESTART: a signal ends a sleep */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	snprintf(msg, sizeof(msg), "vmbd-time %s on %s, clock %s%s%s%s%s",
		 vmbd_version(), opts->sim ? "the simulator" : "VMware",
		 d->env.act.ops->name,
		 opts->veto.disable_all ? ", disable-all" : "",
		 opts->veto.disable_periodic ? ", disable-periodic" : "",
		 opts->veto.never_backward ? ", never-backward" : "",
		 opts->refclock_path ? ", chrony refclock" : "");
	emit_simple(d, "start", msg);

	run(d);

	vmbd_agent_nominal(&d->agent);
	close_channels(d);
	if (d->refclock_on)
		vt_refclock_close(&d->refclock);
	{
		struct vt_event ev = {.event = "stop",
				      .message = stop_flag ? "signal" : "script ended"};
		struct vmbd_ts_sample smp;

		/* Every call the run made, closing included; the simulator's
		 * closing offset below is the demo's, not the daemon's. */
		ev.has_calls = 1;
		ev.calls = vmbd_ctx_calls(d->env.ctx);
		if (d->env.sim && vt_sample(&d->env, &smp) == VMBD_OK) {
			ev.has_offset = 1;
			ev.offset_us = (smp.guest_ns - smp.host_ns) / 1000;
		}
		vt_emit(d->env.out, vt_elapsed(&d->env), &ev);
	}
	vt_env_close(&d->env);
	free(d);
	return VMBD_TIME_EXIT_OK;
}

const struct vmbd_time_cmd vmbd_time_cmd_daemon = {
	"daemon", "follow the host's time-sync settings (TCLO) until stopped",
	daemon_run
};
