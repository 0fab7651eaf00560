#!/bin/bash
# The README cannot drift: scripts/readme-examples runs every example marked "check" on the
# sample media and compares what it prints with the README (masked: hashes, dates, temporary
# folders, rates, times). Shown to fail when an example's output is changed (a copy of the
# README with one line altered), when a size is changed (sizes are not masked unless a block
# asks), and when a dartmk example is not marked; shown to pass when only a masked value or an
# illustration (not run) changes.
# shellcheck source=tests/lib/tap.sh disable=SC2154  # run() sets rc, out, err
. "$(dirname "$0")/../lib/tap.sh"
SAMPLES=${SAMPLES:-$TOP/build/samples}
CHECK=$TOP/scripts/readme-examples
[ -f "$SAMPLES/install.iso" ] || make -C "$TOP" -s samples >/dev/null || missing_prerequisite "the sample media (make samples)"
for t in python3 stdbuf jq sfdisk wimcapture sha256sum; do
    command -v $t >/dev/null || missing_prerequisite "$t is installed (scripts/install-deps.sh)"
done
plan 16
scratch
S=$SCRATCH README=$TOP/README.md
export DARTMK SAMPLES

run "$CHECK"
is "$rc" 0 "README.md: every checked example prints what the README shows"
[ "$rc" = 0 ] || diag "$out"
marked=$(grep -c '^ *<!-- readme-examples: check' "$README")
is "$(printf '%s\n' "$out" | grep -c '^ok [0-9]* - README.md:')" "$marked" "all $marked checked examples were run"
[ "$marked" -ge 10 ]
ok $? "the README has checked examples on the sample media ($marked)"
is "$(printf '%s\n' "$out" | tail -1)" "ok $((marked + 1)) - every dartmk example of README.md is marked check or illustration" \
    "every dartmk example is marked"

# The fence that opens the block holding line L of FILE (what --only takes).
fence_of() { awk -v l="$1" 'NR <= l && /^ *```/ { f = NR } END { print f }' "$2"; }
# The fences of the blocks holding the lines of FILE that match REGEX, as N,N...
fences_of() { grep -n -- "$1" "$2" | cut -d: -f1 | while read -r l; do fence_of "$l" "$2"; done | sort -un | paste -sd,; }

# One output line of a checked example altered: the check fails, naming the block and the line.
sed 's/^Kind          iso (UDF), install DVD layout$/Kind          iso (UDF), ADK layout/' "$README" >"$S/README.md"
! cmp -s "$README" "$S/README.md"
ok $? "the copy differs from the README in one line"
fence=$(fences_of '^Kind          iso (UDF), ADK layout$' "$S/README.md")
run "$CHECK" --readme "$S/README.md" --only "$fence"
is "$rc" 1 "one line altered: exit 1"
like "$out" "^not ok 1 - README.md:$fence: ./dartmk inspect build/samples/install.iso$" "the failing block is named by its line"
like "$out" "^# -Kind          iso \\(UDF\\), ADK layout$" "the README's line is shown"
like "$out" "^# \\+Kind          iso \\(UDF\\), install DVD layout$" "and what the program printed"
like "$out" "^# \\$ ./dartmk inspect build/samples/install.iso: what it printed differs from the README" "the command is named"

# A size is not masked (unless the block says mask=sizes): changing one fails.
sed 's/^DaRT          DaRT image 7\.0\.1010\.0, amd64; DartConfig\.dat (2310 bytes)$/DaRT          DaRT image 7.0.1010.0, amd64; DartConfig.dat (2311 bytes)/' "$README" >"$S/README.md"
run "$CHECK" --readme "$S/README.md" --only "$(fences_of 'DartConfig\.dat (2311 bytes)' "$S/README.md")"
is "$rc/$(printf '%s\n' "$out" | grep -c '^not ok')" "1/1" "a size changed: exit 1 (the block showing it fails)"
# The blocks that say mask=sizes (the install sample's boot.wim varies by a few bytes from build to
# build) pass with another size.
sed 's/^Recovery      85 files, 3\.4 MiB; boot/Recovery      85 files, 3.5 MiB; boot/' "$README" >"$S/README.md"
run "$CHECK" --readme "$S/README.md" --only "$(fences_of '^Recovery      85 files, 3\.5 MiB' "$S/README.md")"
is "$rc/$(printf '%s\n' "$out" | grep -c '^not ok')/$(printf '%s\n' "$out" | grep -c '^ok')" "0/0/3" \
    "a size changed in the two blocks that say mask=sizes: both pass"

# What is masked may differ: another SHA-256 and another date pass; so does an illustration.
sed -e 's/^85d72f5710e5a1d373967f3c75f360d6775fb42328f8fd30992b1acb72060c37  stick.img$/0000000000000000000000000000000000000000000000000000000000000000  stick.img/' \
    -e 's/2027-01-04T00:57:13Z/2030-06-01T12:00:00Z/' \
    -e 's|^/dev/sdb: SanDisk Cruzer Blade, 14.3 GiB|/dev/sdb: Kingston DataTraveler, 14.3 GiB|' "$README" >"$S/README.md"
[ "$(diff "$README" "$S/README.md" | grep -c '^<')" -ge 4 ]
ok $? "the copy has another hash, other dates and another illustration"
fences=$(fences_of '^0000000000000000000000000000000000000000000000000000000000000000  stick.img$\|2030-06-01T12:00:00Z\|Kingston DataTraveler' "$S/README.md")
run "$CHECK" --readme "$S/README.md" --only "$fences"
is "$rc/$(printf '%s\n' "$out" | grep -c '^ok [0-9]* - README.md:')" "0/2" "a masked hash and date, an illustration changed: the check passes (the 2 checked blocks among them run)"

# An example without a marker fails the check, named by its line.
line=$(grep -n '^<!-- readme-examples: check -->' "$README" | head -1 | cut -d: -f1)
sed "${line}d" "$README" >"$S/README.md"
run "$CHECK" --readme "$S/README.md" --only 0
is "$rc" 1 "an unmarked dartmk example: exit 1"
like "$out" "^# README.md:$line: a dartmk example without " "the unmarked example is named by its line"
done_testing
