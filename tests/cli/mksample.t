#!/bin/bash
# scripts/mksample and gendata: the sample media the other tests stand on, checked with tools
# nobody here wrote (wiminfo, wimdir, wimextract, xorriso, isoinfo, 7z, fsck.fat, mtools).
# shellcheck source=tests/lib/tap.sh disable=SC2154  # run() sets rc, out, err
. "$(dirname "$0")/../lib/tap.sh"

# The samples sit beside the fixtures: build/samples, or build-asan/samples under make asan.
BUILD_DIR=$(realpath -m --relative-to="$TOP" "$FIXTURES/..")
SAMPLES=$TOP/$BUILD_DIR/samples
MKSAMPLE=$TOP/scripts/mksample
GENDATA=$FIXTURES/gendata
export MTOOLS_SKIP_CHECK=1

for s in dvd adk adk-noarch dvd.iso adk.iso udf.iso boot.wim install install.iso; do
    if [ ! -e "$SAMPLES/$s" ] || [ ! -x "$GENDATA" ]; then
        make -C "$TOP" -s BUILD="$BUILD_DIR" fixtures samples >&2 ||
            missing_prerequisite "make fixtures samples failed"
        break
    fi
done

plan 108
scratch

# wim_xml WIM: the XML document as UTF-8.
wim_xml() { wiminfo --xml "$1" | iconv -f UTF-16LE -t UTF-8 | tr -d '\357\273\277'; }
# wim_field WIM [IMAGE] FIELD: one "Field: value" of wiminfo's report.
wim_field() {
    local field=${*: -1}
    wiminfo "${@:1:$#-1}" | sed -n "s/^$field: *//p" | head -1
}
# arch_of WIM INDEX: the WINDOWS/ARCH of one image, empty when absent.
arch_of() {
    wim_xml "$1" | tr '<' '\n' | awk -v i="$2" '
        /^IMAGE INDEX=/ { cur = $0; gsub(/[^0-9]/, "", cur) }
        cur == i && /^ARCH>/ { sub(/^ARCH>/, ""); print }'
}
# missing LISTING PATH...: the paths not in a listing, matched exactly.
missing() {
    local listing=$1 p m=""
    shift
    for p; do grep -qxF -- "$p" <<<"$listing" || m="$m $p"; done
    printf '%s' "$m"
}
# pe_machine FILE: the PE/COFF machine field, as 4 hex digits.
pe_machine() {
    local off
    off=$(od -An -tu4 -j60 -N4 "$1" | tr -d ' ')
    [ "$(dd if="$1" bs=1 skip="$off" count=4 2>/dev/null | od -An -c | tr -d ' ')" = 'PE\0\0' ] || return
    od -An -tx2 -j$((off + 4)) -N2 "$1" | tr -d ' '
}

PE_BOOT_FILES=(
    /Windows/Boot/PCAT/bootmgr
    /Windows/Boot/DVD/PCAT/BCD /Windows/Boot/DVD/PCAT/boot.sdi /Windows/Boot/DVD/PCAT/etfsboot.com
    /Windows/Boot/DVD/EFI/BCD /Windows/Boot/DVD/EFI/boot.sdi /Windows/Boot/DVD/EFI/en-US/efisys.bin
    /Windows/Boot/EFI/bootmgfw.efi
    /Windows/Boot/PXE/pxeboot.n12 /Windows/Boot/PXE/bootmgr.exe /Windows/Boot/PXE/wdsnbp.com
    /Windows/System32/winpeshl.exe /Windows/System32/wpeinit.exe /Windows/System32/startnet.cmd
    /Windows/System32/drvload.exe /Windows/System32/config/SOFTWARE /Windows/System32/config/SYSTEM
    /Windows/System32/en-US/winpeshl.exe.mui "/Program Files"
)

