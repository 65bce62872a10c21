#!/usr/bin/env bash
# The option layer (drivers/commands.c, drivers/options.c): `CMD --help`, `CMD -h` and
# `help CMD` print the same usage for every command and exit 0; every option line and every
# paragraph of each command's --help appears in the man page icstress(1) as man renders it (one
# source, so they cannot drift); the generated bash completion completes commands and options;
# bad usage is one line and exit 2.
set -uo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/common.bash"
: "${ICS:?path to the icstress binary}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
# a quick isolated MPI singleton per call (as tests/integration/bad_inputs.sh)
export OMPI_MCA_ess_singleton_isolated=${OMPI_MCA_ess_singleton_isolated:-1}
export OMPI_MCA_btl=${OMPI_MCA_btl:-self} OMPI_MCA_pml=${OMPI_MCA_pml:-ob1}
export TMPDIR="$tmp"
bad() { echo "FAIL: $*"; fail=1; }

commands=(run validate info sensitivity chokepoints export bench report table "table balance" help)

# ---- --help, -h, help CMD
for c in "${commands[@]}"; do
  read -ra w <<<"$c"
  "$ICS" "${w[@]}" --help >"$tmp/long" 2>"$tmp/err"; rc=$?
  [ $rc -eq 0 ] && [ ! -s "$tmp/err" ] || bad "$c --help: exit $rc: $(cat "$tmp/err")"
  head -1 "$tmp/long" | grep -q "^usage: icstress $c" || bad "$c --help: $(head -1 "$tmp/long")"
  "$ICS" "${w[@]}" -h >"$tmp/short" 2>&1 || bad "$c -h: exit $?"
  cmp -s "$tmp/long" "$tmp/short" || bad "$c -h differs from --help"
  "$ICS" help "${w[@]}" >"$tmp/help" 2>&1 || bad "help $c: exit $?"
  cmp -s "$tmp/long" "$tmp/help" || bad "help $c differs from $c --help"
done
# --help wins wherever it stands, also after operands and other options
"$ICS" run no_such.yaml --seed 3 --help | head -1 | grep -q "^usage: icstress run" || bad "run X --help"
"$ICS" validate --help | grep -q -- "--no-space-check" || bad "validate --help lacks its options"
for a in --help -h; do "$ICS" $a | grep -q "^commands:" || bad "icstress $a"; done
for a in --version -V; do "$ICS" $a | grep -q "^icstress [0-9]" || bad "icstress $a"; done
"$ICS" help nosuch >/dev/null 2>"$tmp/err"; rc=$?
[ $rc -eq 2 ] && [ "$(err_lines "$tmp/err")" -eq 1 ] || bad "help nosuch: exit $rc"

# ---- bad usage: one line, exit 2, naming the option
one_line2() { # expected fragment, then the command
  local frag=$1; shift
  "$@" >/dev/null 2>"$tmp/err"; local rc=$?
  if [ $rc -ne 2 ] || [ "$(err_lines "$tmp/err")" -ne 1 ] || ! grep -qF -- "$frag" "$tmp/err"; then
    bad "$*: exit $rc, want 2 and one line with '$frag':"; cat "$tmp/err"
  fi
}
one_line2 "--bogus" "$ICS" run x.yaml --bogus
one_line2 "-z" "$ICS" run x.yaml -qz
one_line2 "--seed needs" "$ICS" run x.yaml --seed
one_line2 "--seed needs an integer in [0, 2^64 - 1], got x" "$ICS" run x.yaml --seed=x
one_line2 "--quiet takes no argument" "$ICS" run x.yaml --quiet=1
one_line2 "--scen" "$ICS" run x.yaml --scen 5   # no abbreviations
one_line2 "--top needs" "$ICS" chokepoints x.yaml --top
one_line2 "--tol needs a positive number" "$ICS" table balance p -o q --tol -1
one_line2 "--max-iter" "$ICS" table balance p -o q --max-iter 2.5
one_line2 "--json needs" "$ICS" bench --json
one_line2 "--title needs" "$ICS" report r.h5 --title
one_line2 "--verbose" "$ICS" info --verbose
one_line2 "--csv needs" "$ICS" export r.h5 --csv

