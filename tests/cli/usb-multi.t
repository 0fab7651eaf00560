#!/bin/bash
# dartmk usb SOURCE DISK DISK... (issue 19): several sticks from one read of SOURCE. Three image
# files and a loop device in one run, each one's FAT volume byte for byte the volume a one-stick
# run writes (SOURCE_DATE_EPOCH fixed), read by `dartmk verify` and mtools; a stick made to fail
# while writing (tests/tools/preload/failwrite.c) while the others are verified, the summary
# table and the exit code; a target refused for safety, one too small, one named twice, each
# stopping the whole run before anything is written (every target's checksum unchanged, no file
# made, no table saved); the one confirmation (the number of disks typed back, under script);
# --json's targets array; SIGINT mid-run (the files the run made removed, as for one stick).
# shellcheck source=tests/lib/tap.sh disable=SC2154  # run() sets rc, out, err
. "$(dirname "$0")/../lib/tap.sh"
SAMPLES=${SAMPLES:-$TOP/build/samples}
TOOLS=${TOOLS:-$TOP/build/tests/tools}
SHIM=$TOOLS/failwrite.so
[ -d "$SAMPLES/dvd" ] || make -C "$TOP" -s samples >/dev/null || { echo "1..0 # no samples"; exit 1; }
for t in jq losetup script mcopy sha256sum cmp; do
    command -v $t >/dev/null || missing_prerequisite "$t is installed (scripts/install-deps.sh)"
done
[ -f "$SHIM" ] || make -C "$TOP" -s "${SHIM#"$TOP"/}" >&2
plan 81
# shellcheck source=tests/lib/writers.sh
. "$TOP/tests/lib/writers.sh"
writers_scratch
DVD=$SAMPLES/dvd
MIB=1048576
export SOURCE_DATE_EPOCH=1700000000
# With the shim preloaded under an ASan build (verify_asan_link_order=0, as failwrite.t says).
ASAN=ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"

j() { printf '%s' "$out" | jq -r "$1"; }
sha() { sha256sum <"$1" | cut -d' ' -f1; }
lines() { if [ -z "$1" ]; then echo 0; else printf '%s\n' "$1" | wc -l; fi; }
tables() { find "$XDG_STATE_HOME/dartmk/tables" -type f 2>/dev/null | wc -l; }
usb() { run "$DARTMK" usb "$@" </dev/null; }
# vol IMG: the FAT volume (from 1 MiB to the end): what differs between two sticks' images is
# only the MBR's disk signature, which is random.
vol() { tail -c +$((MIB + 1)) "$1" | sha256sum | cut -d' ' -f1; }
# sums FILE...: every target's checksum (or "absent"), one line.
sums() { local f; for f in "$@"; do if [ -e "$f" ]; then sha "$f"; else echo absent; fi; done | paste -sd' '; }

# --- the reference: one stick, as `usb SOURCE TARGET` writes it --------------------------------
usb "$DVD" "$S/one.img" --size 64M
is "$rc" 0 "one stick (the reference): exit 0"
REF=$(vol "$S/one.img")

# --- three image files and a loop device in one run --------------------------------------------
head -c $((64 * MIB)) /dev/zero >"$S/old.img" # an image that was there: overwritten
truncate -s 64M "$S/loop.img"
L=$(losetup -f --show "$S/loop.img") && LOOPS+=("$L")
A=$S/a.img B=$S/b.img OLD=$S/old.img
usb "$DVD" "$A" "$L" "$OLD" "$B" --size 64M --force --yes --progress=none
is "$rc" 0 "four targets: exit 0"
is "$(printf '%s\n' "$out" | head -1 | tr -s ' ')" "DISK MODEL RESULT REASON" "stdout: the summary table's header"
is "$(printf '%s\n' "$out" | tail -n +2 | awk '{ print $1 "=" $(NF - 1) "/" $NF }' | tr '\n' ' ')" \
    "$A=verified/- $L=verified/- $OLD=verified/- $B=verified/- " "summary: every stick verified, in the order given"
like "$(printf '%s\n' "$out" | grep "^$L ")" "^$L +\(loop\) +verified" "summary: a disk without a model is called by its transport"
like "$(printf '%s\n' "$out" | grep "^$A ")" "image file" "summary: an image file is called one"
like "$err" "^4 of 4 sticks written and verified$" "stderr: how many sticks were written"
is "$(tables)" 0 "the image and the loop device that were there had no table: none saved"
for t in "$A" "$L" "$OLD" "$B"; do
    is "$(vol "$t")" "$REF" "$(basename "$t"): the FAT volume is byte for byte the one-stick run's"
    run "$DARTMK" verify "$t"
    is "$rc" 0 "$(basename "$t"): dartmk verify reads it back: exit 0"
