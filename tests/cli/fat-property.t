#!/bin/bash
# Property test of the FAT writer: for random trees (tests/tools/randtree: names, sizes, depths)
# and random volume shapes (FAT12/16/32, cluster sizes, tight or roomy regions),
#   tree → mkfat → fsck.fat -n clean → mcopy -s out → diff -r equal.
# The generator makes legal trees only (names FAT accepts, no case-insensitive collisions, paths
# within FAT's limit); the refusals of illegal ones are tested one by one in fat.t and fuzzed.
#
#   FAT_PROPERTY_SEED=N     replay one seed (printed as a diagnostic for every case)
#   FAT_PROPERTY_RUNS=N     N random seeds instead of the fixed list
# shellcheck source=tests/lib/tap.sh disable=SC2154  # run() sets rc, out, err
. "$(dirname "$0")/../lib/tap.sh"
# shellcheck source=tests/lib/fat.sh
. "$(dirname "$0")/../lib/fat.sh"

need_mkfat
for t in fsck.fat mcopy perl; do
    command -v "$t" >/dev/null || missing_prerequisite "$t is missing (make deps)"
done
RANDTREE=$TOP/tests/tools/randtree

if [ -n "${FAT_PROPERTY_SEED:-}" ]; then
    seeds=("$FAT_PROPERTY_SEED")
elif [ -n "${FAT_PROPERTY_RUNS:-}" ]; then
    seeds=()
    base=$(($(date +%s) % 100000 * 1000))
    for ((i = 0; i < FAT_PROPERTY_RUNS; i++)); do seeds+=($((base + i))); done
else
    seeds=(3 4 5 7 11 19 23 42 1000 31337)
fi

plan $((${#seeds[@]} * 3))
scratch
export SOURCE_DATE_EPOCH=1700000000

# shape SEED TREE-BYTES: the volume for a seed — sets type, cluster (empty: the default), size
# (empty: mkfat --min-size) from a small generator of its own, so the tree does not change it.
shape() {
    local r=$1 need=$2 c
    rnd() { r=$(((r * 1103515245 + 12345) % 2147483648)) R=$((r / 65536 % $1)); }
    local types=(12 16 32)
    rnd 3 && type=${types[R]}
    cluster='' size=''
    rnd 3
    case $R in
    0) return ;; # the smallest volume mkfat says holds the tree
    1) ;;        # the default cluster size for a roomy volume
    2) rnd 7 && cluster=$((512 << R)) ;;
    esac
    # Room: the data with every file and directory rounded up to the largest cluster, twice.
    local room=$((2 * need + 4 * 1024 * 1024))
    case $type in
    12)
        c=${cluster:-512}
        while [ $((4000 * c)) -lt "$room" ] && [ "$c" -lt 32768 ]; do c=$((c * 2)); done
        [ -n "$cluster" ] && cluster=$c
        size=$((room > 4000 * c ? 4000 * c : room))
        ;;
    16)
        c=${cluster:-2048}
        while [ $((65000 * c)) -lt "$room" ]; do c=$((c * 2)); done
        [ -n "$cluster" ] && cluster=$c
        size=$((room > 4200 * c ? room : 4200 * c))
        size=$((size > 65000 * c ? 65000 * c : size))
        ;;
    32)
        c=${cluster:-512}
        size=$((room > 67500 * c + 1048576 ? room : 67500 * c + 1048576))
        [ -z "$cluster" ] && rnd 300 && size=$((size + R * 1024 * 1024))
        ;;
    esac
    size=$((size / 512 * 512))
}

kept=''
for seed in "${seeds[@]}"; do
    failed_before=$_tap_failed
    tree=$SCRATCH/tree.$seed img=$SCRATCH/vol.$seed.img
    gen_cluster=$((512 << (seed % 7)))
    summary=$("$RANDTREE" --seed "$seed" --cluster "$gen_cluster" "$tree")
    bytes=${summary##* }
    shape "$seed" $((bytes + $(find "$tree" | wc -l) * 65536))
    if [ -z "$size" ]; then
        run "$MKFAT" "$tree" --min-size --type "$type"
        size=$out
    fi
    what="seed $seed ($summary; FAT$type ${size:-?} bytes${cluster:+ cluster $cluster})"
    echo "# $what" # a TAP comment: shown by prove -v
    run "$MKFAT" "$tree" "$img" --type "$type" --size "${size:-0}" ${cluster:+--cluster "$cluster"}
    is "$rc" 0 "$what: mkfat writes it"
    [ "$rc" -eq 0 ] || diag "$err"
    if [ "$rc" -eq 0 ]; then
        ok_fsck "$img" "seed $seed: fsck.fat -n finds nothing"
        ok_same_tree "$tree" "$img" "seed $seed: mcopy -s reads back the same tree"
    else
        fail "seed $seed: fsck.fat -n finds nothing (no volume)"
        fail "seed $seed: mcopy -s reads back the same tree (no volume)"
    fi
    if [ "$_tap_failed" -eq "$failed_before" ]; then
        rm -rf "$tree" "$img"
    elif [ -z "$kept" ]; then # keep the first failure's tree and volume for a look
        kept=$TOP/build/fat-property
        rm -rf "$kept" && mkdir -p "$kept" && mv "$tree" "$img" "$kept/" 2>/dev/null
        diag "kept in $kept; replay: FAT_PROPERTY_SEED=$seed prove -v tests/cli/fat-property.t"
    fi
done

done_testing