# ---- boot.wim images ----------------------------------------------------------------------
dvdwim=$SAMPLES/dvd/sources/boot.wim
adkwim=$SAMPLES/adk/sources/boot.wim
is "$(wim_field "$dvdwim" "Image Count")" 2 "dvd boot.wim has 2 images"
is "$(wim_field "$dvdwim" "Boot Index")" 2 "dvd boot.wim: image 2 is bootable"
is "$(wim_field "$dvdwim" 1 Name)" "Microsoft Windows PE (amd64)" "dvd image 1 is Windows PE"
is "$(wim_field "$dvdwim" 2 Name)" "Microsoft Windows Setup (amd64)" "dvd image 2 is Setup"
is "$(arch_of "$dvdwim" 1):$(arch_of "$dvdwim" 2)" "9:9" "dvd images carry WINDOWS/ARCH 9"
is "$(wim_field "$adkwim" "Image Count"):$(wim_field "$adkwim" "Boot Index")" "1:1" \
    "adk boot.wim has 1 image, bootable"
is "$(wim_field "$adkwim" 1 Name)" "Microsoft Windows PE (amd64)" "adk image 1 is Windows PE"
is "$(arch_of "$adkwim" 1)" 9 "adk image carries WINDOWS/ARCH 9"
like "$(wim_xml "$adkwim")" "<INSTALLATIONTYPE>WindowsPE</INSTALLATIONTYPE>" \
    "adk image: INSTALLATIONTYPE WindowsPE"
nawim=$SAMPLES/adk-noarch/sources/boot.wim
is "$(wim_field "$nawim" "Image Count"):$(wim_field "$nawim" "Boot Index")" "1:1" \
    "adk-noarch boot.wim has 1 image, bootable"
xml=$(wim_xml "$nawim")
if [[ $xml == *"<ARCH>"* ]]; then fail "adk-noarch: no WINDOWS/ARCH in the XML"; else pass "adk-noarch: no WINDOWS/ARCH in the XML"; fi
like "$xml" "<PRODUCTNAME>" "adk-noarch keeps the other properties"
is "$(wim_field "$SAMPLES/boot.wim" "Image Count"):$(wim_field "$SAMPLES/boot.wim" "Boot Index")" \
    "1:1" "bare boot.wim: 1 image, bootable"
is "$(arch_of "$SAMPLES/boot.wim" 1)" 9 "bare boot.wim carries WINDOWS/ARCH 9"
run wimverify "$dvdwim"
is "$rc" 0 "wimverify accepts the dvd boot.wim"

for w in "dvd 1" "dvd 2" "adk 1" "adk-noarch 1"; do
    read -r name index <<<"$w"
    is "$(missing "$(wimdir "$SAMPLES/$name/sources/boot.wim" "$index")" "${PE_BOOT_FILES[@]}")" "" \
        "$name image $index holds the boot files at their real paths"
done
setup_files=$(wimdir "$dvdwim" 2)
is "$(missing "$setup_files" /setup.exe /sources/setup.exe)" "" "dvd image 2 holds Setup"
is "$(missing "$(wimdir "$dvdwim" 1)" /sources/setup.exe)" " /sources/setup.exe" \
    "dvd image 1 has no Setup"

# Boot files inside the image are the stubs, and look like what they stand for.
x=$SCRATCH/x
mkdir -p "$x"
wimextract "$adkwim" 1 --dest-dir="$x" --no-acls \
    /Windows/Boot/PCAT/bootmgr /Windows/Boot/DVD/PCAT/etfsboot.com /Windows/Boot/EFI/bootmgfw.efi \
    /Windows/Boot/PXE/pxeboot.n12 /Windows/Boot/DVD/PCAT/BCD /Windows/Boot/DVD/EFI/boot.sdi \
    /Windows/Boot/DVD/EFI/en-US/efisys.bin /Windows/System32/ntoskrnl.exe >/dev/null 2>&1
ok "$(cmp -s "$x/bootmgr" "$FIXTURES/bootmgr" && cmp -s "$x/etfsboot.com" "$FIXTURES/etfsboot.com" &&
    cmp -s "$x/bootmgfw.efi" "$FIXTURES/bootx64.efi" && cmp -s "$x/pxeboot.n12" "$FIXTURES/pxeboot.n12"
    echo $?)" "bootmgr, etfsboot.com, bootmgfw.efi, pxeboot.n12 in the image are the stubs"
