#!/bin/bash
# dartmk build: the recovery tree as a user sees it — every source kind, every option, what the
# generated launcher says, the manifest, recipes, reproducible times, and every bad input the
# build issue names (exit code, one-line message, nothing written, no staging left behind),
# including a disk that fills up (tests/tools/preload/failwrite.c).
# Judges: wiminfo, wimdir, wimextract, wimverify, cmp, sha256sum, jq, gcab.
# shellcheck source=tests/lib/tap.sh disable=SC2154  # run() sets rc, out, err
. "$(dirname "$0")/../lib/tap.sh"
SAMPLES=${SAMPLES:-$TOP/build/samples}
TOOLS=${TOOLS:-$TOP/build/tests/tools}
SHIM=$TOOLS/failwrite.so
[ -f "$SAMPLES/udf.iso" ] || make -C "$TOP" -s samples >/dev/null || { echo "1..0 # no samples"; exit 1; }
for t in wiminfo wimdir wimextract wimverify gcab jq; do
    command -v $t >/dev/null || { echo "1..1"; echo "not ok 1 - $t is installed (scripts/install-deps.sh)"; exit 1; }
done
plan 383
scratch
export TMPDIR=$SCRATCH/tmp
mkdir -p "$TMPDIR"
unset SOURCE_DATE_EPOCH DARTMK_LIBDIR
W=$SCRATCH/w # inputs
O=$SCRATCH/o # outputs
mkdir -p "$W" "$O"
DVD=$SAMPLES/dvd
# Where dartmk finds it: beside the program, as in a build tree or an installation.
for d in "$(dirname "$DARTMK")"/{build/winpe,winpe,../lib/dartmk}; do
    [ -f "$d/dartexpire-amd64.exe" ] && { CHECKER=$d/dartexpire-amd64.exe; break; }
done

j() { printf '%s' "$out" | jq -r "$1"; }
mf() { jq -r "$2" "$1/dartmk-manifest.json"; } # mf OUT FILTER: the root manifest
size() { stat -c %s "$1"; }
entries() { find "$1" -mindepth 1 -maxdepth 1 | wc -l; } # a folder's entries, hidden ones too

# A tree's identity: every file's content, and every entry's size, mode and time.
tree_id() {
    if [ -d "$1" ]; then
        (cd "$1" && find . -type f -print0 | sort -z | xargs -0 sha256sum &&
            find . -printf '%p %s %m %T@\n' | sort) | sha256sum
    else
        { sha256sum <"$1"; stat -c '%s %a %Y' "$1"; } | sha256sum
    fi
}

# x OUT INDEX PATH...: extracts image paths from OUT's boot.wim into a fresh $X.
X=$SCRATCH/x
x() {
    local out=$1 index=$2
    shift 2
    rm -rf "$X" && mkdir -p "$X"
    wimextract "$out/sources/boot.wim" "$index" "$@" --dest-dir="$X" --no-acls >/dev/null 2>&1
}

# Every line ends in CRLF (and the text ends with one).
crlf() {
    [ -s "$1" ] && [ "$(tail -c 2 "$1" | od -An -tx1 | tr -d ' \n')" = 0d0a ] &&
        awk '!/\r$/ { bad = 1 } END { exit bad }' "$1"
}

# The root manifest lists every file of the tree but itself, each with its size and SHA-256.
manifest_ok() {
    local want got
    want=$(jq -r '.files[] | "\(.path) \(.size) \(.sha256)"' "$1/dartmk-manifest.json" | sort)
    got=$(cd "$1" && find . -type f ! -path ./dartmk-manifest.json -printf '%P\n' | sort |
        while IFS= read -r p; do
            printf '%s %s %s\n' "$p" "$(size "$p")" "$(sha256sum <"$p" | cut -d' ' -f1)"
        done)
    [ -n "$want" ] && [ "$want" = "$got" ]
}

# The new WIM holds the source's compressed resources as they were, not recompressed: every blob
# of NEW that SOURCE has too is stored with the same bytes (wiminfo --blobs: hash, stored size,
# offset). At least one such blob, and the image's metadata among them when NEW is not
# customised.
blobs() { wiminfo --blobs "$1" | awk '/^Hash/ { h = $3 } /^Compressed size/ { c = $4 } /^Offset in WIM/ { print h, c, $5 }'; }
kept_resources() { # kept_resources SOURCE-WIM NEW-WIM
    local h c o sc so n=0
    while read -r h c o; do
        read -r sc so < <(blobs "$1" | awk -v h="$h" '$1 == h { print $2, $3 }')
        [ -n "$sc" ] || continue
        [ "$sc" = "$c" ] && cmp -s <(tail -c +$((so + 1)) "$1" | head -c "$c") <(tail -c +$((o + 1)) "$2" | head -c "$c") ||
            { diag "blob $h: stored differently"; return 1; }
        n=$((n + 1))
    done < <(blobs "$2")
    [ "$n" -gt 0 ]
}
# The one image a recovery boot.wim holds: "COUNT BOOT-INDEX NAME".
one_image() { wiminfo "$1" | awk -F': *' '/^Image Count/ { c = $2 } /^Boot Index/ { b = $2 } /^Name/ { n = $2 } END { print c, b, n }'; }
# The files of a tree, sorted (paths relative to it).
files_of() { (cd "$1" && find . -type f -printf '%P\n' | LC_ALL=C sort); }
# What a recovery tree of install-DVD media keeps: the boot managers, boot/, efi/, sources/boot.wim.
winpe_files() { files_of "$1" | grep -Ei '^(bootmgr|bootmgr\.efi|boot/.*|efi/.*|sources/boot\.wim|[^/]+/[^/]+\.mui)$'; }

boot_index() { wiminfo "$1" | awk -F: '/^Boot Index/ { gsub(/ /, "", $2); print $2 }'; }
has_all() { # has_all LISTING PATH...: every path is a line of the listing
    local l=$1 p
    shift
    for p; do printf '%s\n' "$l" | grep -Fxq -- "$p" || { diag "missing: $p"; return 1; }; done
}

# --- inputs ------------------------------------------------------------------------------------
mkdir -p "$W/dc" "$W/multi" "$W/named" "$W/remote" "$W/cabsrc" "$W/drv/nvme" "$W/drv/set/a" \
    "$W/drv/none" "$W/wifi" "$W/add/deep" "$W/dbg" "$W/noexe"
echo dc >"$W/dc/Disk Commander.exe"
echo readme >"$W/dc/readme.txt"
echo a >"$W/multi/a.exe"
echo b >"$W/multi/b.exe"
echo named >"$W/named/NAMED.EXE"
echo helper >"$W/named/helper.exe"
echo remote >"$W/remote/rdsrv.exe"
echo cab >"$W/cabsrc/Cab.exe"
head -c 3000 /dev/urandom >"$W/cabsrc/data.bin"
gcab -c -z -n "$W/tool.cab" "$W/cabsrc/Cab.exe" "$W/cabsrc/data.bin"
# A corrupt cabinet: a sound header, one data byte near the end flipped.
cp "$W/tool.cab" "$W/bad.cab"
printf '%02x' $((0x$(tail -c 10 "$W/bad.cab" | head -c 1 | od -An -tx1 | tr -d ' ') ^ 0xff)) |
    xxd -r -p | dd of="$W/bad.cab" bs=1 seek=$(($(size "$W/bad.cab") - 10)) conv=notrunc status=none
echo 'not a cabinet' >"$W/x.cab"
printf '[Version]\r\nClass=SCSIAdapter\r\n' >"$W/drv/nvme/nvme.inf"
echo sys >"$W/drv/nvme/nvme.sys"
for f in z.inf m.inf a/y.inf; do printf '[Version]\nClass=System\n' >"$W/drv/set/$f"; done
echo sys >"$W/drv/set/a/y.sys"
echo 'no INF here' >"$W/drv/none/readme.txt"
printf '[Version]\nClass=Net\n; Contoso 802.11ac wireless adapter\n' >"$W/wifi/wifi.inf"
echo hello >"$W/add/hello.txt"
echo deep >"$W/add/deep/deep.txt"
echo cdb >"$W/dbg/cdb.exe"
echo 'no program' >"$W/noexe/readme.txt"
printf 'Line one\nLine two\n' >"$W/msg.txt"
printf 'a\r\nb\r\n' >"$W/msg-crlf.txt"

