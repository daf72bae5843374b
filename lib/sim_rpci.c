/*
 * Simulated VMX, GuestRPC services: the RPCI commands a host answers
 * (guestinfo store, tools.set.version, log, tools.capability.*), the TCLO
 * command queue and the record of the guest's TCLO replies.
 */
#include <string.h>

#include <vmbackdoor/sim.h>

#include "sim_rpc_int.h"

/* ---- reply helpers ---- */

static void reply(struct vmbd_sim_rpc_channel *ch, int ok, const char *text,
		  size_t len)
{
	/* "1 " + result or "0 " + reason, as VMware hosts answer. */
	unsigned char *o = ch->out;
	size_t max = sizeof(ch->out) - 2;

	if (len > max)
		len = max;
	o[0] = ok ? '1' : '0';
	o[1] = ' ';
	if (len > 0)
		memcpy(o + 2, text, len);
	vmbd__sim_rpc_set_out(ch, o, len + 2);
}

static void reply_str(struct vmbd_sim_rpc_channel *ch, int ok, const char *s)
{
	reply(ch, ok, s, strlen(s));
}

/* Copy a counted string into a bounded C string; 0 if it does not fit. */
static int copy_cstr(char *dst, size_t size, const char *src, size_t len)
{
	if (len >= size || memchr(src, '\0', len) != NULL)
		return 0;
	memcpy(dst, src, len);
	dst[len] = '\0';
	return 1;
}

/* ---- guestinfo store ---- */

static struct vmbd_sim_guestinfo *gi_find(struct vmbd_sim_rpc *rpc,
					  const char *key)
{
	unsigned i;

	for (i = 0; i < VMBD_SIM_RPC_GUESTINFO_MAX; i++)
		if (rpc->guestinfo[i].key[0] != '\0' &&
		    strcmp(rpc->guestinfo[i].key, key) == 0)
			return &rpc->guestinfo[i];
	return NULL;
}

static int gi_set(struct vmbd_sim_rpc *rpc, const char *key, const char *value,
		  size_t value_len)
{
	struct vmbd_sim_guestinfo *g = gi_find(rpc, key);
	unsigned i;

	if (strlen(key) >= VMBD_SIM_RPC_KEY_MAX ||
	    value_len >= VMBD_SIM_RPC_VALUE_MAX || key[0] == '\0')
		return VMBD_ETOOBIG;
	for (i = 0; g == NULL && i < VMBD_SIM_RPC_GUESTINFO_MAX; i++)
		if (rpc->guestinfo[i].key[0] == '\0')
			g = &rpc->guestinfo[i];
	if (g == NULL)
		return VMBD_EFULL;
	strcpy(g->key, key);
	memcpy(g->value, value, value_len);
	g->value[value_len] = '\0';
	return VMBD_OK;
}

int vmbd_sim_guestinfo_set(struct vmbd_sim *sim, const char *key,
			   const char *value)
{
	if (sim == NULL || key == NULL || value == NULL)
		return VMBD_EINVAL;
	return gi_set(&sim->rpc, key, value, strlen(value));
}

const char *vmbd_sim_guestinfo_get(const struct vmbd_sim *sim, const char *key)
{
	if (sim == NULL || key == NULL)
		return NULL;
	/* gi_find does not modify the store. */
	{
		const struct vmbd_sim_guestinfo *g =
			gi_find((struct vmbd_sim_rpc *)&sim->rpc, key);

		return g ? g->value : NULL;
	}
}

/* ---- RPCI handlers: args points after the command word ---- */

typedef void (*rpci_fn)(struct vmbd_sim_rpc *rpc,
			struct vmbd_sim_rpc_channel *ch, const char *args,
			size_t len);

static void rpci_info_set(struct vmbd_sim_rpc *rpc,
			  struct vmbd_sim_rpc_channel *ch, const char *args,
			  size_t len)
{
	const char *sp = memchr(args, ' ', len);
	char key[VMBD_SIM_RPC_KEY_MAX];
	size_t klen;
	int rc;

	if (sp == NULL) {
		reply_str(ch, 0, "Two and exactly two arguments expected");
		return;
	}
	klen = (size_t)(sp - args);
	if (!copy_cstr(key, sizeof(key), args, klen)) {
		reply_str(ch, 0, "Key too long"); /* simulator limit */
		return;
	}
	if (memchr(sp + 1, '\0', len - klen - 1) != NULL) {
		reply_str(ch, 0, "Invalid value"); /* simulator limit */
		return;
	}
	rc = gi_set(rpc, key, sp + 1, len - klen - 1);
	if (rc == VMBD_OK)
		reply_str(ch, 1, "");
	else
		reply_str(ch, 0, rc == VMBD_EFULL ? "Too many keys" /* simulator limit */
						  : "Value too long");
}