is "$(head -c 4 "$x/BCD")" regf "BCD in the image starts with regf"
is "$(head -c 8 "$x/boot.sdi")" "\$SDI0001" "boot.sdi in the image starts with \$SDI0001"
run fsck.fat -n "$x/efisys.bin"
is "$rc" 0 "fsck.fat -n: efisys.bin from boot.wim is a clean FAT"
mcopy -n -i "$x/efisys.bin" ::/EFI/BOOT/BOOTX64.EFI "$x/from-efisys.efi" 2>/dev/null
ok "$(cmp -s "$x/from-efisys.efi" "$FIXTURES/bootx64.efi"; echo $?)" \
    "efisys.bin from boot.wim holds EFI/BOOT/BOOTX64.EFI = the EFI stub"
is "$(pe_machine "$x/bootmgfw.efi"):$(pe_machine "$x/ntoskrnl.exe")" "8664:8664" \
    "PE headers say amd64 (bootmgfw.efi, ntoskrnl.exe)"

# ---- media trees --------------------------------------------------------------------------
dvd_files=$(cd "$SAMPLES/dvd" && find . -mindepth 1 | sed 's|^\./||' | sort)
is "$(missing "$dvd_files" bootmgr bootmgr.efi boot/bcd boot/boot.sdi boot/etfsboot.com \
    efi/boot/bootx64.efi efi/microsoft/boot/bcd efi/microsoft/boot/efisys.bin sources/boot.wim \
    setup.exe autorun.inf sources/lang.ini boot/fonts/wgl4_boot.ttf)" "" "dvd: install DVD layout, lower case"
adk_files=$(cd "$SAMPLES/adk" && find . -mindepth 1 | sed 's|^\./||' | sort)
is "$(missing "$adk_files" bootmgr bootmgr.efi Boot/BCD Boot/boot.sdi Boot/en-us/bootmgr.exe.mui \
    EFI/Boot/bootx64.efi EFI/Microsoft/Boot/BCD sources/boot.wim)" "" "adk: copype layout, capitalised"
is "$(grep -ciE '(^|/)(etfsboot\.com|efisys[a-z_]*\.bin)$' <<<"$adk_files")" 0 \
    "adk: no etfsboot.com or efisys.bin on the media"
ok "$(cmp -s "$SAMPLES/dvd/bootmgr" "$FIXTURES/bootmgr" &&
    cmp -s "$SAMPLES/dvd/efi/boot/bootx64.efi" "$FIXTURES/bootx64.efi" &&
    cmp -s "$SAMPLES/dvd/boot/etfsboot.com" "$FIXTURES/etfsboot.com" &&
    cmp -s "$SAMPLES/adk/bootmgr" "$FIXTURES/bootmgr" &&
    cmp -s "$SAMPLES/adk/EFI/Boot/bootx64.efi" "$FIXTURES/bootx64.efi"; echo $?)" \
    "media bootmgr, bootx64.efi, etfsboot.com are the stubs"
is "$(head -c 4 "$SAMPLES/dvd/boot/bcd")$(head -c 4 "$SAMPLES/adk/EFI/Microsoft/Boot/BCD")" regfregf \
    "media BCDs start with regf"
is "$(head -c 8 "$SAMPLES/adk/Boot/boot.sdi")" "\$SDI0001" "media boot.sdi starts with \$SDI0001"
efisys=$SAMPLES/dvd/efi/microsoft/boot/efisys.bin
run fsck.fat -n "$efisys"
is "$rc" 0 "fsck.fat -n: dvd efisys.bin is a clean FAT"
run mdir -b -i "$efisys" ::/EFI/BOOT
is "$out" "::/EFI/BOOT/BOOTX64.EFI" "dvd efisys.bin holds EFI/BOOT/BOOTX64.EFI only"
stamp=$(find "$SAMPLES/dvd" -mindepth 1 -printf '%T@\n' | sort -u)
is "$stamp" "1700000000.0000000000" "every file and directory has the SOURCE_DATE_EPOCH time"

# ---- ISO images ---------------------------------------------------------------------------
for iso in dvd adk; do
    run xorriso -indev "$SAMPLES/$iso.iso" -report_el_torito plain
    like "$out" "El Torito boot img : +1 +BIOS +y +none +0x0000 +0x00 +8 " \
        "$iso.iso: El Torito BIOS no-emulation entry, 8 sectors"
    like "$out" "El Torito boot img : +2 +UEFI +y +none " "$iso.iso: El Torito UEFI entry"
