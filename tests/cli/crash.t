#!/bin/bash
# Crash trials (issue 16): dartmk killed as by kill -9 at seeded, logged random moments of
# `usb`, `partition` (a new recovery partition, and an update of one), and `pxe --update`. The
# moments are drawn over the measured length of an uninterrupted run of each scenario (the
# median of three), so kills land in every stage; the stage is the last thing the run said on
# its --progress=json stderr. After each kill:
#   usb        the image's partition table is the old one, the new one, or the saved backup
#              (the killed run's, under $XDG_STATE_HOME) puts the old one back (sfdisk); the
#              stick is the old one (verify passes, the old manifest), the new one, or incomplete
#              (verify fails: unusable until written again, as the README says)
#   partition  (new and update) every other partition byte for byte as before (sparse 64 GiB
#              disks: the byte ranges of the other partitions, holes skipped); the table the old
#              one or the new one and then `dartmk partition --restore-table` with the saved
#              file brings back the old table and every byte outside the new partition; the
#              recovery partition intact-old, complete-new (verify passes, its manifest), or
#              marked incomplete (OEM name DARTINCO, src/target/partition.c); an update keeps
#              the table as it was
#   pxe        a TFTP-like reader (tests/lib/crash.py reader) reading every file the old and new
#              manifests list, in a loop, during the killed --update and the rerun, never gets a
#              file that is neither the whole old nor the whole new version; after the kill every
#              file is one of the two
# and then the same command run again must succeed, and verify pass with the new manifest.
# Disks: 64 GiB MBR and GPT images (tests/lib/bigdisks.sh) whose Windows partition holds an
# ext4 file system with files (and random MiBs at its end), recovery partitions past 4 GiB
# (syslinux's installer through a loop device); 256 MiB stick images (GPT to MBR, MBR to GPT).
#   DARTMK_TRIALS   trials per command (default 10; `make stress` runs more)
#   DARTMK_SEED     the seed (default 16; printed, with each trial's kill moment, so that a
#                   failure can be replayed: STRESS_SEED=... make stress, or DARTMK_SEED=...
#                   DARTMK_CRASH=COMMAND for one command)
#   DARTMK_CRASH    the commands to try (default "usb partition-new partition-update pxe-update")
# Each command ends with a summary line: trials, kill stages, outcomes, reruns.
# shellcheck source=tests/lib/tap.sh disable=SC2154  # run() sets rc, out, err
. "$(dirname "$0")/../lib/tap.sh"
# shellcheck source=tests/lib/disks.sh
. "$TOP/tests/lib/disks.sh"
# shellcheck source=tests/lib/bigdisks.sh
. "$TOP/tests/lib/bigdisks.sh"
SAMPLES=${SAMPLES:-$TOP/build/samples}
CRASH=$TOP/tests/lib/crash.py
TRIALS=${DARTMK_TRIALS:-10}
SEED=${DARTMK_SEED:-16}
COMMANDS=${DARTMK_CRASH:-usb partition-new partition-update pxe-update}
OLDSRC=$SAMPLES/dvd NEWSRC=$SAMPLES/install
[ -f "$SAMPLES/dvd/bootmgr" ] && [ -d "$SAMPLES/install" ] || make -C "$TOP" -s samples >/dev/null ||
    missing_prerequisite "no samples (make samples)"
[ -f "$FIXTURES/os.vbr" ] || make -C "$TOP" -s fixtures >/dev/null || missing_prerequisite "no fixtures (make fixtures)"
for t in sfdisk mcopy mkfs.ext4 jq python3 sha256sum losetup; do
    command -v $t >/dev/null || missing_prerequisite "$t is installed (scripts/install-deps.sh)"
done
# shellcheck source=tests/lib/writers.sh
. "$TOP/tests/lib/writers.sh"
writers_scratch
export SOURCE_DATE_EPOCH=1700000000 # the manifests of two runs from one source are the same

