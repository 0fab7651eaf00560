#!/bin/bash
# A brief libFuzzer run of the FAT writer's fuzz target (tests/fuzz/fuzz_fat.c): the seed corpus
# and up to FUZZ_RUNS (default 20000) new inputs or FUZZ_SECONDS (default 10) seconds, whichever
# comes first. Fails when the fuzzer finds a crash, a leak or a broken promise; the input is kept
# in build-fuzz/ to replay (build-fuzz/fuzz_fat FILE). `make fuzz` runs it for longer.
# shellcheck source=tests/lib/tap.sh disable=SC2154  # run() sets rc, out, err
. "$(dirname "$0")/../lib/tap.sh"

command -v "${FUZZ_CC:-clang}" >/dev/null || missing_prerequisite "no clang (make deps)"
FUZZ_BUILD=$TOP/build-fuzz
FUZZER=$FUZZ_BUILD/fuzz_fat

plan 3
scratch

run make -C "$TOP" -s fuzz-build
is "$rc" 0 "the fuzz target builds (clang, libFuzzer, ASan, UBSan)"
[ "$rc" -eq 0 ] || { diag "$err"; done_testing; }

# New inputs go to a scratch corpus; the seeds in tests/fuzz/corpus are only read.
mkdir -p "$SCRATCH/corpus" "$SCRATCH/artifacts"
"$FUZZER" -runs="${FUZZ_RUNS:-20000}" -max_total_time="${FUZZ_SECONDS:-10}" -max_len=4096 \
    -timeout=10 -rss_limit_mb=2048 -dict="$TOP/tests/fuzz/fuzz_fat.dict" \
    -artifact_prefix="$SCRATCH/artifacts/" "$SCRATCH/corpus" "$TOP/tests/fuzz/corpus" \
    >"$SCRATCH/log" 2>&1
rc=$?
is "$rc" 0 "the fuzzer finds no crash"
summary=$(grep -E '^Done [0-9]+ runs' "$SCRATCH/log")
like "$summary" '^Done [0-9]+ runs' "the fuzzer ran ($summary)"
if [ "$rc" -ne 0 ]; then
    grep -v '^dartmk: ' "$SCRATCH/log" | grep -E -A30 'ERROR|promise broken|deadly signal' |
        head -40 | while IFS= read -r l; do diag "$l"; done
    for f in "$SCRATCH"/artifacts/*; do
        [ -e "$f" ] || continue
        cp "$f" "$FUZZ_BUILD/" && diag "kept $FUZZ_BUILD/$(basename "$f"); replay: $FUZZER $FUZZ_BUILD/$(basename "$f")"
    done
fi

done_testing