# ---- the man page: every --help option line and paragraph is in it, as man renders it
man1="$(dirname "$ICS")/icstress.1"
[ -s "$man1" ] || bad "no $man1 (the build generates it)"
"$ICS" --man >"$tmp/icstress.1" || bad "--man: exit $?"
cmp -s "$man1" "$tmp/icstress.1" || bad "$man1 is not what this binary generates"
if command -v man >/dev/null; then
  LC_ALL=C MANWIDTH=4000 man --warnings -l "$tmp/icstress.1" >"$tmp/man.txt" 2>"$tmp/man.err" \
    || bad "man -l: exit $?"
  [ ! -s "$tmp/man.err" ] || { bad "man warnings:"; cat "$tmp/man.err"; }
  for c in "${commands[@]}"; do
    read -ra w <<<"$c"
    "$ICS" "${w[@]}" --help >"$tmp/help_$c"
  done
  /usr/bin/python3 - "$tmp" "${commands[@]}" <<'PY' || fail=1
import re, sys
tmp, cmds = sys.argv[1], sys.argv[2:]
norm = lambda s: re.sub(r"\s+", " ", s.replace("\u2212", "-").replace("\u2010", "-")).strip()
man = norm(open(f"{tmp}/man.txt").read())
bad = 0
for c in cmds:
    text = open(f"{tmp}/help_{c}").read()
    usage, rest = text.split("\n\n", 1)
    body, opts = ("\n" + rest).split("\noptions:\n", 1)
    pieces = [usage[len("usage: "):]] + [p for p in body.split("\n\n") if not p.startswith("commands:")]
    # option entries: a line starting with "  -" or "      --" and its indented continuation
    for m in re.finditer(r"^ {2}(-\w, --\S+(?: \S+)?| {4}--\S+(?: \S+)?)(.*(?:\n {28}.*)*)", opts, re.M):
        pieces += [m.group(1), m.group(2)]
    for p in pieces:
        if norm(p) not in man:
            print(f"FAIL: {c} --help text not in the man page: {norm(p)!r}")
            bad = 1
print("ok   man page holds every command's --help text" if not bad else "", end="")
sys.exit(bad)
PY
  echo
else
  bad "man (man-db) is not installed"
fi

# ---- bash completion, generated from the same tables
comp="$(dirname "$ICS")/icstress.bash-completion"
[ -s "$comp" ] || bad "no $comp (the build generates it)"
"$ICS" --completion | cmp -s - "$comp" || bad "$comp is not what this binary generates"
complete_words() { # the words of a command line; the last is completed
  bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _icstress;
           printf "%s\n" "${COMPREPLY[@]}"' _ "$comp" "$@"
}
[ "$(complete_words icstress ru)" = "run" ] || bad "icstress ru<TAB>: $(complete_words icstress ru)"
got=$(complete_words icstress run -- | sort | tr '\n' ' ')
want=$(printf '%s\n' --force --help --max-time --no-space-check --output --quiet --resume \
         --scenarios --seed --table | sort | tr '\n' ' ')
[ "$got" = "$want" ] || bad "icstress run --<TAB>: '$got', want '$want'"
[ "$(complete_words icstress table b)" = "balance" ] || bad "icstress table b<TAB>"
[ "$(complete_words icstress table balance --m)" = "--max-iter" ] || bad "table balance --m<TAB>"
[ "$(complete_words icstress chokepoints --to)" = "--top" ] || bad "chokepoints --to<TAB>"
[ -z "$(complete_words icstress run --seed '')" ] || bad "run --seed <TAB> offers words"
mkdir -p "$tmp/cwd/dirA" && touch "$tmp/cwd/conf.yaml"
[ "$(cd "$tmp/cwd" && complete_words icstress export r.h5 --csv '')" = "dirA" ] || bad "export --csv <TAB>"
(cd "$tmp/cwd" && complete_words icstress run co) | grep -qx "conf.yaml" || bad "run co<TAB>"
[ $fail -eq 0 ] && echo "ok   --help, -h, help CMD, man page and completion agree for ${#commands[@]} commands"
exit $fail