# Tests: per scenario 3 (set-up; 4 for a disk), per trial 3 (usb) or 4, per pxe command 1 more.
n=0
for c in $COMMANDS; do
    case $c in
    usb) n=$((n + 2 * 3 + 3 * TRIALS)) ;;
    partition-new | partition-update) n=$((n + 2 * 4 + 4 * TRIALS)) ;;
    pxe-update) n=$((n + 3 + 4 * TRIALS + 1)) ;;
    *) missing_prerequisite "DARTMK_CRASH: no command $c (usb partition-new partition-update pxe-update)" ;;
    esac
done
plan $n
diag "seed $SEED, $TRIALS trials per command: $COMMANDS (DARTMK_SEED=$SEED DARTMK_TRIALS=$TRIALS replays them)"

j() { printf '%s' "$out" | jq -r "$1" 2>/dev/null; }
off() { sfdisk --json "$1" 2>/dev/null | jq -r ".partitiontable.partitions[] | select(.node | test(\"[^0-9]$2\$\")) | .start * 512"; }
# The manifest's SHA-256 as it is in partition N (none: no such partition or file).
manifest_sha() {
    local at
    at=$(off "$1" "$2")
    [ -n "$at" ] || { echo none; return; }
    mcopy -n -i "$1@@$at" ::/dartmk-manifest.json - 2>/dev/null | sha256sum | cut -d' ' -f1
}
# The table as sfdisk dumps it, partitions by number (copies of an image compare equal); none.
dump() {
    sfdisk --dump "$1" 2>/dev/null | grep -v '^device:' | sed -E 's/^[^ ]*[^0-9]([0-9]+) :/\1 :/' | grep . || echo none
}
# The same without what a new table draws at random: GPT GUIDs (the disk's and every
# partition's for a stick; partition N's for a recovery partition) and an MBR's disk signature.
norm() { # DUMP [N]
    if [ -n "${2:-}" ]; then printf '%s\n' "$1" | sed -E "/^$2 :/s/, uuid=[^,]*//"; else
        printf '%s\n' "$1" | grep -v '^label-id:' | sed -E 's/, uuid=[^,]*//'
    fi
}
sha() { sha256sum "$1" | cut -d' ' -f1; }
# The sector range START:COUNT of partition N.
range() { disk_parts "$1" | awk -v n="$2" '$1 == n { print $2 ":" $3 }'; }
verify_rc() { "$DARTMK" verify "$@" >/dev/null 2>&1; echo $?; }
is_marked() { [ "$(dd if="$1" bs=1 skip=$(($(off "$1" "$2") + 3)) count=8 status=none 2>/dev/null)" = DARTINCO ]; }

# --- the scenarios ----------------------------------------------------------------------------------
# Per scenario: BASE (the image or tree before), N (the recovery partition), KEEP (the other
# partitions), OLDDUMP/NEWDUMP (tables), OLDSHA/NEWSHA (manifests), NEWRANGE (partition N after a
# complete run), TIME (us, an uninterrupted run's median), and argv_for SC TARGET sets ARGV.
declare -A BASE N KEEP OLDDUMP NEWDUMP OLDSHA NEWSHA NEWRANGE TIME SCENARIOS
SCENARIOS[usb]="usb-gpt2mbr usb-mbr2gpt"
SCENARIOS[partition-new]="new-mbr64 new-gpt64"
SCENARIOS[partition-update]="upd-mbr64 upd-gpt64"
SCENARIOS[pxe-update]="pxe"
argv_for() {
    case $1 in
    usb-gpt2mbr) ARGV=("$DARTMK" usb "$NEWSRC" "$2" --yes) ;;
    usb-mbr2gpt) ARGV=("$DARTMK" usb "$NEWSRC" "$2" --yes --scheme gpt) ;;
    new-* | upd-*) ARGV=("$DARTMK" partition "$NEWSRC" "$2" --yes) ;;
    pxe) ARGV=("$DARTMK" pxe "$NEWSRC" -o "$2" --update) ;;
    esac
}
# A 64 GiB disk like a Windows install whose Windows partition (2 on MBR, 3 on GPT) starts with
# an ext4 file system holding the sample DVD's files.
windows64() { # OUT mbr|gpt
    local p=2 at
    if [ "$2" = mbr ]; then bigdisk_mbr "$1" 64G 60000 || return 1; else bigdisk_gpt "$1" 64G 60000 || return 1; p=3; fi
    at=$(off "$1" $p)
    _disk_do mkfs.ext4 -q -F -d "$SAMPLES/dvd" -E offset="$at" "$1" 1G
}
# A copy of SC's starting point at $2 (images sparse).
fresh() {
    rm -rf "$2"
    case $1 in pxe) cp -a "${BASE[$1]}" "$2" ;; *) cp --sparse=always "${BASE[$1]}" "$2" ;; esac
}
target_of() { case $1 in pxe) echo "$S/tree" ;; *) echo "$S/trial.img" ;; esac; }
# The manifest SHA-256 of what $2 holds now: stick partition 1, recovery partition N, tree's file.
now_sha() {
    case $1 in
    usb-*) manifest_sha "$2" 1 ;;
    pxe) if [ -f "$2/dartmk-manifest.json" ]; then sha "$2/dartmk-manifest.json"; else echo none; fi ;;
    *) manifest_sha "$2" "${N[$1]}" ;;
    esac
}
verify_target() { # SC TARGET: verify's exit code
    case $1 in usb-* | pxe) verify_rc "$2" ;; *) verify_rc "$2" --partition "${N[$1]}" ;; esac
}

