#!/bin/bash
# dartexpire.exe, the time-limit check that runs inside Windows PE: both builds are console
# programs for the right machine that import only what Windows PE has; the amd64 one runs under
# wine64 (this Debian has no 32-bit wine: the x86 build is checked by its headers only, since
# wine64 starts it, fails and still exits 0). Exit codes: 0 usable, 1 expired, 2 unknown.
. "$(dirname "$0")/../lib/tap.sh"

# Where dartmk itself looks: $DARTMK_LIBDIR, the build tree beside the executable (build/ for
# ./dartmk, the build directory itself for build-asan/dartmk), an installed lib/dartmk.
bindir=$(dirname "$DARTMK")
for d in "${DARTMK_LIBDIR:-}" "$bindir/build/winpe" "$bindir/winpe" "$bindir/../lib/dartmk"; do
    [ -n "$d" ] && [ -f "$d/dartexpire-amd64.exe" ] && { LIBDIR=$d; break; }
done
[ -n "${LIBDIR:-}" ] || { echo "1..1"; echo "not ok 1 - dartexpire-*.exe built (make all)"; exit 1; }

PLAN=36
plan $PLAN
scratch

# --- the two builds, by their headers -----------------------------------------------------
OBJDUMP=$(command -v x86_64-w64-mingw32-objdump || command -v objdump)

# pe_machine FILE: the COFF Machine field, found through e_lfanew, as 0x....
pe_machine() {
    local lfanew
    lfanew=$(od -An -tu4 -j60 -N4 "$1" | tr -d ' ')
    printf '0x%s' "$(od -An -tx2 -j$((lfanew + 4)) -N2 "$1" | tr -d ' ')"
}

for spec in x86:pei-i386:0x014c amd64:pei-x86-64:0x8664; do
    IFS=: read -r arch format machine <<<"$spec"
    exe=$LIBDIR/dartexpire-$arch.exe
    like "$("$OBJDUMP" -f "$exe" 2>&1)" "file format $format\$" "$arch: objdump reads $format"
    is "$(pe_machine "$exe")" "$machine" "$arch: PE machine $machine"
    like "$("$OBJDUMP" -p "$exe" | grep -E '^Subsystem')" '[[:space:]]00000003[[:space:]]' \
        "$arch: console subsystem (3)"
    dlls=$("$OBJDUMP" -p "$exe" | awk '/DLL Name:/ { print tolower($3) }' | sort -u | xargs)
    is "$dlls" "kernel32.dll msvcrt.dll" "$arch: imports only KERNEL32.dll and msvcrt.dll"
done

# --- the amd64 build under wine64 ---------------------------------------------------------
WINE=${WINE:-/usr/lib/wine/wine64}
WINESERVER=$(dirname "$WINE")/wineserver
skip() { _tap_n=$((_tap_n + 1)); echo "ok $_tap_n # skip $1"; }
if [ ! -x "$WINE" ]; then
    for _ in $(seq $((PLAN - _tap_n))); do skip "no wine64 (scripts/install-deps.sh installs it)"; done
    done_testing
fi

# A private prefix (created once, ~8 s), stopped and removed at exit. No Mono/Gecko installers.
export WINEPREFIX=$SCRATCH/wine WINEDEBUG=-all WINEDLLOVERRIDES='mscoree,mshtml='
trap '"$WINESERVER" -k 2>/dev/null; rm -rf "$SCRATCH"' EXIT
"$WINE" wineboot --init >/dev/null 2>&1

# winpath PATH: the Windows name of a host path (wine maps Z: to /).
winpath() { printf 'Z:%s' "${1//\//\\}"; }

