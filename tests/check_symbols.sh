#!/bin/sh
# ABI check: the dynamic exports of libvmbackdoor.so must be exactly the
# functions declared with VMBD_API in include/vmbackdoor/*.h, each carrying
# the ABI's symbol version node; and the static archive must define no
# global symbol but those and internal vmbd__* ones (hidden visibility does
# not protect static users from clashes). Generic: the expected list comes from
# the headers, so new functions need no edit here.
#
# usage: check_symbols.sh LIB.so LIB.a INCLUDE_DIR VERSION_NODE
#
# A public function is declared unconditionally (no #if around it) and
# defined in every build, returning VMBD_ENOTSUP or NULL where it cannot
# work: the export list is the same on every platform.
set -eu
so=$1 archive=$2 incdir=$3 node=$4

for tool in nm objdump awk; do
	command -v "$tool" >/dev/null 2>&1 ||
		{ echo "SKIPPED: $tool not installed (Debian: binutils)"; exit 77; }
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0
fail() {
	echo "FAIL: $*"
	status=1
}

# ---- declared: every VMBD_API declaration's function name ----
# Comments and preprocessor lines (with continuations) are dropped, then
# each VMBD_API ... ; is one declaration whose name is the first vmbd_
# identifier followed by '(' (also right for functions returning pointers).
if ! awk '
{ text = text $0 "\n" }
END {
	out = ""
	while ((i = index(text, "/*")) > 0) {
		rest = substr(text, i + 2)
		j = index(rest, "*/")
		if (j == 0) { print "unterminated comment" > "/dev/stderr"; exit 2 }
		out = out substr(text, 1, i - 1) " "
		text = substr(rest, j + 2)
	}
	text = out text
	n = split(text, lines, "\n")
	code = ""
	pp = 0
	for (k = 1; k <= n; k++) {
		line = lines[k]
		if (pp || line ~ /^[ \t]*#/) {
			pp = (line ~ /\\[ \t]*$/)
			continue
		}
		sub(/\/\/.*/, "", line)
		code = code " " line
	}
	bad = 0
	while ((i = index(code, "VMBD_API")) > 0) {
		code = substr(code, i + 8)
		j = index(code, ";")
		decl = j ? substr(code, 1, j - 1) : code
		code = j ? substr(code, j + 1) : ""
		if (!match(decl, /vmbd_[A-Za-z0-9_]*[ \t]*\(/)) {
			print "VMBD_API on something that is not a vmbd_ function:" decl > "/dev/stderr"
			bad = 1
			continue
		}
		name = substr(decl, RSTART, RLENGTH)
		sub(/[ \t]*\($/, "", name)
		if (name ~ /^vmbd__/) {
			print "internal vmbd__ name declared VMBD_API: " name > "/dev/stderr"
			bad = 1
		}
		print name
	}
	exit bad
}' "$incdir"/*.h >"$tmp/declared.raw"; then
	fail "cannot parse the VMBD_API declarations in $incdir (see above)"
fi
sort -u "$tmp/declared.raw" >"$tmp/declared"
[ -s "$tmp/declared" ] || fail "no VMBD_API declaration found in $incdir"

# ---- exported: defined dynamic symbols, version suffix cut; the version
# node's own absolute symbol is not an export ----
nm -D --defined-only "$so" |
	awk '!($2 == "A" && $3 ~ /^VMBD_/) { sub(/@.*/, "", $3); print $3 }' |
	sort -u >"$tmp/exported"

comm -13 "$tmp/declared" "$tmp/exported" >"$tmp/extra"
while read -r sym; do
	case $sym in
	vmbd_*) fail "$sym is exported but not declared VMBD_API in a public header" ;;
	*) fail "$sym is exported: only vmbd_* functions may be (missing static? version script?)" ;;
	esac
done <"$tmp/extra"

# Defined in the archive at all? Tells "hidden by mistake" from "missing".
nm -g --defined-only "$archive" 2>/dev/null |
	awk 'NF == 3 { print $3 }' | sort -u >"$tmp/archive"

comm -23 "$tmp/declared" "$tmp/exported" >"$tmp/missing"
while read -r sym; do
	if grep -qx "$sym" "$tmp/archive"; then
		fail "$sym is defined but not exported: does its .c include the header declaring it VMBD_API?"
	else
		fail "$sym is declared VMBD_API but not defined in the library"
	fi
done <"$tmp/missing"

# ---- every export carries the ABI's version node ----
objdump -T "$so" | awk -v node="$node" '
	/\*UND\*/ || NF < 4 || $NF == node { next }
	$1 ~ /^[0-9a-f]+$/ && $(NF - 1) != node {
		print $NF " has version \"" $(NF - 1) "\", want " node
	}' >"$tmp/badver"
while read -r line; do
	fail "$line"
done <"$tmp/badver"

# ---- static archive: every global is public API or internal vmbd__* ----
# (Hidden visibility does not stop a static user's own symbol clashing.)
comm -23 "$tmp/archive" "$tmp/declared" |
	awk '!/^vmbd__/ && !/^__x86\.get_pc_thunk\./' >"$tmp/archive_bad"
while read -r sym; do
	fail "libvmbackdoor.a defines global $sym: make it static, or name it vmbd__* if internal"
done <"$tmp/archive_bad"

echo "declared: $(wc -l <"$tmp/declared"), exported: $(wc -l <"$tmp/exported"), node $node"
[ "$status" -eq 0 ] && echo "ok: exports match the public headers"
exit "$status"