setup() { # SC: the starting point, the reference run, its length
    local sc=$1 B=$S/$1.base I t times=() what r el st
    case $sc in
    usb-gpt2mbr | usb-mbr2gpt)
        local from=gpt
        [ "$sc" = usb-mbr2gpt ] && from=mbr
        run "$DARTMK" usb "$OLDSRC" "$B" --size 256M --scheme $from --yes -q
        is "$rc" 0 "$sc: the old stick ($from, 256 MiB, from the DVD sample)"
        N[$sc]=1 KEEP[$sc]=""
        ;;
    new-* | upd-*)
        local scheme=${sc#*-}
        scheme=${scheme%64}
        windows64 "$B" "$scheme"
        ok $? "$sc: a 64 GiB $scheme disk with Windows (ext4 and random bytes)"
        N[$sc]=$([ "$scheme" = mbr ] && echo 3 || echo 4) KEEP[$sc]=$([ "$scheme" = mbr ] && echo "1 2" || echo "1 2 3")
        if [ "${sc%%-*}" = upd ]; then
            run "$DARTMK" partition "$OLDSRC" "$B" --yes --json
            is "$rc/$(j .action)/$(j .partition.number)" "0/create/${N[$sc]}" "$sc: the old recovery partition (${N[$sc]}, from the DVD sample)"
        else pass "$sc: no recovery partition yet"; fi
        ;;
    pxe)
        run "$DARTMK" pxe "$OLDSRC" -o "$B" -q
        is "$rc" 0 "pxe: the old tree (from the DVD sample)"
        ;;
    esac
    BASE[$sc]=$B OLDDUMP[$sc]=$([ "$sc" = pxe ] || dump "$B") OLDSHA[$sc]=$(now_sha "$sc" "$B")
    I=$(target_of "$sc")
    if [ "$sc" = pxe ]; then # the new tree's manifest, for the reader of the measured runs
        fresh "$sc" "$I"
        argv_for "$sc" "$I"
        "${ARGV[@]}" -q && cp "$I/dartmk-manifest.json" "$S/new-manifest.json"
    fi
    for t in 1 2 3; do
        fresh "$sc" "$I"
        argv_for "$sc" "$I"
        [ "$sc" != pxe ] || reader_start "$I"
        read -r what r el st < <(python3 "$CRASH" kill 600000000 "$S/log" "${ARGV[@]}" --progress=json)
        [ "$sc" != pxe ] || reader_stop
        times+=("$el")
        [ "$what/$r" = finished/0 ] || break
    done
    TIME[$sc]=$(printf '%s\n' "${times[@]}" | sort -n | sed -n 2p)
    NEWSHA[$sc]=$(now_sha "$sc" "$I")
    if [ "$sc" != pxe ]; then NEWDUMP[$sc]=$(dump "$I") NEWRANGE[$sc]=$(range "$I" "${N[$sc]}"); fi
    is "$what/$r/$(verify_target "$sc" "$I")" "finished/0/0" \
        "$sc: three uninterrupted runs (the median ${TIME[$sc]:-?} us), verify passes after them"
    [ -n "${TIME[$sc]}" ] && [ "${NEWSHA[$sc]}" != "${OLDSHA[$sc]}" ] && [ "${NEWSHA[$sc]}" != none ]
    ok $? "$sc: the old and the new manifests differ"
}