done
run xorriso -indev "$SAMPLES/dvd.iso" -report_el_torito plain
like "$out" "img path : +1 +/boot/etfsboot.com" "dvd.iso boots boot/etfsboot.com"
for t in -J -R ""; do
    listing=$(isoinfo $t -f -i "$SAMPLES/adk.iso" 2>/dev/null)
    is "$(grep -ciE 'etfsboot|efisys|boot\.cat' <<<"$listing")" 0 \
        "adk.iso ${t:-ISO 9660} tree hides the El Torito images and catalog"
done
like "$(isoinfo -J -f -i "$SAMPLES/dvd.iso")" "^/sources/boot.wim$" "dvd.iso: Joliet names, sources/boot.wim"
like "$(isoinfo -R -f -i "$SAMPLES/adk.iso")" "^/EFI/Microsoft/Boot/BCD$" "adk.iso: Rock Ridge keeps case"
run isoinfo -f -i "$SAMPLES/udf.iso"
is "$out" "/README.TXT;1" "udf.iso: the ISO 9660 tree holds README.TXT only"
run 7z l -ba "$SAMPLES/udf.iso"
like "$out" " sources/boot.wim$" "udf.iso: UDF holds sources/boot.wim"
like "$out" " efi/boot/bootx64.efi$" "udf.iso: UDF holds efi/boot/bootx64.efi"
run xorriso -indev "$SAMPLES/udf.iso" -report_el_torito plain
like "$out" "boot img : +2 +UEFI" "udf.iso boots BIOS and UEFI like real media"

# ---- adk language folders --------------------------------------------------------------------
is "$(missing "$adk_files" EFI/Microsoft/Boot/boot.stl EFI/Boot/en-us/bootx64.efi.mui \
    EFI/Microsoft/Boot/en-us/memtest.efi.mui Boot/Resources/bootres.dll \
    EFI/Microsoft/Boot/Resources/bootres.dll)" "" "adk: boot.stl, bootx64.efi.mui, bootres.dll"
is "$(grep -c '^[a-z][a-z]-[a-z-]*/bootmgr\.efi\.mui$' <<<"$adk_files")" 35 \
    "adk: 35 root language folders with bootmgr.efi.mui"
is "$(grep -c '^Boot/Fonts/.*\.ttf$' <<<"$adk_files"):$(grep -c '^EFI/Microsoft/Boot/Fonts/.*\.ttf$' <<<"$adk_files")" \
    "16:11" "adk: 16 fonts in Boot/Fonts, 11 in EFI/Microsoft/Boot/Fonts"
n=$(find "$SAMPLES/adk" -type f | wc -l)
ok "$([ "$n" -ge 150 ] && [ "$n" -le 200 ]; echo $?)" "adk: about 160 files, as copype's ($n)"

# ---- install layout: a Windows 11 x64 install ISO's shape -----------------------------------
I=$SAMPLES/install
is "$(find "$I" -type f | wc -l):$(find "$I" -mindepth 1 -type d | wc -l)" "946:85" \
    "install: 946 files in 85 folders, as Windows 11 23H2 en-US"
is "$(find "$I" -mindepth 1 -maxdepth 1 -printf '%f\n' | LC_ALL=C sort | tr '\n' ' ')" "autorun.inf boot bootmgr bootmgr.efi efi setup.exe sources support " \
    "install: the top-level names of real media"
inst_files=$(cd "$I" && find . -mindepth 1 | sed 's|^\./||' | sort)
is "$(missing "$inst_files" boot/en-us boot/fonts boot/resources efi/boot efi/microsoft/boot \
    efi/microsoft/boot/fonts efi/microsoft/boot/resources efi/microsoft/boot/cipolicies/active \
    efi/microsoft/boot/en-us efi/microsoft/boot/ja-jp sources/en-us sources/dlmanifests \
    sources/replacementmanifests sources/migration sources/etwproviders sources/inf sources/sxs \
    support)" "" "install: every folder of the allow-list"
