# Minimal TAP helpers for dartmk's shell tests. Source this file; call plan N first.
# Every helper prints exactly one TAP line; diagnostics go to stderr prefixed with '#'.
_tap_n=0
_tap_failed=0
TOP=${TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
DARTMK=${DARTMK:-$TOP/dartmk}
FIXTURES=${FIXTURES:-$TOP/build/fixtures}
export TOP DARTMK FIXTURES

plan() { echo "1..$1"; }

ok() { # ok COND-EXIT-STATUS DESCRIPTION
    _tap_n=$((_tap_n + 1))
    if [ "$1" -eq 0 ]; then echo "ok $_tap_n - $2"; else echo "not ok $_tap_n - $2"; _tap_failed=1; fi
}

pass() { ok 0 "$1"; }
fail() { ok 1 "$1"; }

is() { # is GOT EXPECTED DESCRIPTION
    if [ "$1" = "$2" ]; then ok 0 "$3"; else ok 1 "$3"; diag "got:      '$1'"; diag "expected: '$2'"; fi
}

like() { # like GOT REGEX DESCRIPTION (grep -E)
    if printf '%s\n' "$1" | grep -Eq -- "$2"; then ok 0 "$3"; else ok 1 "$3"; diag "got:      '$1'"; diag "expected to match: '$2'"; fi
}

diag() { printf '# %s\n' "$*" >&2; }

# A test file that cannot run fails: make check installs everything it needs, so a skip would
# only hide a broken setup.
missing_prerequisite() { echo "1..1"; echo "not ok 1 - $*"; exit 1; }

# run CMD...: runs a command, storing stdout in $out, stderr in $err, exit code in $rc.
run() {
    local o e
    o=$(mktemp) e=$(mktemp)
    "$@" >"$o" 2>"$e"
    rc=$?
    out=$(cat "$o") err=$(cat "$e")
    rm -f "$o" "$e"
}

# A scratch directory removed at exit.
scratch() {
    SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/dartmk-test.XXXXXX")
    trap 'rm -rf "$SCRATCH"' EXIT
}

done_testing() { exit $_tap_failed; }
