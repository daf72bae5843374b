#!/usr/bin/env bash
# QEMU real-peer test: runs libvmbackdoor against a VMware backdoor device
# model we did not write (QEMU's vmport), in a guest we boot ourselves.
#
#   run.sh --probe FILE [--vmbd-time FILE] [--work DIR] [--cache DIR]
#
# --probe      static probe (tests/qemu/probe.c), becomes the guest's /probe
# --vmbd-time  optional static vmbd-time, run in the guest as
#              `vmbd-time status --force`
# --work       scratch dir for the initramfs and console log (default: mktemp)
# --cache      where the Debian kernel is kept between runs (default:
#              $VMBD_QEMU_CACHE, else $XDG_CACHE_HOME/libvmbackdoor, else
#              ~/.cache/libvmbackdoor, else WORK/cache)
# VMBD_QEMU_KERNEL=FILE boots that bzImage instead of fetching Debian's.
# VMBD_QEMU_TIMEOUT=SEC bounds the boot (default 180).
#
# The kernel comes from the package linux-image-amd64 depends on, fetched
# with `apt-get download` and unpacked with dpkg-deb into the cache (only
# boot/vmlinuz-*; nothing is installed, /boot is never touched).
#
# Exit status: 0 every check passed, 1 a check failed, 77 skipped (a tool or
# the kernel cannot be had; the reason is printed). CTest maps 77 to SKIPPED.
#
# The probe executes real backdoor instructions: it only ever runs inside
# the QEMU guest started here, never on the host.
set -uo pipefail

readonly SKIP=77
# What QEMU is started with, and so what the probe must read back.
readonly MACHINE=pc-i440fx-7.2 # 4.2 and older answer unknown commands with
                               # eax = magic: pin a newer type
readonly MEM_MIB=256
readonly UUID=01234567-89ab-cdef-0011-223344556677
# Checks the probe must report as PASS; a check that is missing from the
# guest's output is a failure, so a probe that prints nothing cannot pass.
readonly PROBE_CHECKS="guard detect open_unforced open getversion memsize uuid
gethz vcpu_info unsupported host_time raw_unknown channel rpci
grant_per_thread"

here=$(cd "$(dirname "$0")" && pwd)
probe= vmbd_time= work= cache=
while [ $# -gt 0 ]; do
	case $1 in
	--probe) probe=$2; shift 2 ;;
	--vmbd-time) vmbd_time=$2; shift 2 ;;
	--work) work=$2; shift 2 ;;
	--cache) cache=$2; shift 2 ;;
	*) echo "run.sh: unknown argument $1" >&2; exit 2 ;;
	esac
done
[ -n "$probe" ] || { echo "run.sh: --probe is required" >&2; exit 2; }
[ -x "$probe" ] || { echo "FAIL: probe $probe not built"; exit 1; }

skip() { echo "SKIPPED: $*"; exit $SKIP; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
t_start=$(now)

# --- host tools -----------------------------------------------------------
[ "$(uname -m)" = x86_64 ] || skip "host is $(uname -m); the probe is an x86-64 binary"
command -v qemu-system-x86_64 >/dev/null ||
	skip "qemu-system-x86_64 not installed (Debian: qemu-system-x86)"
command -v cpio >/dev/null || skip "cpio not installed"
busybox=
for b in /bin/busybox /usr/bin/busybox; do
	[ -x "$b" ] && { busybox=$b; break; }
done
[ -n "$busybox" ] || skip "busybox not installed (Debian: busybox-static)"
# The initramfs holds no shared libraries: a dynamic busybox cannot run.
if command -v readelf >/dev/null &&
	readelf -l "$busybox" 2>/dev/null | grep -q 'Requesting program interpreter'; then
	skip "$busybox is dynamically linked (Debian: install busybox-static)"
fi

# --- kernel ---------------------------------------------------------------
if [ -z "$work" ]; then
	work=$(mktemp -d) || exit 1
	trap 'rm -rf "$work"' EXIT
fi
mkdir -p "$work" || exit 1
if [ -z "$cache" ] && [ -n "${VMBD_QEMU_CACHE:-}" ]; then
	cache=$VMBD_QEMU_CACHE
fi
if [ -z "$cache" ]; then
	cache=${XDG_CACHE_HOME:-${HOME:-/nonexistent}/.cache}/libvmbackdoor
	# No writable home (some CI sandboxes): keep it with the build instead.
	mkdir -p "$cache" 2>/dev/null || cache=$work/cache
fi
kdir=$cache/kernel

# fetch_kernel: print the path of a cached Debian vmlinuz, downloading and
# unpacking it first when the cache lacks the current one. Falls back to a
# kernel cached earlier when apt cannot reach the archive.
fetch_kernel() {
	local pkg= dir tmp deb img
	mkdir -p "$kdir" || return 1
	if command -v apt-cache >/dev/null; then
		pkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
			awk '/Depends: linux-image-/ { print $2; exit }')
	fi
	if [ -n "$pkg" ] && [ -s "$kdir/$pkg/vmlinuz" ]; then
		echo "$kdir/$pkg/vmlinuz"
		return 0
	fi
	if [ -n "$pkg" ] && command -v apt-get >/dev/null &&
		command -v dpkg-deb >/dev/null; then
		tmp=$(mktemp -d "$kdir/.dl.XXXXXX") || return 1
		echo "qemu: downloading $pkg (about 70 MB, cached in $kdir)" >&2
		# As root apt would drop to _apt, which cannot write to our dir.
		if (cd "$tmp" && apt-get -o APT::Sandbox::User=root -qq download "$pkg") \
			>"$tmp/apt.log" 2>&1; then
			deb=$(ls "$tmp"/*.deb 2>/dev/null | head -n 1)
			# Only the kernel image is needed: skip the 400 MB of modules.
			if [ -n "$deb" ] && dpkg-deb --fsys-tarfile "$deb" |
				tar -x -C "$tmp" --wildcards './boot/vmlinuz-*'; then
				img=$(ls "$tmp"/boot/vmlinuz-* 2>/dev/null | head -n 1)
				if [ -n "$img" ]; then
					dir=$kdir/$pkg
					rm -rf "$dir"
					mkdir -p "$dir" &&
						mv "$img" "$dir/vmlinuz" &&
						basename "$deb" >"$dir/source"
				fi
			fi
		else
			sed 's/^/qemu: apt: /' "$tmp/apt.log" >&2
		fi
		rm -rf "$tmp"
		if [ -s "$kdir/$pkg/vmlinuz" ]; then
			echo "$kdir/$pkg/vmlinuz"
			return 0
		fi
	fi
	# Offline: any kernel fetched before will do.
	img=$(ls -t "$kdir"/*/vmlinuz 2>/dev/null | head -n 1)
	[ -n "$img" ] && { echo "$img"; return 0; }
	return 1
}