is "$(missing "$inst_files" boot/bcd boot/boot.sdi boot/bootfix.bin boot/bootsect.exe \
    boot/etfsboot.com boot/memtest.exe boot/en-us/bootsect.exe.mui boot/resources/bootres.dll \
    efi/boot/bootx64.efi efi/microsoft/boot/bcd efi/microsoft/boot/efisys.bin \
    efi/microsoft/boot/efisys_noprompt.bin efi/microsoft/boot/cdboot.efi \
    efi/microsoft/boot/cdboot_noprompt.efi efi/microsoft/boot/boot.stl efi/microsoft/boot/memtest.efi \
    efi/microsoft/boot/resources/bootres.dll sources/boot.wim sources/install.wim sources/setup.exe \
    sources/lang.ini sources/idwbinfo.txt sources/ei.cfg)" "" "install: the named boot and setup files"
is "$(grep -c '^boot/fonts/[a-z0-9_]*boot\.ttf$' <<<"$inst_files")" 16 "install: 16 boot/fonts/*_boot.ttf (and *_slboot.ttf)"
n=$(grep -cE '^sources/[^/]+\.(dll|exe)$' <<<"$inst_files")
ok "$([ "$n" -ge 100 ]; echo $?)" "install: hundreds of DLLs and EXEs in sources/ ($n)"
n=$(grep -cE '^sources/en-us/.+\.mui$' <<<"$inst_files")
ok "$([ "$n" -ge 100 ]; echo $?)" "install: sources/en-us holds the .mui files ($n)"
is "$(grep -c '[A-Z]' <<<"$inst_files")" 0 "install: every name lower case"
is "$(cd "$I" && find . -type f -empty | sort | tr '\n' ' ')" "./sources/ei.cfg ./support/readme.txt " \
    "install: zero-length files (sources/ei.cfg, support/readme.txt)"
ok "$(cmp -s "$I/bootmgr" "$FIXTURES/bootmgr" && cmp -s "$I/boot/etfsboot.com" "$FIXTURES/etfsboot.com" &&
    cmp -s "$I/efi/boot/bootx64.efi" "$FIXTURES/bootx64.efi" && cmp -s "$I/bootmgr.efi" "$FIXTURES/bootx64.efi"
    echo $?)" "install: bootmgr, etfsboot.com, bootx64.efi, bootmgr.efi are the stubs"
run mdir -b -i "$I/efi/microsoft/boot/efisys.bin" ::/EFI/BOOT
is "$rc:$out" "0:::/EFI/BOOT/BOOTX64.EFI" "install: efisys.bin holds the EFI stub"
iw=$I/sources/boot.wim
is "$(wim_field "$iw" "Image Count"):$(wim_field "$iw" "Boot Index"):$(wim_field "$iw" 2 Name)" \
    "2:2:Microsoft Windows Setup (amd64)" "install: boot.wim as the dvd's (2 = Setup, bootable)"

# install.wim: 4.6 GiB apparent, a hole after a real WIM header.
iw=$I/sources/install.wim
is "$(stat -c %s "$iw")" 4939212390 "install.wim: 4.6 GiB apparent (over FAT32's 4 GiB)"
used=$(($(stat -c '%b * %B' "$iw")))
ok "$([ "$used" -lt $((1 << 20)) ]; echo $?)" "install.wim: < 1 MiB on disk ($used bytes)"
is "$(head -c 8 "$iw" | od -An -c | tr -s ' ')" " M S W I M \0 \0 \0" "install.wim starts MSWIM\\0\\0\\0"
is "$(wim_field "$iw" "Image Count"):$(wim_field "$iw" 3 "Edition ID")" "3:Professional" \
    "wiminfo reads the sparse install.wim: 3 images, 3 = Pro"
used=$(du -s --block-size=1 "$I" | cut -f1)
ok "$([ "$used" -lt $((32 << 20)) ]; echo $?)" "install: the tree takes < 32 MiB on disk ($used bytes)"