done
rm -rf "$S/x" && mkdir "$S/x" && mcopy -s -n -m -i "$B@@$MIB" ::/ "$S/x/" 2>/dev/null
is "$(jq -r '.files[] | "\(.sha256)  \(.path)"' "$S/x/dartmk-manifest.json" | (cd "$S/x" && sha256sum -c --quiet 2>&1 | wc -l))" 0 \
    "mtools: every file the manifest lists has its SHA-256 on the last stick"

# --- --json: one object, a targets array ------------------------------------------------------
usb "$DVD" "$A" "$B" --json --yes --progress=none
is "$rc" 0 "--json: exit 0"
is "$(j '.targets | length')" 2 "--json: a targets array of two"
is "$(j '[.targets[] | .target + "=" + .result + "/" + (.exit | tostring)] | join(" ")')" "$A=verified/0 $B=verified/0" \
    "--json: each target's path, result and exit code"
is "$(j '[.targets[] | .files == .files_verified and .files > 0] | all')" true "--json: every file of each verified"
is "$(j '[.targets[].sha256] | unique | length')" 1 "--json: one manifest, the same on both"
is "$(j '.source_image.index')" 2 "--json: the source image, once for the run"

usb "$DVD" "$A" "$B" --yes --no-verify --progress=json
is "$rc/$(printf '%s\n' "$out" | awk '{ print $4 }' | tail -n +2 | tr '\n' ' ')" "0/written written " "--no-verify: each stick written (not verified)"
is "$(printf '%s\n' "$err" | grep '"event":"end"' | jq -r 'select(.target) | .target' | sort | tr '\n' ' ')" "$A $B " \
    "--progress=json: each stick's progress lines name it (target)"

# --- a stick that fails while writing: dropped, the others go on -------------------------------
mkdir -p "$S/full"
head -c $((64 * MIB)) /dev/zero >"$S/full/there.img"
run env "$ASAN" LD_PRELOAD="$SHIM" FAILWRITE_PREFIX="$S/full" FAILWRITE_AFTER=2000000 \
    "$DARTMK" usb "$DVD" "$A" "$S/full/new.img" "$S/full/there.img" "$B" --size 64M --yes --progress=none </dev/null
is "$rc" 1 "one stick full while writing: exit 1"
is "$(printf '%s\n' "$out" | tail -n +2 | awk '{ print $1 "=" $4 }' | tr '\n' ' ')" \
    "$A=verified $S/full/new.img=failed $S/full/there.img=failed $B=verified " \
    "summary: the two full ones failed, the others verified"
like "$(printf '%s\n' "$out" | grep "^$S/full/new.img ")" "failed +$S/full/new.img: cannot write at byte [0-9]+: No space left on device$" \
    "summary: the reason, the write error"
like "$err" "^dartmk: $S/full/new.img: cannot write at byte [0-9]+: No space left on device$" "stderr: the write error"
like "$err" "^dartmk: warning: $S/full/there.img: writing did not complete: it is unusable until it is written again$" \
    "stderr: the stick that was there is said to be unusable"
like "$err" "^2 of 4 sticks written and verified$" "stderr: two of four"
[ ! -e "$S/full/new.img" ]
ok $? "the image the run made and could not write is removed (as for one stick)"
for t in "$A" "$B"; do
    is "$(vol "$t")" "$REF" "$(basename "$t"): written whole beside the failing ones"
done
run env "$ASAN" LD_PRELOAD="$SHIM" FAILWRITE_PREFIX="$S/full" FAILWRITE_AFTER=2000000 \
    "$DARTMK" usb "$DVD" "$A" "$S/full/there.img" --json --yes --progress=none </dev/null
is "$rc/$(j '[.targets[] | .result + "/" + (.exit | tostring)] | join(" ")')" "1/verified/0 failed/1" "--json: the failed stick's result and exit code"
like "$(j '.targets[1].error')" "^$S/full/there.img: cannot write at byte" "--json: its error"

