#!/bin/bash
# Brief libFuzzer runs of every fuzz target (tests/fuzz/fuzz_NAME.c: the FAT writer, the FAT
# reader, the recipe, manifest and saved-table readers, the ISO 9660/UDF walks), each on its seed
# corpus (tests/fuzz/corpus-NAME, and build-fuzz/seeds-NAME when scripts/fuzz-seeds made it) for
# up to FUZZ_RUNS (default 20000) new inputs or FUZZ_SECONDS (default 8) seconds, whichever comes
# first. Fails when a fuzzer finds a crash, a leak or a broken promise; the input is kept in
# build-fuzz/ to replay (build-fuzz/fuzz_NAME FILE). `make fuzz` runs them for longer.
# FUZZ_TARGETS="iso restore" runs some.
# shellcheck source=tests/lib/tap.sh disable=SC2154  # run() sets rc, out, err
. "$(dirname "$0")/../lib/tap.sh"

command -v "${FUZZ_CC:-clang}" >/dev/null || missing_prerequisite "no clang (make deps)"
FUZZ_BUILD=$TOP/build-fuzz
# Leaks a library makes on its own error paths (tests/fuzz/lsan.supp says which) are not dartmk's.
export LSAN_OPTIONS=suppressions=$TOP/tests/fuzz/lsan.supp
read -r -a targets <<<"${FUZZ_TARGETS:-fat fatread recipe manifest restore iso authenticode}"

plan $((1 + 2 * ${#targets[@]}))
scratch

run make -C "$TOP" -s fuzz-build
is "$rc" 0 "the fuzz targets build (clang, libFuzzer, ASan, UBSan)"
[ "$rc" -eq 0 ] || { diag "$err"; done_testing; }

# The -max_len of each target, as the Makefile has it.
max_len() { make -C "$TOP" -s --no-print-directory -f Makefile -f - <<<"print: ; @echo \$(FUZZ_LEN_$1)" print; }

for t in "${targets[@]}"; do
    fuzzer=$FUZZ_BUILD/fuzz_$t
    # New inputs go to a scratch corpus; the seeds are only read.
    mkdir -p "$SCRATCH/corpus-$t" "$SCRATCH/artifacts-$t"
    dict=() seeds=()
    [ -f "$TOP/tests/fuzz/fuzz_$t.dict" ] && dict=(-dict="$TOP/tests/fuzz/fuzz_$t.dict")
    [ -d "$FUZZ_BUILD/seeds-$t" ] && seeds=("$FUZZ_BUILD/seeds-$t")
    "$fuzzer" -runs="${FUZZ_RUNS:-20000}" -max_total_time="${FUZZ_SECONDS:-8}" \
        -max_len="$(max_len "$t")" -timeout=10 -rss_limit_mb=2048 "${dict[@]}" \
        -artifact_prefix="$SCRATCH/artifacts-$t/" "$SCRATCH/corpus-$t" \
        "$TOP/tests/fuzz/corpus-$t" "${seeds[@]}" >"$SCRATCH/log-$t" 2>&1
    rc=$?
    is "$rc" 0 "fuzz_$t finds no crash"
    summary=$(grep -E '^Done [0-9]+ runs' "$SCRATCH/log-$t")
    like "$summary" '^Done [0-9]+ runs' "fuzz_$t ran ($summary)"
    if [ "$rc" -ne 0 ]; then
        grep -v '^said: ' "$SCRATCH/log-$t" | grep -E -A30 'ERROR|promise broken|deadly signal' |
            head -40 | while IFS= read -r l; do diag "$l"; done
        for f in "$SCRATCH/artifacts-$t"/*; do
            [ -e "$f" ] || continue
            cp "$f" "$FUZZ_BUILD/" && diag "kept $FUZZ_BUILD/$(basename "$f"); replay: $fuzzer $FUZZ_BUILD/$(basename "$f")"
        done
    fi
done

done_testing