# install.iso: UDF only, the ISO 9660 side a README, the real label.
II=$SAMPLES/install.iso
run isoinfo -f -i "$II"
is "$out" "/README.TXT;1" "install.iso: the ISO 9660 tree holds README.TXT only"
run 7z l "$II"
like "$out" "^Type = Udf$" "install.iso: 7-Zip reads it as UDF"
like "$out" " sources/boot.wim$" "install.iso: UDF holds sources/boot.wim"
like "$out" " 67108864 +[0-9]+ +sources/install.wim$" "install.iso: a 64 MiB install.wim by default"
is "$(grep -c ' efi/microsoft/boot/[a-z-]*/memtest.efi.mui$' <<<"$out")" 35 "install.iso: UDF holds the language folders"
is "$(blkid -o value -s LABEL "$II"):$(isoinfo -d -i "$II" | sed -n 's/^Volume id: //p')" \
    "CCCOMA_X64FRE_EN-US_DV9:CCCOMA_X64FRE_EN-US_DV9" "install.iso: label CCCOMA_X64FRE_EN-US_DV9 (UDF and ISO 9660)"
run xorriso -indev "$II" -report_el_torito plain
like "$out" "El Torito boot img : +1 +BIOS +y +none +0x0000 +0x00 +8 " "install.iso: El Torito BIOS, 8 sectors"
like "$out" "El Torito boot img : +2 +UEFI +y +none " "install.iso: El Torito UEFI"
used=$(($(stat -c '%b * %B' "$II")))
ok "$([ "$used" -lt $((32 << 20)) ]; echo $?)" "install.iso: sparse, < 32 MiB on disk ($used bytes)"

# dartmk sees both as bootable install media.
for s in install install.iso; do
    run "$DARTMK" inspect --json "$SAMPLES/$s"
    is "$rc:$(jq -r '"\(.layout) \(.bios) \(.uefi) \(.wim.boot_index)"' <<<"$out")" "0:install-dvd true true 2" \
        "dartmk inspect $s: exit 0, install DVD, BIOS and UEFI bootable"
done

# Options of the install layout.
"$MKSAMPLE" --layout install --format dir --install-size 0 -o "$SCRATCH/noinst" 2>/dev/null
is "$([ -e "$SCRATCH/noinst/sources/install.wim" ]; echo $?):$(find "$SCRATCH/noinst" -type f | wc -l)" "1:945" \
    "--install-size 0: no install.wim"
"$MKSAMPLE" --layout install --format udf --install-size 1.5M --label MY_LABEL -o "$SCRATCH/l.iso" 2>/dev/null
is "$(blkid -o value -s LABEL "$SCRATCH/l.iso"):$(7z l -ba "$SCRATCH/l.iso" | awk '/sources\/install.wim$/ { print $4 }')" \
    "MY_LABEL:1572864" "--label, --install-size 1.5M"
ok "$(diff -r -x boot.wim -x install.wim "$I" "$SCRATCH/noinst" >/dev/null; echo $?)" \
    "install: same inputs, same media tree"
run "$MKSAMPLE" --layout dvd --format dir --install-size 1G -o "$SCRATCH/bad"
is "$rc:$([ -e "$SCRATCH/bad" ]; echo $?)" "2:1" "--install-size without --layout install: exit 2"
run "$MKSAMPLE" --layout install --format dir --install-size 4.6T -o "$SCRATCH/bad"
is "$rc:$([ -e "$SCRATCH/bad" ]; echo $?)" "2:1" "bad --install-size: exit 2, nothing written"
like "$err" "bad install.wim size '4.6T'" "bad --install-size: the message names it"
run "$MKSAMPLE" --layout adk --format wim --files 30 -o "$SCRATCH/bad"
is "$rc:$([ -e "$SCRATCH/bad" ]; echo $?)" "2:1" "--files without --size: exit 2, nothing written"
run "$MKSAMPLE" --layout adk --format wim --size 8M --files 0 -o "$SCRATCH/bad"
like "$rc:$err" "^2:.*bad file count '0'" "--files 0: exit 2, the message names it"
"$MKSAMPLE" --layout adk --format wim --size 8M --files 1500 -o "$SCRATCH/files.wim" 2>/dev/null
n=$(wiminfo "$SCRATCH/files.wim" 1 | sed -n 's/^File Count: *//p')
is "$([ "${n:-0}" -ge 1500 ] && [ "$n" -lt 1800 ] && echo yes)" yes \
    "--files 1500: 1500 generated files and the skeleton's ($n; 1317 without --files)"
