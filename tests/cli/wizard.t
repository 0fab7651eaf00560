#!/bin/bash
# `dartmk wizard` driven for real under tmux (tests/lib/tmux.sh: keys sent, the screen read back,
# waits that poll the screen): to an ISO at 80x24 with DaRT's tools (stand-ins) and a tool, a bad
# path typed on the source and tools pages (the command's own line shown on the page), the saved
# recipe rebuilding the same image with `dartmk build --recipe`; to a PXE tree at 120x40 after a
# resize on the first page, Back keeping the answers; a resize in the middle of the run (the
# command's progress redrawn to the new width); the disc page (no recorder here: the list holds
# only the typed drive; libburn's stdio: drive burns the ISO into a file); Esc on every page
# (nothing written: the folder empty, the disk image's checksum unchanged, exit 3); no terminal,
# one below 80x24, operands and --json refused. The stick image and the recovery partition that
# then boot are tests/boot/wizard.t.
# shellcheck source=tests/lib/tap.sh disable=SC2154  # run sets $rc, $out, $err
. "$(dirname "$0")/../lib/tap.sh"
# shellcheck source=tests/lib/tmux.sh
. "$TOP/tests/lib/tmux.sh"
# shellcheck source=tests/lib/wizard.sh
. "$TOP/tests/lib/wizard.sh"
# shellcheck source=tests/lib/disks.sh
. "$TOP/tests/lib/disks.sh"
command -v tmux >/dev/null || missing_prerequisite "tmux is installed (scripts/install-deps.sh)"
SAMPLES=${SAMPLES:-$(dirname "$FIXTURES")/samples}
TOOLS=${TOOLS:-$TOP/build/tests/tools}
SLOW=$TOOLS/slowwrite.so
[ -f "$SAMPLES/dvd.iso" ] || make -C "$TOP" -s samples >/dev/null
[ -f "$SLOW" ] || make -C "$TOP" -s "${SLOW#"$TOP"/}" >&2
plan 51
scratch
trap 'tm_stop; rm -rf "$SCRATCH"' EXIT
S=$SCRATCH
export TMPDIR=$S/tmp XDG_STATE_HOME=$S/state HOME=$S/home LANG=C.UTF-8
# Under ASan, newt's own allocations are not dartmk's leaks (tests/lib/lsan-newt.supp).
export LSAN_OPTIONS="${LSAN_OPTIONS:+$LSAN_OPTIONS:}suppressions=$TOP/tests/lib/lsan-newt.supp"
# The slow-write shim is preloaded: under an ASan build (make asan) that needs
# verify_asan_link_order=0 (the tmux server, started below, passes it on to every session).
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
mkdir -p "$TMPDIR" "$HOME"
DVD=$SAMPLES/dvd.iso

# --- refused before any page -----------------------------------------------------------------------
run "$DARTMK" wizard --help
like "$rc:$(printf '%s' "$out" | tr '\n' ' ')" "^0:.*Esc leaves with nothing written" "--help: exit 0, the keys and Esc's exit code"
run "$DARTMK" wizard "$DVD"
is "$rc:$(printf '%s\n' "$err" | wc -l)" "2:1" "an operand: usage error (2), one line"
run "$DARTMK" wizard --json
is "$rc:$err" "2:dartmk wizard: --json: the wizard is for a person at a terminal; the commands it runs take --json (see 'dartmk wizard --help')" \
    "--json: usage error (2), one line"
run "$DARTMK" wizard </dev/null
is "$rc" 1 "no terminal: exit 1"
is "$err" "dartmk wizard: needs a terminal (the commands work without one)" "no terminal: one line that says so"
mkdir "$S/small"
tm_start small 70 20 "$S/small" "$DARTMK" wizard
is "$(tm_exit small "$S/small" 10)" 1 "a 70x20 terminal: exit 1"
tm_wait small "the terminal is 70x20; the wizard needs at least 80x24" 5
ok $? "a 70x20 terminal: the one line says the size and the minimum"

# --- to an ISO at 80x24, DaRT's tools (stand-ins), a tool, a time limit ---------------------------
bash "$TOP/tests/lib/dart-standins.sh" "$FIXTURES" "$S/dart" >/dev/null 2>&1 ||
    missing_prerequisite "DaRT stand-ins (tests/lib/dart-standins.sh)"
