#!/bin/bash
# DaRT's own tools (--dart-tools, --dart-config, --dart-config-from; src/image/dart.c, msi.c) on
# stand-ins: no DaRT file can be shipped or downloaded, so the tests build DaRT-shaped cabinets
# with gcab (programs compiled with mingw-w64 for x86 and amd64 carrying a VERSIONINFO resource,
# build/fixtures/dart/), an installer with wixl that carries the cab in its embedded cabinet, and
# a fake DartConfig.dat. Judged with wimdir/wimextract and the start-up files' text: DaRT's
# files at their places (DaRT 7's mount\ prefix stripped), DartConfig.dat byte for byte, the
# start-up in order, inspect and verify; a stick and a recovery partition still boot. Then every
# refusal: exit code, one line, nothing written.
# shellcheck source=tests/lib/tap.sh disable=SC2154  # run() sets rc, out, err
. "$(dirname "$0")/../lib/tap.sh"
# shellcheck source=tests/lib/boot.sh
. "$TOP/tests/lib/boot.sh"
# shellcheck source=tests/lib/disks.sh
. "$TOP/tests/lib/disks.sh"
SAMPLES=${SAMPLES:-$(dirname "$FIXTURES")/samples}
[ -f "$SAMPLES/install.iso" ] || make -C "$TOP" -s samples >/dev/null
[ -f "$FIXTURES/dart/7-x86.exe" ] || make -C "$TOP" -s fixtures >/dev/null
[ -f "$FIXTURES/dart/7-x86.exe" ] || missing_prerequisite "no $FIXTURES/dart (make fixtures)"
for t in gcab wixl wimdir wimextract; do
    command -v $t >/dev/null || missing_prerequisite "$t is not installed (scripts/install-deps.sh)"
done
export LC_ALL=C.UTF-8

plan 111
scratch
S=$SCRATCH
export TMPDIR=$S/tmp XDG_STATE_HOME=$S/state HOME=$S/home
mkdir -p "$TMPDIR" "$HOME"
ISO=$SAMPLES/install.iso DVD=$SAMPLES/dvd

# shellcheck source=tests/lib/dart-standins.sh
. "$TOP/tests/lib/dart-standins.sh"

mkdir -p "$S/d7" "$S/d10" "$S/d86" "$S/mixed" "$S/notdart"
stand_in "$S/d7" 7-amd64 mount
winre_xml "$S/d7/mount/sources/recovery/tools/WinREConfig.xml"
mkcab "$S/Toolsx64.cab" "$S/d7"
stand_in "$S/d10" 10-amd64 . utf16
mkcab "$S/Toolsx64-10.cab" "$S/d10"
stand_in "$S/d86" 7-x86 mount
mkcab "$S/Toolsx86.cab" "$S/d86"
stand_in "$S/mixed" 7-amd64 mount
cp "$FIXTURES/dart/7-x86.exe" "$S/mixed/mount/Windows/System32/netstart.exe"
mkcab "$S/mixed.cab" "$S/mixed"
mkdir -p "$S/notdart/Windows/System32" && cp "$FIXTURES/dart/7-amd64.exe" "$S/notdart/Windows/System32/tool.exe"
mkcab "$S/notdart.cab" "$S/notdart"
head -c 4321 /dev/urandom >"$S/DartConfig.dat"
head -c 5000 /dev/urandom >"$S/DartConfig8.dat"
mkdir -p "$S/drv" && printf '[Version]\r\nSignature="$Windows NT$"\r\nClass=Net\r\n' >"$S/drv/net.inf"
mkdir -p "$S/mytool" && cp "$FIXTURES/dart/7-amd64.exe" "$S/mytool/mytool.exe"
mkdir -p "$S/wipe" && cp "$FIXTURES/dart/7-amd64.exe" "$S/wipe/wipe.exe"

mkmsi "$S/MSDaRT70.msi" "$S/Toolsx64.cab"
ok $? "fixture: wixl makes an installer carrying Toolsx64.cab in its embedded cabinet"
mkmsi "$S/NoTools.msi" none
# An installer whose cabinet is beside it (Media.Cabinet without '#'): wixl writes the table
# only, so the cabinet is made here, its members named by the File table's keys.
mkdir -p "$S/extmsi" && mkmsi "$S/extmsi/DaRT.msi" "$S/Toolsx64.cab" no
(cd "$S/extmsi" && cp "$FIXTURES/dart/7-amd64.exe" ERDC.exe && cp "$S/Toolsx64.cab" . &&
    gcab -c -z dart.cab ERDC.exe Toolsx64.cab && rm ERDC.exe Toolsx64.cab)