# --- the install DVD as a folder, without customisation: image 2 exported alone ----------------
# (The recovery tree is Windows PE: before issue 14 it held every media file and boot.wim as it
# was, both images; now the Windows PE files only, boot.wim holding the bootable image alone.)
before=$(tree_id "$DVD")
run "$DARTMK" build "$DVD" -o "$O/plain"
is "$rc" 0 "dvd dir, no options: exit 0"
is "$(one_image "$O/plain/sources/boot.wim")" "1 1 $(wiminfo "$DVD/sources/boot.wim" 2 | awk -F': *' '/^Name/ { print $2 }')" \
    "no options: boot.wim holds the source's image 2 alone, bootable"
kept_resources "$DVD/sources/boot.wim" "$O/plain/sources/boot.wim"
ok $? "no options: the exported image's resources are the source's bytes (not recompressed)"
is "$(files_of "$O/plain" | grep -v '^dartmk-manifest.json$')" "$(winpe_files "$DVD")" \
    "no options: the Windows PE files of the media, nothing else (no setup.exe, no sources/setup.exe)"
winpe_files "$DVD" | grep -v '^sources/boot.wim$' | while IFS= read -r f; do
    cmp -s "$DVD/$f" "$O/plain/$f" || { diag "$f differs"; exit 1; }
done
ok $? "no options: the files kept are copied as they are"
manifest_ok "$O/plain"
ok $? "manifest lists every file with its size and SHA-256 (sources/boot.wim too)"
is "$(mf "$O/plain" '.customised')/$(mf "$O/plain" '.image_index')/$(mf "$O/plain" '.arch')" \
    "false/2/amd64" "manifest: not customised, image 2, amd64"
is "$(mf "$O/plain" '.source.boot_wim_sha256')" "$(sha256sum <"$DVD/sources/boot.wim" | cut -d' ' -f1)" \
    "manifest: the source's boot.wim SHA-256"
is "$(mf "$O/plain" '.expires')" "null" "manifest: no time limit"
is "$(tree_id "$DVD")" "$before" "the source folder is unchanged"

# --- the install DVD, customised with everything ---------------------------------------------
export SOURCE_DATE_EPOCH=1700000000
FULL=(--tool "Disk Commander=$W/dc" --tool "Wipe=$W/remote/rdsrv.exe:helpdesk" --tool "Remote=$W/remote"
    --tool "Cab=$W/tool.cab" --tool "Named=$W/named" --remote --remote-tool Remote --remote-port 4000
    --remote-message "@$W/msg.txt" --driver "$W/drv/nvme/nvme.inf" --driver "$W/drv/set"
    --add-files "$W/add" --add-files "$W/add=Extra\\Sub" --debugging-tools "$W/dbg" --expire-days 30)
run "$DARTMK" build "$DVD" -o "$O/full" --json "${FULL[@]}"
is "$rc" 0 "dvd dir, every option: exit 0"
is "$(printf '%s' "$out" | jq -s length)" 1 "--json: one JSON object on stdout"
is "$(j '[.image_index, .arch, .customised, .tools, .drivers, .expires] | map(tostring) | join(" ")')" \
    "2 amd64 true 5 2 2023-12-14T22:13:20Z" "--json: image_index, arch, customised, tools, drivers, expires"
is "$(j .output)" "$O/full" "--json: output"
is "$(tree_id "$DVD")" "$before" "the source folder is unchanged by a customised build"
NEW=$O/full/sources/boot.wim
wimverify "$NEW" >/dev/null 2>&1
ok $? "wimverify passes on the new boot.wim"
is "$(boot_index "$NEW")" 1 "the exported image is bootable (boot index 1; was: the source's 2 kept)"
is "$(wiminfo "$NEW" | awk '/^Image Count/ { print $3 }')" 1 "the chosen image alone (was: both images kept)"
kept_resources "$DVD/sources/boot.wim" "$NEW"
ok $? "the source's compressed resources are kept byte for byte (not recompressed)"
manifest_ok "$O/full"
ok $? "manifest: every file with its size and SHA-256, the new boot.wim included"
is "$(mf "$O/full" '.files[] | select(.path == "sources/boot.wim") | .size')" "$(size "$NEW")" \
    "manifest: the new boot.wim's size"
is "$(mf "$O/full" '.customised')/$(mf "$O/full" '.built')/$(mf "$O/full" '.expires')" \
    "true/2023-11-14T22:13:20Z/2023-12-14T22:13:20Z" "manifest: built at SOURCE_DATE_EPOCH, expires 30 days later"
src_listing=$(wimdir "$DVD/sources/boot.wim" 2)
listing=$(wimdir "$NEW" 1)
missing=$(comm -23 <(printf '%s\n' "$src_listing" | sort) <(printf '%s\n' "$listing" | sort))
is "$missing" "" "every file of the source image is still in the new one"
has_all "$listing" "/DaRT/Tools/Disk Commander/Disk Commander.exe" "/DaRT/Tools/Disk Commander/readme.txt" \
    /DaRT/Tools/Wipe/rdsrv.exe /DaRT/Tools/Remote/rdsrv.exe /DaRT/Tools/Cab/Cab.exe /DaRT/Tools/Cab/data.bin \
    /DaRT/Tools/Named/NAMED.EXE /DaRT/Tools/Named/helper.exe \
    /DaRT/Drivers/01-nvme/nvme.inf /DaRT/Drivers/01-nvme/nvme.sys /DaRT/Drivers/02-set/z.inf \
    /DaRT/Drivers/02-set/m.inf /DaRT/Drivers/02-set/a/y.inf /DaRT/Drivers/02-set/a/y.sys \
    /hello.txt /deep/deep.txt /Extra/Sub/hello.txt /Extra/Sub/deep/deep.txt /DaRT/Debuggers/cdb.exe \
    /DaRT/dartexpire.exe /DaRT/DartConfig.ini /DaRT/RemoteMessage.txt /DaRT/dartmk-manifest.json \
    /Windows/System32/startnet.cmd /Windows/System32/winpeshl.ini
ok $? "wimdir lists every added file (tools, cab expanded, drivers, files, debuggers, generated)"
is "$(wiminfo "$NEW" 1 | awk -F': *' '/^Name/ { print $2 }')" "$(wiminfo "$DVD/sources/boot.wim" 2 | awk -F': *' '/^Name/ { print $2 }')" \
    "the image keeps the source image's name (was: image 1 untouched)"
x "$O/full" 1 /DaRT/Tools/Cab/data.bin /DaRT/dartexpire.exe
cmp -s "$X/data.bin" "$W/cabsrc/data.bin"
ok $? "the cabinet was expanded into DaRT/Tools/Cab, its files intact"
cmp -s "$X/dartexpire.exe" "$CHECKER"
ok $? "DaRT/dartexpire.exe is the amd64 expiry checker, byte for byte"

# The generated files.
x "$O/full" 1 /Windows/System32/startnet.cmd /Windows/System32/winpeshl.ini /DaRT/DartConfig.ini \
    /DaRT/RemoteMessage.txt /DaRT/dartmk-manifest.json
S=$X/startnet.cmd C=$X/DartConfig.ini
for f in startnet.cmd winpeshl.ini DartConfig.ini RemoteMessage.txt; do
    crlf "$X/$f"
    ok $? "$f: every line ends in CRLF"
done
sn=$(tr -d '\r' <"$S")
cfg=$(tr -d '\r' <"$C")
checker_line=$(printf '%s\n' "$sn" | grep -n 'dartexpire\.exe' | head -1 | cut -d: -f1)
wpeinit_line=$(printf '%s\n' "$sn" | grep -nx 'wpeinit' | head -1 | cut -d: -f1)
[ -n "$checker_line" ] && [ -n "$wpeinit_line" ] && [ "$checker_line" -lt "$wpeinit_line" ]
ok $? "startnet.cmd runs the expiry checker before wpeinit"
like "$sn" '^"%SYSTEMDRIVE%\\DaRT\\dartexpire\.exe"' "the checker is started from DaRT\\dartexpire.exe"
like "$sn" '^if errorlevel 1 goto dart_expired$' "a checker verdict other than 0 shuts down"
! printf '%s\n' "$sn" | sed -n "1,${checker_line}p" | grep -q -v -e '^@echo off$' -e '^rem ' -e '^setlocal ' -e '^chcp ' -e dartexpire
ok $? "nothing but the script's setup runs before the checker"
is "$(printf '%s\n' "$sn" | grep '^drvload ')" \
    "$(printf 'drvload "%%SYSTEMDRIVE%%\\DaRT\\Drivers\\%s"\n' '01-nvme\nvme.inf' '02-set\a\y.inf' '02-set\m.inf' '02-set\z.inf')" \
    "drvload for each INF, in --driver order, a folder's INFs sorted"
