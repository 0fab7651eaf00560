#!/bin/bash
# Progress on a terminal (script(1) gives dartmk a pty of the width asked for, stty cols): at 60,
# 80 and 200 columns every redraw of the bar — the raw bytes between "\r" and "\033[K", not a
# rendered screen — fits in the width less one column, the less important fields going first
# (the rate, then the time left, then the bar); every stage ends with one final line; the
# messages of the run fit in 80 columns too. A resize mid-run (stty cols on the pty, which sends
# SIGWINCH): the redraws after it fit the new width. In a pipe (auto mode) nothing of the bar is
# written. The run is made slow enough to be redrawn by tests/tools/preload/slowwrite.c.
# shellcheck source=tests/lib/tap.sh disable=SC2154  # run() sets rc, out, err
. "$(dirname "$0")/../lib/tap.sh"
SAMPLES=${SAMPLES:-$TOP/build/samples}
TOOLS=${TOOLS:-$TOP/build/tests/tools}
SLOW=$TOOLS/slowwrite.so
[ -f "$SAMPLES/install.iso" ] || make -C "$TOP" -s samples >/dev/null || missing_prerequisite "the sample media (make samples)"
[ -f "$SLOW" ] || make -C "$TOP" -s "${SLOW#"$TOP"/}" >&2
for t in script stty python3; do
    command -v $t >/dev/null || missing_prerequisite "$t is installed (scripts/install-deps.sh)"
done
plan 27
scratch
S=$SCRATCH ISO=$SAMPLES/install.iso
# The shim is preloaded: under an ASan build (make asan) that needs verify_asan_link_order=0.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"

# The bar's draws in a typescript, one per line as "LENGTH TEXT", from FROM (a marker line the
# test printed; the start when empty) to UNTIL (the next marker, or the end). A draw that ends
# its line (a stage's final line) is also written to the file $FINALS when that is set.
draws() { # draws TYPESCRIPT [FROM [UNTIL]]
    python3 - "$@" <<'PY'
import re, sys
raw = open(sys.argv[1], 'rb').read().decode('utf-8', 'replace')
if len(sys.argv) > 2 and sys.argv[2]:
    raw = raw.split('\n' + sys.argv[2] + '\r\n', 1)[1]
if len(sys.argv) > 3:
    raw = raw.split('\n' + sys.argv[3] + '\r\n', 1)[0]
import os
finals = open(os.environ['FINALS'], 'w') if os.environ.get('FINALS') else None
for m in re.finditer(r'\r([^\r\n]*?)\x1b\[K(\r?\n)?', raw):
    print(len(m.group(1)), m.group(1))
    if finals and m.group(2):
        print(m.group(1), file=finals)
PY
}
# The longest line dartmk wrote on the terminal that is not a bar's draw (its messages).
longest_message() {
    python3 - "$1" <<'PY'
import re, sys
raw = open(sys.argv[1], 'rb').read().decode('utf-8', 'replace')
raw = re.sub(r'\r[^\r\n]*?\x1b\[K', '', raw)
lines = [l for l in re.split(r'[\r\n]', raw) if l and not l.startswith('Script ')]
print(max((len(l) for l in lines), default=0), max(lines, key=len, default=''))
PY
}
# usb of the sample install ISO into a new stick image, on a terminal of W columns, slowed.
stick_at() { # stick_at W USEC
    (cd "$S" && script -qfec "stty cols $1 rows 40; SLOWWRITE_PREFIX=$S SLOWWRITE_USEC=$2 LD_PRELOAD=$SLOW $(printf '%q ' "$DARTMK" usb "$ISO" "stick-$1.img" --size 64M --yes) >out-$1" "$S/ts-$1" >/dev/null </dev/null)
}

for w in 60 80 200; do
    stick_at $w 30000
    is "$?" 0 "$w columns: usb exits 0"
    FINALS=$S/finals-$w draws "$S/ts-$w" >"$S/draws-$w"
    n=$(wc -l <"$S/draws-$w") long=$(sort -n "$S/draws-$w" | tail -1)
    [ "$n" -ge 8 ]
    ok $? "$w columns: the bar was drawn and redrawn in place ($n draws)"
    [ "${long%% *}" -le $((w - 1)) ]
    ok $? "$w columns: no draw is longer than $((w - 1)) columns (longest: ${long%% *}: '${long#* }')"
    # One final line per stage: each stage's last draw, and only that, ends its line.
    label() { sed 's/^[0-9]* //; s/ *\[.*//; s/ *[0-9]*%.*//' "$@"; }
    stages=$(label "$S/draws-$w" | uniq | tr '\n' ,)
    is "$(sed 's/^/0 /' "$S/finals-$w" | label | tr '\n' ,)" "$stages" "$w columns: one final line for each stage, in order ($stages)"