t_kernel=$(now)
if [ -n "${VMBD_QEMU_KERNEL:-}" ]; then
	[ -s "$VMBD_QEMU_KERNEL" ] || skip "VMBD_QEMU_KERNEL=$VMBD_QEMU_KERNEL does not exist"
	kernel=$VMBD_QEMU_KERNEL
else
	mkdir -p "$cache" 2>/dev/null || skip "cannot create cache dir $cache"
	# Two test runs sharing the cache must not unpack into each other.
	exec 9>"$cache/.lock"
	command -v flock >/dev/null && flock -w 600 9
	kernel=$(fetch_kernel) ||
		skip "no kernel: apt-get download of the package linux-image-amd64 depends on failed and $kdir holds none"
	exec 9>&-
fi
echo "qemu: kernel $kernel ($(since "$t_kernel") s)"

# --- initramfs ------------------------------------------------------------
root=$work/initramfs
rm -rf "$root"
mkdir -p "$root/bin" "$root/dev" "$root/proc" "$root/sys" || exit 1
cp "$busybox" "$root/bin/busybox" &&
	cp "$here/init.sh" "$root/init" &&
	cp "$probe" "$root/probe" || exit 1
if [ -n "$vmbd_time" ]; then
	cp "$vmbd_time" "$root/vmbd-time" || exit 1
fi
chmod 755 "$root/init" "$root/probe"
(cd "$root" && find . | cpio -o -H newc --quiet) >"$work/initramfs.cpio" || exit 1

# --- boot -----------------------------------------------------------------
# Values the probe compares against travel as init's environment (the
# kernel hands unknown name=value parameters to init). VMBD_QEMU_GUEST is
# the probe's second key, after CPUID, that it runs where it may.
append="console=ttyS0 quiet panic=-1 VMBD_QEMU_GUEST=1"
append="$append VMBD_EXPECT_MEM_MIB=$MEM_MIB VMBD_EXPECT_UUID=$UUID"
log=$work/console.log
timeout_s=${VMBD_QEMU_TIMEOUT:-180}
echo "qemu: booting ($MACHINE, vmport=on, TCG, -m ${MEM_MIB}M, timeout ${timeout_s} s)"
t_boot=$(now)
# -nodefaults: no NIC (its option ROM costs seconds), no VGA. -nographic
# alone would also put the monitor on stdio; -monitor none leaves it to
# the serial port.
timeout -k 5 "$timeout_s" qemu-system-x86_64 \
	-machine "$MACHINE,vmport=on" -accel tcg -cpu max -m "${MEM_MIB}M" \
	-uuid "$UUID" -nodefaults -nographic -monitor none -serial stdio \
	-no-reboot -kernel "$kernel" -initrd "$work/initramfs.cpio" \
	-append "$append" </dev/null 2>&1 |
	# SeaBIOS and the kernel reset the terminal (ESC c, ESC [2J): drop
	# escape sequences and CRs so marker lines start at column 0.
	sed -e 's/\x1b\[[0-9;?]*[A-Za-z]//g' -e 's/\x1b[A-Za-z]//g' -e 's/\r$//' >"$log"