# The reader of the tree (tests/lib/crash.py reader) in the background, and its end.
reader_start() { # TREE
    rm -f "$S/ready" "$S/stop" "$S/reads"
    python3 "$CRASH" reader "$1" "$S/ready" "$S/stop" "$S/reads" "${BASE[pxe]}/dartmk-manifest.json" "$S/new-manifest.json" &
    READER=$!
    PIDS+=("$READER")
    for _ in $(seq 500); do [ -f "$S/ready" ] && break; sleep 0.01; done
}
reader_stop() { touch "$S/stop" && wait "$READER"; }

# --- one trial ---------------------------------------------------------------------------------------
# TRIAL_BAD is set when one of the trial's tests fails (its replay line is printed then).
check() { # GOT EXPECTED-REGEX DESCRIPTION
    like "$1" "$2" "$3" || true
    printf '%s\n' "$1" | grep -Eq -- "$2" || TRIAL_BAD=1
}
saved_table() { ls "$XDG_STATE_HOME"/dartmk/tables/*.sfdisk 2>/dev/null | head -1; }
# The table after the kill: old, new, or restorable (the saved file puts the old one back).
table_state() { # SC IMG
    local sc=$1 I=$2 d b R=$S/restore.img
    d=$(dump "$I")
    if [ "$d" = "${OLDDUMP[$sc]}" ]; then echo old; return; fi
    case $sc in
    usb-*) [ "$(norm "$d")" = "$(norm "${NEWDUMP[$sc]}")" ] && d=new ;;
    new-*) [ "$(norm "$d" "${N[$sc]}")" = "$(norm "${NEWDUMP[$sc]}" "${N[$sc]}")" ] && d=new ;;
    *) d="changed" ;; # an update keeps the table
    esac
    [ "$d" = new ] || d=damaged
    b=$(saved_table)
    [ -n "$b" ] || { echo "$d, and no saved table"; return; }
    cp --sparse=always "$I" "$R"
    case $sc in
    usb-*) sfdisk --no-reread --no-tell-kernel -q "$R" <"$b" >/dev/null 2>&1 ;;
    *) "$DARTMK" partition --restore-table "$b" "$R" --yes >/dev/null 2>&1 ;;
    esac
    local st=$?
    if [ $st != 0 ] || [ "$(dump "$R")" != "${OLDDUMP[$sc]}" ]; then echo "$d, and the saved table does not put it back (exit $st)"; return; fi
    # Past the new partition, the restored disk is the old one byte for byte.
    if [ "${sc%%-*}" = new ] && ! disk_same_except "${BASE[$sc]}" "$R" "${NEWRANGE[$sc]}" 2>/dev/null; then
        echo "$d, restored, but bytes outside the new partition differ"
        return
    fi
    echo "$d (restorable)"
}
# The recovery partition or stick after the kill: old, new, incomplete (marked or, on a stick,
# unusable) or what is wrong.
contents_state() { # SC IMG TABLE-STATE
    local sc=$1 I=$2 ts=$3 v m
    if [ "${sc%%-*}" = new ] && [ "${ts%% *}" = old ]; then echo old; return; fi # no partition yet
    if [ "${sc%%-*}" != usb ] && is_marked "$I" "${N[$sc]}"; then
        v=$("$DARTMK" verify "$I" --partition "${N[$sc]}" 2>&1 >/dev/null)
        [[ $v == *"holds an incomplete update: run dartmk partition again"* ]] && echo incomplete ||
            echo "marked, but verify says '$v'"
        return
    fi
    v=$(verify_target "$sc" "$I") m=$(now_sha "$sc" "$I")
    if [ "$v" != 0 ]; then
        case $sc in
        usb-*) echo incomplete ;;                                        # rewritten by the next run
        pxe) echo mixed ;;                                               # whole files of both trees
        *) echo "neither: unmarked and verify fails" ;;
        esac
        return
    fi
    case $m in
    "${OLDSHA[$sc]}") echo old ;;
    "${NEWSHA[$sc]}") echo new ;;
    *) echo "neither: verify passes against a manifest that is neither" ;;
    esac
}

trial() { # CMD SC I DELAY PPM
    local c=$1 sc=$2 i=$3 d=$4 ppm=$5 I what r el st ts cs rr=""
    I=$(target_of "$sc")
    TRIAL_BAD=0
    fresh "$sc" "$I"
    rm -rf "$XDG_STATE_HOME/dartmk" "$S/ready" "$S/stop" "$S/reads"
    argv_for "$sc" "$I"
    [ "$sc" != pxe ] || reader_start "$I"
    read -r what r el st < <(python3 "$CRASH" kill "$d" "$S/log" "${ARGV[@]}" --progress=json)
    [ "$what" = killed ] || st=finished
    local label="$c trial $i ($sc, kill -9 at $d us = $ppm ppm of ${TIME[$sc]} us, stage $st)"
    if [ "$sc" = pxe ]; then
        touch "$S/once"
        python3 "$CRASH" reader "$I" "$S/ready1" "$S/once" "$S/after" "${BASE[$sc]}/dartmk-manifest.json" "$S/new-manifest.json"
        ts=$(head -1 "$S/after" | awk '{ print $10 }')
        [ "$ts" = 0 ] && ts="every file whole" || ts="$(sed -n 2p "$S/after")"
        check "$ts" '^every file whole$' "$label: every file of the tree is the whole old or new version ($ts)"
    else
        if [ "$c" != usb ]; then
            parts_same "${BASE[$sc]}" "$I" ${KEEP[$sc]} 2>/dev/null
            check "$?" '^0$' "$label: partitions ${KEEP[$sc]} byte for byte as they were"
        fi
        ts=$(table_state "$sc" "$I")
        case $c in
        partition-update) check "$ts" '^old$' "$label: the table as it was ($ts)" ;;
        *) check "$ts" '^(old|(new|damaged) \(restorable\))$' "$label: the table is the old one, or the saved one puts it back ($ts)" ;;
        esac
    fi
    cs=$(contents_state "$sc" "$I" "$ts")
    case $c in
    usb) check "$cs" '^(old|new|incomplete)$' "$label: the stick is the old one, the new one or incomplete ($cs)" ;;
    pxe-update) check "$cs" '^(old|new|mixed)$' "$label: the tree is the old one, the new one or a mix of their whole files ($cs)" ;;
    *) check "$cs" '^(old|new|incomplete)$' "$label: the recovery partition is old, new or marked incomplete ($cs)" ;;
    esac
    # The rerun: it must succeed, and verify pass with the new manifest. (Nothing may be left
    # attached to the image: the loop device for syslinux's installer goes with its holders.)
    local loops
    loops=$([ "$sc" = pxe ] || losetup -j "$I" 2>/dev/null | cut -d: -f1 | tr '\n' ' ')
    argv_for "$sc" "$I"
    run "${ARGV[@]}" -q
    rr="$rc/$(verify_target "$sc" "$I")/$(now_sha "$sc" "$I")${loops:+/loop devices left attached: $loops}"
    case $c in
    usb) [ "$(norm "$(dump "$I")")" = "$(norm "${NEWDUMP[$sc]}")" ] || rr="$rr/not the new table" ;;
    partition-*)
        [ "$(range "$I" "${N[$sc]}")" = "${NEWRANGE[$sc]}" ] || rr="$rr/partition ${N[$sc]} at $(range "$I" "${N[$sc]}")"
        parts_same "${BASE[$sc]}" "$I" ${KEEP[$sc]} 2>/dev/null || rr="$rr/the other partitions changed"
        ;;
    esac
    if [ "$sc" = pxe ]; then
        reader_stop
        local reads
        reads=$(cat "$S/reads" 2>/dev/null)
        READS[$c]="${READS[$c]:-0 0 0 0} $(head -1 <<<"$reads" | awk '{ print $2, $4, $6, $8 }')"
        check "$(head -1 <<<"$reads" | awk '{ print $10 }')" '^0$' "$label: the reader got whole files only, during the kill and the rerun (${reads%%$'\n'*})"
        [ "$(head -1 <<<"$reads" | awk '{ print $10 }')" = 0 ] || diag "$(tail -n +2 <<<"$reads" | head -5)"
    fi
    check "$rr" "^0/0/${NEWSHA[$sc]}$" "$label: the rerun succeeds, verify passes with the new manifest"
    [ "$rr" = "0/0/${NEWSHA[$sc]}" ] && rr=ok || rr="failed: $rr ($err)"
    diag "$c trial $i: $sc, kill at $d us ($ppm ppm; $what $r after $el us), stage $st: $([ "$sc" = pxe ] && echo files || echo table) ${ts%% (*}, contents $cs, rerun $rr"
    [ "$TRIAL_BAD" = 0 ] || diag "REPLAY: DARTMK_SEED=$SEED DARTMK_CRASH=$c (trial $i, kill at $ppm ppm = $d us), or STRESS_SEED=$SEED make stress"
    STAGES[$c]+=" $st" OUTCOMES[$c]+=" ${cs// /_}"
    [ "$sc" = pxe ] || TABLES[$c]+=" ${ts%% (*}"
    [ "$rr" = ok ] && RERUNS[$c]=$((${RERUNS[$c]:-0} + 1))
}

counts() { printf '%s\n' $1 | sort | uniq -c | awk '{ printf "%s%s %d", (NR > 1 ? ", " : ""), $2, $1 }'; }

declare -A STAGES OUTCOMES TABLES RERUNS READS
k=0
for c in $COMMANDS; do
    k=$((k + 1))
    for sc in ${SCENARIOS[$c]}; do setup "$sc"; done
    RANDOM=$((SEED * 8 + k)) # each command its own schedule: one can be replayed alone
    read -ra scs <<<"${SCENARIOS[$c]}"
    for i in $(seq "$TRIALS"); do
        sc=${scs[$(((i - 1) % ${#scs[@]}))]}
        ppm=$(((RANDOM << 15 | RANDOM) % 1000000))
        d=$((${TIME[$sc]:-100000} * ppm / 1000000))
        trial "$c" "$sc" "$i" "$d" "$ppm"
    done
    diag "SUMMARY $c: $TRIALS trials; killed at: $(counts "${STAGES[$c]}");${TABLES[$c]:+ tables: $(counts "${TABLES[$c]}");} outcomes: $(counts "${OUTCOMES[$c]}"); reruns ok $((${RERUNS[$c]:-0})) of $TRIALS"
    if [ "$c" = pxe-update ]; then
        read -r p rd nw od <<<"$(printf '%s\n' "${READS[$c]}" | awk '{ for (i = 1; i <= NF; i += 4) { p += $i; r += $(i+1); n += $(i+2); o += $(i+3) } } END { print p, r, n, o }')"
        diag "SUMMARY $c reader: $p passes, $rd files read during the updates ($od old and $nw new versions of files that change), no partial file"
        [ "${rd:-0}" -gt 0 ] && [ "${nw:-0}" -gt 0 ] && [ "${od:-0}" -gt 0 ]
        ok $? "$c: the readers read files during the updates, old and new versions of them ($rd reads)"
    fi
done

done_testing