done
grep -q '/s ' "$S/draws-200" && grep -q ' left' "$S/draws-200" && grep -q '\[#' "$S/draws-200"
ok $? "200 columns: the rate, the time left and the bar are all shown"
! grep 'writing the FAT volume' "$S/draws-80" | grep -q '/s' && grep -q 'writing the FAT volume \[#' "$S/draws-80"
ok $? "80 columns: the writing's long line drops the rate first; the bar stays"
grep -q 'writing the FAT volume \[[#-]*\] *[0-9]*% *[0-9.]* / [0-9.]* [KM]iB$' "$S/draws-60"
ok $? "60 columns: the bar shrinks, the label, percentage and sizes stay readable"
grep -q ' took  *[0-9]*:[0-9][0-9]$' "$S/draws-200"
ok $? "a stage's final line says how long it took"
read -r len line < <(longest_message "$S/ts-80")
[ "$len" -le 79 ]
ok $? "80 columns: every message of the run fits ($len: '$line')"
total=$(grep -o '^[0-9]* writing the FAT volume.* / [0-9.]* MiB' "$S/draws-80" | tail -1 | sed 's|.* / ||')
vtotal=$(grep -o '^[0-9]* verifying.* / [0-9.]* MiB' "$S/draws-80" | tail -1 | sed 's|.* / ||')
like "$(tr -d '\r' <"$S/ts-80")" "^wrote stick-80\\.img: .*, $total; boots" "one total: writing ($total), read-back ($vtotal) and the result line agree"
is "$vtotal" "$total" "one total: the read-back counts what the writing counted"

# A resize mid-run: 80 columns, then 60 (stty on the pty: the kernel sends SIGWINCH).
(cd "$S" && script -qfec "stty cols 80 rows 40
SLOWWRITE_PREFIX=$S SLOWWRITE_USEC=100000 LD_PRELOAD=$SLOW $(printf '%q ' "$DARTMK" usb "$ISO" stick-r.img --size 64M --yes) >out-r &
pid=\$!
sleep 1.5; printf '\nRESIZE\n'; stty cols 60; sleep 0.3; printf '\nRESIZED\n'
wait \$pid" "$S/ts-r" >/dev/null </dev/null)
is "$?" 0 "resize: usb exits 0"
draws "$S/ts-r" "" RESIZE >"$S/before" && draws "$S/ts-r" RESIZE RESIZED >"$S/during" && draws "$S/ts-r" RESIZED >"$S/after"
b=$(sort -n "$S/before" | tail -1) a=$(sort -n "$S/after" | tail -1)
[ -s "$S/before" ] && [ "$(wc -l <"$S/after")" -ge 3 ]
ok $? "resize: drawn before ($(wc -l <"$S/before")) and redrawn after ($(wc -l <"$S/after")) the resize"
[ "${b%% *}" -le 79 ] && [ "$(sort -n "$S/during" | tail -1 | cut -d' ' -f1)" -le 79 ]
ok $? "resize: at 80 columns no draw longer than 79 (longest: ${b%% *})"
[ "${a%% *}" -le 59 ]
ok $? "resize: after the resize to 60 no draw longer than 59 (longest: ${a%% *}: '${a#* }')"
grep -q 'writing the FAT volume \[' "$S/after" && ! grep -q '  [0-9]:[0-9][0-9] left' "$S/after"
ok $? "resize: the writing's redraws after it are at the new width (a shorter bar, no time left)"

# Not a terminal (auto mode): the run says its lines, and nothing of the bar.
run "$DARTMK" usb "$ISO" "$S/pipe.img" --size 64M --yes
is "$rc" 0 "a pipe: exit 0"
printf '%s' "$err" | grep -q $'\r\|\x1b'
ok $((! $?)) "a pipe (auto): no bar, no carriage return or escape sequence on stderr"
like "$err" "^wrote $S/pipe\\.img: " "a pipe: the result line is there"
done_testing