img_text() { wimextract "$1" 1 "$2" --to-stdout 2>/dev/null | tr -d '\r'; }
launch_apps() { img_text "$1" /Windows/System32/winpeshl.ini | sed -n '/^\[LaunchApps\]/,$p' | tail -n +2; }
manifest() { jq -r "$2" "$1/dartmk-manifest.json"; }
build() { # OUT ARGS...: dartmk build ... -o OUT
    local o=$1
    shift
    run "$DARTMK" build -q "$@" -o "$o"
}
no_leftovers() { [ -z "$(ls -A "$TMPDIR")" ]; }

# --- DaRT 7: a cab with mount\, the wizard's DartConfig.dat, install-ISO-shaped media ---------
O=$S/o7
build "$O" "$ISO" --dart-tools "$S/Toolsx64.cab" --dart-config "$S/DartConfig.dat" \
    --expire-days 30 --driver "$S/drv" --tool "mytool=$S/mytool" --tool "wipe=$S/wipe:helpdesk"
is "$rc" 0 "DaRT 7 cab + DartConfig.dat on the install ISO: exit 0"
[ "$rc" = 0 ] || diag "$err"
W=$O/sources/boot.wim
l=$(wimdir "$W" 1)
like "$l" '^/sources/recovery/tools/MSDartTools\.exe$' "the tools window is at sources\\recovery\\tools (mount\\ stripped)"
like "$l" '^/Windows/System32/RemoteRecovery\.exe$' "Remote Connection is in Windows\\System32"
like "$(tr 'A-Z' 'a-z' <<<"$l")" '^/windows/system32/en-us/remoterecovery\.exe\.mui$' "the cab's nested folders are kept (merged into the image's, whose names ignore case)"
ok "$(grep -ci '^/mount' <<<"$l")" "nothing of the image is under mount\\"
wimextract "$W" 1 /Windows/System32/DartConfig.dat --to-stdout 2>/dev/null | cmp -s - "$S/DartConfig.dat"
ok $? "Windows\\System32\\DartConfig.dat is the wizard's file byte for byte"
apps=$(launch_apps "$W")
is "$(sed -n 1p <<<"$apps")" '%SYSTEMDRIVE%\DaRT\dartexpire.exe, --wait 30 --shutdown' "start-up 1: the expiry checker"
like "$(sed -n 2p <<<"$apps")" '^%SYSTEMROOT%\\System32\\drvload\.exe, "%SYSTEMDRIVE%\\DaRT\\Drivers\\01-drv\\net\.inf"$' "start-up 2: drvload of the driver"
is "$(sed -n '3,$p' <<<"$apps")" '%windir%\system32\netstart.exe, -prompt
%SYSTEMDRIVE%\sources\recovery\recenv.exe' "start-up 3-4: then the cab's own winpeshl.ini entries, in its order"
ok "$(img_text "$W" /Windows/System32/startnet.cmd | grep -c 'generated by dartmk')" "dartmk's own menu (startnet.cmd) is not written: DaRT's start-up runs"
x=$(img_text "$W" /sources/recovery/tools/WinREConfig.xml)
like "$x" 'RelativeFilePath>MSDartTools\.exe<' "WinREConfig.xml keeps DaRT's own entry"
like "$x" 'RelativeFilePath>mytool\\mytool\.exe<' "WinREConfig.xml offers the --tool in System Recovery Options"
ok "$(grep -c wipe <<<"$x")" "a :helpdesk tool is not offered"
like "$l" '^/sources/recovery/tools/mytool/mytool\.exe$' "the --tool is in sources\\recovery\\tools\\NAME"
is "$(manifest "$O" .dart.tools.sha256)" "$(sha256sum <"$S/Toolsx64.cab" | cut -d' ' -f1)" "the manifest records the cab's SHA-256"
is "$(manifest "$O" .dart.config.sha256)" "$(sha256sum <"$S/DartConfig.dat" | cut -d' ' -f1)" "the manifest records DartConfig.dat's SHA-256"
is "$(manifest "$O" '.dart.tools.arch + " " + .dart.tools.version')" "amd64 7.0.1010.0" "the manifest records the tools' architecture and version (VERSIONINFO)"
run "$DARTMK" verify "$O"
is "$rc" 0 "verify passes"
like "$out" "sha256 $(sha256sum <"$S/DartConfig.dat" | cut -d' ' -f1)" "verify shows DartConfig.dat's SHA-256"
run "$DARTMK" inspect --quick "$O"
like "$out" '^DaRT +DaRT image 7\.0\.1010\.0, amd64; DartConfig\.dat \(4321 bytes\)$' "inspect: a DaRT image, its version, architecture and configuration"
like "$out" 'MSDartTools RemoteRecovery WaitForConnection netstart' "inspect: DaRT's programs present"
run "$DARTMK" inspect --quick --json "$O"
is "$(jq -c '.dart | [.image, .version, .arch, .config, .config_size, .windows_re]' <<<"$out")" '[true,"7.0.1010.0","amd64",true,4321,true]' "inspect --json: the DaRT image"
no_leftovers
ok $? "the staging folders are gone"