mkdir -p "$S/tool" "$S/iso"
cp "$FIXTURES/dart/7-amd64.exe" "$S/tool/mytool.exe"
tm_start iso 80 24 "$S/iso" "$DARTMK" wizard
wz_at iso "Source media"
wz_entry iso "$S/no-such.iso"
tm_keys iso Enter
tm_wait_text iso "dartmk: $S/no-such.iso: no such file or directory" 10
ok $? "a bad source path: inspect's one line on the source page"
wz_at iso "Source media" 1
ok $? "a bad source path: the wizard stays on the page (no crash)"
wz_entry iso "$DVD"
tm_keys iso Enter
wz_at iso "Windows PE image"
screen=$(tm_screen iso)
like "$screen" "dvd.iso: iso, install-dvd layout, amd64" "image page: what inspect found (kind, layout, arch)"
like "$screen" "Boots: BIOS and UEFI" "image page: the boot ways"
like "$screen" "2  Microsoft Windows Setup \(amd64\)  \(bootable\)" "image page: boot.wim's images"
tm_keys iso Enter
wz_at iso "Tools"
wz_add iso "Bad=$S/nothing-here"
tm_keys iso F12
tm_wait_text iso "dartmk: --tool Bad=$S/nothing-here: No such file or directory" 10
ok $? "a bad tool path: build's own line on the tools page"
sleep 0.3
tm_keys iso Tab Tab Enter # Remove (the list's first: the bad one)
tm_wait iso "│ +\(none\)" 5 && sleep 0.3
wz_add iso "My Tool=$S/tool"
tm_keys iso Tab Tab Tab Tab # Add, Remove, the list, DaRT tools
wz_entry iso "$S/dart/Toolsx64.cab"
tm_keys iso Tab
wz_entry iso "$S/dart/DartConfig.dat"
tm_keys iso Enter
for p in "Remote connection" "Debugging tools" "Drivers" "Additional files"; do
    wz_at iso "$p" && tm_keys iso Enter
done
wz_at iso "Time limit"
wz_entry iso 30
tm_keys iso Enter
wz_at iso "Where it goes" && wz_dest iso 0
wz_at iso "ISO file"
wz_entry iso wiz.iso
tm_keys iso Enter
wz_at iso "Summary"
like "$(tm_text iso)" \
    "dartmk iso $DVD -o wiz.iso --tool 'My Tool=$S/tool' --expire-days 30 --dart-tools $S/dart/Toolsx64.cab --dart-config $S/dart/DartConfig.dat" \
    "summary: the equivalent command line"
tm_keys iso Enter
is "$(tm_exit iso "$S/iso" 60)" 0 "Run: the iso command's exit 0"
tm_wait_text iso "wrote wiz.iso \(3.[0-9] MiB, label DART_RECOVERY, boots under BIOS and UEFI\)" 1
ok $? "Run: the command's own lines on the terminal"
run "$DARTMK" verify "$S/iso/wiz.iso"
is "$rc" 0 "the ISO verifies against its manifest"
R=$S/iso/dartmk-recipe.ini
is "$(grep -v '^;' "$R" 2>/dev/null)" "[build]
expire-days = 30
dart-tools = $S/dart/Toolsx64.cab
dart-config = $S/dart/DartConfig.dat
tool = My Tool=$S/tool" "the recipe saved: every answer, as --print-recipe writes it"

# --- the saved recipe rebuilds the same image --------------------------------------------------
run "$DARTMK" build "$DVD" -o "$S/rebuilt" --recipe "$R" -q
is "$rc" 0 "dartmk build --recipe: exit 0"
xorriso -osirrox on -indev "$S/iso/wiz.iso" -extract /dartmk-manifest.json "$S/iso.json" \
    -extract /sources/boot.wim "$S/iso.wim" >/dev/null 2>&1
same() { # DESC A B: equal, and not empty (a missing file must not pass)
    if [ -n "$2" ]; then is "$2" "$3" "$1"; else fail "$1"; diag "nothing to compare"; fi
}
inputs='{recipe, source, image_index, arch, customised, tools, remote, debugging_tools, dart}'
same "recipe rebuild: the manifests record the same inputs (recipe, source, image, tools, DaRT's)" \
    "$(jq -S "$inputs" "$S/iso.json")" "$(jq -S "$inputs" "$S/rebuilt/dartmk-manifest.json")"
files='[.files[] | select(.path != "sources/boot.wim")]'
same "recipe rebuild: every other file the same (path, size, SHA-256)" \
    "$(jq -S "$files" "$S/iso.json")" "$(jq -S "$files" "$S/rebuilt/dartmk-manifest.json")"
same "recipe rebuild: boot.wim holds the same tree" \
    "$(wimdir "$S/iso.wim" 1)" "$(wimdir "$S/rebuilt/sources/boot.wim" 1)"

