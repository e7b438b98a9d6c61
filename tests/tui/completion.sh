#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# completion.sh - the bash completion offers every option of --help, and
# completes --load with JSON files, --core with any file (and the
# executable after it), --sysroot with directories.
. "$TESTS_SRCDIR/lib.sh"

comp=$TOP_SRCDIR/contrib/bash-completion/cdeadlock
[ -r "$comp" ] || fail "no $comp"
# shellcheck source=/dev/null
. "$comp"

complete_words() {
	COMP_WORDS=("$@")
	COMP_CWORD=$(($# - 1))
	COMPREPLY=()
	_cdeadlock
	printf '%s\n' "${COMPREPLY[@]}"
}

offered=$(complete_words cdeadlock -)
run_cdl --help
expect_rc 0
opts=$(grep -oE -- '(^|[ ,])--?[a-zA-Z][a-z-]*' "$TEST_TMP/out" | sed 's/^[ ,]//' | sort -u)
[ -n "$opts" ] || fail "no options in --help"
for o in $opts; do
	grep -qxF -- "$o" <<<"$offered" || fail "option $o of --help is not completed"
done
note "$(wc -w <<<"$opts") options of --help completed"

cd "$TEST_TMP" || fail "cd"
touch snap-1.json notes.txt
got=$(complete_words cdeadlock --load snap)
grep -qx 'snap-1.json' <<<"$got" || fail "--load snap does not complete snap-1.json: $got"
got=$(complete_words cdeadlock --load no)
grep -q 'notes.txt' <<<"$got" && fail "--load completes a non-JSON file"
touch core.4242
mkdir sysroot-dir
got=$(complete_words cdeadlock --core core)
grep -qx 'core.4242' <<<"$got" || fail "--core core does not complete core.4242: $got"
got=$(complete_words cdeadlock --core core.4242 no)
grep -qx 'notes.txt' <<<"$got" || fail "--core CORE does not complete the EXE: $got"
got=$(complete_words cdeadlock --sysroot sys)
grep -qx 'sysroot-dir' <<<"$got" || fail "--sysroot sys does not complete sysroot-dir: $got"
got=$(complete_words cdeadlock -p "$$")
grep -qx "$$" <<<"$got" || note "own pid not offered (single-threaded shell): fine"
exit 0