# --- DaRT 8/10: no mount\, a UTF-16 winpeshl.ini, DartConfig8.dat -------------------------
O=$S/o10
build "$O" "$DVD" --dart-tools "$S/Toolsx64-10.cab" --dart-config "$S/DartConfig8.dat" --tool "mytool=$S/mytool"
is "$rc" 0 "DaRT 10 cab + DartConfig8.dat: exit 0"
W=$O/sources/boot.wim
like "$(wimdir "$W" 1)" '^/sources/recovery/tools/MSDartTools\.exe$' "DaRT 10: the tools window at its place"
wimextract "$W" 1 /Windows/System32/DartConfig.dat --to-stdout 2>/dev/null | cmp -s - "$S/DartConfig8.dat"
ok $? "DaRT 10: DartConfig8.dat went in as Windows\\System32\\DartConfig.dat, byte for byte"
is "$(launch_apps "$W")" '%windir%\system32\netstart.exe, -prompt
%SYSTEMDRIVE%\sources\recovery\recenv.exe' "DaRT 10: the UTF-16 winpeshl.ini's entries read and kept"
x=$(img_text "$W" /sources/recovery/tools/WinREConfig.xml)
is "$(grep -c RelativeFilePath <<<"$x")" 1 "DaRT 10 (no WinREConfig.xml in the cab): only the --tool is offered"
run "$DARTMK" inspect --quick "$O"
like "$out" 'DaRT image 10\.0\.10586\.0, amd64' "inspect: DaRT 10's version"
run "$DARTMK" verify "$O"
is "$rc" 0 "DaRT 10: verify passes"

# --- the installer, a folder ------------------------------------------------------------------
O=$S/omsi
build "$O" "$DVD" --dart-tools "$S/MSDaRT70.msi" --dart-config "$S/DartConfig.dat"
is "$rc" 0 "from the installer (MSI stand-in): exit 0"
[ "$rc" = 0 ] || diag "$err"
like "$(wimdir "$O/sources/boot.wim" 1)" '^/Windows/System32/WaitForConnection\.exe$' "MSI: DaRT's files in the image"
is "$(manifest "$O" .dart.tools.cab)" "$S/MSDaRT70.msi: Toolsx64.cab" "MSI: the manifest names the cab inside the installer"
is "$(manifest "$O" .dart.tools.sha256)" "$(sha256sum <"$S/Toolsx64.cab" | cut -d' ' -f1)" "MSI: the cab taken out is the one put in (SHA-256)"
run "$DARTMK" verify "$O"
is "$rc" 0 "MSI: verify passes"
build "$S/oext" "$DVD" --dart-tools "$S/extmsi/DaRT.msi"
is "$rc/$(manifest "$S/oext" .dart.tools.sha256 2>/dev/null)" "0/$(sha256sum <"$S/Toolsx64.cab" | cut -d' ' -f1)" "an installer whose cabinet is beside it: the cab taken out of dart.cab"
mkdir -p "$S/both" "$S/msidir"
cp "$S/Toolsx64.cab" "$S/Toolsx86.cab" "$S/both/"
cp "$S/MSDaRT70.msi" "$S/msidir/"
build "$S/oboth" "$DVD" --dart-tools "$S/both"
is "$rc" 0 "a folder with Toolsx64.cab and Toolsx86.cab: exit 0"
is "$(manifest "$S/oboth" '.dart.tools.cab + " " + .dart.tools.arch')" "$S/both/Toolsx64.cab amd64" "the folder: the cab whose programs match the image is used"
build "$S/omsidir" "$DVD" --dart-tools "$S/msidir"
is "$rc/$(manifest "$S/omsidir" .dart.tools.cab 2>/dev/null)" "0/$S/msidir/MSDaRT70.msi: Toolsx64.cab" "a folder holding only the installer: its cab is used"

