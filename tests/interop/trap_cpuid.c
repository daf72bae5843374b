/*
 * CPUID emulation at planted breakpoints.
 *
 * open-vm-tools decides "am I on VMware?" from CPUID (hypervisor bit, the
 * 0x40000000 vendor "VMwareVMware", 0x40000010 features for vmcall) before
 * it touches the backdoor. CPUID faulting (arch_prctl ARCH_SET_CPUID) would
 * trap every cpuid, but many kernels/CPUs (this CI's among them) do not
 * offer it. So: objdump finds the `cpuid` instructions of the binaries we
 * care about, each is replaced by int3 (0xCC) in the child's memory once
 * its text is mapped (the file on disk is untouched), and the SIGTRAP is
 * answered by running the real cpuid here and overriding the hypervisor
 * leaves. Binaries not chosen (libc, ld.so) see the real CPU.
 */
#include "trap_int.h"

#include <cpuid.h>
#include <elf.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>

#define CPUID_INT3 0xCC

/* --- which cpuid sites a binary has ------------------------------------ */

/* File offset of a virtual address, from the ELF program headers. */
static int vaddr_to_offset(FILE *f, uint64_t vaddr, uint64_t *off)
{
	Elf64_Ehdr eh;
	unsigned i;

	if (fseek(f, 0, SEEK_SET) != 0 || fread(&eh, sizeof(eh), 1, f) != 1)
		return -1;
	if (memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 ||
	    eh.e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh.e_phentsize != sizeof(Elf64_Phdr))
		return -1;
	for (i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;

		if (fseek(f, (long)(eh.e_phoff + i * sizeof(ph)), SEEK_SET) != 0 ||
		    fread(&ph, sizeof(ph), 1, f) != 1)
			return -1;
		if (ph.p_type == PT_LOAD && vaddr >= ph.p_vaddr &&
		    vaddr < ph.p_vaddr + ph.p_filesz) {
			*off = ph.p_offset + (vaddr - ph.p_vaddr);
			return 0;
		}
	}
	return -1;
}

/* Run objdump over path and collect the file offsets of `cpuid`. A linear
 * sweep is exact for compiler output (x86-64 text holds no data); the one
 * odd site open-vm-tools has, Xen's `ud2; "xen"; cpuid` probe, is a real
 * cpuid behind a ud2 and never reached when CPUID says VMware. */
static int scan_file(struct trap_site_file *sf)
{
	char cmd[4400];
	char line[512];
	FILE *p;
	FILE *elf;
	size_t cap = 0;

	elf = fopen(sf->path, "rb");
	if (!elf)
		return -errno;
	snprintf(cmd, sizeof(cmd), "objdump -d --no-show-raw-insn '%s' 2>/dev/null",
		 sf->path);
	p = popen(cmd, "r");
	if (!p) {
		fclose(elf);
		return -errno;
	}
	while (fgets(line, sizeof(line), p)) {
		uint64_t vaddr, off;
		char mnem[32];

		if (sscanf(line, " %" SCNx64 ": %31s", &vaddr, mnem) != 2 ||
		    strcmp(mnem, "cpuid") != 0)
			continue;
		if (vaddr_to_offset(elf, vaddr, &off) != 0)
			continue;
		if (sf->n == cap) {
			uint64_t *n;

			cap = cap ? cap * 2 : 32;
			n = realloc(sf->offsets, cap * sizeof(*n));
			if (!n)
				break;
			sf->offsets = n;
		}
		sf->offsets[sf->n++] = off;
	}
	pclose(p);
	fclose(elf);
	return 0;
}

static struct trap_site_file *site_file(struct trap *t, const char *path)
{
	struct trap_site_file *n;
	size_t i;

	for (i = 0; i < t->nfiles; i++)
		if (strcmp(t->files[i].path, path) == 0)
			return &t->files[i];
	n = realloc(t->files, (t->nfiles + 1) * sizeof(*n));
	if (!n)
		return NULL;
	t->files = n;
	n = &t->files[t->nfiles];
	memset(n, 0, sizeof(*n));
	n->path = strdup(path);
	if (!n->path)
		return NULL;
	t->nfiles++;
	scan_file(n);
	TRAP_LOG(t, "%zu cpuid sites in %s\n", n->n, path);
	return n;
}

/* --- per-process breakpoints --------------------------------------------- */

struct trap_proc *trap_proc_get(struct trap *t, pid_t tgid)
{
	size_t i;

	for (i = 0; i < t->nprocs; i++)
		if (t->procs[i].tgid == tgid)
			return &t->procs[i];
	if (t->nprocs == t->cap_procs) {
		size_t cap = t->cap_procs ? t->cap_procs * 2 : 8;
		struct trap_proc *n = realloc(t->procs, cap * sizeof(*n));

		if (!n)
			return NULL;
		t->procs = n;
		t->cap_procs = cap;
	}
	memset(&t->procs[t->nprocs], 0, sizeof(t->procs[0]));
	t->procs[t->nprocs].tgid = tgid;
	return &t->procs[t->nprocs++];
}

int trap_cpuid_is_site(const struct trap_proc *p, uint64_t addr)
{
	size_t i;

	for (i = 0; i < p->nsites; i++)
		if (p->sites[i] == addr)
			return 1;
	return 0;
}