# --- 120x40: a resize on the first page, a PXE tree, Back keeps the answers -----------------------
mkdir -p "$S/pxe" "$S/extra/Scripts"
echo 'echo hello' >"$S/extra/Scripts/hello.cmd"
tm_start pxe 80 24 "$S/pxe" "$DARTMK" wizard
wz_at pxe "Source media"
border() { tm_screen pxe | grep -m1 '┤ .* ├' | tr -d ' ' | wc -m; }
tm resize-window -t pxe -x 120 -y 40
tm_wait pxe "^ *Tab/Shift-Tab" 5 # the help line, at the new bottom
for _ in $(seq 50); do [ "$(border)" -gt 100 ] && break; sleep 0.1; done
like "$(border)" "^1[01][0-9]$" "a resize to 120x40: the page drawn again, its window wider (110)"
wz_entry pxe "$SAMPLES/adk"
tm_keys pxe Enter
for p in "Windows PE image" "Tools" "Remote connection" "Debugging tools" "Drivers"; do
    wz_at pxe "$p" && tm_keys pxe Enter
done
wz_at pxe "Additional files"
wz_add pxe "$S/extra=Extra"
tm_keys pxe Enter
wz_at pxe "Time limit"
tm_keys pxe F2
wz_at pxe "Additional files" 5
tm_wait pxe "$S/extra=Extra" 5
ok $? "F2 goes back a page, and the answers are kept"
tm_keys pxe Enter
wz_at pxe "Time limit" && tm_keys pxe Enter
wz_at pxe "Where it goes" && wz_dest pxe 4
wz_at pxe "PXE tree" && tm_keys pxe Enter
wz_at pxe "Summary" && tm_keys pxe Enter
is "$(tm_exit pxe "$S/pxe" 60)" 0 "to a PXE tree at 120x40: exit 0"
run "$DARTMK" verify "$S/pxe/pxe"
is "$rc" 0 "the PXE tree verifies against its manifest"
is "$(jq -r '.recipe["add-files"][0]' "$S/pxe/pxe/dartmk-manifest.json")" "$S/extra=Extra" \
    "the PXE tree's manifest records the additional files"

# --- a resize in the middle of the run: the command's progress redrawn to the new width ----------
mkdir -p "$S/slow"
tm_start slow 80 24 "$S/slow" env SLOWWRITE_PREFIX="$S/slow" SLOWWRITE_USEC=150000 LD_PRELOAD="$SLOW" \
    "$DARTMK" wizard
wz_defaults slow "$DVD"
wz_dest slow 0
wz_at slow "ISO file" && tm_keys slow Enter
wz_at slow "Summary" && tm_keys slow Enter
tm_wait slow "writing the ISO \[[#-]+\] +[0-9]+%" 30
ok $? "mid-run: the iso command's progress bar at 80 columns"
tm resize-window -t slow -x 60 -y 24
# tmux reflows the old 80-column bar into two rows; the command's view, told by SIGWINCH, draws
# the next one on the cursor's row within 60 columns: the bar whole (its end, the sizes, shown).
bar='writing the ISO \[[#-]+\] +[0-9]+% [0-9.]+ / [0-9.]+ MiB'
for _ in $(seq 100); do
    two=$(tm_screen slow | grep -v '^ *$' | tail -2)
    printf '%s\n' "$two" | tail -1 | grep -Eq "^$bar" && break
    sleep 0.1
done
like "$(printf '%s\n' "$two" | tr '\n' '~')" "^writing the ISO \[[^~]*~${bar}[^~]{0,12}~$" \
    "mid-run resize to 60 columns: the bar drawn again whole within 60 (below the old one's reflow)"
is "$(tm_exit slow "$S/slow" 90)" 0 "mid-run resize: the run still ends well"

# --- the disc page: no recorder here; libburn's stdio: drive ---------------------------------------
mkdir -p "$S/disc"
tm_start disc 80 24 "$S/disc" "$DARTMK" wizard
wz_defaults disc "$DVD"
wz_dest disc 1
wz_at disc "Disc"
screen=$(tm_screen disc)
is "$(printf '%s\n' "$screen" | grep -cE '^ *│(/dev/|stdio:|Another drive)')" 1 \
    "disc page: no recorder listed here (devices --optical: none), only the typed drive"
wz_entry disc "stdio:$S/disc/burned.iso"
tm_keys disc Tab
wz_entry disc "disc.iso"
tm_keys disc Enter
wz_at disc "Summary"
like "$(tm_text disc)" "dartmk iso $DVD -o disc.iso && dartmk burn disc.iso --drive stdio:$S/disc/burned.iso" \
    "disc summary: mastered, then burned"
tm_keys disc Enter
is "$(tm_exit disc "$S/disc" 60)" 0 "disc: iso then burn, exit 0"
cmp -s "$S/disc/disc.iso" "$S/disc/burned.iso"
ok $? "disc: libburn's stdio: drive holds the ISO's bytes"

