#!/bin/bash
# dartmk partition, an update cut short (issue 15): a recovery partition dartmk made is updated
# (the second run on a disk: action "update") and the run is killed as by kill -9 at a byte of its
# writes to the disk (tests/tools/preload/failwrite.c: FAILWRITE_KILL, after FAILWRITE_AFTER
# bytes), on a seeded, logged schedule. At every such point the partition must be one of:
#   old     dartmk verify --partition N passes and the manifest is the old run's;
#   new     the same with the new run's manifest;
#   marked  dartmk's incomplete-update mark in its boot sector (OEM name DARTINCO, boot code
#           int 18h: BIOS is handed on, the half-written image is not started), and dartmk verify
#           and --dry-run say "holds an incomplete update: run dartmk partition again".
# Then a run without the shim must complete it: exit 0, the same partition (number, start, size,
# GUID), verify passes with the new manifest. Four disks: GPT and MBR (menu), each updated in
# place (room for both trees) and by a rewrite (no room for both).
#   DARTMK_TRIALS   trials (default 32; `make stress` runs more)
#   DARTMK_SEED     the schedule's seed (default 15; printed, so that a failure can be replayed)
# shellcheck source=tests/lib/tap.sh disable=SC2154  # run() sets rc, out, err
. "$(dirname "$0")/../lib/tap.sh"
# shellcheck source=tests/lib/disks.sh
. "$TOP/tests/lib/disks.sh"
SAMPLES=${SAMPLES:-$TOP/build/samples}
TOOLS=${TOOLS:-$TOP/build/tests/tools}
SHIM=$TOOLS/failwrite.so
TRIALS=${DARTMK_TRIALS:-32}
SEED=${DARTMK_SEED:-15}
[ -f "$SAMPLES/dvd/bootmgr" ] || make -C "$TOP" -s samples >/dev/null || missing_prerequisite "no samples (make samples)"
[ -f "$FIXTURES/os.vbr" ] || make -C "$TOP" -s fixtures >/dev/null || missing_prerequisite "no fixtures (make fixtures)"
[ -f "$SHIM" ] || make -C "$TOP" -s "${SHIM#"$TOP"/}" >&2
for t in sfdisk fsck.fat mcopy jq sha256sum; do
    command -v $t >/dev/null || missing_prerequisite "$t is installed (scripts/install-deps.sh)"
done
SCENARIOS="gpt-inplace mbr-inplace gpt-rewrite mbr-rewrite"
plan $((4 * 7 + 2 * TRIALS))
# shellcheck source=tests/lib/writers.sh
. "$TOP/tests/lib/writers.sh"
writers_scratch
export SOURCE_DATE_EPOCH=1700000000 # the manifests of two runs from one source are the same
ASAN=ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
diag "seed $SEED, $TRIALS trials (DARTMK_SEED=$SEED DARTMK_TRIALS=$TRIALS replays them)"

j() { printf '%s' "$out" | jq -r "$1" 2>/dev/null; }
# The big trees: the samples and 20 MiB of random bytes each (in boot/: a recovery tree holds the
# media's Windows PE files only), so that the 40 MiB volume cannot
# hold the old tree and the new one at once.
cp -r "$SAMPLES/dvd" "$S/bigA" && cp -r "$SAMPLES/adk" "$S/bigB" &&
    head -c 20M /dev/urandom >"$S/bigA/boot/extra.bin" && head -c 20M /dev/urandom >"$S/bigB/Boot/extra.bin" ||
    missing_prerequisite "the big trees could not be made"
part_no() { case $1 in gpt*) echo 4 ;; *) echo 3 ;; esac; }
old_src() { case $1 in *inplace) echo "$SAMPLES/dvd" ;; *) echo "$S/bigA" ;; esac; }
new_src() { case $1 in *inplace) echo "$SAMPLES/adk" ;; *) echo "$S/bigB" ;; esac; }
# entry IMG N: partition N's line of sfdisk --dump (start, size, type, GUID, name, attrs, active).
entry() { sfdisk --dump "$1" 2>/dev/null | grep -E "^[^ ]*[^0-9]$2 :" | sed -E 's/^[^ ]+ : //'; }
off() { sfdisk --json "$1" 2>/dev/null | jq -r ".partitiontable.partitions[] | select(.node | test(\"[^0-9]$2\$\")) | .start * 512"; }
manifest_sha() { mcopy -n -i "$1@@$(off "$1" "$2")" ::/dartmk-manifest.json - 2>/dev/null | sha256sum | cut -d' ' -f1; }