[ "$(printf '%s\n' "$sn" | grep -n '^drvload ' | head -1 | cut -d: -f1)" -gt "$wpeinit_line" ]
ok $? "drivers load after wpeinit"
like "$sn" '^netsh advfirewall firewall add rule .*protocol=TCP localport=4000( |$)' "netsh opens the firewall on the port"
like "$sn" '^start "[^"]*" "%SYSTEMDRIVE%\\DaRT\\Tools\\Remote\\rdsrv\.exe" -port 4000$' "the remote tool is started with -port 4000"
like "$sn" '^type "%SYSTEMDRIVE%\\DaRT\\RemoteMessage\.txt"$' "the remote message is shown"
like "$sn" '^set "DART_DEBUGGERS=%SYSTEMDRIVE%\\DaRT\\Debuggers"$' "DART_DEBUGGERS names DaRT\\Debuggers"
is "$(printf '%s\n' "$sn" | grep -E '^echo +[0-9]+\. ' | sed -E 's/^echo +//')" \
    "$(printf '%s\n' '1. Disk Commander' '2. Remote' '3. Cab' '4. Named' '0. Leave the menu for the command prompt')" \
    "menu: numbered in --tool order, the helpdesk tool left out"
like "$sn" '^start "Disk Commander" "%SYSTEMDRIVE%\\DaRT\\Tools\\Disk Commander\\Disk Commander\.exe"$' \
    "a name with a space: its folder quoted in startnet.cmd"
like "$sn" '^start "Named" "%SYSTEMDRIVE%\\DaRT\\Tools\\Named\\NAMED\.EXE"$' "a folder with several programs starts NAME.exe (any case)"
like "$sn" '^start "Cab" "%SYSTEMDRIVE%\\DaRT\\Tools\\Cab\\Cab\.exe"$' "an expanded cabinet's program"
if printf '%s\n' "$sn" | grep -q 'Wipe'; then fail "the helpdesk tool is not in startnet.cmd"; else pass "the helpdesk tool is not in startnet.cmd"; fi
is "$(grep -c 'wpeinit' "$S")" 1 "wpeinit runs once"
is "$(tr -d '\r' <"$X/winpeshl.ini" | grep -v '^;')" \
    "$(printf '%s\n' '[LaunchApps]' '%SYSTEMROOT%\System32\cmd.exe, /k %SYSTEMROOT%\System32\startnet.cmd')" \
    "winpeshl.ini starts cmd.exe running startnet.cmd"
like "$cfg" '^Expires=2023-12-14T22:13:20Z$' "DartConfig.ini: Expires"
like "$cfg" '^Port=4000$' "DartConfig.ini: remote port"
like "$cfg" '^Location=DaRT\\Debuggers$' "DartConfig.ini: debugging tools location"
is "$(printf '%s\n' "$cfg" | grep -E '^[0-9]+(\.Offered)?=' | tr '\n' ' ')" \
    "1=Disk Commander 1.Offered=1 2=Wipe 2.Offered=0 3=Remote 3.Offered=1 4=Cab 4.Offered=1 5=Named 5.Offered=1 " \
    "DartConfig.ini: every tool, the helpdesk one with Offered=0"
cmp -s "$X/RemoteMessage.txt" <(printf 'Line one\r\nLine two\r\n')
ok $? "RemoteMessage.txt: the @FILE's text with CRLF line ends"
is "$(jq -r .expires "$X/dartmk-manifest.json")" "$(mf "$O/full" .expires)" "the image's manifest has the same expires as the root's"
is "$(mf "$O/full" '[.tools[] | "\(.name):\(.offered)"] | join(",")')" \
    "Disk Commander:true,Wipe:false,Remote:true,Cab:true,Named:true" "manifest: tools and whether they are offered"
is "$(mf "$O/full" '"\(.remote.enabled) \(.remote.port) \(.remote.tool)"')" "true 4000 Remote" "manifest: remote connection"

run "$DARTMK" inspect --json "$O/full"
is "$(j .expires)/$(j .expired)" "2023-12-14T22:13:20Z/true" "inspect: the build's expires (passed: SOURCE_DATE_EPOCH is 2023)"

# --- reproducibility: SOURCE_DATE_EPOCH fixes every time in the manifest -----------------------
sleep 1
run "$DARTMK" build "$DVD" -o "$O/full2" "${FULL[@]}"
is "$rc" 0 "the same build again: exit 0"
no_wim='del(.files[] | select(.path == "sources/boot.wim"))'
is "$(jq -S "$no_wim" "$O/full2/dartmk-manifest.json")" "$(jq -S "$no_wim" "$O/full/dartmk-manifest.json")" \
    "two builds at one SOURCE_DATE_EPOCH: identical manifests but for the boot.wim's hash"
unset SOURCE_DATE_EPOCH

# --- time limit: not yet expired, and expired --------------------------------------------------
run "$DARTMK" build "$DVD" -o "$O/exp30" --expire-days 30 --json
is "$rc" 0 "--expire-days 30 without SOURCE_DATE_EPOCH: exit 0"
want=$(date -u -d "@$(($(date -u -d "$(mf "$O/exp30" .built)" +%s) + 30 * 86400))" +%Y-%m-%dT%H:%M:%SZ)
is "$(mf "$O/exp30" .expires)" "$want" "manifest: expires = built + 30 days"
is "$(j .expires)" "$want" "--json: the same expires"
run "$DARTMK" inspect --json "$O/exp30"
is "$(j .expires)/$(j .expired)" "$want/false" "inspect: expires, not expired"
x "$O/exp30" 1 /DaRT/dartexpire.exe /Windows/System32/startnet.cmd
cmp -s "$X/dartexpire.exe" "$CHECKER"
ok $? "a time limit alone puts the checker in the image"
like "$(tr -d '\r' <"$X/startnet.cmd")" '^"%SYSTEMDRIVE%\\DaRT\\dartexpire\.exe"' "and startnet.cmd runs it"
SOURCE_DATE_EPOCH=$(($(date +%s) - 3 * 86400)) run "$DARTMK" build "$SAMPLES/adk" -o "$O/expired" --expire-days 1
is "$rc" 0 "built 3 days ago with --expire-days 1: exit 0"
run "$DARTMK" inspect --json "$O/expired"
is "$(j .expired)" true "inspect: expired"
run "$DARTMK" build "$DVD" -o "$O/exp36500" --expire-days 36500
is "$rc" 0 "--expire-days 36500 (the largest) is accepted"

# --- the ADK layout, the install DVD as an ISO, a UDF ISO, a bare boot.wim -------------------------
before=$(tree_id "$SAMPLES/adk")
run "$DARTMK" build "$SAMPLES/adk" -o "$O/adk" --tool "Disk Commander=$W/dc" --driver "$W/drv/nvme"
is "$rc" 0 "adk dir, customised: exit 0"
is "$(mf "$O/adk" '"\(.source.layout) \(.image_index)"')" "adk 1" "adk: layout adk, image 1"
is "$(boot_index "$O/adk/sources/boot.wim")" 1 "adk: the boot index is kept (1)"
wimverify "$O/adk/sources/boot.wim" >/dev/null 2>&1
ok $? "adk: wimverify passes"
kept_resources "$SAMPLES/adk/sources/boot.wim" "$O/adk/sources/boot.wim"
ok $? "adk: the source's resources kept as they were"
has_all "$(wimdir "$O/adk/sources/boot.wim" 1)" "/DaRT/Tools/Disk Commander/Disk Commander.exe" /DaRT/Drivers/01-nvme/nvme.inf
ok $? "adk: the tool and the driver are in image 1"
manifest_ok "$O/adk"
ok $? "adk: the manifest matches the files"
is "$(tree_id "$SAMPLES/adk")" "$before" "adk: the source is unchanged"
x "$O/adk" 1 /Windows/System32/startnet.cmd
if grep -q dartexpire "$X/startnet.cmd"; then fail "no time limit: no checker line"; else pass "no time limit: no checker line"; fi
like "$(tr -d '\r' <"$X/startnet.cmd")" '^drvload "%SYSTEMDRIVE%\\DaRT\\Drivers\\01-nvme\\nvme\.inf"$' "--driver DIR: its INF loaded"
if wimdir "$O/adk/sources/boot.wim" 1 | grep -q '^/DaRT/dartexpire.exe$'; then
    fail "no time limit: no checker in the image"
else
    pass "no time limit: no checker in the image"
fi