static void rpci_info_get(struct vmbd_sim_rpc *rpc,
			  struct vmbd_sim_rpc_channel *ch, const char *args,
			  size_t len)
{
	char key[VMBD_SIM_RPC_KEY_MAX];
	const struct vmbd_sim_guestinfo *g = NULL;

	if (copy_cstr(key, sizeof(key), args, len))
		g = gi_find(rpc, key);
	if (g == NULL)
		reply_str(ch, 0, "No value found");
	else
		reply_str(ch, 1, g->value);
}

static void rpci_set_version(struct vmbd_sim_rpc *rpc,
			     struct vmbd_sim_rpc_channel *ch, const char *args,
			     size_t len)
{
	if (!copy_cstr(rpc->tools_version, sizeof(rpc->tools_version), args,
		       len)) {
		reply_str(ch, 0, "Invalid version"); /* simulator limit */
		return;
	}
	reply_str(ch, 1, "");
}

static void rpci_log(struct vmbd_sim_rpc *rpc, struct vmbd_sim_rpc_channel *ch,
		     const char *args, size_t len)
{
	size_t n = len < sizeof(rpc->last_log) - 1 ? len : sizeof(rpc->last_log) - 1;

	memcpy(rpc->last_log, args, n);
	rpc->last_log[n] = '\0';
	rpc->log_count++;
	reply_str(ch, 1, "");
}

static void rpci_capability(struct vmbd_sim_rpc *rpc,
			    struct vmbd_sim_rpc_channel *ch, const char *args,
			    size_t len)
{
	(void)args;
	(void)len;
	rpc->capability_count++;
	reply_str(ch, 1, "");
}

/* The outcome of a power operation the host asked for with OS_Halt and
 * friends (open-vm-tools powerOps): "SUCCESS STATE", both numbers. The
 * VMX takes it; what it does next (a hard power operation after a
 * failure) is outside the guest's view. */
static void rpci_statechange(struct vmbd_sim_rpc *rpc,
			     struct vmbd_sim_rpc_channel *ch, const char *args,
			     size_t len)
{
	size_t i;
	int fields = 0, in_digits = 0;

	(void)rpc;
	for (i = 0; i < len; i++) {
		if (args[i] >= '0' && args[i] <= '9') {
			fields += !in_digits;
			in_digits = 1;
		} else if (args[i] == ' ' && in_digits) {
			in_digits = 0;
		} else {
			fields = 0;
			break;
		}
	}
	if (fields != 2 || !in_digits)
		reply_str(ch, 0, "Invalid arguments"); /* simulator's wording */
	else
		reply_str(ch, 1, "");
}

/* A row matches when the request starts with prefix; args follow it. */
static const struct {
	const char *prefix;
	rpci_fn fn;
} rpci_table[] = {
	{"info-set ", rpci_info_set},
	{"info-get ", rpci_info_get},
	{"tools.set.version ", rpci_set_version},
	{"log ", rpci_log},
	{"tools.capability.", rpci_capability},
	{"tools.os.statechange.status ", rpci_statechange},
};

void vmbd__sim_rpci_request(struct vmbd_sim_rpc *rpc,
			    struct vmbd_sim_rpc_channel *ch)
{
	const char *req = (const char *)ch->in;
	size_t len = ch->in_len, i;

	rpc->rpci_count++;
	/* vmtoolsd counts a trailing NUL, vmware-rpctool does not. */
	if (len > 0 && req[len - 1] == '\0') {
		len--;
		rpc->rpci_with_nul++;
	}
	if (rpc->handler != NULL) {
		long n = rpc->handler(rpc->handler_arg, req, len,
				      (char *)ch->out, sizeof(ch->out));

		if (n >= 0) {
			if ((unsigned long)n > sizeof(ch->out))
				reply_str(ch, 0, "Handler overflow");
			else
				vmbd__sim_rpc_set_out(ch, ch->out, (size_t)n);
			return;
		}
	}
	for (i = 0; i < sizeof(rpci_table) / sizeof(rpci_table[0]); i++) {
		size_t plen = strlen(rpci_table[i].prefix);

		if (len >= plen && memcmp(req, rpci_table[i].prefix, plen) == 0) {
			rpci_table[i].fn(rpc, ch, req + plen, len - plen);
			return;
		}
	}
	reply_str(ch, 0, "Unknown command");
}

