#!/bin/bash
# `dartmk wizard` under valgrind's memcheck (tests/lib/valgrind-dartmk: a memory error or a
# definite leak makes it exit 99), driven under tmux: Esc on the first page; a bad source path
# (the error on the page), then every page to an ISO with a tool, a resize on the way, and the
# run (the wizard under valgrind; the command it runs is its own executable, natively).
# shellcheck source=tests/lib/tap.sh disable=SC2154  # run sets $rc, $out, $err
. "$(dirname "$0")/../lib/tap.sh"
# shellcheck source=tests/lib/tmux.sh
. "$TOP/tests/lib/tmux.sh"
# shellcheck source=tests/lib/wizard.sh
. "$TOP/tests/lib/wizard.sh"
command -v valgrind >/dev/null || missing_prerequisite "valgrind is installed (scripts/install-deps.sh)"
command -v tmux >/dev/null || missing_prerequisite "tmux is installed (scripts/install-deps.sh)"
SAMPLES=${SAMPLES:-$(dirname "$FIXTURES")/samples}
[ -f "$SAMPLES/dvd.iso" ] || make -C "$TOP" -s samples >/dev/null
VG=$TOP/tests/lib/valgrind-dartmk
plan 4
scratch
trap 'tm_stop; rm -rf "$SCRATCH"' EXIT
S=$SCRATCH
export TMPDIR=$S/tmp XDG_STATE_HOME=$S/state HOME=$S/home LANG=C.UTF-8
mkdir -p "$TMPDIR" "$HOME" "$S/esc" "$S/iso" "$S/tool"
cp "$FIXTURES/dart/7-amd64.exe" "$S/tool/mytool.exe"

tm_start esc 80 24 "$S/esc" "$VG" wizard
wz_at esc "Source media" 30
tm_keys esc Escape
is "$(tm_exit esc "$S/esc" 30)" 3 "Esc on the first page under valgrind: exit 3 (no memory error, no leak)"

tm_start iso 80 24 "$S/iso" "$VG" wizard
wz_at iso "Source media" 30
wz_entry iso "$S/no-such.iso"
tm_keys iso Enter
tm_wait_text iso "no such file or directory" 20
ok $? "under valgrind: a bad source path shows its error on the page"
wz_entry iso "$SAMPLES/dvd.iso"
tm_keys iso Enter
wz_at iso "Windows PE image" 30 && tm_keys iso Enter
wz_at iso "Tools" 30 && wz_add iso "My Tool=$S/tool" && tm_keys iso F12
tm resize-window -t iso -x 100 -y 30
for p in "Remote connection" "Debugging tools" "Drivers" "Additional files" "Time limit"; do
    wz_at iso "$p" 30 && tm_keys iso Enter
done
wz_at iso "Where it goes" 30 && wz_dest iso 0
wz_at iso "ISO file" 30 && tm_keys iso Enter
wz_at iso "Summary" 30 && tm_keys iso Enter
is "$(tm_exit iso "$S/iso" 120)" 0 "every page and the run to an ISO under valgrind: exit 0 (no memory error, no leak)"
[ -s "$S/iso/recovery.iso" ] && [ -s "$S/iso/dartmk-recipe.ini" ]
ok $? "the ISO and the recipe were written"

done_testing