# A tiny addition makes a WIM only a little larger; a large compressible one is compressed.
head -c 1 /dev/zero >"$W/tiny.bin"
mkdir -p "$W/tiny" "$W/zeros" && cp "$W/tiny.bin" "$W/tiny/" && head -c 1048576 /dev/zero >"$W/zeros/zeros.bin"
run "$DARTMK" build "$SAMPLES/adk" -o "$O/tiny" --add-files "$W/tiny"
src_size=$(size "$SAMPLES/adk/sources/boot.wim")
new_size=$(size "$O/tiny/sources/boot.wim")
[ "$rc" = 0 ] && [ "$new_size" -gt "$src_size" ] && [ "$new_size" -lt $((src_size + 65536)) ]
ok $? "one added byte: the new boot.wim is less than 64 KiB larger ($src_size -> $new_size)"
run "$DARTMK" build "$SAMPLES/adk" -o "$O/zeros" --add-files "$W/zeros"
new_size=$(size "$O/zeros/sources/boot.wim")
[ "$rc" = 0 ] && [ "$new_size" -lt $((src_size + 65536)) ]
ok $? "1 MiB of zeros added: new data is compressed too ($src_size -> $new_size)"

before=$(tree_id "$SAMPLES/dvd.iso")
run "$DARTMK" build "$SAMPLES/dvd.iso" -o "$O/iso-plain"
is "$rc" 0 "dvd.iso, no options: exit 0"
# The judge's copy of the ISO's files.
xorriso -osirrox on -indev "$SAMPLES/dvd.iso" -extract / "$W/fromiso" >/dev/null 2>&1
kept_resources "$W/fromiso/sources/boot.wim" "$O/iso-plain/sources/boot.wim" &&
    [ "$(one_image "$O/iso-plain/sources/boot.wim" | cut -d' ' -f1,2)" = "1 1" ]
ok $? "dvd.iso: boot.wim read through the ISO, image 2 exported alone (was: byte-identical)"
is "$(files_of "$O/iso-plain" | grep -v '^dartmk-manifest.json$')" "$(winpe_files "$W/fromiso" | grep -v '^boot.catalog$')" \
    "dvd.iso: the tree holds the ISO's Windows PE files (was: all its files)"
winpe_files "$W/fromiso" | grep -v '^sources/boot.wim$' | while IFS= read -r f; do
    cmp -s "$W/fromiso/$f" "$O/iso-plain/$f" || { diag "$f differs"; exit 1; }
done
ok $? "dvd.iso: as they are"
manifest_ok "$O/iso-plain"
ok $? "dvd.iso: the manifest matches the files"
run "$DARTMK" build "$SAMPLES/dvd.iso" -o "$O/iso" --tool "Remote=$W/remote" --expire-days 7
is "$rc" 0 "dvd.iso, customised: exit 0"
wimverify "$O/iso/sources/boot.wim" >/dev/null 2>&1
ok $? "dvd.iso: wimverify passes"
is "$(one_image "$O/iso/sources/boot.wim" | cut -d' ' -f1,2)" "1 1" "dvd.iso: image 2 alone, bootable"
kept_resources "$W/fromiso/sources/boot.wim" "$O/iso/sources/boot.wim"
ok $? "dvd.iso: the source's resources kept as they were"
has_all "$(wimdir "$O/iso/sources/boot.wim" 1)" /DaRT/Tools/Remote/rdsrv.exe /DaRT/dartexpire.exe
ok $? "dvd.iso: the tool and the checker are in the image (the source's image 2)"
is "$(mf "$O/iso" .source.kind)" iso "dvd.iso: manifest source kind iso"
is "$(tree_id "$SAMPLES/dvd.iso")" "$before" "dvd.iso: the ISO is unchanged"
run "$DARTMK" build "$SAMPLES/adk.iso" -o "$O/adkiso"
xorriso -osirrox on -indev "$SAMPLES/adk.iso" -extract /sources/boot.wim "$W/adkiso.wim" >/dev/null 2>&1
cmp -s "$W/adkiso.wim" "$O/adkiso/sources/boot.wim"
ok $? "adk.iso, no options: boot.wim byte-identical"
run "$DARTMK" build "$SAMPLES/udf.iso" -o "$O/udf" --tool "Remote=$W/remote"
is "$rc" 0 "udf.iso, customised: exit 0"
has_all "$(wimdir "$O/udf/sources/boot.wim" 1)" /DaRT/Tools/Remote/rdsrv.exe
ok $? "udf.iso: boot.wim read through UDF and customised"

before=$(tree_id "$SAMPLES/boot.wim")
run "$DARTMK" build "$SAMPLES/boot.wim" -o "$O/wim-plain"
is "$rc" 0 "bare boot.wim, no options: exit 0"
cmp -s "$SAMPLES/boot.wim" "$O/wim-plain/sources/boot.wim"
ok $? "bare boot.wim: copied to sources/boot.wim as it is"
run "$DARTMK" build "$SAMPLES/boot.wim" -o "$O/wim" --tool "Remote=$W/remote" --driver "$W/drv/nvme"
is "$rc" 0 "bare boot.wim, customised: exit 0"
is "$(tree_id "$SAMPLES/boot.wim")" "$before" "bare boot.wim: the source WIM is unchanged (the copy is customised)"
wimverify "$O/wim/sources/boot.wim" >/dev/null 2>&1
ok $? "bare boot.wim: wimverify passes"
kept_resources "$SAMPLES/boot.wim" "$O/wim/sources/boot.wim"
ok $? "bare boot.wim: its resources kept as they were"
has_all "$(wimdir "$O/wim/sources/boot.wim" 1)" /DaRT/Tools/Remote/rdsrv.exe /DaRT/Drivers/01-nvme/nvme.inf
ok $? "bare boot.wim: the tool and the driver are in the image"
manifest_ok "$O/wim"
ok $? "bare boot.wim: the manifest matches the files"
run "$DARTMK" inspect --json "$O/wim"
is "$(j .bios)/$(j .uefi)" "true/true" "bare boot.wim: the recovery tree boots BIOS and UEFI (files inside boot.wim)"

# --- --image-index ----------------------------------------------------------------------------
run "$DARTMK" build "$DVD" -o "$O/idx1" --image-index 1 --tool "Remote=$W/remote" --json
is "$rc/$(j .image_index)" "0/1" "--image-index 1: exit 0, image 1"
has_all "$(wimdir "$O/idx1/sources/boot.wim" 1)" /DaRT/Tools/Remote/rdsrv.exe /Windows/System32/startnet.cmd /DaRT/DartConfig.ini
ok $? "--image-index 1: image 1 customised"
is "$(one_image "$O/idx1/sources/boot.wim")" "1 1 $(wiminfo "$DVD/sources/boot.wim" 1 | awk -F': *' '/^Name/ { print $2 }')" \
    "--image-index 1: image 1 alone, bootable (was: image 2 kept untouched)"
is "$(mf "$O/idx1" .image_index)" 1 "--image-index 1: manifest image_index 1"
wimverify "$O/idx1/sources/boot.wim" >/dev/null 2>&1
ok $? "--image-index 1: wimverify passes"

# --- tools -----------------------------------------------------------------------------------
run "$DARTMK" build "$SAMPLES/adk" -o "$O/tools" --tool "R&D 100%=$W/dc" --tool "Only=$W/remote/rdsrv.exe" \
    --tool "Helper=$W/remote:helpdesk" --tool "Last=$W/named/helper.exe"
is "$rc" 0 "tools: a folder, an .exe, a :helpdesk folder"
x "$O/tools" 1 /Windows/System32/startnet.cmd /DaRT/DartConfig.ini
sn=$(tr -d '\r' <"$X/startnet.cmd")
is "$(printf '%s\n' "$sn" | grep -E '^echo +[1-9][0-9]*\. ' | sed -E 's/^echo +//')" \
    "$(printf '%s\n' '1. R^&D 100%%' '2. Only' '3. Last')" "menu numbering skips the helpdesk tools; names escaped for echo"
like "$sn" '^start "R&D 100%%" "%SYSTEMDRIVE%\\DaRT\\Tools\\R&D 100%%\\Disk Commander\.exe"$' "a folder's only .exe is started; % doubled in quotes"
like "$sn" '^start "Last" "%SYSTEMDRIVE%\\DaRT\\Tools\\Last\\helper\.exe"$' "an .exe tool is started by its own name"
has_all "$(wimdir "$O/tools/sources/boot.wim" 1)" "/DaRT/Tools/R&D 100%/Disk Commander.exe" /DaRT/Tools/Helper/rdsrv.exe \
    /DaRT/Tools/Only/rdsrv.exe /DaRT/Tools/Last/helper.exe