qemu_rc=${PIPESTATUS[0]}
boot_s=$(since "$t_boot")

echo "---- guest console ----"
cat "$log"
echo "---- end of guest console ----"

# --- verdict --------------------------------------------------------------
fails=0
verdict() { # pass|fail NAME DETAIL
	if [ "$1" = pass ]; then
		echo "qemu: PASS $2${3:+ ($3)}"
	else
		echo "qemu: FAIL $2${3:+: $3}"
		fails=$((fails + 1))
	fi
}

if [ "$qemu_rc" = 124 ] || [ "$qemu_rc" = 137 ]; then
	verdict fail boot "guest still running after ${timeout_s} s (hang?)"
elif [ "$qemu_rc" != 0 ]; then
	verdict fail boot "qemu-system-x86_64 exited with status $qemu_rc"
elif ! grep -q 'VMBD-GUEST-UP$' "$log"; then
	verdict fail boot "guest init never ran"
else
	verdict pass boot "$boot_s s"
fi

for c in $PROBE_CHECKS; do
	line=$(grep -E "^(PASS|FAIL|SKIP) $c(:|\$| )" "$log" | head -n 1)
	case $line in
	"PASS $c"*) verdict pass "$c" ;;
	"FAIL $c"*) verdict fail "$c" "${line#FAIL "$c": }" ;;
	"") verdict fail "$c" "probe did not report it" ;;
	*) verdict fail "$c" "$line" ;;
	esac
done
# Checks the probe runs beyond the required list still count when they fail.
while IFS= read -r line; do
	c=${line#FAIL }
	c=${c%%:*}
	case " $(echo $PROBE_CHECKS) " in *" $c "*) continue ;; esac
	verdict fail "$c" "${line#FAIL "$c": }"
done < <(grep '^FAIL ' "$log")

# vmbd-time's own documented behaviour (vmbd-time(1), EXIT STATUS).
# section ARGS: what the guest printed for `vmbd-time ARGS`.
section() {
	awk -v b="VMBD-TIME-BEGIN $1" -v e="^VMBD-TIME-EXIT [0-9]+ $1\$" \
		'$0 == b { on = 1; next } $0 ~ e { on = 0 } on' "$log"
}
time_rc() {
	sed -n "s/^VMBD-TIME-EXIT \([0-9]*\) $1\$/\1/p" "$log" | head -n 1
}
if [ -n "$vmbd_time" ]; then
	# Not VMware by CPUID: exit 3, vendor named, no backdoor call.
	rc=$(time_rc status)
	out=$(section status)
	if [ "$rc" != 3 ]; then
		verdict fail vmbd_time_status "exit ${rc:-missing}, want 3 (not VMware)"
	elif ! grep -q 'not running on VMware.*"TCGTCGTCGTCG"' <<<"$out"; then
		verdict fail vmbd_time_status "no not-VMware line naming TCGTCGTCGTCG"
	else
		verdict pass vmbd_time_status "exit 3, not VMware"
	fi
	# Forced: backend and version shown, then the time read fails as
	# unsupported (exit 1), and no time is made up.
	rc=$(time_rc "status --force")
	out=$(section "status --force")
	if [ "$rc" != 1 ]; then
		verdict fail vmbd_time_status_force "exit ${rc:-missing}, want 1 (no host time)"
	elif ! grep -Eq '^backend: +forced backdoor via port I/O, CPUID vendor "TCGTCGTCGTCG"' <<<"$out"; then
		verdict fail vmbd_time_status_force "no forced port I/O backend line"
	elif ! grep -Eq '^version: +6, product ESX \(2\)$' <<<"$out"; then
		verdict fail vmbd_time_status_force "no 'version: 6, product ESX (2)' line"
	elif ! grep -q 'reading the host time: .*(VMBD_EUNSUPPORTED)$' <<<"$out"; then
		verdict fail vmbd_time_status_force "host time read did not fail with VMBD_EUNSUPPORTED"
	elif grep -Eq '^host time:|2106' <<<"$out"; then
		verdict fail vmbd_time_status_force "printed a host time"
	else
		verdict pass vmbd_time_status_force "exit 1, VMBD_EUNSUPPORTED"
	fi
else
	echo "qemu: vmbd-time not built (VMBD_BUILD_EXAMPLES=OFF): its checks not run"
fi

probe_rc=$(sed -n 's/^VMBD-PROBE-EXIT \([0-9]*\)$/\1/p' "$log" | head -n 1)
if [ "$probe_rc" = 0 ]; then
	verdict pass probe_exit "status 0"
else
	verdict fail probe_exit "status ${probe_rc:-missing}"
fi

echo "qemu: total $(since "$t_start") s, boot $boot_s s"
if [ "$fails" -ne 0 ]; then
	echo "qemu: FAILED ($fails)"
	exit 1
fi
echo "qemu: all checks passed"
exit 0