# --- the four disks, their old image, and what a complete update writes ---------------------------
declare -A OLD NEW BYTES ENTRY MODE
for sc in $SCENARIOS; do
    B=$S/$sc.img N=$(part_no "$sc")
    case $sc in gpt*) disk_gpt_windows "$B" ;; *) disk_mbr_windows "$B" ;; esac
    run "$DARTMK" partition "$(old_src "$sc")" "$B" --yes --json --size 40M </dev/null
    is "$rc/$(j .action)/$(j .partition.number)" "0/create/$N" "$sc: the first run makes partition $N (40 MiB)"
    OLD[$sc]=$(j .sha256) ENTRY[$sc]=$(entry "$B" "$N")
    is "$(manifest_sha "$B" "$N")" "${OLD[$sc]}" "$sc: the old image's manifest is the one the run printed"
    run "$DARTMK" partition "$(new_src "$sc")" "$B" --dry-run --json </dev/null
    MODE[$sc]=$(j .update)
    is "$rc/$(j .action)/${MODE[$sc]}/$(j .incomplete)" "0/update/$([ "${sc#*-}" = inplace ] && echo in-place || echo rewrite)/false" \
        "$sc: --dry-run --json: action update, update ${MODE[$sc]}, not incomplete"
    run "$DARTMK" partition "$(new_src "$sc")" "$B" --dry-run </dev/null
    like "$out" "^update: $([ "${MODE[$sc]}" = in-place ] && echo 'in place, the old image kept until the switch' || echo 'rewrite, the partition marked incomplete while it is written')\$" \
        "$sc: --dry-run says how the update will be written"
    cp --sparse=always "$B" "$S/ref.img"
    rm -f "$S/count"
    run env "$ASAN" LD_PRELOAD="$SHIM" FAILWRITE_PREFIX="$S/ref.img" FAILWRITE_AFTER=999999999999 FAILWRITE_KILL=dartmk \
        FAILWRITE_REPORT="$S/count" "$DARTMK" partition "$(new_src "$sc")" "$S/ref.img" --yes --json </dev/null
    NEW[$sc]=$(j .sha256) BYTES[$sc]=$(cat "$S/count" 2>/dev/null)
    is "$rc/$(j .action)/$(j .update)" "0/update/${MODE[$sc]}" "$sc: a complete update under the shim (it writes ${BYTES[$sc]} bytes to the disk)"
    run "$DARTMK" verify "$S/ref.img" --partition "$N"
    is "$rc/$(manifest_sha "$S/ref.img" "$N")/$(entry "$S/ref.img" "$N")" "0/${NEW[$sc]}/${ENTRY[$sc]}" \
        "$sc: after it, verify passes, the new manifest, the same partition entry"
    [ "${NEW[$sc]}" != "${OLD[$sc]}" ] && [ "${BYTES[$sc]:-0}" -gt 0 ]
    ok $? "$sc: the old and the new manifests differ"
done

# --- the trials -------------------------------------------------------------------------------------
# state IMG N SC: old, new, marked, or what is wrong.
state() {
    local img=$1 n=$2 sc=$3 at oem code
    at=$(off "$img" "$n")
    oem=$(dd if="$img" bs=1 skip=$((at + 3)) count=8 status=none)
    if [ "$oem" = DARTINCO ]; then
        code=$(od -An -tx1 -j $((at + 90)) -N2 "$img" | tr -d ' ')
        run "$DARTMK" verify "$img" --partition "$n"
        local v="$rc $err"
        run "$DARTMK" partition "$(new_src "$sc")" "$img" --dry-run </dev/null
        if [ "$code" = cd18 ] && [[ $v == "1 "*"holds an incomplete update: run dartmk partition again"* ]] &&
            [[ $out == *"holds an incomplete update: run dartmk partition again"* ]]; then
            echo marked
        else echo "marked, but: boot code $code, verify '$v', --dry-run '$(printf '%s' "$out" | grep -i incomplete)'"; fi
        return
    fi
    run "$DARTMK" verify "$img" --partition "$n"
    if [ "$rc" != 0 ]; then echo "neither: unmarked (OEM '$oem') and verify fails: $err"; return; fi
    case $(manifest_sha "$img" "$n") in
    "${OLD[$sc]}") echo old ;;
    "${NEW[$sc]}") echo new ;;
    *) echo "neither: verify passes against a manifest that is neither" ;;
    esac
}
RANDOM=$SEED
declare -A SEEN
for i in $(seq "$TRIALS"); do
    set -- $SCENARIOS
    shift $(((i - 1) % 4))
    sc=$1 N=$(part_no "$sc") T=${BYTES[$1]:-1}
    r=$(((RANDOM << 15 | RANDOM) % T))
    case $((i % 3)) in # anywhere; in the first MiB (marks, FATs); in the last MiB (switch, table)
    0) at=$((r + 1)) ;;
    1) at=$((r % (T < 1048576 ? T : 1048576) + 1)) ;;
    2) at=$((T - r % (T < 1048576 ? T : 1048576))) ;;
    esac
    I=$S/trial.img
    cp --sparse=always "$S/$sc.img" "$I"
    # (through bash -c: the "Killed" line is its own, on a stderr that goes nowhere)
    bash -c '"$@"; exit $?' - env "$ASAN" LD_PRELOAD="$SHIM" FAILWRITE_PREFIX="$I" FAILWRITE_AFTER="$at" FAILWRITE_KILL=dartmk \
        "$DARTMK" partition "$(new_src "$sc")" "$I" --yes -q </dev/null >/dev/null 2>&1
    st=$?
    s=$(state "$I" "$N" "$sc")
    SEEN[$sc ${s%%,*}]=1
    diag "trial $i: $sc, killed at byte $at of ${BYTES[$sc]} (exit $st): $s"
    like "$s" '^(old|new|marked)$' "trial $i ($sc, kill -9 at byte $at of ${BYTES[$sc]}): the partition is the old image, the new one, or marked incomplete ($s)"
    run "$DARTMK" partition "$(new_src "$sc")" "$I" --yes --json </dev/null
    a="$rc/$(j .action)/$(j .partition.number)/$(entry "$I" "$N")"
    run "$DARTMK" verify "$I" --partition "$N"
    a="$a/$rc/$(manifest_sha "$I" "$N")"
    if [ $((i % 8)) = 0 ] && [ "$rc" = 0 ]; then # now and then fsck.fat too
        dd if="$I" of="$S/p.img" bs=1M iflag=skip_bytes skip="$(off "$I" "$N")" count=40 conv=sparse status=none
        fsck.fat -n "$S/p.img" >/dev/null 2>&1 || a="$a/fsck.fat fails"
    fi
    is "$a" "0/update/$N/${ENTRY[$sc]}/0/${NEW[$sc]}" "trial $i: the next run completes it (the same partition; verify passes, the new manifest)"
done
diag "states seen: $(printf '%s\n' "${!SEEN[@]}" | sort | tr '\n' ';')"

done_testing