static int add_site(struct trap_proc *p, uint64_t addr)
{
	if (trap_cpuid_is_site(p, addr))
		return 0;
	if (p->nsites == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 64;
		uint64_t *n = realloc(p->sites, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		p->sites = n;
		p->cap = cap;
	}
	p->sites[p->nsites++] = addr;
	return 0;
}

static int wanted(const struct trap *t, const struct trap_proc *p,
		  const char *path)
{
	const char *const *s;

	if (p->exe[0] && strcmp(path, p->exe) == 0)
		return 1;
	for (s = t->opts.cpuid_files; s && *s; s++)
		if (strstr(path, *s))
			return 1;
	return 0;
}

/* Plant int3 on one site unless it is already there (the mapping may be
 * new: dlopen after dlclose maps pristine text again). */
static int plant(struct trap *t, pid_t tid, struct trap_proc *p, uint64_t addr)
{
	uint8_t b;
	int rc = trap_mem_read(tid, addr, &b, 1);

	if (rc)
		return rc;
	if (b != CPUID_INT3) {
		uint8_t int3 = CPUID_INT3;

		if (b != 0x0F)
			return -EILSEQ; /* not the cpuid objdump saw */
		rc = trap_mem_write(tid, addr, &int3, 1);
		if (rc)
			return rc;
		t->stats.cpuid_sites++;
	}
	return add_site(p, addr);
}

/* Walk /proc/TGID/maps and plant int3 in every executable mapping of a
 * wanted binary. */
int trap_cpuid_patch(struct trap *t, pid_t tid, struct trap_proc *p)
{
	char mpath[64];
	char line[4600];
	FILE *maps;

	snprintf(mpath, sizeof(mpath), "/proc/%d/maps", (int)p->tgid);
	maps = fopen(mpath, "r");
	if (!maps)
		return -errno;
	while (fgets(line, sizeof(line), maps)) {
		uint64_t start, end, offset;
		char perms[8];
		char path[4096];
		struct trap_site_file *sf;
		size_t i;
		char *nl;

		path[0] = '\0';
		if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %7s %" SCNx64 " %*s %*s %4095[^\n]",
			   &start, &end, perms, &offset, path) < 4)
			continue;
		nl = strchr(path, '\n');
		if (nl)
			*nl = '\0';
		if (perms[2] != 'x' || path[0] != '/' || !wanted(t, p, path))
			continue;
		sf = site_file(t, path);
		if (!sf)
			continue;
		for (i = 0; i < sf->n; i++) {
			uint64_t o = sf->offsets[i];

			if (o >= offset && o < offset + (end - start)) {
				int rc = plant(t, tid, p, start + (o - offset));

				if (rc)
					TRAP_LOG(t, "cannot plant int3 at %s+%#" PRIx64 ": %s\n",
						 path, o, strerror(-rc));
			}
		}
	}
	fclose(maps);
	return 0;
}

/* --- answering ------------------------------------------------------------ */

void trap_cpuid_vmware(uint32_t leaf, uint32_t subleaf, uint32_t regs[4],
		       uint32_t tsc_khz, uint32_t bus_khz)
{
	(void)subleaf;
	if (leaf == 1) {
		regs[2] |= 1u << 31; /* hypervisor present */
	} else if (leaf == 0x40000000) {
		regs[0] = 0x40000010;
		memcpy(&regs[1], "VMwa", 4);
		memcpy(&regs[2], "reVM", 4);
		memcpy(&regs[3], "ware", 4);
	} else if (leaf == 0x40000010) {
		/* VMware's timing leaf. ecx holds feature bits; vmmcall (bit 0)
		 * and vmcall (bit 1) stay clear so the program uses port I/O,
		 * which is what this harness traps. */
		regs[0] = tsc_khz;
		regs[1] = bus_khz;
		regs[2] = 0;
		regs[3] = 0;
	} else if (leaf > 0x40000000 && leaf < 0x40000100) {
		regs[0] = regs[1] = regs[2] = regs[3] = 0;
	}
}

int trap_cpuid_emulate(struct trap *t, pid_t tid, struct user_regs_struct *r)
{
	uint32_t leaf = (uint32_t)r->rax;
	uint32_t subleaf = (uint32_t)r->rcx;
	uint32_t regs[4];

	__cpuid_count(leaf, subleaf, regs[0], regs[1], regs[2], regs[3]);
	if (t->hooks.cpuid)
		t->hooks.cpuid(t->hooks.arg, leaf, subleaf, regs);
	else
		trap_cpuid_vmware(leaf, subleaf, regs, 2400000, 1000000);
	/* cpuid writes 32-bit results, zero-extending into rax..rdx. */
	r->rax = regs[0];
	r->rbx = regs[1];
	r->rcx = regs[2];
	r->rdx = regs[3];
	r->rip += 1; /* int3 already advanced past 0x0F; skip 0xA2 */
	t->stats.cpuid++;
	TRAP_LOG(t, "tid %d cpuid %#x.%u -> %08x %08x %08x %08x\n", (int)tid,
		 leaf, subleaf, regs[0], regs[1], regs[2], regs[3]);
	return ptrace(PTRACE_SETREGS, tid, NULL, r) < 0 ? -errno : 0;
}

void trap_cpuid_free(struct trap *t)
{
	size_t i;

	for (i = 0; i < t->nfiles; i++) {
		free(t->files[i].path);
		free(t->files[i].offsets);
	}
	free(t->files);
	for (i = 0; i < t->nprocs; i++)
		free(t->procs[i].sites);
	free(t->procs);
}
