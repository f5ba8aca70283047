#!/usr/bin/env bash
# Check mode against golden files: `vnmd -n -c NAME.xml` for every
# tests/golden/NAME.xml must print exactly tests/golden/NAME.expected (exit
# status, stdout and stderr).  The YANG module must pass yanglint without a
# message.  The normalised output of a valid file is a fixed point: checking
# it again prints it unchanged.
#
#   VNMD_GOLDEN_UPDATE=1 bash tests/integration/check_golden.sh   rewrites the
#   .expected files from what vnmd prints now (review the diff before committing).
. "$(dirname "$0")/../lib.sh"
cd "$(dirname "$0")/../.."

VNMD=${VNMD:-$PWD/build/vnmd}
[ -x "$VNMD" ] || { t_fail "build/vnmd exists" "run make first"; t_done; exit 1; }

tmp=$(mktemp -d)
t_cleanup "rm -rf '$tmp'"

# What one run of check mode looks like, in one text.
run_check() { # file (relative to tests/golden)
	local rc
	(cd tests/golden && "$VNMD" -n -c "$1" >"$tmp/out" 2>"$tmp/err")
	rc=$?
	printf 'exit: %d\n--- stdout\n' "$rc"
	cat "$tmp/out"
	printf -- '--- stderr\n'
	cat "$tmp/err"
}

out=$(yanglint -p /usr/share/yuma/modules/ietf yang/vnmd@*.yang 2>&1)
t_check "yanglint prints nothing for the vnmd module" "$out" ""

for xml in tests/golden/*.xml; do
	name=$(basename "$xml" .xml)
	expected=tests/golden/$name.expected
	actual=$(run_check "$name.xml")
	if [ -n "${VNMD_GOLDEN_UPDATE:-}" ]; then
		printf '%s\n' "$actual" >"$expected"
	fi
	if [ ! -f "$expected" ]; then
		t_fail "$name" "no $expected (VNMD_GOLDEN_UPDATE=1 writes it)"
		continue
	fi
	if diff -u "$expected" <(printf '%s\n' "$actual") >"$tmp/diff"; then
		t_pass "$name: check mode prints the golden output"
	else
		t_fail "$name" "$(head -40 "$tmp/diff")"
	fi
	# a valid configuration, printed normalised, reads back to itself
	if [ "${actual%%$'\n'*}" = "exit: 0" ] && [ -s "$tmp/out" ]; then
		cp "$tmp/out" "$tmp/again.xml"
		"$VNMD" -n -c "$tmp/again.xml" >"$tmp/again.out" 2>&1
		t_ok "$name: the normalised output is a fixed point" cmp "$tmp/out" "$tmp/again.out"
	fi
done

# A file that is not there is not a configuration error: exit 2.
"$VNMD" -n -c "$tmp/no-such-file.xml" >"$tmp/out" 2>"$tmp/err"
t_check "a missing file exits 2" "$?" "2"
t_ok "a missing file names the file" grep -q "no-such-file.xml" "$tmp/err"
t_check "a missing file prints nothing on stdout" "$(cat "$tmp/out")" ""

# A directory is no configuration either.
"$VNMD" -n -c "$tmp" >"$tmp/out" 2>"$tmp/err"
t_check "a directory exits 2" "$?" "2"
t_ok "a directory is named as such" grep -q "is a directory" "$tmp/err"

t_done
