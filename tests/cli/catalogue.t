#!/bin/bash
# The bad-input catalogue (tests/catalogue/README.md): every row of every tests/catalogue/*.sh,
# one test each — the exit code, one line on stderr matching the row's pattern, nothing changed —
# and one test per area that it holds at least the issue's count of cases.
# CATALOGUE_AREA (an area name) and CATALOGUE_CASE (an ERE on case names) run a subset.
# shellcheck source=tests/lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"

CAT=$TOP/tests/catalogue
SAMPLES=${SAMPLES:-$TOP/build/samples}
TOOLS=${TOOLS:-$TOP/build/tests/tools}
export SAMPLES TOOLS
[ -d "$SAMPLES/install" ] || missing_prerequisite "no sample media in $SAMPLES (make samples)"
scratch

areas=()
for f in "$CAT"/*.sh; do
    a=$(basename "$f" .sh)
    [ -n "${CATALOGUE_AREA:-}" ] && [ "$a" != "$CATALOGUE_AREA" ] && continue
    areas+=("$a")
done
[ ${#areas[@]} -gt 0 ] || missing_prerequisite "no catalogue area ${CATALOGUE_AREA:-}"

# rows_of AREA: its rows, comments and blank lines left out, filtered by CATALOGUE_CASE.
rows_of() {
    (
        # shellcheck disable=SC1090
        . "$CAT/$1.sh"
        rows | grep -Ev '^[[:space:]]*(#|$)' |
            if [ -n "${CATALOGUE_CASE:-}" ]; then
                while IFS= read -r l; do
                    [[ ${l%% | *} =~ $CATALOGUE_CASE ]] && printf '%s\n' "$l"
                done
            else cat; fi
    )
}

total=0
declare -A N
for a in "${areas[@]}"; do
    N[$a]=$(rows_of "$a" | wc -l)
    total=$((total + N[$a]))
done
plan $((total + ${#areas[@]}))

# snap: what the case may not change — every path under $W (type, size, mode; contents by
# SHA-256 up to 64 MiB, by modification time beyond), and CASE_DEVICES / CASE_WATCH by SHA-256.
snap() {
    (
        cd "$W" || exit 1
        find . -mindepth 1 -printf '%P %y %s %m\n' | LC_ALL=C sort
        find . -type f -size -65537k -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum
        find . -type f -size +65536k -printf '%P %T@\n' | LC_ALL=C sort
        for d in ${CASE_DEVICES:-} ${CASE_WATCH:-}; do printf '%s ' "$d"; sha256sum <"$d"; done
    )
}

# case_loop FILE [LOSETUP-OPTION...]: a loop device on FILE (e.g. --sector-size 4096, -r),
# detached after the case; prints its name.
LOOPS=()
case_loop() {
    local dev
    dev=$(losetup -f --show "${@:2}" "$1") || return 1
    echo "$dev" >>"$META/loops"
    echo "$dev"
}
cleanup_loops() {
    [ -s "$META/loops" ] || return 0
    while read -r d; do losetup -d "$d" 2>/dev/null; done <"$META/loops"
    : >"$META/loops"
}

# one AREA ROW: runs a case; prints its TAP line (numbered from $n).
one() {
    local area=$1 row=$2 name prep args want pat got lines what why=
    local rest=${row#* | }
    name=${row%% | *} prep=${rest%% | *} rest=${rest#* | }
    args=${rest%% | *} rest=${rest#* | }
    want=${rest%% | *} pat=${rest#* | }
    name=${name// /} want=${want// /} pat=${pat%"${pat##*[! ]}"}
    W=$SCRATCH/case/$area/$name
    mkdir -p "$W/tmp" "$W/state" "$W/home"
    CASE_DEVICES= CASE_WATCH=
    cd "$W" || return
    if [ "$prep" != "-" ] && ! eval "$prep" >"$META/prep" 2>&1; then
        why="prep failed: $(tail -2 "$META/prep" | tr '\n' ' ')"
    fi
    [ -z "$why" ] && snap >"$META/before"
    if [ -z "$why" ]; then
        (
            export LC_ALL=C COLUMNS=80 TMPDIR=$W/tmp XDG_STATE_HOME=$W/state HOME=$W/home
            eval "timeout -k 5 120 \"\$DARTMK\" $args" </dev/null >"$META/out" 2>"$META/err"
        )
        got=$?
        lines=$(wc -l <"$META/err")
        if [ "$got" != "$want" ]; then
            why="exit $got, expected $want"
        elif [ "$want" != 0 ] && [ "$lines" != 1 ]; then
            why="$lines lines on stderr, expected one"
        elif [ "$want" != 0 ] && ! grep -Eq -- "$pat" "$META/err"; then
            why="stderr does not match /$pat/"
        elif [ "$want" = 0 ] && ! grep -Eq -- "$pat" "$META/out"; then
            why="stdout does not match /$pat/"
        else
            snap >"$META/after"
            cmp -s "$META/before" "$META/after" ||
                why="something changed: $(diff "$META/before" "$META/after" | grep '^[<>]' | head -3 | tr '\n' ' ')"
        fi
    fi
    cd "$SCRATCH" || return
    # the area's teardown (mounts, swap, holders the prep started), then its loop devices
    if declare -F teardown >/dev/null; then (cd "$W" && teardown) >"$META/teardown" 2>&1; fi
    cleanup_loops
    n=$((n + 1))
    if [ -z "$why" ]; then
        if [ "$want" = 0 ]; then what="stdout matches"; else what="one line"; fi
        echo "ok $n - $area/$name: exit $want, $what, nothing changed"
        rm -rf "$W"
        return 0
    fi
    echo "not ok $n - $area/$name"
    diag "$area/$name: $why"
    diag "  args: $args"
    sed 's/^/#   stderr: /' "$META/err" 2>/dev/null | head -5 >&2
    return 1
}

n=0 status=0
META=$SCRATCH/meta
mkdir -p "$META" "$SCRATCH/case"
trap 'cleanup_loops; rm -rf "$SCRATCH"' EXIT
for a in "${areas[@]}"; do
    S=$SCRATCH/shared/$a
    mkdir -p "$S"
    export S
    (
        # shellcheck disable=SC1090
        . "$CAT/$a.sh"
        # killed mid-case: the teardown still runs (then the loops are detached)
        trap 'if declare -F teardown >/dev/null; then (cd "$W" 2>/dev/null && teardown) >/dev/null 2>&1; fi; cleanup_loops' EXIT
        if declare -F setup >/dev/null && ! (cd "$S" && setup) >"$META/setup" 2>&1; then
            diag "$a: setup failed: $(tail -3 "$META/setup")"
        fi
        bad=0
        while IFS= read -r row; do
            one "$a" "$row" || bad=1
        done < <(rows_of "$a")
        min=${AREA_MIN:-0}
        n=$((n + 1))
        if [ -n "${CATALOGUE_CASE:-}" ] || [ "${N[$a]}" -ge "$min" ]; then
            echo "ok $n - area $a: ${N[$a]} cases (at least $min)"
        else
            echo "not ok $n - area $a: ${N[$a]} cases (at least $min)"; bad=1
        fi
        exit $bad
    ) || status=1
    n=$((n + N[$a] + 1))
done
exit $status
