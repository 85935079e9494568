#!/bin/sh
# What a user installs (ctest label cli):
#  - cmake --install into a scratch prefix puts bin/nnq, the man page nnq(1), the bash
#    completion and share/doc/nnq (README, docs, examples) in place, and the installed nnq runs
#    the installed quickstart;
#  - the man page is what `nnq --man` prints (from the tables behind --help and the config
#    keys), holds every key of --list-keys in its section and every option of --help, and
#    groff renders it without a warning;
#  - --help fits on one screen (24 lines) and points to the man page; --version names the git
#    revision (when built from a checkout) and the build's options;
#  - README's usage block carries every option of --help, and its exit-code line is nnq's;
#  - the bash completion completes commands, options, and the keys after --set.
# Exit 77 (skipped) when groff is missing (tools/deps.sh --test installs groff-base).
# Usage: test_install.sh BUILD_DIR SOURCE_DIR
set -eu
build=$1 src=$2
command -v groff >/dev/null || { echo "skipped: groff not installed (groff-base)"; exit 77; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
export NNQ_WISDOM=
fail=0
no() { echo "FAIL: $*"; fail=1; }

cmake --install "$build" --prefix "$dir/usr" >/dev/null
for f in bin/nnq share/man/man1/nnq.1.gz share/bash-completion/completions/nnq \
    share/doc/nnq/README.md share/doc/nnq/docs/theory.md share/doc/nnq/examples/quickstart.ini \
    share/doc/nnq/examples/plot.py; do
    [ -e "$dir/usr/$f" ] || no "cmake --install: $f missing"
done
nnq=$dir/usr/bin/nnq
(cd "$dir" && "$nnq" simulate usr/share/doc/nnq/examples/quickstart.ini --quiet) >"$dir/json" ||
    no "the installed nnq on the installed quickstart"
grep -q '"status":"ok".*"madelung":true' "$dir/json" || no "quickstart: $(cat "$dir/json")"

# the man page: nnq's own text, every key and option, clean roff
gzip -dc "$dir/usr/share/man/man1/nnq.1.gz" >"$dir/nnq.1"
"$nnq" --man | cmp -s - "$dir/nnq.1" || no "the installed man page is not nnq --man"
"$nnq" --list-keys >"$dir/keys"
[ "$(wc -l <"$dir/keys")" -ge 40 ] || no "--list-keys: $(wc -l <"$dir/keys") keys"
while IFS=. read -r section key; do
    # the key's .TP entry inside its section's .SS
    awk -v s=".SS [$section]" -v k="\\\\fB$key\\\\fR" '
        index($0, ".SS ") == 1 { in_s = ($0 == s) }
        in_s && index($0, k) == 1 { found = 1 }
        END { exit !found }' "$dir/nnq.1" || no "man page: no [$section] $key"
done <"$dir/keys"
"$nnq" --help >"$dir/help"
[ "$(wc -l <"$dir/help")" -le 24 ] || no "--help is $(wc -l <"$dir/help") lines"
grep -q "man nnq" "$dir/help" || no "--help does not point to the man page"
for opt in $(grep -o -- '--[a-z][a-z-]*' "$dir/help" | sort -u); do
    grep -q -- "$(echo "$opt" | sed 's/-/\\\\-/g')" "$dir/nnq.1" || no "man page lacks $opt"
    grep -q -- "$opt" "$src/README.md" || no "README lacks $opt"
done
warnings=$(groff -man -Tutf8 -ww -z "$dir/nnq.1" 2>&1)
[ -z "$warnings" ] || no "groff: $warnings"
codes=$(grep '^Exit codes:' "$dir/help")
grep -qxF "$codes" "$src/README.md" || no "README's exit codes differ from nnq's: $codes"
"$nnq" --version >"$dir/version"
grep -q "^MPI: " "$dir/version" && grep -q "^SIMD: " "$dir/version" || no "--version: $(cat "$dir/version")"
if [ -d "$src/.git" ] && command -v git >/dev/null; then
    rev=$(git -C "$src" rev-parse --short=12 HEAD)
    grep -q "$rev" "$dir/version" || no "--version lacks the revision $rev: $(head -1 "$dir/version")"
fi

# bash completion, as bash calls it
complete_words() { # words... : what _nnq offers for the last word
    bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _nnq; printf "%s\n" "${COMPREPLY[@]}"' \
        _ "$dir/usr/share/bash-completion/completions/nnq" "$@"
}
complete_words "$nnq" si | grep -qx simulate || no "completion: nnq si"
complete_words "$nnq" simulate --th | grep -qx -- --threads || no "completion: --th"
complete_words "$nnq" simulate x.ini --set run.d | grep -qx "run.dt=" || no "completion: --set run.d"
complete_words "$nnq" check x.ini --set trajectories.k | grep -qx "trajectories.kinds=" ||
    no "completion: --set trajectories.k"
[ $fail = 0 ] && echo "install: all checks passed"
exit $fail