# --- remote: DaRT's documented unattended start ----------------------------------------------
O=$S/oremote
build "$O" "$DVD" --dart-tools "$S/Toolsx64.cab" --dart-config "$S/DartConfig.dat" --remote
is "$rc" 0 "--remote with DaRT's tools needs no --remote-tool: exit 0"
is "$(launch_apps "$O/sources/boot.wim")" '%windir%\system32\netstart.exe, -network -remount
%windir%\system32\cmd.exe, /C start %windir%\system32\RemoteRecovery.exe -nomessage
%windir%\system32\WaitForConnection.exe
%SYSTEMDRIVE%\sources\recovery\recenv.exe' "--remote: netstart -network -remount, RemoteRecovery -nomessage, WaitForConnection, recenv"
is "$(manifest "$O" .remote.enabled)" true "--remote: the manifest says so"

# --- a recipe --------------------------------------------------------------------------------
printf '[build]\ndart-tools = Toolsx64.cab\ndart-config = DartConfig.dat\n' >"$S/dart.ini"
run "$DARTMK" build --recipe "$S/dart.ini" --print-recipe
like "$out" "^dart-tools = $S/Toolsx64.cab$" "recipe: dart-tools, its path taken from the recipe's folder"
build "$S/orecipe" "$DVD" --recipe "$S/dart.ini"
is "$rc/$(manifest "$S/orecipe" .dart.config.sha256 2>/dev/null)" "0/$(sha256sum <"$S/DartConfig.dat" | cut -d' ' -f1)" "recipe: the build uses the cab and the configuration"

# --- --dart-config-from a DaRT image the wizard made (an ISO, a WIM) -------------------------
run "$DARTMK" iso "$DVD" -o "$S/wizard.iso" -q --dart-tools "$S/Toolsx64.cab" --dart-config "$S/DartConfig.dat"
is "$rc" 0 "fixture: a wizard-shaped DaRT ISO"
build "$S/ofrom" "$DVD" --dart-tools "$S/Toolsx64-10.cab" --dart-config-from "$S/wizard.iso"
is "$rc" 0 "--dart-config-from ISO: exit 0"
wimextract "$S/ofrom/sources/boot.wim" 1 /Windows/System32/DartConfig.dat --to-stdout 2>/dev/null | cmp -s - "$S/DartConfig.dat"
ok $? "--dart-config-from ISO: the configuration taken out byte for byte"
is "$(manifest "$S/ofrom" .dart.config.from)" "$S/wizard.iso" "the manifest says where the configuration came from"
build "$S/ofromwim" "$DVD" --dart-tools "$S/Toolsx64.cab" --dart-config-from "$S/o7/sources/boot.wim"
is "$rc/$(manifest "$S/ofromwim" .dart.config.sha256 2>/dev/null)" "0/$(sha256sum <"$S/DartConfig.dat" | cut -d' ' -f1)" "--dart-config-from WIM: the same configuration"

# --- the media still boot: a stick (BIOS) and a GPT recovery partition (UEFI) ---------------
run "$DARTMK" usb "$ISO" "$S/stick.img" --size 256M --yes -q --dart-tools "$S/Toolsx64.cab" --dart-config "$S/DartConfig.dat" </dev/null
is "$rc" 0 "usb with DaRT's tools: exit 0 (written and read back)"
[ "$rc" = 0 ] || diag "$err"
boots "the DaRT stick boots bootmgr under BIOS" --firmware bios --disk "$S/stick.img" --expect "DARTMK-STUB: bootmgr"
disk_gpt_windows "$S/gpt.img"
run "$DARTMK" partition "$DVD" "$S/gpt.img" --yes -q --dart-tools "$S/Toolsx64.cab" --dart-config "$S/DartConfig.dat" </dev/null
is "$rc" 0 "partition with DaRT's tools on a GPT disk: exit 0"
[ "$rc" = 0 ] || diag "$err"
boots "the DaRT recovery partition boots under UEFI" --firmware uefi --disk "$S/gpt.img" --expect "DARTMK-STUB: efi"

# --- refusals: exit code, one line, nothing written -----------------------------------------
refused() { # DESC CODE PATTERN ARGS...: build with ARGS refused so, $S/bad not made
    local desc=$1 code=$2 pat=$3
    shift 3
    rm -rf "$S/bad"
    build "$S/bad" "$@"
    is "$rc" "$code" "$desc: exit $code"
    like "$err" "$pat" "$desc: the message says why"
    ok "$( [ "$(printf '%s\n' "$err" | grep -cv '^dartmk: warning')" = 1 ] && [ ! -e "$S/bad" ] && no_leftovers; echo $?)" \
        "$desc: one line, nothing written"
}
refused "x86 tools for an amd64 image" 1 'Toolsx86\.cab: its programs are x86, the image is amd64' \
    "$DVD" --dart-tools "$S/Toolsx86.cab"