# wrun EXE ARGS...: run under wine; $out, $err without the console's CRs, $rc.
wrun() {
    run "$WINE" "$@"
    out=${out//$'\r'/} err=${err//$'\r'/}
}

# stamp OFFSET: the instant OFFSET from now (date -d syntax) in DartConfig.ini's form.
stamp() { date -u -d "$1" +%Y-%m-%dT%H:%M:%SZ; }

# image NAME EXPIRES-LINE: a folder with the checker and a DartConfig.ini (CRLF, as Windows).
image() {
    mkdir -p "$SCRATCH/$1"
    cp "$LIBDIR/dartexpire-amd64.exe" "$SCRATCH/$1/dartexpire.exe"
    [ -n "$2" ] && printf '[General]\r\nVersion=10\r\n\r\n[Build]\r\n%s\r\n' "$2" \
        >"$SCRATCH/$1/DartConfig.ini"
}

soon=$(stamp '+30 days 1 hour')
image usable "Expires = $soon"
wrun "$SCRATCH/usable/dartexpire.exe"
is "$rc" 0 "30 days left: exit 0 (DartConfig.ini beside the .exe)"
is "$out" "This recovery image can be used until $soon (30 days left)." "30 days left: says so"

gone=$(stamp '-1 day')
image expired "Expires=$gone"
wrun "$SCRATCH/expired/dartexpire.exe"
is "$rc" 1 "expired yesterday: exit 1"
is "$out" "This recovery image expired on $gone. Ask the help desk for a new one." \
    "expired yesterday: says so and whom to ask"

image missing ""
wrun "$SCRATCH/missing/dartexpire.exe"
is "$rc" 2 "no DartConfig.ini: exit 2 (fail closed)"
like "$err" '^dartexpire: Z:.*\\missing\\DartConfig\.ini: ' "no DartConfig.ini: names the file"
is "$out" "" "no DartConfig.ini: no verdict on stdout"

image malformed "Expires=$(date -u +%Y-%m-%d)"
wrun "$SCRATCH/malformed/dartexpire.exe"
is "$rc" 2 "Expires without a time: exit 2"
like "$err" 'Expires= is not a time like' "Expires without a time: says why"

image nokey "Name=Recovery"
wrun "$SCRATCH/nokey/dartexpire.exe"
is "$rc" 2 "no Expires in [Build]: exit 2"
like "$err" 'no Expires= in section \[Build\]' "no Expires in [Build]: says why"

# --config: an absolute Windows path, then a relative one from the current directory.
printf '[Build]\nExpires=%s\n' "$soon" >"$SCRATCH/elsewhere.ini"
wrun "$SCRATCH/missing/dartexpire.exe" --config "$(winpath "$SCRATCH/elsewhere.ini")"
is "$rc" 0 "--config Z:\\...: exit 0"
like "$out" "until $soon \\(30 days left\\)\\.\$" "--config Z:\\...: reads that file"
(cd "$SCRATCH" && wrun "$SCRATCH/missing/dartexpire.exe" --config 'expired\DartConfig.ini'
    echo "$rc")  >"$SCRATCH/rel.rc"
is "$(cat "$SCRATCH/rel.rc")" 1 "--config with a relative path: exit 1 for the expired one"
wrun "$SCRATCH/usable/dartexpire.exe" --config "$(winpath "$SCRATCH/none.ini")"
is "$rc" 2 "--config naming no file: exit 2 (not the one beside the .exe)"

# --wait keeps a bad verdict on screen; a good one starts at once.
t0=$(date +%s%N)
wrun "$SCRATCH/expired/dartexpire.exe" --wait 1
t1=$(date +%s%N)
is "$rc" 1 "--wait 1 on expired: still exit 1"
ok $(((t1 - t0) >= 1000000000 ? 0 : 1)) "--wait 1 on expired: waits at least 1 s"
t0=$(date +%s%N)
wrun "$SCRATCH/usable/dartexpire.exe" --wait 5
t1=$(date +%s%N)
ok $((rc == 0 && (t1 - t0) < 4000000000 ? 0 : 1)) "--wait 5 when usable: exit 0 at once"

# --shutdown: after a bad verdict the checker runs `wpeutil shutdown` itself (wine has no
# wpeutil, so the attempt shows as its error); a good verdict never tries.
wrun "$SCRATCH/expired/dartexpire.exe" --shutdown
is "$rc" 1 "--shutdown on expired: exit 1"
like "$err" '^dartexpire: cannot run wpeutil shutdown' "--shutdown on expired: runs wpeutil shutdown"
wrun "$SCRATCH/usable/dartexpire.exe" --wait 1 --shutdown
is "$rc/$err" "0/" "--shutdown when usable: exit 0, no shutdown"

# Usage errors: exit 2 and the usage line.
for args in "--frobnicate" "--wait" "--wait 601" "--wait -1" "--wait 1x" "--config" "extra"; do
    # shellcheck disable=SC2086 # split on purpose
    wrun "$SCRATCH/usable/dartexpire.exe" $args
    is "$rc/$err" "2/usage: dartexpire.exe [--config FILE] [--wait SECONDS (0-600)] [--shutdown]" \
        "usage error '$args': exit 2 and the usage line"
done

done_testing