run "$MKSAMPLE" --layout install --format dir --label X -o "$SCRATCH/bad"
is "$rc" 2 "--label with --format dir: exit 2"

# ---- determinism and errors ---------------------------------------------------------------
SOURCE_DATE_EPOCH=1700000000 "$MKSAMPLE" --layout dvd --format dir -o "$SCRATCH/dvd" 2>/dev/null
ok "$(diff -r -x boot.wim "$SAMPLES/dvd" "$SCRATCH/dvd" >/dev/null; echo $?)" \
    "same inputs, same media tree"
detail() { wimdir "$1" "$2" --detailed | grep -v '^Offset in WIM'; }
ok "$(cmp -s <(detail "$SCRATCH/dvd/sources/boot.wim" 2) <(detail "$dvdwim" 2); echo $?)" \
    "same inputs, same boot.wim image contents"

run "$MKSAMPLE" --layout floppy --format dir -o "$SCRATCH/bad"
is "$rc:$([ -e "$SCRATCH/bad" ]; echo $?)" "2:1" "unknown layout: exit 2, nothing written"
like "$err" "unknown layout 'floppy'" "unknown layout: the message names it"
run "$MKSAMPLE" --layout dvd --format iso --size 12Q -o "$SCRATCH/bad.iso"
is "$rc:$([ -e "$SCRATCH/bad.iso" ]; echo $?)" "2:1" "bad size: exit 2, nothing written"
run "$MKSAMPLE" --layout dvd --format iso
is "$rc" 2 "no -o: exit 2"
run "$MKSAMPLE" --help
like "$rc $out" "^0 usage: mksample --layout" "--help: usage on stdout, exit 0"
run "$MKSAMPLE" --layout adk --format wim --fixtures "$SCRATCH/none" -o "$SCRATCH/bad.wim"
is "$rc:$([ -e "$SCRATCH/bad.wim" ]; echo $?)" "1:1" "missing fixtures: exit 1, nothing written"
like "$err" "none/bootmgr: missing" "missing fixtures: the message names the file"

# ---- gendata ------------------------------------------------------------------------------
is "$("$GENDATA" -s 7 -c 50 1000001 | wc -c)" 1000001 "gendata writes exactly SIZE bytes"
is "$("$GENDATA" -s 7 1M | md5sum)" "$("$GENDATA" -s 7 1M | md5sum)" "gendata is deterministic"
ok "$([ "$("$GENDATA" -s 7 64K | md5sum)" != "$("$GENDATA" -s 8 64K | md5sum)" ]; echo $?)" \
    "gendata: another seed, other bytes"

# ---- realistic scale ----------------------------------------------------------------------
size=$((40 << 20))
"$MKSAMPLE" --layout dvd --format dir --size 40M -o "$SCRATCH/big" 2>/dev/null
files=$(wim_field "$SCRATCH/big/sources/boot.wim" 1 "File Count")
ok "$([ "${files:-0}" -ge 1000 ]; echo $?)" "--size 40M: boot.wim holds >= 1000 files ($files)"
total=$(find "$SCRATCH/big" -type f -printf '%s\n' | awk '{ t += $1 } END { printf "%.0f", t }')
ok "$([ "$total" -ge $((size * 85 / 100)) ] && [ "$total" -le $((size * 115 / 100)) ]; echo $?)" \
    "--size 40M: the media total about 40M ($total bytes)"
ok "$([ "$(find "$SCRATCH/big" -type f | wc -l)" -ge 200 ]; echo $?)" "--size 40M: hundreds of media files"
"$MKSAMPLE" --layout adk --format wim --size 24M -o "$SCRATCH/big.wim" 2>/dev/null
wsize=$(stat -c %s "$SCRATCH/big.wim" 2>/dev/null || echo 0)
ok "$([ "$wsize" -ge $(((24 << 20) * 85 / 100)) ] && [ "$wsize" -le $(((24 << 20) * 115 / 100)) ]; echo $?)" \
    "--size 24M bare boot.wim is about 24M ($wsize bytes)"

done_testing