ok $? "every tool is in the image, the helpdesk one too"
like "$(tr -d '\r' <"$X/DartConfig.ini")" '^3\.Offered=0$' "DartConfig.ini: the helpdesk tool has Offered=0"

# --- remote connection -------------------------------------------------------------------------
run "$DARTMK" build "$SAMPLES/adk" -o "$O/remote" --tool "R=$W/remote" --remote --remote-tool r \
    --remote-message $'Call the help desk\nat 555-0100'
is "$rc" 0 "--remote with the default port; --remote-tool names a tool case-insensitively"
x "$O/remote" 1 /Windows/System32/startnet.cmd /DaRT/RemoteMessage.txt /DaRT/DartConfig.ini
like "$(tr -d '\r' <"$X/startnet.cmd")" 'localport=3388( |$)' "default port 3388 in the firewall rule"
like "$(tr -d '\r' <"$X/startnet.cmd")" '\\DaRT\\Tools\\R\\rdsrv\.exe" -port 3388$' "the remote tool started with -port 3388"
like "$(tr -d '\r' <"$X/DartConfig.ini")" '^Port=3388$' "DartConfig.ini: Port=3388"
cmp -s "$X/RemoteMessage.txt" <(printf 'Call the help desk\r\nat 555-0100\r\n')
ok $? "--remote-message TEXT: CRLF line ends"
run "$DARTMK" build "$SAMPLES/adk" -o "$O/remote80" --tool "R=$W/remote" --remote --remote-tool R --remote-port 80
is "$rc" 0 "--remote-port 80: exit 0"
like "$err" "^dartmk: warning: --remote-port 80" "--remote-port 80: a warning on stderr"
x "$O/remote80" 1 /Windows/System32/startnet.cmd
like "$(tr -d '\r' <"$X/startnet.cmd")" 'localport=80( |$)' "--remote-port 80 in the firewall rule"
run "$DARTMK" build "$SAMPLES/adk" -o "$O/remote-crlf" --tool "R=$W/remote" --remote --remote-tool R --remote-message "@$W/msg-crlf.txt"
x "$O/remote-crlf" 1 /DaRT/RemoteMessage.txt
cmp -s "$X/RemoteMessage.txt" "$W/msg-crlf.txt"
ok $? "--remote-message @FILE with CRLF lines: kept as it is (not doubled)"

# The 2048-character limit, in characters (UTF-8), from the command line and from a file.
chars() { head -c "$2" /dev/zero | tr '\0' x | sed "s/x/$1/g"; }
REM=(--tool "R=$W/remote" --remote --remote-tool R)
run "$DARTMK" build "$SAMPLES/adk" -o "$O/m2048" "${REM[@]}" --remote-message "$(chars x 2048)"
is "$rc" 0 "--remote-message of exactly 2048 characters: exit 0"
chars x 2048 >"$W/m2048.txt" && echo >>"$W/m2048.txt"
run "$DARTMK" build "$SAMPLES/adk" -o "$O/m2048f" "${REM[@]}" --remote-message "@$W/m2048.txt"
is "$rc" 0 "--remote-message @FILE of 2048 characters and a final line end: exit 0"
x "$O/m2048f" 1 /DaRT/RemoteMessage.txt
is "$(size "$X/RemoteMessage.txt")" 2050 "RemoteMessage.txt: 2048 characters and CRLF"
run "$DARTMK" build "$SAMPLES/adk" -o "$O/m2048u" "${REM[@]}" --remote-message "$(chars é 2048)"
is "$rc" 0 "2048 two-byte characters: exit 0 (the limit counts characters)"
# In a recipe, a line holds at most 198 bytes (Debian's libinih reads 200 at a time, the line
# end and the string's end included): 2048 characters continue over indented lines, or sit in
# a file (@FILE). --print-recipe writes such a message as continuation lines, each short enough.
M16=$(for i in $(seq -w 1 16); do printf 'Line %s: %s\n' "$i" "$(chars y 118)"; done)
M16=${M16}x # 16 lines of 127 characters, 15 line ends between them, one more character: 2048
is "${#M16}" 2048 "a message of 2048 characters in 16 lines"
run "$DARTMK" build --print-recipe "${REM[@]}" --remote-message "$M16"
printf '%s\n' "$out" >"$W/m16.ini"
is "$rc/$err/$(grep -c '^    Line' "$W/m16.ini")/$(awk 'length > 198' "$W/m16.ini" | wc -l)" "0//15/0" \
    "--print-recipe: the message's lines continue on 15 indented lines, none over 198 bytes"
run "$DARTMK" build "$SAMPLES/adk" -o "$O/m16" -q --recipe "$W/m16.ini"
is "$rc/$err" "0/" "a 2048-character message over continuation lines of a recipe: exit 0"
x "$O/m16" 1 /DaRT/RemoteMessage.txt
cmp -s "$X/RemoteMessage.txt" <(printf '%s\n' "$M16" | sed 's/$/\r/')
ok $? "RemoteMessage.txt: the 2048 characters, each line ending in CRLF"
printf '[build]\ntool = R=%s\nremote = yes\nremote-tool = R\nremote-message = @m2048.txt\n' "$W/remote" >"$W/m2048.ini"
run "$DARTMK" build "$SAMPLES/adk" -o "$O/m2048r" -q --recipe "$W/m2048.ini"
x "$O/m2048r" 1 /DaRT/RemoteMessage.txt
is "$rc/$err/$(size "$X/RemoteMessage.txt")" "0//2050" "a recipe's remote-message = @FILE of 2048 characters on one line: exit 0, all of it"
run "$DARTMK" build --print-recipe "${REM[@]}" --remote-message "$(chars x 2048)"
like "$rc/$err" "^0/dartmk: warning: --print-recipe: the remote-message value cannot be written exactly.*198 bytes.*@FILE" \
    "--print-recipe warns that a 2048-character line does not fit a recipe line"

# --- debugging tools -------------------------------------------------------------------------
run "$DARTMK" build "$SAMPLES/adk" -o "$O/dbg-target" --debugging-tools target
is "$rc" 0 "--debugging-tools target: exit 0"
x "$O/dbg-target" 1 /Windows/System32/startnet.cmd /DaRT/DartConfig.ini
like "$(tr -d '\r' <"$X/DartConfig.ini")" '^\[DebuggingTools\]$' "DartConfig.ini: [DebuggingTools]"
like "$(tr -d '\r' <"$X/DartConfig.ini")" '^Location=target$' "DartConfig.ini: Location=target"
like "$(tr -d '\r' <"$X/startnet.cmd")" '^set "DART_DEBUGGERS=target"$' "startnet.cmd: DART_DEBUGGERS=target"
if wimdir "$O/dbg-target/sources/boot.wim" 1 | grep -q '^/DaRT/Debuggers'; then
    fail "target: no DaRT/Debuggers folder"
else
    pass "target: no DaRT/Debuggers folder"
fi
is "$(mf "$O/dbg-target" .debugging_tools)" target "manifest: debugging_tools target"

# --- drivers: a wireless INF warns ------------------------------------------------------------
run "$DARTMK" build "$SAMPLES/adk" -o "$O/wifi" --driver "$W/wifi/wifi.inf"
is "$rc" 0 "a wireless INF: exit 0"
like "$err" "^dartmk: warning: .*wifi\.inf.*wireless" "a wireless INF: a warning naming it"
has_all "$(wimdir "$O/wifi/sources/boot.wim" 1)" /DaRT/Drivers/01-wifi/wifi.inf
ok $? "a wireless INF is still added"
# INF files are often UTF-16LE.
mkdir -p "$W/wifi16" && printf '[Version]\r\nClass=Net\r\n; Contoso 802.11ac wireless adapter\r\n' |
    iconv -f UTF-8 -t UTF-16 >"$W/wifi16/wifi16.inf"
run "$DARTMK" build "$SAMPLES/adk" -o "$O/wifi16" --driver "$W/wifi16"
is "$rc" 0 "a UTF-16 wireless INF: exit 0"
like "$err" "wifi16\.inf.*wireless" "a UTF-16 wireless INF: the warning too"
# A large INF (more than the 1 MiB the wireless check reads) is no error.
mkdir -p "$W/big" && { printf '[Version]\nClass=System\n'; head -c 1200000 /dev/zero | tr '\0' ';'; echo; } >"$W/big/big.inf"
run "$DARTMK" build "$SAMPLES/adk" -o "$O/big" -q --driver "$W/big"
is "$rc/$err" "0/" "a driver with a 1.2 MB INF: exit 0, nothing on stderr"