void vmbd_sim_rpc_set_handler(struct vmbd_sim *sim, vmbd_sim_rpci_fn fn,
			      void *arg)
{
	if (sim == NULL)
		return;
	sim->rpc.handler = fn;
	sim->rpc.handler_arg = arg;
}

/* ---- TCLO ---- */

int vmbd_sim_tclo_push(struct vmbd_sim *sim, const void *cmd, size_t len)
{
	struct vmbd_sim_rpc *rpc;
	unsigned slot;

	if (sim == NULL || (cmd == NULL && len != 0))
		return VMBD_EINVAL;
	rpc = &sim->rpc;
	if (len > VMBD_SIM_RPC_TCLO_CMD_MAX)
		return VMBD_ETOOBIG;
	if (rpc->tclo_count >= VMBD_SIM_RPC_TCLO_QUEUE)
		return VMBD_EFULL;
	slot = (rpc->tclo_head + rpc->tclo_count) % VMBD_SIM_RPC_TCLO_QUEUE;
	if (len > 0)
		memcpy(rpc->tclo_queue[slot], cmd, len);
	rpc->tclo_queue_len[slot] = (uint32_t)len;
	rpc->tclo_count++;
	return VMBD_OK;
}

unsigned vmbd_sim_tclo_pending(const struct vmbd_sim *sim)
{
	return sim ? sim->rpc.tclo_count : 0;
}

static void tclo_record(struct vmbd_sim_rpc *rpc,
			const struct vmbd_sim_rpc_channel *ch)
{
	struct vmbd_sim_tclo_record *r =
		&rpc->tclo_log[rpc->tclo_replies % VMBD_SIM_RPC_TCLO_LOG];
	uint32_t n = ch->out_len < VMBD_SIM_RPC_TCLO_CMD_MAX
			     ? ch->out_len
			     : VMBD_SIM_RPC_TCLO_CMD_MAX;

	memcpy(r->cmd, ch->out, n);
	r->cmd[n] = '\0';
	r->cmd_len = n;
	n = ch->in_len < VMBD_SIM_RPC_TCLO_REPLY_MAX ? ch->in_len
						      : VMBD_SIM_RPC_TCLO_REPLY_MAX;
	memcpy(r->reply, ch->in, n);
	r->reply[n] = '\0';
	r->reply_len = ch->in_len;
	rpc->tclo_replies++;
}

void vmbd__sim_tclo_message(struct vmbd_sim_rpc *rpc,
			    struct vmbd_sim_rpc_channel *ch)
{
	rpc->tclo_polls++;
	/* The guest's message answers the command it acknowledged last. */
	if (ch->out_is_tclo_cmd == 2) {
		tclo_record(rpc, ch);
		ch->out_is_tclo_cmd = 0;
	}
	if (ch->out_pending)
		return; /* a command still waits to be read: keep it */
	if (rpc->tclo_count > 0) {
		unsigned slot = rpc->tclo_head;

		vmbd__sim_rpc_set_out(ch, rpc->tclo_queue[slot],
				      rpc->tclo_queue_len[slot]);
		ch->out_is_tclo_cmd = 1;
		rpc->tclo_head = (slot + 1) % VMBD_SIM_RPC_TCLO_QUEUE;
		rpc->tclo_count--;
	} else if (rpc->tclo_empty_dorecv) {
		/* Some hosts say "nothing" as an empty message. */
		vmbd__sim_rpc_set_out(ch, "", 0);
	}
}

unsigned vmbd_sim_tclo_record_count(const struct vmbd_sim *sim)
{
	if (sim == NULL)
		return 0;
	return sim->rpc.tclo_replies < VMBD_SIM_RPC_TCLO_LOG
		       ? (unsigned)sim->rpc.tclo_replies
		       : VMBD_SIM_RPC_TCLO_LOG;
}

const struct vmbd_sim_tclo_record *
vmbd_sim_tclo_record(const struct vmbd_sim *sim, unsigned i)
{
	unsigned kept = vmbd_sim_tclo_record_count(sim);
	uint64_t idx;

	if (sim == NULL || i >= kept)
		return NULL;
	idx = sim->rpc.tclo_replies - kept + i;
	return &sim->rpc.tclo_log[idx % VMBD_SIM_RPC_TCLO_LOG];
}