# --- refused, too small, named twice: the whole run stops before anything is written ------------
head -c $((64 * MIB)) /dev/urandom >"$S/c.img"
head -c $((16 * MIB)) /dev/urandom >"$S/small.img"
T=("$A" "$L" "$S/c.img" "$S/small.img")
before=$(sums "${T[@]}") ntables=$(tables)
# stop DESCRIPTION RC REGEX ARGS...: exit RC, one line, nothing written to any target.
stop() {
    local d=$1 want=$2 re=$3
    shift 3
    usb "$@"
    is "$rc" "$want" "$d: exit $want"
    like "$err" "$re" "$d: says why"
    is "$(lines "$err")/${#out}" "1/0" "$d: one line on stderr, nothing on stdout"
    is "$(sums "${T[@]}" "$S/new.img")/$(tables)" "$before absent/$ntables" "$d: no target changed, none made, no table saved"
}
stop "a loop device without --force" 3 "^dartmk: $L: not a removable disk" "$DVD" "$A" "$S/new.img" "$L" "$S/c.img" --yes --size 64M
stop "the SOURCE's image as a target" 3 "^dartmk: $SAMPLES/dvd.iso: is the SOURCE$" "$SAMPLES/dvd.iso" "$A" "$SAMPLES/dvd.iso" --yes
stop "one too small" 1 "^dartmk: $S/small.img: too small \(16\.0 MiB\): the recovery tree needs a disk of at least" "$DVD" "$A" "$S/c.img" "$S/small.img" --yes
stop "one named twice" 2 "^dartmk: $S/c.img: named twice \(as $S/c.img too\)$" "$DVD" "$S/c.img" "$A" "$S/c.img" --yes
stop "a loop device and its file" 2 "^dartmk: $S/loop.img: named twice \(as $L too\)$" "$DVD" "$L" "$S/loop.img" --yes --force
stop "no terminal, no --yes" 3 "^dartmk: 3 disks would be erased; there is no terminal to ask on: --yes confirms$" "$DVD" "$A" "$L" "$S/c.img" --force
usb "$DVD" "$A" "$B" --backup-table "$S/t.sfdisk" --yes
is "$rc/$(lines "$err")" "2/1" "--backup-table with several disks: usage error, one line"
like "$err" "^dartmk usb: --backup-table names one file: with several disks each table is saved in the state folder" "--backup-table: says why"

# --- one question for every disk: their number typed back --------------------------------------
ask() { # ANSWER: the run under a terminal, its output in $out, exit code in $rc
    out=$(printf '%s\n' "$1" | script -qec "$(printf '%q ' "$DARTMK" usb "$DVD" "$A" "$L" "$S/c.img" --force --progress=none); echo \"exit=\$?\"" /dev/null)
    rc=$(printf '%s\n' "$out" | sed -n 's/^exit=\([0-9]*\).*/\1/p' | tr -d '\r')
}
ask 2
is "$rc" 3 "the wrong number typed back: exit 3"
like "$out" "Everything on the 3 disks above will be erased\. Type how many disks that is to go on: " "the question asks for the number of disks"
like "$out" "^$L: 64\.0 MiB, loop, fixed, on $S/loop.img" "the question describes the loop device"
like "$out" "$S/c.img: an image file of 64\.0 MiB" "the question names each image file"
like "$out" "'2' is not the number of disks \(3\): not confirmed; nothing was written" "the wrong number: says so"
is "$(sums "${T[@]}")/$(tables)" "$before/$ntables" "the wrong number: nothing written, no table saved"
ask "$(basename "$S/c.img")"
is "$rc/$(sums "${T[@]}")" "3/$before" "a disk's name instead of the number: exit 3, nothing written"
ask 3
is "$rc" 0 "the number of disks typed back: exit 0"
like "$out" "$S/c.img +image file +verified" "the number typed back: the sticks are written"
run "$DARTMK" verify "$S/c.img"
is "$rc" 0 "the number typed back: dartmk verify reads the stick back"
is "$(tables)" $((ntables + 2)) "the number typed back: the old tables of the two that had one saved"

# --- one progress line per stick, within the terminal's width ----------------------------------
for cols in 60 80; do
    bar=$(cd "$S" && script -qec "stty cols $cols; $(printf '%q ' "$DARTMK" usb "$DVD" a.img b.img --yes --progress=bar)" /dev/null |
        sed 's/\x1b\[[0-9]*[AK]//g' | tr '\r' '\n' | grep -E '^(a|b)\.img ')
    like "$bar" "^b\.img +100% writing " "$cols columns: a line per stick, its stage named"
    is "$(printf '%s\n' "$bar" | awk -v w="$cols" 'length($0) > w' | wc -l)" 0 "$cols columns: no stick's line is wider"
done

# --- SIGINT mid-run: the images the run made are removed, as for one stick ----------------------
BIG=$S/bigsrc
cp -a "$DVD" "$BIG" && head -c $((48 * MIB)) /dev/urandom >"$BIG/big.bin"
rm -f "$S/n1.img" "$S/n2.img"
"$DARTMK" usb "$BIG" "$S/n1.img" "$S/n2.img" "$S/c.img" --whole-media --size 160M --yes -q </dev/null >/dev/null 2>&1 &
pid=$!
for _ in $(seq 2000); do # until the writing has begun (blocks allocated in a new image)
    [ "$(du -k "$S/n2.img" 2>/dev/null | cut -f1)" -gt 2048 ] 2>/dev/null && break
    kill -0 $pid 2>/dev/null || break
    sleep 0.005
done
kill -INT $pid
wait $pid
st=$?
is "$st" 130 "SIGINT while writing: dartmk dies of it"
is "$( [ -e "$S/n1.img" ] || [ -e "$S/n2.img" ] && echo left || echo removed)" removed "SIGINT: the images the run made are removed"
is "$(find "$TMPDIR" -mindepth 1 | wc -l)" 0 "SIGINT: nothing left in TMPDIR"
is "$(losetup -j "$S/c.img" | wc -l)" 0 "SIGINT: no loop device left over a target"
done_testing