# --- --add-files DIR=DEST --------------------------------------------------------------------
run "$DARTMK" build "$SAMPLES/adk" -o "$O/add" --add-files "$W/add=/Program Files/Contoso/" --add-files "$W/add=Windows\\Temp"
is "$rc" 0 "--add-files DIR=DEST: exit 0"
has_all "$(wimdir "$O/add/sources/boot.wim" 1)" "/Program Files/Contoso/hello.txt" "/Program Files/Contoso/deep/deep.txt" \
    /Windows/Temp/hello.txt /Windows/Temp/deep/deep.txt
ok $? "--add-files: files at DEST ('/' or '\\' separated)"

# --- --force ----------------------------------------------------------------------------------
mkdir -p "$O/forced" && echo keep >"$O/forced/keep.txt"
run "$DARTMK" build "$DVD" -o "$O/forced" --force
is "$rc" 0 "--force into a folder that is not empty: exit 0"
is "$(cat "$O/forced/keep.txt")" keep "--force: the folder's own files are left alone"
cmp -s "$DVD/boot/bcd" "$O/forced/boot/bcd" && [ -f "$O/forced/sources/boot.wim" ]
ok $? "--force: the tree written"
mkdir -p "$O/empty"
run "$DARTMK" build "$DVD" -o "$O/empty"
is "$rc" 0 "an empty folder needs no --force"

# --- recipes ---------------------------------------------------------------------------------
mkdir -p "$W/fleet/tools/Foo" "$W/fleet/drivers" "$W/pr"
echo foo >"$W/fleet/tools/Foo/Foo.exe"
echo bar >"$W/fleet/tools/bar.exe"
cp -r "$W/drv/nvme" "$W/fleet/drivers/"
printf 'Fleet line one\nline two\n' >"$W/fleet/message.txt"
cat >"$W/fleet/fleet.ini" <<'EOF'
; the fleet's recipe
[build]
tool = Foo=tools/Foo
tool = Bar=tools/bar.exe
driver = drivers/nvme
remote = yes
remote-tool = Foo
remote-port = 5000
remote-message = @message.txt
expire-days = 10
EOF
# shellcheck disable=SC2016 # the backquotes are the recipe header's text
printf '%s\n' '; dartmk recipe: `dartmk build SOURCE -o DIR --recipe FILE` (options on the command' \
    '; line win over these; a list given there replaces the list here).' '[build]' \
    'remote = yes' 'remote-port = 5000' 'remote-tool = Foo' "remote-message = @$W/fleet/message.txt" \
    'expire-days = 10' "tool = Foo=$W/fleet/tools/Foo" "tool = Bar=$W/fleet/tools/bar.exe" \
    "driver = $W/fleet/drivers/nvme" >"$W/fleet.want"
(cd "$W/pr" && run "$DARTMK" build --recipe "$W/fleet/fleet.ini" --print-recipe && printf '%s\n' "$out" >../p1.ini && exit "$rc")
is "$?" 0 "--print-recipe needs no SOURCE or -o"
is "$(cat "$W/p1.ini")" "$(cat "$W/fleet.want")" "--print-recipe: relative paths taken from the recipe's folder (not the current one)"
is "$(entries "$W/pr")/$(entries "$TMPDIR")" "0/0" "--print-recipe writes nothing"
run "$DARTMK" build --recipe "$W/p1.ini" --print-recipe
is "$out" "$(cat "$W/p1.ini")" "--print-recipe output read back as --recipe: the same recipe (round trip)"
run "$DARTMK" build --recipe "$W/fleet/fleet.ini" --print-recipe --expire-days 5 --remote-port 6000 \
    --tool "Baz=$W/remote/rdsrv.exe" --remote-tool Baz
like "$out" '^expire-days = 5$' "a scalar on the command line wins over the recipe"
like "$out" '^remote-port = 6000$' "  (remote-port too)"
is "$(printf '%s\n' "$out" | grep '^tool = ')" "tool = Baz=$W/remote/rdsrv.exe" "a list on the command line replaces the recipe's list"
is "$(printf '%s\n' "$out" | grep '^driver = ')" "driver = $W/fleet/drivers/nvme" "a list not given on the command line stays the recipe's"
run "$DARTMK" build --print-recipe --tool "C=$W/tool.cab"
is "$rc/$(entries "$TMPDIR")" "0/0" "--print-recipe with a cabinet: checked, and its staging folder removed"
# INI cannot hold every text (libinih drops " ;" comments, blank lines, spaces at line ends):
# --print-recipe says so rather than print a recipe that means something else; a message that
# fits round-trips exactly, over several lines.
for msg in $'First paragraph.\n\nSecond paragraph.' 'Call 555-0100 ; ask for Contoso IT' '  indented'; do
    run "$DARTMK" build --print-recipe "${REM[@]}" --remote-message "$msg"
    like "$rc/$err" "^0/dartmk: warning: --print-recipe: the remote-message value cannot be written exactly.*@FILE" \
        "--print-recipe warns that the message '$(printf '%s' "$msg" | head -1)...' does not fit INI"
done
run "$DARTMK" build --print-recipe "${REM[@]}" --remote-message $'Call 555-0100\nAsk for IT; say "DaRT"'
printf '%s\n' "$out" >"$W/rt.ini"
run "$DARTMK" build --print-recipe --recipe "$W/rt.ini"
is "$rc/$err/$out" "0//$(cat "$W/rt.ini")" "a two-line message round-trips through a recipe exactly"
(cd "$W/pr" && SOURCE_DATE_EPOCH=1700000000 run "$DARTMK" build "$DVD" -o "$O/recipe" --recipe ../fleet/fleet.ini --json &&
    printf '%s\n' "$out" >../recipe.json && exit "$rc")
is "$?" 0 "a build from a recipe: exit 0"
out=$(cat "$W/recipe.json")
is "$(j '[.tools, .drivers, .expires] | map(tostring) | join(" ")')" "2 1 2023-11-24T22:13:20Z" "recipe build: tools, driver and time limit"
has_all "$(wimdir "$O/recipe/sources/boot.wim" 1)" /DaRT/Tools/Foo/Foo.exe /DaRT/Tools/Bar/bar.exe \
    /DaRT/Drivers/01-nvme/nvme.inf /DaRT/RemoteMessage.txt
ok $? "recipe build: the recipe's files are in the image"
x "$O/recipe" 1 /Windows/System32/startnet.cmd /DaRT/RemoteMessage.txt
like "$(tr -d '\r' <"$X/startnet.cmd")" '\\DaRT\\Tools\\Foo\\Foo\.exe" -port 5000$' "recipe build: remote tool and port"
is "$(tr -d '\r' <"$X/RemoteMessage.txt")" "$(cat "$W/fleet/message.txt")" "recipe build: @message.txt from the recipe's folder"
is "$(mf "$O/recipe" '.recipe["expire-days"] + " " + (.recipe.tool | length | tostring)')" "10 2" "manifest: the recipe it was built with"

# --- bad input: exit code, one line naming the thing, nothing written, no staging left ----------
B=$O/bad
# bad DESCRIPTION EXPECTED-RC REGEX ARGS...: ARGS follow `dartmk build`; -o is $B when given.
bad() {
    local d=$1 want=$2 re=$3
    shift 3
    run "$DARTMK" build "$@"
    is "$rc" "$want" "$d: exit $want"
    like "$err" "$re" "$d: message"
    is "$(printf '%s\n' "$err" | wc -l)/${#out}/$([ -e "$B" ] && echo written || echo nothing)/$(entries "$TMPDIR")" \
        "1/0/nothing/0" "$d: one line, nothing written, no staging left"
}
D=("$DVD" -o "$B")
R=("${D[@]}" --tool "R=$W/remote" --remote --remote-tool R)

bad "--expire-days 0" 2 "^dartmk: --expire-days: '0' is not a number of days" "${D[@]}" --expire-days 0
bad "--expire-days -1" 2 "^dartmk: --expire-days: '-1' is not" "${D[@]}" --expire-days -1
bad "--expire-days abc" 2 "^dartmk: --expire-days: 'abc' is not" "${D[@]}" --expire-days abc
bad "--expire-days 36501" 2 "^dartmk: --expire-days: '36501' is not" "${D[@]}" --expire-days 36501
bad "--remote-port 0" 2 "^dartmk: --remote-port: '0' is not a TCP port" "${R[@]}" --remote-port 0
bad "--remote-port 70000" 2 "^dartmk: --remote-port: '70000' is not a TCP port" "${R[@]}" --remote-port 70000
bad "--remote-port abc" 2 "^dartmk: --remote-port: 'abc' is not a TCP port" "${R[@]}" --remote-port abc
bad "--remote-message of 2049 characters" 2 "^dartmk: --remote-message: 2049 characters; the limit is 2048" \
    "${R[@]}" --remote-message "$(chars x 2049)"