refused "an image without recenv.exe (ADK Windows PE)" 1 'image 1 is not a Windows RE or Setup image: it has no sources\\recovery\\recenv\.exe' \
    "$SAMPLES/adk" --dart-tools "$S/Toolsx64.cab"
cp "$S/Toolsx64.cab" "$S/corrupt.cab"
perl -e 'open F, "+<", $ARGV[0]; seek F, -200, 2; read F, $b, 1; seek F, -200, 2; print F chr(ord($b) ^ 0x55)' "$S/corrupt.cab"
refused "a corrupt cab" 1 'corrupt\.cab.*(corrupt|checksum)' "$DVD" --dart-tools "$S/corrupt.cab"
head -c 4096 "$S/MSDaRT70.msi" >"$S/corrupt.msi"
refused "a corrupt installer" 1 'corrupt\.msi: not a Windows Installer database' "$DVD" --dart-tools "$S/corrupt.msi"
mkdir -p "$S/lonely" && cp "$S/extmsi/DaRT.msi" "$S/lonely/"
refused "an installer whose cabinet beside it is missing" 1 "its tools are in the cabinet '$S/lonely/dart.cab', which should be beside it" \
    "$DVD" --dart-tools "$S/lonely/DaRT.msi"
refused "an installer without a tools cab" 1 'NoTools\.msi: the installer holds no DaRT tools cab' "$DVD" --dart-tools "$S/NoTools.msi"
refused "a cab that is not DaRT's" 1 'notdart\.cab: not DaRT.s tools: it holds no sources\\recovery\\tools\\MSDartTools\.exe' \
    "$DVD" --dart-tools "$S/notdart.cab"
refused "a cab with x86 and amd64 programs" 1 'mixed\.cab: its programs are for several architectures' "$DVD" --dart-tools "$S/mixed.cab"
refused "a missing DartConfig.dat" 1 "--dart-config $S/nothere\\.dat: No such file" "$DVD" --dart-tools "$S/Toolsx64.cab" --dart-config "$S/nothere.dat"
: >"$S/empty.dat"
refused "an empty DartConfig.dat" 1 'empty\.dat: the file is empty' "$DVD" --dart-tools "$S/Toolsx64.cab" --dart-config "$S/empty.dat"
refused "--dart-config-from an image without one" 1 "dvd\\.iso: its image 2 holds no Windows.System32.DartConfig\\.dat" \
    "$DVD" --dart-tools "$S/Toolsx64.cab" --dart-config-from "$SAMPLES/dvd.iso"
mkdir -p "$S/emptydir"
refused "a folder without DaRT's files" 1 'emptydir: the folder holds no Toolsx64\.cab' "$DVD" --dart-tools "$S/emptydir"
refused "--dart-tools naming a plain file" 1 'not a cabinet, a DaRT installer \(\.msi\) or a folder' "$DVD" --dart-tools "$S/drv/net.inf"
refused "--remote-port with DaRT's tools" 2 '--remote-port: with --dart-tools, DaRT keeps .* DartConfig\.dat' \
    "$DVD" --dart-tools "$S/Toolsx64.cab" --remote --remote-port 4000
refused "--remote-message with DaRT's tools" 2 '--remote-message: with --dart-tools' \
    "$DVD" --dart-tools "$S/Toolsx64.cab" --remote --remote-message hello
refused "--remote-tool with DaRT's tools" 2 "--remote-tool: with --dart-tools, DaRT's own Remote Connection" \
    "$DVD" --dart-tools "$S/Toolsx64.cab" --tool "mytool=$S/mytool" --remote --remote-tool mytool
mkdir -p "$S/clash" && cp "$FIXTURES/dart/7-amd64.exe" "$S/clash/x.exe"
refused "a --tool named like one of DaRT's files" 2 "--tool MSDartTools.exe: with --dart-tools a tool goes to sources.recovery.tools.MSDartTools.exe, where DaRT's .* already has a file" \
    "$DVD" --dart-tools "$S/Toolsx64.cab" --tool "MSDartTools.exe=$S/clash"
refused "--dart-config without --dart-tools" 2 '--dart-config needs --dart-tools' "$DVD" --dart-config "$S/DartConfig.dat"
refused "--dart-config and --dart-config-from" 2 'give one of them' "$DVD" --dart-tools "$S/Toolsx64.cab" \
    --dart-config "$S/DartConfig.dat" --dart-config-from "$S/wizard.iso"
done_testing