# --- a name typed like an option stays a name: a stick image called "--yes" -----------------------
mkdir -p "$S/dash"
tm_start dash 80 24 "$S/dash" "$DARTMK" wizard
wz_defaults dash "$DVD"
wz_dest dash 2
wz_at dash "USB stick"
wz_entry dash "--yes"
tm_keys dash Tab
wz_entry dash 64M
tm_keys dash Enter
wz_at dash "Summary"
like "$(tm_text dash)" "dartmk usb $DVD \./--yes --size 64M" "a target typed as --yes: given as ./--yes, not as the option"
tm_keys dash Enter
rc=$(tm_exit dash "$S/dash" 60)
is "$rc/$(stat -c %s "$S/dash/--yes" 2>/dev/null)" "0/67108864" "a target typed as --yes: the stick image ./--yes made (64 MiB)"

# --- the disks offered: what devices --all lists, never the system disk --------------------------
truncate -s 1G "$S/offered.img"
printf 'label: gpt\n,64M,U\n' | sfdisk -q "$S/offered.img" >/dev/null
LOOP=$(losetup -f --show "$S/offered.img")
trap 'tm_stop; [ -n "$LOOP" ] && losetup -d "$LOOP"; rm -rf "$SCRATCH"' EXIT
mkdir -p "$S/disks"
tm_start disks 120 40 "$S/disks" "$DARTMK" wizard
wz_defaults disks "$DVD"
wz_dest disks 3
wz_at disks "Recovery partition"
like "$(tm_screen disks)" "│$LOOP +${S:0:18} +1.0 GiB loop +gpt: -" \
    "partition page: a loop device listed as devices --all sees it (path, its file, size, bus, table)"
system=$("$DARTMK" devices --all --json | jq -r '.disks[] | select(.system) | .path')
offered=$(tm_screen disks | grep -oE '│/dev/[a-z0-9]+' | tr -d '│')
if [ -n "$system" ] && ! printf '%s\n' "$offered" | grep -qxF "$system"; then
    pass "partition page: the system disk ($system) is not offered"
else
    fail "partition page: the system disk ($system) is not offered"
    diag "offered: $offered"
fi
tm_keys disks Escape
tm_exit disks "$S/disks" 10 >/dev/null
losetup -d "$LOOP" && LOOP=

# --- Esc on every page: nothing written ------------------------------------------------------------
disk_gpt_windows "$S/disk.img" >/dev/null || missing_prerequisite "disk_gpt_windows"
before=$(sha256sum <"$S/disk.img")
PAGES=("${WZ_PAGES[@]}" "Recovery partition" "Recovery partition: the plan" "Summary")
# esc K: the wizard walked to page K (a partition on disk.img), then Esc; "CODE LINE" into
# $S/escK.out. The twelve walks run at the same time (each its own tmux session).
esc() {
    local k=$1 d=$S/esc$1 n=esc$1 i line=no
    mkdir -p "$d"
    tm_start "$n" 80 24 "$d" "$DARTMK" wizard
    wz_at "$n" "Source media"
    if [ "$k" -gt 0 ]; then
        wz_entry "$n" "$DVD"
        tm_keys "$n" Enter
    fi
    for ((i = 1; i < k && i < 8; i++)); do wz_at "$n" "${PAGES[$i]}" && tm_keys "$n" Enter; done
    [ "$k" -gt 8 ] && wz_at "$n" "Where it goes" && wz_dest "$n" 3
    if [ "$k" -gt 9 ]; then
        wz_at "$n" "Recovery partition" && wz_entry "$n" "$S/disk.img" && tm_keys "$n" Enter
    fi
    [ "$k" -gt 10 ] && wz_at "$n" "Recovery partition: the plan" && tm_keys "$n" Enter
    wz_at "$n" "${PAGES[$k]}"
    tm_keys "$n" Escape
    code=$(tm_exit "$n" "$d" 10)
    tm_wait "$n" "dartmk wizard: cancelled; nothing was written" 2 && line=yes
    echo "$code $line" >"$S/esc$k.out"
}
for ((k = 0; k < ${#PAGES[@]}; k++)); do esc "$k" 2>"$S/esc$k.diag" & done
wait
esc_ok=0
for ((k = 0; k < ${#PAGES[@]}; k++)); do
    sed 's/^#/# esc'"$k"':/' "$S/esc$k.diag" >&2
    is "$(cat "$S/esc$k.out")" "3 yes" "Esc on '${PAGES[$k]}': exit 3, 'cancelled; nothing was written'"
    [ "$(ls -A "$S/esc$k")" = "esc$k.rc" ] || { esc_ok=1; diag "esc$k: $(ls -A "$S/esc$k")"; }
done
[ "$(sha256sum <"$S/disk.img")" = "$before" ] || esc_ok=1
ok $esc_ok "Esc on every page: no file in the folder (no recipe, no ISO), the disk image unchanged"

done_testing