chars x 2049 >"$W/m2049.txt"
bad "--remote-message @FILE of 2049 characters" 2 "^dartmk: --remote-message: 2049 characters" \
    "${R[@]}" --remote-message "@$W/m2049.txt"
bad "--remote-message of 2049 two-byte characters" 2 "^dartmk: --remote-message: 2049 characters" \
    "${R[@]}" --remote-message "$(chars é 2049)"
bad "--remote-message @FILE missing" 1 "$W/nope\.txt" "${R[@]}" --remote-message "@$W/nope.txt"
bad "--remote-port without --remote" 2 "^dartmk: --remote-port needs --remote" "${D[@]}" --remote-port 4000
bad "--remote-message without --remote" 2 "^dartmk: --remote-message needs --remote" "${D[@]}" --remote-message hi
bad "--remote-tool without --remote" 2 "^dartmk: --remote-tool needs --remote" "${D[@]}" --tool "R=$W/remote" --remote-tool R
bad "--remote without --remote-tool" 2 "^dartmk: --remote needs --remote-tool" "${D[@]}" --tool "R=$W/remote" --remote
bad "--remote-tool naming no tool" 2 "^dartmk: --remote-tool 'X'" "${D[@]}" --tool "R=$W/remote" --remote --remote-tool X
bad "a tool that does not exist" 1 "^dartmk: --tool T=$W/nope: No such file or directory" "${D[@]}" --tool "T=$W/nope"
bad "a driver that does not exist" 1 "^dartmk: --driver $W/nope\.inf: No such file or directory" "${D[@]}" --driver "$W/nope.inf"
bad "a driver folder that does not exist" 1 "^dartmk: --driver $W/nope: No such file or directory" "${D[@]}" --driver "$W/nope"
bad "--add-files that does not exist" 1 "^dartmk: --add-files $W/nope: No such file or directory" "${D[@]}" --add-files "$W/nope"
bad "--add-files DEST with .." 2 "^dartmk: --add-files .*without '\.' or '\.\.'" "${D[@]}" --add-files "$W/add=../up"
bad "--debugging-tools that does not exist" 1 "^dartmk: --debugging-tools $W/nope: No such file or directory" \
    "${D[@]}" --debugging-tools "$W/nope"
bad "--debugging-tools a file" 1 "^dartmk: --debugging-tools $W/msg\.txt: not a folder" "${D[@]}" --debugging-tools "$W/msg.txt"
bad "a corrupt cabinet" 1 "^dartmk: $W/bad\.cab: .*corrupt" "${D[@]}" --tool "C=$W/bad.cab"
bad "a .cab that is not a cabinet" 1 "^dartmk: $W/x\.cab: not a valid cabinet" "${D[@]}" --tool "C=$W/x.cab"
bad "an INF at / that does not exist" 1 "^dartmk: --driver /dartmk-none\.inf: No such file or directory$" \
    "${D[@]}" --driver /dartmk-none.inf
bad "a driver folder without an INF" 1 "^dartmk: --driver $W/drv/none: the folder holds no \.inf file" "${D[@]}" --driver "$W/drv/none"
bad "a driver file that is not an INF" 1 "^dartmk: --driver $W/msg\.txt: not an \.inf file or a folder" "${D[@]}" --driver "$W/msg.txt"
bad "two tools named A and a" 2 "^dartmk: --tool: 'A' and 'a' are the same name" "${D[@]}" --tool "A=$W/remote" --tool "a=$W/dc"
bad "a tool name with <" 2 "^dartmk: --tool 'B<d=.*': a tool's name cannot hold '<'" "${D[@]}" --tool "B<d=$W/remote"
bad "a tool name with :" 2 "^dartmk: --tool 'a:b=.*': a tool's name cannot hold ':'" "${D[@]}" --tool "a:b=$W/remote"
bad "a tool name ending with a dot" 2 "^dartmk: --tool 'T\.=.*': a tool's name cannot" "${D[@]}" --tool "T.=$W/remote"
bad "a tool without NAME=" 2 "^dartmk: --tool '.*': expected NAME=PATH" "${D[@]}" --tool "$W/remote"
bad "a tool folder of two programs, neither NAME.exe" 1 "^dartmk: --tool M=$W/multi: the folder holds 2 programs; name the one to start 'M\.exe'" \
    "${D[@]}" --tool "M=$W/multi"
bad "a tool folder without a program" 1 "^dartmk: --tool E=$W/noexe: the folder holds no program" "${D[@]}" --tool "E=$W/noexe"
bad "a tool that is a text file" 1 "^dartmk: --tool T=$W/msg\.txt: not a folder, an \.exe or a \.cab" "${D[@]}" --tool "T=$W/msg.txt"
bad "--image-index 3 on a WIM of 2 images" 1 "^dartmk: sources/boot\.wim: image index 3 does not exist" "${D[@]}" --image-index 3
bad "--image-index 0" 2 "^dartmk: --image-index: '0' is not an image number" "${D[@]}" --image-index 0
printf '[build]\ntool = X=y\nbogus = 1\n' >"$W/unknown.ini"
bad "an unknown recipe key" 2 "^dartmk: $W/unknown\.ini:3: unknown key 'bogus'" "${D[@]}" --recipe "$W/unknown.ini"
printf '[build]\nexpire-days = 10\nthis is not a recipe line\n' >"$W/garbled.ini"
bad "a recipe line without =" 2 "^dartmk: $W/garbled\.ini:3: not a recipe line" "${D[@]}" --recipe "$W/garbled.ini"
bad "a recipe file that does not exist" 1 "^dartmk: $W/nope\.ini: cannot read the recipe" "${D[@]}" --recipe "$W/nope.ini"
# A recipe line longer than libinih reads whole would be cut, its tail read as a line of its own.
# Here the tail past 199 bytes is "expire-days = 1", and the build would have a 1-day limit.
printf '[build]\ntool = R=%s\nremote = yes\nremote-tool = R\nremote-message = %sexpire-days = 1\n' \
    "$W/remote" "$(chars a 182)" >"$W/long.ini"
bad "a recipe line longer than 198 bytes" 2 "^dartmk: $W/long\.ini:5: longer than 198 bytes, the most a recipe line holds" \
    "${D[@]}" --recipe "$W/long.ini"
printf '[build]\ntool = R=%s\nexpire-days = 3%b0\n' "$W/remote" '\0' >"$W/nul.ini"
bad "a NUL byte in a recipe" 2 "^dartmk: $W/nul\.ini:3: a NUL byte" "${D[@]}" --recipe "$W/nul.ini"
# Names that go into the image: UTF-8 (wimlib's names) without control characters. The messages
# show the invalid bytes as \xNN (LC_ALL=C: '.*' would match raw ones only then).
LC_ALL=C bad "a tool name of invalid UTF-8" 2 "^dartmk: --tool '.*': the name is not valid UTF-8$" "${D[@]}" --tool $'\xff\xfe='"$W/remote"
printf '[build]\ntool = A\xffB=%s\n' "$W/remote" >"$W/badname.ini"
LC_ALL=C bad "a recipe's tool name of invalid UTF-8" 2 "^dartmk: --tool '.*': the name is not valid UTF-8$" "${D[@]}" --recipe "$W/badname.ini"
bad "a tool name with an ESC" 2 "^dartmk: --tool 'a\\\\x1Bb=.*': the name holds a control character$" "${D[@]}" --tool $'a\eb='"$W/remote"
mkdir -p "$W/bad8" && echo x >"$W/bad8/"$'r\xe9.exe'
LC_ALL=C bad "a tool's .exe named in invalid UTF-8" 2 "^dartmk: --tool T=.*: the program's name '.*' is not valid UTF-8$" \
    "${D[@]}" --tool "T=$W/bad8/"$'r\xe9.exe'
LC_ALL=C bad "--add-files DEST of invalid UTF-8" 2 "^dartmk: --add-files '.*': the destination is not valid UTF-8$" \
    "${D[@]}" --add-files "$W/add="$'Extra\\\xc0\xaf'
