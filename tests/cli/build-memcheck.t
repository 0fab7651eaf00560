#!/bin/bash
# dartmk build under valgrind's memcheck (tests/lib/valgrind-dartmk): a customised build with
# every kind of input, --print-recipe, bad inputs refused before and after the output exists, and
# a disk that fills up while wimlib appends in its thread. An invalid read or write, a use of
# uninitialised memory or a leak makes dartmk exit 99, and the exit-code checks fail.
# shellcheck source=tests/lib/tap.sh disable=SC2154  # run() sets rc, out, err
. "$(dirname "$0")/../lib/tap.sh"
SAMPLES=${SAMPLES:-$TOP/build/samples}
TOOLS=${TOOLS:-$TOP/build/tests/tools}
SHIM=$TOOLS/failwrite.so
VG=$TOP/tests/lib/valgrind-dartmk
command -v valgrind >/dev/null || { echo "1..1"; echo "not ok 1 - valgrind is installed (scripts/install-deps.sh)"; exit 1; }
[ -f "$SAMPLES/dvd.iso" ] || make -C "$TOP" -s samples >/dev/null || { echo "1..0 # no samples"; exit 1; }
plan 19
scratch
export TMPDIR=$SCRATCH/tmp
mkdir -p "$TMPDIR"
unset DARTMK_LIBDIR
export SOURCE_DATE_EPOCH=1700000000
W=$SCRATCH/w O=$SCRATCH/o
mkdir -p "$W/dc" "$W/remote" "$W/cabsrc" "$W/drv/nvme" "$W/drv/set/sub" "$W/add" "$W/dbg" "$O"
echo dc >"$W/dc/Disk Commander.exe"
echo remote >"$W/remote/rdsrv.exe"
echo cab >"$W/cabsrc/Cab.exe"
head -c 3000 /dev/urandom >"$W/cabsrc/data.bin"
gcab -c -z -n "$W/tool.cab" "$W/cabsrc/Cab.exe" "$W/cabsrc/data.bin"
cp "$W/tool.cab" "$W/bad.cab"
printf '\377' | dd of="$W/bad.cab" bs=1 seek=$(($(stat -c %s "$W/bad.cab") - 10)) conv=notrunc status=none
printf '[Version]\r\nClass=SCSIAdapter\r\n' >"$W/drv/nvme/nvme.inf"
printf '[Version]\nClass=System\n' >"$W/drv/set/b.inf"
printf '[Version]\nClass=System\n' >"$W/drv/set/sub/a.inf"
echo hello >"$W/add/hello.txt"
echo cdb >"$W/dbg/cdb.exe"
printf 'Call the help desk\nat 555-0100\n' >"$W/msg.txt"
entries() { find "$1" -mindepth 1 -maxdepth 1 | wc -l; }

ALL=(--tool "Disk Commander=$W/dc" --tool "Remote=$W/remote/rdsrv.exe" --tool "Cab=$W/tool.cab"
    --tool "Wipe=$W/remote:helpdesk" --remote --remote-tool Remote --remote-port 4000
    --remote-message "@$W/msg.txt" --driver "$W/drv/nvme/nvme.inf" --driver "$W/drv/set"
    --add-files "$W/add=Extra" --debugging-tools "$W/dbg" --expire-days 30)

# A customised build from an ISO: every kind of tool, drivers, remote, files, time limit.
run "$VG" build "$SAMPLES/dvd.iso" -o "$O/full" --json "${ALL[@]}"
is "$rc" 0 "customised build from dvd.iso under memcheck: exit 0"
is "$(printf '%s' "$out" | jq -r '[.customised, .tools, .drivers, .expires] | map(tostring) | join(" ")')" \
    "true 4 2 2023-12-14T22:13:20Z" "--json result"
wimverify "$O/full/sources/boot.wim" >/dev/null 2>&1
ok $? "the new boot.wim passes wimverify"
wimdir "$O/full/sources/boot.wim" 1 | grep -qx /DaRT/Tools/Cab/data.bin
ok $? "the cabinet was expanded into the image (image 1: the source's image 2, exported alone)"

# --print-recipe: a recipe file with the command line over it.
cat >"$W/fleet.ini" <<'EOF'
[build]
tool = Dc=dc
driver = drv/set
expire-days = 10
remote-message = first line
    second line
EOF
run "$VG" build --recipe "$W/fleet.ini" --print-recipe --expire-days 5 --tool "Remote=$W/remote" --remote --remote-tool Remote
is "$rc" 0 "--print-recipe under memcheck: exit 0"
like "$out" "^expire-days = 5$" "--print-recipe: the command line wins"
like "$out" "^driver = $W/drv/set$" "--print-recipe: the recipe's list where none is given"

# Bad inputs: refused while planning, with a cabinet expanded into staging, and at the output.
run "$VG" build "$SAMPLES/dvd" -o "$O/bad" --tool "R=$W/remote" --expire-days 0
is "$rc" 2 "--expire-days 0 under memcheck: exit 2"
like "$err" "^dartmk: --expire-days: '0'" "--expire-days 0: message"
run "$VG" build "$SAMPLES/dvd" -o "$O/bad" --tool "Cab=$W/tool.cab" --tool "C=$W/bad.cab"
is "$rc" 1 "a corrupt cabinet under memcheck: exit 1"
like "$err" "bad\.cab: .*corrupt" "a corrupt cabinet: message"
is "$([ -e "$O/bad" ] && echo written || echo nothing)/$(entries "$TMPDIR")" "nothing/0" \
    "a corrupt cabinet: nothing written, staging removed"
mkdir -p "$O/taken" && echo mine >"$O/taken/mine.txt"
run "$VG" build "$SAMPLES/dvd" -o "$O/taken" "${ALL[@]}"
is "$rc" 3 "an output folder that is not empty under memcheck: exit 3"
is "$(entries "$O/taken")/$(entries "$TMPDIR")" "1/0" "not empty: untouched, staging removed"
run "$VG" build "$SAMPLES/dvd" -o "$O/img3" --image-index 3 "${ALL[@]}"
is "$rc" 1 "--image-index 3 under memcheck: exit 1"
like "$err" "image index 3 does not exist" "--image-index 3: message"

# The disk fills up while wimlib appends to boot.wim (in its thread): everything is undone.
if [ -e "$SHIM" ]; then
    wim=$(stat -c %s "$SAMPLES/dvd/sources/boot.wim")
    LD_PRELOAD=$SHIM FAILWRITE_PREFIX=$O/fw/sources/boot.wim FAILWRITE_AFTER=$((wim + 8192)) \
        run "$VG" build "$SAMPLES/dvd" -o "$O/fw" "${ALL[@]}"
    is "$rc" 1 "disk full while wimlib appends, under memcheck: exit 1"
    like "$err" "boot\.wim" "disk full: message names boot.wim"
    is "$([ -e "$O/fw" ] && echo left || echo removed)/$(entries "$TMPDIR")" "removed/0" \
        "disk full: the output removed, staging removed"
else
    for _ in 1 2 3; do fail "disk full: $SHIM is missing (make tools)"; done
fi
done_testing
