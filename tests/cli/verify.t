#!/bin/bash
# dartmk verify: a recovery tree against the manifest dartmk wrote at its root — what is missing,
# different or extra; exit 1 on any difference; bad targets.
. "$(dirname "$0")/../lib/tap.sh"
SAMPLES=${SAMPLES:-$TOP/build/samples}
[ -d "$SAMPLES/dvd" ] || make -C "$TOP" -s samples >/dev/null
plan 16
scratch
export TMPDIR=$SCRATCH/tmp
mkdir -p "$TMPDIR"
D=$SCRATCH/dart

"$DARTMK" build "$SAMPLES/dvd" -o "$D" -q
ok $? "a recovery tree built from the DVD sample"
n=$(jq '.files | length' "$D/dartmk-manifest.json")
run "$DARTMK" verify "$D"
is "$rc/$err" "0/" "an untouched tree: exit 0, nothing on stderr"
is "$out" "$D: $n of $n files verified, nothing extra" "an untouched tree: every file verified"
run "$DARTMK" verify "$D" --json
is "$(printf '%s' "$out" | jq -c '[.files, .verified, .ok, (.missing|length), (.different|length), (.extra|length)]')" \
    "[$n,$n,true,0,0,0]" "--json: counts and ok"

# One byte changed in a file of the same size, a file gone, a file added, a size changed.
printf 'X' | dd of="$D/bootmgr" bs=1 seek=100 conv=notrunc status=none
rm "$D/boot/bcd"
echo extra >"$D/notes.txt"
echo more >>"$D/boot/boot.sdi"
run "$DARTMK" verify "$D"
is "$rc" 1 "differences: exit 1"
like "$out" "^missing +boot/bcd$" "a removed file is missing"
like "$out" "^different +bootmgr$" "one byte changed (same size) is different"
like "$out" "^different +boot/boot.sdi$" "a longer file is different"
like "$out" "^extra +notes.txt$" "an added file is extra"
like "$out" "$((n - 3)) of $n files verified$" "the summary counts what still matches"
run "$DARTMK" verify "$D" --json
is "$(printf '%s' "$out" | jq -c '[.ok, .missing, .extra, (.different|sort)]')" \
    '[false,["boot/bcd"],["notes.txt"],["boot/boot.sdi","bootmgr"]]' "--json lists them"

# Bad targets: one line, exit 1 (2 for usage).
run "$DARTMK" verify "$SAMPLES/dvd"
like "$rc/$err" "^1/dartmk: .*: no dartmk-manifest.json at its root" "media dartmk did not write: exit 1, says so"
run "$DARTMK" verify "$SCRATCH/none"
is "$rc/$(printf '%s\n' "$err" | wc -l)" "1/1" "a missing target: exit 1, one line"
echo '{"generator": "dartmk"}' >"$SCRATCH/nolist.json"
mkdir -p "$SCRATCH/nolist" && cp "$SCRATCH/nolist.json" "$SCRATCH/nolist/dartmk-manifest.json"
run "$DARTMK" verify "$SCRATCH/nolist"
like "$rc/$err" "^1/dartmk: .*has no list of files$" "a manifest without a file list: exit 1"
run "$DARTMK" verify
is "$rc" 2 "no TARGET: usage error"
run "$DARTMK" verify "$D" "$D"
is "$rc" 2 "two TARGETs: usage error"

done_testing