bad "--add-files DEST with a newline" 2 "^dartmk: --add-files '.*=Extra\\\\x0AEvil': the destination holds a control character$" \
    "${D[@]}" --add-files "$W/add="$'Extra\nEvil'
mkdir -p "$W/drv/"$'n\xff' "$W/drv/ctl" && cp "$W/drv/nvme/nvme.inf" "$W/drv/"$'n\xff/' &&
    cp "$W/drv/nvme/nvme.inf" "$W/drv/ctl/"$'a\rb.inf'
LC_ALL=C bad "a driver folder named in invalid UTF-8" 2 "^dartmk: --driver .*: the folder's name '.*' is not valid UTF-8$" \
    "${D[@]}" --driver "$W/drv/"$'n\xff'
bad "an INF named with a control character" 2 "^dartmk: --driver $W/drv/ctl: the name 'a\\\\x0Db\.inf' holds a control character$" \
    "${D[@]}" --driver "$W/drv/ctl"
# Every name inside a folder whose contents go in, found at planning (wimlib would refuse it
# only while writing boot.wim, without naming it).
mkdir -p "$W/add8" "$W/toolctl/sub" && echo x >"$W/add8/"$'f\xff.txt' && echo x >"$W/toolctl/T.exe" &&
    echo x >"$W/toolctl/sub/"$'a\eb'
LC_ALL=C bad "a file named in invalid UTF-8 inside --add-files" 2 "^dartmk: --add-files $W/add8: the name 'f\\\\xFF\.txt' is not valid UTF-8$" \
    "${D[@]}" --add-files "$W/add8"
bad "a file named with an ESC inside a tool folder" 2 "^dartmk: --tool T=$W/toolctl: the name 'sub/a\\\\x1Bb' holds a control character$" \
    "${D[@]}" --tool "T=$W/toolctl"
printf '[build]\nexpire-days = 0\n' >"$W/zero.ini"
bad "a bad value in a recipe" 2 "^dartmk: --expire-days: '0' is not" "${D[@]}" --recipe "$W/zero.ini"
bad "SOURCE that does not exist" 1 "^dartmk: $W/nope\.iso: no such file or directory" "$W/nope.iso" -o "$B"
bad "no -o" 2 "^dartmk build: no output folder given" "$DVD"
bad "no SOURCE" 2 "^dartmk build: no SOURCE given" -o "$B"
bad "two SOURCEs" 2 "^dartmk build: one SOURCE at a time" "$DVD" "$SAMPLES/adk" -o "$B"
SOURCE_DATE_EPOCH=yesterday bad "SOURCE_DATE_EPOCH not a number" 2 "^dartmk: SOURCE_DATE_EPOCH: 'yesterday'" "${D[@]}"
bad "-o in a folder that does not exist" 1 "^dartmk: $B/sub: cannot make the folder" "$DVD" -o "$B/sub"

# The output folder: not empty (refused, untouched), a file, empty (kept empty after a failure).
mkdir -p "$O/full-dir/sub" && echo mine >"$O/full-dir/mine.txt" && echo deep >"$O/full-dir/sub/x"
before=$(tree_id "$O/full-dir")
run "$DARTMK" build "$DVD" -o "$O/full-dir" --tool "R=$W/remote"
is "$rc" 3 "a folder that is not empty, without --force: exit 3"
like "$err" "^dartmk: $O/full-dir: exists and is not empty \(--force writes into it\)$" "not empty: message"
is "$(tree_id "$O/full-dir")/$(entries "$TMPDIR")" "$before/0" "not empty: the folder is untouched, no staging left"
echo file >"$O/afile"
run "$DARTMK" build "$DVD" -o "$O/afile"
is "$rc" 1 "-o names a file: exit 1"
like "$err" "^dartmk: $O/afile: exists and is not a folder$" "-o names a file: message"
is "$(cat "$O/afile")/$(entries "$TMPDIR")" "file/0" "-o names a file: the file is untouched"
mkdir -p "$O/kept"
run "$DARTMK" build "$DVD" -o "$O/kept" --tool "C=$W/bad.cab"
is "$rc/$(entries "$O/kept")" "1/0" "a failure with an empty output folder: it stays, empty"

# Building into the source itself would overwrite the files it reads.
cp -a "$SAMPLES/adk" "$W/self"
before=$(tree_id "$W/self")
run "$DARTMK" build "$W/self" -o "$W/self" --force --tool "R=$W/remote"
[ "$rc" -ne 0 ]
ok $? "-o SOURCE --force: refused"
is "$(tree_id "$W/self")" "$before" "-o SOURCE --force: the source is untouched"

# A helpdesk tool needs no program to start, even when its folder holds several (or none).
run "$DARTMK" build "$SAMPLES/adk" -o "$O/helpdesk-multi" -q --tool "M=$W/multi:helpdesk" --tool "R=$W/remote"
is "$rc/$err" "0/" "a folder of two programs, neither M.exe, as a :helpdesk tool: exit 0, no message"
has_all "$(wimdir "$O/helpdesk-multi/sources/boot.wim" 1 2>/dev/null)" /DaRT/Tools/M/a.exe /DaRT/Tools/M/b.exe
ok $? "  both programs are in the image"
run "$DARTMK" build "$SAMPLES/adk" -o "$O/helpdesk-none" -q --tool "E=$W/noexe:helpdesk"
is "$rc/$err" "0/" "a folder without a program as a :helpdesk tool: exit 0, no message"

# --- the disk fills up: nothing is left ------------------------------------------------------
if [ -e "$SHIM" ]; then
    FW=(--tool "R=$W/remote" --tool "Disk Commander=$W/dc" --driver "$W/drv/nvme/nvme.inf" --expire-days 30 --add-files "$W/add")
    run "$DARTMK" build "$DVD" -o "$O/measure" -q "${FW[@]}"
    wim=$(size "$DVD/sources/boot.wim")
    growth=$(($(size "$O/measure/sources/boot.wim") - wim))
    manifest=$(size "$O/measure/dartmk-manifest.json")
    total=$(find "$O/measure" -type f -printf '%s\n' | awk '{ s += $1 } END { print s }')
    [ "$rc" = 0 ] && [ "$growth" -gt 4096 ]
    ok $? "a customised build measured: $total bytes, boot.wim grew by $growth"
    fill() { # fill LIMIT DESCRIPTION REGEX [PREFIX]: the room is LIMIT bytes under PREFIX ($O/fw)
        ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0 LD_PRELOAD=$SHIM FAILWRITE_PREFIX=${4:-$O/fw} FAILWRITE_AFTER=$1 run "$DARTMK" build "$DVD" -o "$O/fw" "${FW[@]}"
        is "$rc" 1 "$2: exit 1"
        like "$err" "$3" "$2: message"
        is "$([ -e "$O/fw" ] && echo left || echo removed)/$(entries "$TMPDIR")" \
            "removed/0" "$2: the output removed, no staging left"
    }
    one_line() { is "$(printf '%s\n' "$err" | wc -l)" 1 "$1: one line on stderr"; }
    fill 100000 "full after 100000 bytes (copying the media)" "No space left on device"
    one_line "full after 100000 bytes"
    # boot.wim is customised in a thread while the rest is copied: the room runs out in either
    # or both, and still one line is said (the copy's, when both failed).
    fill $((total - manifest - 20000)) "full 20 KB before the end" "No space left on device|boot\.wim"
    one_line "full 20 KB before the end"
    # Only boot.wim's writes counted: room for its copy and half of what wimlib appends.
    WIMFILE=$O/fw/$(mf "$O/measure" '.files[] | select(.path | test("boot.wim$"; "i")) | .path')
    fill $((wim + growth / 2)) "full while wimlib appends to boot.wim" "boot\.wim" "$WIMFILE"
    one_line "full while wimlib appends"
    fill $((total - 100)) "full while the manifest is written" "dartmk-manifest\.json.*No space left on device"
    one_line "full while the manifest is written"
    mkdir -p "$O/fw"
    ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0 LD_PRELOAD=$SHIM FAILWRITE_PREFIX=$WIMFILE FAILWRITE_AFTER=$((wim + growth / 2)) run "$DARTMK" build "$DVD" -o "$O/fw" "${FW[@]}"
    is "$rc/$(entries "$O/fw")" "1/0" "full, into a folder that existed empty: it stays, empty"
else
    for _ in $(seq 19); do fail "disk full: $SHIM is missing (make tools)"; done
fi

is "$(entries "$TMPDIR")" 0 "nothing left in TMPDIR"
done_testing
