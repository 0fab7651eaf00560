#!/bin/bash
# dartmk iso: the ISO as readers nobody here wrote see it — every sample layout (install DVD and
# ADK folders, ISO 9660 and UDF-only ISOs, a bare boot.wim), the El Torito entries, the hidden
# boot catalog, Joliet long and Unicode names, the label, the output name rules, build options,
# reproducibility, the .sha256, --json and progress, and every bad input the issue names (exit
# code, one-line message, nothing left), a disk that fills up included
# (tests/tools/preload/failwrite.c).
# Judges: xorriso -report_el_torito / -osirrox, isoinfo, 7z, fsck.fat, mtools, wimdir,
# wimextract, sha256sum, jq.
# shellcheck source=tests/lib/tap.sh disable=SC2154  # run() sets rc, out, err
. "$(dirname "$0")/../lib/tap.sh"
# shellcheck source=tests/lib/winpe.sh
. "$(dirname "$0")/../lib/winpe.sh"
SAMPLES=${SAMPLES:-$TOP/build/samples}
TOOLS=${TOOLS:-$TOP/build/tests/tools}
SHIM=$TOOLS/failwrite.so
[ -f "$SAMPLES/udf.iso" ] || make -C "$TOP" -s samples >/dev/null || { echo "1..0 # no samples"; exit 1; }
for t in xorriso isoinfo 7z fsck.fat mdir mcopy wimdir wimextract wimupdate jq sha256sum perl; do
    command -v $t >/dev/null || { echo "1..1"; echo "not ok 1 - $t is installed (scripts/install-deps.sh)"; exit 1; }
done
plan 239
scratch
# Extracted trees may be read-only (Rock Ridge modes 0444/0555).
trap 'chmod -R u+w "$SCRATCH" 2>/dev/null; rm -rf "$SCRATCH"' EXIT
export TMPDIR=$SCRATCH/tmp MTOOLS_SKIP_CHECK=1 LC_ALL=C.UTF-8
mkdir -p "$TMPDIR"
unset SOURCE_DATE_EPOCH DARTMK_LIBDIR
W=$SCRATCH/w # inputs
O=$SCRATCH/o # outputs
X=$SCRATCH/x # what readers extract
mkdir -p "$W" "$O"
DVD=$SAMPLES/dvd
ADK=$SAMPLES/adk

j() { printf '%s' "$out" | jq -r "$1"; }
size() { stat -c %s "$1"; }
sha() { sha256sum <"$1" | cut -d' ' -f1; }
entries() { find "$1" -mindepth 1 -maxdepth 1 | wc -l; } # a folder's entries, hidden ones too
lines() { if [ -z "$1" ]; then echo 0; else printf '%s\n' "$1" | wc -l; fi; }

# same_tree A B DESCRIPTION [DIFF-OPTIONS...]: diff -r finds nothing.
# The ISO's own manifest (dartmk-manifest.json, every file with its checksum) is left out: it
# is checked with dartmk verify.
same_tree() {
    local a=$1 b=$2 d=$3 o
    shift 3
    if o=$(diff -r -x dartmk-manifest.json "$@" "$a" "$b" 2>&1); then pass "$d"; else fail "$d"; printf '%s\n' "$o" | head -10 | sed 's/^/#   /' >&2; fi
}

# xo ISO DIR: every file of the ISO extracted by xorriso (Rock Ridge tree) into a fresh DIR.
xo() {
    chmod -R u+w "$2" 2>/dev/null
    rm -rf "$2" && xorriso -osirrox on -indev "$1" -extract / "$2" >/dev/null 2>&1
    local st=$?
    chmod -R u+w "$2" 2>/dev/null
    return $st
}
# zx ISO DIR: the same with 7-Zip, without its [BOOT] pseudo-folder of El Torito images.
zx() {
    chmod -R u+w "$2" 2>/dev/null
    rm -rf "$2" && 7z x -y -o"$2" "$1" -x'![BOOT]' >/dev/null 2>&1
    local st=$?
    chmod -R u+w "$2" 2>/dev/null
    return $st
}
# ISO paths: one file out of an ISO (xo's reader) to a host path.
xfile() { rm -f "$3" && xorriso -osirrox on -indev "$1" -extract "$2" "$3" >/dev/null 2>&1 && chmod u+w "$3"; }

# Listings as "path size", sorted: of a host tree, of isoinfo's Joliet tree, of 7-Zip's.
tree_sizes() { (cd "$1" && find . -type f -printf '%P %s\n') | sort; }
joliet_sizes() {
    isoinfo -J -l -i "$1" | awk '
        /^Directory listing of / { d = substr($0, 23); next }
        /^-/ { n = $0; sub(/^[^]]*\] +/, "", n); sub(/ +$/, "", n); print d n " " $5 }' |
        grep -v '^dartmk-manifest.json ' | sort
}
z_sizes() {
    7z l -slt -ba "$1" | awk '
        /^Path = / { p = substr($0, 8) } /^Folder = / { f = $3 } /^Size = / { s = $3 }
        /^$/ { if (p != "" && f == "-" && p !~ /^\[BOOT\]/) print p " " s; p = "" }
        END { if (p != "" && f == "-" && p !~ /^\[BOOT\]/) print p " " s }' |
        grep -v '^dartmk-manifest.json ' | sort
}
# El Torito as xorriso reports it: "N platform emulation load-segment load-size path" per entry.
el_torito() {
    xorriso -indev "$1" -report_el_torito plain 2>/dev/null | awk -F' : ' '
        /^El Torito boot img / { split($2, a, " "); e[a[1]] = a[1] " " a[2] " " a[4] " " a[5] " " a[7] }
        /^El Torito img path / { split($2, a, " "); e[a[1]] = e[a[1]] " " a[2] }
        END { for (i = 1; i in e; i++) printf "%s%s", (i > 1 ? ";" : ""), e[i] }'
}
# Does any reader show a boot catalog? Prints the readers that do.
catalog_seen() {
    isoinfo -f -i "$1" | grep -qi 'boot\.cat' && echo iso9660
    isoinfo -J -f -i "$1" | grep -qi 'boot\.cat' && echo joliet
    isoinfo -R -f -i "$1" | grep -qi 'boot\.cat' && echo rockridge
    7z l -ba "$1" | grep -qi 'boot\.cat' && echo 7z
    return 0
}
label_of() { isoinfo -d -i "$1" | sed -n 's/^Volume id: //p'; }
# sha_ok ISO: sha256sum -c passes on ISO.sha256 in the ISO's folder.
sha_ok() { (cd "$(dirname "$1")" && sha256sum -c --status "$(basename "$1").sha256"); }
# left DIR NAME: what a failed run left of NAME in DIR (the ISO, its .sha256, a temporary).
left() {
    local d=$1 n=$2
    (cd "$d" 2>/dev/null && ls -A -d -- "$n" "$n.sha256" ."$n".dartmk-* 2>/dev/null | tr '\n' ' ')
}
wim_files() { # wim_files WIM INDEX DIR PATH...: boot files out of a WIM (basenames) into DIR
    local wim=$1 idx=$2 dir=$3
    shift 3
    mkdir -p "$dir" && wimextract "$wim" "$idx" "$@" --dest-dir="$dir" --no-acls >/dev/null 2>&1
}
ETFS_WIM=/Windows/Boot/DVD/PCAT/etfsboot.com
EFISYS_WIM=/Windows/Boot/DVD/EFI/en-US/efisys.bin

# --- what each sample should give: the media's files, as the source's own readers see them ------
E=$W/expected
mkdir -p "$E"
# The ADK layout keeps its El Torito images inside boot.wim: they come out to Boot/ and EFI/.
adk_extras() { # adk_extras TREE WIM
    wim_files "$2" 1 "$W/wimboot" "$ETFS_WIM" "$EFISYS_WIM" &&
        cp "$W/wimboot/etfsboot.com" "$1/Boot/" && cp "$W/wimboot/efisys.bin" "$1/EFI/Microsoft/Boot/"
}
cp -a "$ADK" "$E/adk" && adk_extras "$E/adk" "$ADK/sources/boot.wim"
xo "$SAMPLES/dvd.iso" "$E/dvd.iso"
xo "$SAMPLES/adk.iso" "$E/adk.iso" && adk_extras "$E/adk.iso" "$E/adk.iso/sources/boot.wim"
# udf.iso: the UDF tree (7-Zip reads UDF); its boot.catalog is a source El Torito catalog, which
# recovery trees leave out.
zx "$SAMPLES/udf.iso" "$E/udf.iso" && rm -f "$E/udf.iso/boot.catalog"
# A bare boot.wim: its boot files come out of it to where an install DVD has them.
mkdir -p "$E/boot.wim/boot" "$E/boot.wim/efi/boot" "$E/boot.wim/efi/microsoft/boot" "$E/boot.wim/sources"
BW=$SAMPLES/boot.wim
wim_files "$BW" 1 "$W/bw" /Windows/Boot/PCAT/bootmgr /Windows/Boot/DVD/PCAT/BCD \
    /Windows/Boot/DVD/PCAT/boot.sdi "$ETFS_WIM" /Windows/Boot/EFI/bootmgfw.efi &&
    wim_files "$BW" 1 "$W/bw/efi" /Windows/Boot/DVD/EFI/BCD "$EFISYS_WIM" &&
    cp "$W/bw/bootmgr" "$E/boot.wim/" && cp "$W/bw/BCD" "$E/boot.wim/boot/bcd" &&
    cp "$W/bw/boot.sdi" "$W/bw/etfsboot.com" "$E/boot.wim/boot/" &&
    cp "$W/bw/bootmgfw.efi" "$E/boot.wim/efi/boot/bootx64.efi" &&
    cp "$W/bw/efi/BCD" "$E/boot.wim/efi/microsoft/boot/bcd" &&
    cp "$W/bw/efi/efisys.bin" "$E/boot.wim/efi/microsoft/boot/" && cp "$BW" "$E/boot.wim/sources/"
ok $? "expected trees: the samples as their own readers see them (+ boot files out of boot.wim)"
# What a recovery tree keeps of them: the Windows PE files (issue 14; before, every file).
cp -a "$DVD" "$E/dvd"
for t in dvd dvd.iso udf.iso adk adk.iso; do winpe_only "$E/$t"; done

# --- every sample layout: El Torito, hidden catalog, listings, contents, .sha256, --json -------
# judge NAME ISO EXPECTED-TREE ETFSBOOT EFISYS: the ISO's checks against the expected tree.
judge() {
    local n=$1 iso=$2 want=$3 etfs=$4 efisys=$5 sectors
    sectors=$(( ($(size "$want/$efisys") + 511) / 512 ))
    # boot.wim holds the source's bootable image alone (exported when the source's has more):
    # judged here, then taken as expected for the byte-for-byte checks of the other files.
    xfile "$iso" /sources/boot.wim "$W/iso-boot.wim"
    is "$(one_image "$W/iso-boot.wim")" "1 1 $(image_name "$want/sources/boot.wim" "$(wiminfo "$want/sources/boot.wim" | awk -F': *' '/^Boot Index/ { print $2 }')")" \
        "$n: boot.wim holds the source's bootable image alone, bootable"
    cp "$W/iso-boot.wim" "$want/sources/boot.wim"
    is "$(el_torito "$iso")" "1 BIOS none 0x07c0 8 /$etfs;2 UEFI none 0x0000 $sectors /$efisys" \
        "$n: El Torito: 1 BIOS no emulation 0x07c0 8 sectors $etfs; 2 UEFI (0xEF) $efisys, whole image"
    is "$(catalog_seen "$iso" | tr '\n' ' ')" "" "$n: no boot catalog in the ISO 9660, Joliet, Rock Ridge trees or 7z"
    is "$(joliet_sizes "$iso")" "$(tree_sizes "$want")" "$n: isoinfo -J -l: every file, right size"
    is "$(z_sizes "$iso")" "$(tree_sizes "$want")" "$n: 7z l: every file, right size"
    xo "$iso" "$X"
    same_tree "$want" "$X" "$n: xorriso -osirrox extracts the source's files, byte for byte"
    zx "$iso" "$X"
    same_tree "$want" "$X" "$n: 7z x extracts the source's files, byte for byte"
    run "$DARTMK" verify "$iso"
    is "$rc" 0 "$n: dartmk verify: the ISO's manifest lists every file, each as it is"
    is "$(label_of "$iso")" DART_RECOVERY "$n: default label DART_RECOVERY"
}
# master NAME SOURCE ARGS...: dartmk iso --json into $O/NAME.iso.
master() { local n=$1 s=$2; shift 2; run "$DARTMK" iso "$s" -o "$O/$n.iso" --json "$@"; }

for s in dvd adk dvd.iso udf.iso adk.iso boot.wim; do
    want=$E/$s
    case $s in
    adk*) etfs=Boot/etfsboot.com efisys=EFI/Microsoft/Boot/efisys.bin ;;
    *) etfs=boot/etfsboot.com efisys=efi/microsoft/boot/efisys.bin ;;
    esac
    master "$s" "$SAMPLES/$s"
    is "$rc/$err" "0/" "$s: exit 0, nothing on stderr"
    is "$(j '[.iso, .bytes, .sha256, .label, .bios, .uefi, .efisys_generated] | map(tostring) | join(" ")')" \
        "$O/$s.iso $(size "$O/$s.iso") $(sha "$O/$s.iso") DART_RECOVERY true true false" \
        "$s: --json: iso, bytes, sha256, label, bios, uefi, efisys_generated"
    sha_ok "$O/$s.iso"
    ok $? "$s: sha256sum -c passes on $s.iso.sha256 in its folder"
    is "$(cat "$O/$s.iso.sha256")" "$(sha "$O/$s.iso")  $s.iso" "$s: .sha256 in the sha256sum format, the ISO's name"
    judge "$s" "$O/$s.iso" "$want" "$etfs" "$efisys"
    run "$DARTMK" inspect --json "$O/$s.iso"
    is "$(j '[.kind, .bios, .uefi, .el_torito.bios, .el_torito.uefi, .expires] | map(tostring) | join(" ")')" \
        "iso true true true true null" "$s: dartmk inspect --json on the ISO: kind iso, boots both ways, no time limit"
done
is "$(entries "$TMPDIR")" 0 "no staging left in TMPDIR"

# Without --json: the SHA-256 and the name on stdout, a summary on stderr.
run "$DARTMK" iso "$DVD" -o "$O/plain.iso"
is "$out" "$(sha "$O/plain.iso")  $O/plain.iso" "stdout: the SHA-256 and the ISO's name (sha256sum's format)"
like "$err" "^wrote $O/plain\.iso \(3\.[0-9] MiB, label DART_RECOVERY, boots under BIOS and UEFI\)$" "stderr: what was written"

# --- long and Unicode names survive in Joliet ----------------------------------------------------
LONG=$(printf 'L%.0s' $(seq 96)).txt # 100 characters
UNI='Überprüfung-日本語-ñ.txt'
DEEP='a folder name of more than sixty-four characters, with spaces, commas and more'
cp -a "$DVD" "$W/names"
echo long >"$W/names/sources/$LONG"
echo unicode >"$W/names/sources/$UNI"
mkdir -p "$W/names/$DEEP" && echo deep >"$W/names/$DEEP/$LONG"
master names "$W/names" --whole-media # (every file: the names are outside Windows PE's)
is "$rc" 0 "long names: exit 0"
jl=$(isoinfo -J -f -i "$O/names.iso")
has() { printf '%s\n' "$1" | grep -Fxq -- "$2"; }
has "$jl" "/sources/$LONG" && has "$jl" "/$DEEP/$LONG"
ok $? "isoinfo -J: the 100-character names whole in Joliet, in a folder of 80 characters too"
# Joliet is the only tree that stores names as UCS-2 (big endian): the whole name must be there.
N=$UNI perl -MEncode -0777 -ne 'exit(index($_, encode("UTF-16BE", decode("UTF-8", $ENV{N}))) < 0)' "$O/names.iso"
ok $? "Joliet holds '$UNI' as UCS-2 (UTF-16BE bytes in the image)"
is "$(isoinfo -J -j iso8859-1 -f -i "$O/names.iso" | grep -a 'ber' | iconv -f latin1 -t utf-8)" \
    "/sources/Überprüfung-___-ñ.txt" "isoinfo -J (Latin-1): the Unicode name's Latin letters, the rest not Latin-1"
has "$(z_sizes "$O/names.iso")" "sources/$UNI 8"
ok $? "7z l lists '$UNI'"
xo "$O/names.iso" "$X"
same_tree "$W/names" "$X" "long names: xorriso extracts every file under its name" -x boot.wim
zx "$O/names.iso" "$X"
same_tree "$W/names" "$X" "long names: 7z x extracts every file under its name" -x boot.wim

# --- efisys.bin generated when only the EFI loader exists -------------------------------------------
cp -a "$DVD" "$W/gen"
rm "$W/gen/efi/microsoft/boot/efisys.bin"
wimupdate "$W/gen/sources/boot.wim" 2 --command "delete $EFISYS_WIM" >/dev/null
master gen "$W/gen"
is "$rc/$err" "0/" "no efisys.bin on the media nor in boot.wim: exit 0, no warning"
is "$(j '[.bios, .uefi, .efisys_generated] | map(tostring) | join(" ")')" "true true true" "--json: efisys_generated true"
xfile "$O/gen.iso" /efi/microsoft/boot/efisys.bin "$W/gen-efisys.bin"
sectors=$(( ($(size "$W/gen-efisys.bin") + 511) / 512 ))
is "$(el_torito "$O/gen.iso")" \
    "1 BIOS none 0x07c0 8 /boot/etfsboot.com;2 UEFI none 0x0000 $sectors /efi/microsoft/boot/efisys.bin" \
    "generated: El Torito entry 2 is the generated efisys.bin at efi/microsoft/boot ($sectors sectors)"
fsck.fat -n "$W/gen-efisys.bin" >/dev/null 2>&1
ok $? "generated efisys.bin: fsck.fat -n passes"
is "$(mdir -/ -b -i "$W/gen-efisys.bin" ::/ 2>/dev/null | grep -v '/$')" "::/EFI/BOOT/BOOTX64.EFI" "generated efisys.bin: mdir shows EFI/BOOT/BOOTX64.EFI alone"
mcopy -n -i "$W/gen-efisys.bin" ::/EFI/BOOT/BOOTX64.EFI "$W/gen-loader.efi" 2>/dev/null &&
    cmp -s "$W/gen-loader.efi" "$DVD/efi/boot/bootx64.efi"
ok $? "generated efisys.bin: BOOTX64.EFI is the media's efi/boot/bootx64.efi"
xo "$O/gen.iso" "$X"
rm -f "$X/efi/microsoft/boot/efisys.bin"
cp -a "$W/gen" "$W/gen-pe" && winpe_only "$W/gen-pe"
same_tree "$W/gen-pe" "$X" "generated: the media's Windows PE files extracted as they were" -x boot.wim

# --- one way to boot: that one and a warning; none: an error unless --no-boot ------------------------
cp -a "$DVD" "$W/uefionly"
rm "$W/uefionly/boot/etfsboot.com"
for i in 1 2; do wimupdate "$W/uefionly/sources/boot.wim" $i --command "delete $ETFS_WIM" >/dev/null; done
master uefionly "$W/uefionly"
is "$rc" 0 "no etfsboot.com anywhere: exit 0"
like "$err" "^dartmk: warning: .*uefionly: the ISO will boot under UEFI only: the media has no etfsboot\.com$" \
    "no etfsboot.com: a warning that it boots under UEFI only"
is "$(j '[.bios, .uefi] | map(tostring) | join(" ")')" "false true" "no etfsboot.com: --json bios false, uefi true"
is "$(el_torito "$O/uefionly.iso")" "1 UEFI none 0x0000 2880 /efi/microsoft/boot/efisys.bin" \
    "no etfsboot.com: one El Torito entry, UEFI"
is "$(isoinfo -d -i "$O/uefionly.iso" | sed -n 's/^ *Arch \([0-9]*\).*/\1/p')" 239 \
    "isoinfo: the validation entry's platform is 0xEF"

cp -a "$DVD" "$W/biosonly"
rm "$W/biosonly/efi/microsoft/boot/efisys.bin" "$W/biosonly/efi/boot/bootx64.efi"
for i in 1 2; do
    wimupdate "$W/biosonly/sources/boot.wim" $i --command "delete $EFISYS_WIM" >/dev/null
    wimupdate "$W/biosonly/sources/boot.wim" $i --command "delete /Windows/Boot/EFI/bootmgfw.efi" >/dev/null
done
master biosonly "$W/biosonly"
is "$rc" 0 "no efisys.bin and no EFI loader anywhere: exit 0"
like "$err" "^dartmk: warning: .*biosonly: the ISO will boot under BIOS only: the media has no efisys\.bin or EFI loader$" \
    "no UEFI boot image: a warning that it boots under BIOS only"
is "$(j '[.bios, .uefi, .efisys_generated] | map(tostring) | join(" ")')/$(el_torito "$O/biosonly.iso")" \
    "true false false/1 BIOS none 0x07c0 8 /boot/etfsboot.com" "no UEFI boot image: one El Torito entry, BIOS"

cp -a "$W/uefionly" "$W/neither"
rm "$W/neither/efi/microsoft/boot/efisys.bin" "$W/neither/efi/boot/bootx64.efi"
for i in 1 2; do
    wimupdate "$W/neither/sources/boot.wim" $i --command "delete $EFISYS_WIM" >/dev/null
    wimupdate "$W/neither/sources/boot.wim" $i --command "delete /Windows/Boot/EFI/bootmgfw.efi" >/dev/null
done
mkdir -p "$O/neither"
run "$DARTMK" iso "$W/neither" -o "$O/neither/n.iso"
is "$rc" 1 "no boot image at all: exit 1"
like "$err" "^dartmk: .*neither: no El Torito boot image .*--no-boot makes a data ISO$" "no boot image: message names --no-boot"
is "$(lines "$err")/${#out}/$(entries "$O/neither")/$(entries "$TMPDIR")" "1/0/0/0" "no boot image: one line, nothing written"
run "$DARTMK" iso "$W/neither" -o "$O/neither/n.iso" --no-boot --json
is "$rc/$err/$(j '[.bios, .uefi] | map(tostring) | join(" ")')" "0//false false" "no boot image, --no-boot: exit 0, bios and uefi false"
is "$(el_torito "$O/neither/n.iso")/$(isoinfo -d -i "$O/neither/n.iso" | grep -c 'El Torito')" "/0" \
    "--no-boot: no El Torito record"
xo "$O/neither/n.iso" "$X"
cp -a "$W/neither" "$W/neither-pe" && winpe_only "$W/neither-pe"
same_tree "$W/neither-pe" "$X" "--no-boot: every Windows PE file of the media (was: every file)" -x boot.wim
master noboot "$DVD" --no-boot
is "$rc/$(j .bios)/$(j .uefi)/$(el_torito "$O/noboot.iso")" "0/false/false/" "--no-boot on bootable media: a data ISO"

# --- the label -------------------------------------------------------------------------------------
master label "$DVD" --label winpe_x64
is "$rc/$(j .label)/$(label_of "$O/label.iso")" "0/WINPE_X64/WINPE_X64" "--label winpe_x64: recorded WINPE_X64 (isoinfo -d)"
L32=$(printf 'A%.0s' $(seq 32))
master label32 "$DVD" --label "$L32-" 2>/dev/null
is "$rc" 2 "--label of 33 characters: exit 2"
like "$err" "^dartmk iso: --label '$L32-': longer than 32 characters \(the ISO 9660 limit\)" "33 characters: the message names the 32 limit"
is "$(lines "$err")/${#out}/$(left "$O" label32.iso)" "1/0/" "33 characters: one line, nothing written"
master label32 "$DVD" --label "$L32"
is "$rc/$(label_of "$O/label32.iso")" "0/$L32" "--label of 32 characters: recorded whole"
for l in 'bad label!' 'DART RECOVERY' 'é' ''; do
    master badlabel "$DVD" --label "$l"
    like "$rc/$err" "^2/dartmk iso: --label '$l': (only letters, digits, '_' and '-' are allowed|it is empty)" "--label '$l': exit 2, why"
    is "$(lines "$err")/${#out}/$(left "$O" badlabel.iso)" "1/0/" "--label '$l': one line, nothing written"
done

# --- the output name ------------------------------------------------------------------------------
mkdir -p "$O/names"
run "$DARTMK" iso "$DVD" -o "$O/names/dart.img"
is "$rc" 2 "a name without .iso: exit 2"
like "$err" "^dartmk iso: $O/names/dart\.img: the name must end in \.iso .*--force" "a name without .iso: message names --force"
is "$(lines "$err")/${#out}/$(entries "$O/names")" "1/0/0" "a name without .iso: one line, nothing written"
run "$DARTMK" iso "$DVD" -o "$O/names/dart.img" --force -q
is "$rc/$(size "$O/names/dart.img")" "0/$(size "$O/plain.iso")" "a name without .iso, --force: written"
sha_ok "$O/names/dart.img"
ok $? "--force name: dart.img.sha256 checks"
run "$DARTMK" iso "$DVD" -o "$O/names/UPPER.ISO" -q
is "$rc" 0 "a name ending in .ISO: taken"
mkdir -p "$W/cwd"
(cd "$W/cwd" && "$DARTMK" iso "$DVD" -q >/dev/null 2>&1)
is "$?/$(cd "$W/cwd" && ls | tr '\n' ' ')" "0/recovery.iso recovery.iso.sha256 " "no -o: recovery.iso and recovery.iso.sha256 in the current folder"
sha_ok "$W/cwd/recovery.iso"
ok $? "no -o: sha256sum -c passes"
mkdir -p "$O/sp ace"
run "$DARTMK" iso "$DVD" -o "$O/sp ace/my recovery.iso" -q
sha_ok "$O/sp ace/my recovery.iso"
ok $? "a name with spaces: sha256sum -c passes"

# An existing output: refused (3), untouched; --force replaces it, only when the new one is done.
old=$(sha "$O/plain.iso")
run "$DARTMK" iso "$ADK" -o "$O/plain.iso"
is "$rc/$(sha "$O/plain.iso")" "3/$old" "an existing output: exit 3, untouched"
like "$err" "^dartmk: $O/plain\.iso: exists \(--force replaces it\)$" "an existing output: message names --force"
is "$(lines "$err")/${#out}/$(left "$O" plain.iso)" "1/0/plain.iso plain.iso.sha256 " "an existing output: one line, no temporary left"
run "$DARTMK" iso "$ADK" -o "$O/plain.iso" --force --json
is "$rc/$(j .sha256)" "0/$(sha "$O/plain.iso")" "--force: replaced by the new ISO"
[ "$(sha "$O/plain.iso")" != "$old" ] && sha_ok "$O/plain.iso"
ok $? "--force: a different ISO, and its .sha256 replaced too"
is "$(el_torito "$O/plain.iso" | cut -d';' -f1)" "1 BIOS none 0x07c0 8 /Boot/etfsboot.com" "--force: the new ISO is the ADK one"
mkdir -p "$O/dir.iso"
run "$DARTMK" iso "$DVD" -o "$O/dir.iso" --force
is "$rc/$(entries "$O/dir.iso")" "3/0" "-o a folder with --force: refused (exit 3), the folder untouched"
is "$(lines "$err")/$(left "$O" dir.iso | tr -d ' ')" "1/dir.iso" "-o a folder: one line, no temporary or .sha256 left"
mkfifo "$O/fifo.iso"
run "$DARTMK" iso "$DVD" -o "$O/fifo.iso" --force -q
[ "$rc" = 3 ] && [ -p "$O/fifo.iso" ]
ok $? "-o a FIFO (or a device node) with --force: refused (exit 3), the node kept"
rm -f "$O/fifo.iso" "$O/fifo.iso.sha256"
# The .sha256 cannot be written (a folder has its name): the command fails, so no ISO either.
mkdir -p "$O/shadir/x.iso.sha256"
run "$DARTMK" iso "$DVD" -o "$O/shadir/x.iso"
is "$rc" 3 ".sha256 cannot be written (a folder there): refused, exit 3"
like "$err" "^dartmk: $O/shadir/x\.iso\.sha256: exists and is not a regular file" ".sha256 cannot be written: message"
[ ! -e "$O/shadir/x.iso" ] && [ -z "$(ls -A "$O/shadir" | grep -v '^x.iso.sha256$')" ]
ok $? ".sha256 cannot be written: no ISO and no temporary left"

# --- build options: boot.wim customised, the manifest at the root ------------------------------------
mkdir -p "$W/tool"
cp "$FIXTURES/bootx64.efi" "$W/tool/tool.exe"
echo readme >"$W/tool/readme.txt"
src_before=$(find "$DVD" -type f -exec sha256sum {} + | sort | sha256sum)
master cust "$DVD" --tool "Tool=$W/tool" --expire-days 7
is "$rc/$(j .bios)/$(j .uefi)" "0/true/true" "--tool --expire-days 7: exit 0, boots both ways"
xo "$O/cust.iso" "$X"
has_all() { local l=$1 p; shift; for p; do has "$l" "$p" || { diag "missing: $p"; return 1; }; done; }
has_all "$(wimdir "$X/sources/boot.wim" 1)" /DaRT/Tools/Tool/tool.exe /DaRT/Tools/Tool/readme.txt /DaRT/dartexpire.exe \
    /Windows/System32/startnet.cmd
ok $? "the ISO's sources/boot.wim (wimdir, its one image: the source's 2) holds DaRT/Tools/Tool and the expiry checker"
is "$(jq -r '[.customised, .image_index, .tools[0].name, (.expires != null)] | map(tostring) | join(" ")' "$X/dartmk-manifest.json")" \
    "true 2 Tool true" "the ISO's root holds dartmk-manifest.json: customised, image 2, the tool, expires"
has "$(isoinfo -J -f -i "$O/cust.iso")" /dartmk-manifest.json
ok $? "isoinfo -J lists /dartmk-manifest.json"
same_tree "$E/dvd" "$X" "customised: every other Windows PE file as on the media" -x boot.wim -x dartmk-manifest.json
is "$(el_torito "$O/cust.iso")" "$(el_torito "$O/dvd.iso")" "customised: the same El Torito entries as without"
run "$DARTMK" inspect --json "$O/cust.iso"
is "$(j '[.bios, .uefi, .expires, .expired] | map(tostring) | join(" ")')" \
    "true true $(jq -r .expires "$X/dartmk-manifest.json") false" "inspect --json on the customised ISO: boots both ways, expires, not expired"
is "$(find "$DVD" -type f -exec sha256sum {} + | sort | sha256sum)/$(entries "$TMPDIR")" "$src_before/0" \
    "the source is unchanged, no staging left"
master cust-adk "$SAMPLES/adk.iso" --tool "Tool=$W/tool"
xo "$O/cust-adk.iso" "$X"
has "$(wimdir "$X/sources/boot.wim" 1)" /DaRT/Tools/Tool/tool.exe && [ "$rc" = 0 ] &&
    [ "$(el_torito "$O/cust-adk.iso")" = "$(el_torito "$O/adk.iso.iso")" ]
ok $? "adk.iso --tool: the tool in image 1, the same El Torito entries"

# --- reproducibility -------------------------------------------------------------------------------------
export SOURCE_DATE_EPOCH=1700000000
for s in dvd adk udf.iso boot.wim; do
    "$DARTMK" iso "$SAMPLES/$s" -o "$O/r1.iso" -q --force >/dev/null 2>&1
    mkdir -p "$O/again"
    "$DARTMK" iso "$SAMPLES/$s" -o "$O/again/other-name.iso" -q --force >/dev/null 2>&1
    cmp -s "$O/r1.iso" "$O/again/other-name.iso"
    ok $? "$s: SOURCE_DATE_EPOCH set: two runs (other names, other times) give byte-identical ISOs"
done
is "$(xorriso -indev "$O/r1.iso" -pvd_info 2>/dev/null | sed -n 's/^\(Creation\|Modif\.\) Time *: //p' | sort -u)" \
    2023111422132000 "SOURCE_DATE_EPOCH: the volume's creation and modification times"
is "$(isoinfo -R -l -i "$O/r1.iso" | awk '/^[-d]/ { print $6, $7, $8 }' | sort -u)" "Nov 14 2023" \
    "SOURCE_DATE_EPOCH: every file's and folder's time"
# With build options, wimlib records the current time inside the new boot.wim (a known limit):
# the ISOs may differ there, and only there.
"$DARTMK" iso "$DVD" -o "$O/rc1.iso" -q --tool "Tool=$W/tool" >/dev/null 2>&1
sleep 1
"$DARTMK" iso "$DVD" -o "$O/rc2.iso" -q --tool "Tool=$W/tool" >/dev/null 2>&1
xo "$O/rc1.iso" "$X" && xo "$O/rc2.iso" "$X.2"
same_tree "$X" "$X.2" "customised, SOURCE_DATE_EPOCH set: two runs differ only inside boot.wim" -x boot.wim
is "$(wimdir "$X/sources/boot.wim" 1 | sha256sum)" "$(wimdir "$X.2/sources/boot.wim" 1 | sha256sum)" \
    "customised: the two boot.wim images list the same files"
unset SOURCE_DATE_EPOCH

# --- progress ---------------------------------------------------------------------------------------
run "$DARTMK" iso "$DVD" -o "$O/progress.iso" -q --progress=json
bad_lines=$(printf '%s\n' "$err" | while IFS= read -r l; do printf '%s' "$l" | jq -e . >/dev/null 2>&1 || echo "$l"; done)
is "$rc/$bad_lines" "0/" "--progress=json -q: every line on stderr is JSON"
# (boot.wim's check runs beside the writing: when it outlasts it, its end comes last)
is "$(printf '%s\n' "$err" | jq -r 'select(.event == "end" and .task == "writing the ISO") | [.event, .task, .done, .total] | map(tostring) | join(" ")')" \
    "end writing the ISO $(size "$O/progress.iso") $(size "$O/progress.iso")" "--progress=json: writing the ISO ends with the ISO's bytes done"
run "$DARTMK" iso "$DVD" -o "$O/bar.iso" --progress=bar
like "$err" "writing the ISO .*100%" "--progress=bar: a bar that reaches 100%"

# --- bad input: exit code, one line naming the thing, nothing written, no staging left --------------------
B=$O/bad
mkdir -p "$B"
bad() { # bad DESCRIPTION EXPECTED-RC REGEX ARGS...: ARGS follow `dartmk iso`
    local d=$1 want=$2 re=$3
    shift 3
    run "$DARTMK" iso "$@"
    is "$rc" "$want" "$d: exit $want"
    like "$err" "$re" "$d: message"
    is "$(lines "$err")/${#out}/$(entries "$B")/$(entries "$TMPDIR")" "1/0/0/0" "$d: one line, nothing written, no staging left"
}
D=("$DVD" -o "$B/out.iso")
bad "SOURCE that does not exist" 1 "^dartmk: $W/nope\.iso: no such file or directory" "$W/nope.iso" -o "$B/out.iso"
echo 'not an image' >"$W/junk.iso"
bad "SOURCE that is not media" 1 "^dartmk: $W/junk\.iso: not an ISO image, WIM file, disk image or directory" "$W/junk.iso" -o "$B/out.iso"
bad "--expire-days 0" 2 "^dartmk: --expire-days: '0' is not a number of days" "${D[@]}" --expire-days 0
bad "--expire-days abc" 2 "^dartmk: --expire-days: 'abc' is not" "${D[@]}" --expire-days abc
bad "--tool whose path does not exist" 1 "^dartmk: --tool T=$W/nope: No such file or directory" "${D[@]}" --tool "T=$W/nope"
bad "--image-index 3 on a WIM of 2 images" 1 "^dartmk: sources/boot\.wim: image index 3 does not exist" "${D[@]}" --image-index 3
bad "--label of 33 characters" 2 "32" "${D[@]}" --label "$L32-"
bad "a name without .iso" 2 "must end in \.iso" "$DVD" -o "$B/out"
bad "no SOURCE" 2 "^dartmk iso: no SOURCE given" -o "$B/out.iso"
bad "two SOURCEs" 2 "^dartmk iso: one SOURCE at a time" "$DVD" "$ADK" -o "$B/out.iso"
bad "an unknown option" 2 "^dartmk iso: unknown option '--bogus'" "${D[@]}" --bogus
bad "no boot image without --no-boot" 1 "no El Torito boot image" "$W/neither" -o "$B/out.iso"
SOURCE_DATE_EPOCH=yesterday bad "SOURCE_DATE_EPOCH not a number" 2 "^dartmk: SOURCE_DATE_EPOCH: 'yesterday'" "${D[@]}"
bad "-o in a folder that does not exist" 1 "^dartmk: $B/sub/out\.iso: cannot write: No such file or directory" "$DVD" -o "$B/sub/out.iso"

# --- the disk fills up: exit 1, nothing left; an ISO being replaced stays as it was ---------------------
if [ -e "$SHIM" ]; then
    FW=$O/fw
    mkdir -p "$FW"
    iso_bytes=$(size "$O/dvd.iso")
    fill() { # fill LIMIT DESCRIPTION [PREFIX [ARGS...]]: the room is LIMIT bytes under PREFIX ($FW)
        local limit=$1 d=$2 prefix=${3:-$FW}
        shift 3 2>/dev/null || shift $#
        ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0 LD_PRELOAD=$SHIM \
            FAILWRITE_PREFIX=$prefix FAILWRITE_AFTER=$limit run "$DARTMK" iso "$DVD" -o "$FW/x.iso" "$@"
        is "$rc" 1 "$d: exit 1"
        like "$err" "No space left on device" "$d: message"
        is "$(lines "$err")/${#out}/$(left "$FW" x.iso)/$(entries "$TMPDIR")" "1/0//0" \
            "$d: one line; no ISO, no .sha256, no temporary, no staging left"
    }
    fill 0 "full from the start"
    fill $((iso_bytes / 2)) "full half way"
    fill $((iso_bytes - 2048)) "full one sector before the end"
    printf '%s\n' "$err" | grep -q "$FW/x\.iso"
    ok $? "full: the message names the ISO's path"
    fill 100000 "full while boot.wim is customised (in TMPDIR)" "$TMPDIR" --tool "Tool=$W/tool"
    fill $((iso_bytes / 2)) "customised, full half way through the ISO" "$FW" --tool "Tool=$W/tool"
    # From an ISO 9660 and a UDF source: libisofs' thread, cancelled after the failed write,
    # reads no further and what it says is dropped (one failure, one line: the output's).
    for src in dvd.iso udf.iso; do
        ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0 LD_PRELOAD=$SHIM \
            FAILWRITE_PREFIX=$FW FAILWRITE_AFTER=$((iso_bytes / 2)) run "$DARTMK" iso "$SAMPLES/$src" -o "$FW/x.iso"
        is "$rc/$(lines "$err")/${#out}" "1/1/0" "$src source, full half way: exit 1, one line"
        like "$err" "^dartmk: $FW/x\.iso: cannot write: No space left on device$" "$src source, full: the line names the ISO"
        is "$(left "$FW" x.iso)/$(entries "$TMPDIR")" "/0" "$src source, full: nothing left"
    done
    "$DARTMK" iso "$ADK" -o "$FW/x.iso" -q >/dev/null 2>&1
    old=$(sha "$FW/x.iso")
    ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0 LD_PRELOAD=$SHIM \
        FAILWRITE_PREFIX=$FW FAILWRITE_AFTER=100000 run "$DARTMK" iso "$DVD" -o "$FW/x.iso" --force
    is "$rc/$(lines "$err")" "1/1" "--force over an ISO, full: exit 1, one line"
    is "$(sha "$FW/x.iso")/$(left "$FW" x.iso)" "$old/x.iso x.iso.sha256 " "--force, full: the old ISO untouched, no temporary left"
    sha_ok "$FW/x.iso"
    ok $? "--force, full: the old .sha256 still checks"
else
    for _ in $(seq 25); do fail "disk full: $SHIM is missing (make tools)"; done
fi

# --- stopped by a signal: nothing left -----------------------------------------------------------------
# A large sparse file makes the write last long enough to be stopped half way.
cp -a "$DVD" "$W/big"
truncate -s 3G "$W/big/sources/install.wim"
mkdir -p "$O/sig"
"$DARTMK" iso "$W/big" -o "$O/sig/x.iso" -q --whole-media --tool "Tool=$W/tool" >/dev/null 2>&1 &
pid=$!
for _ in $(seq 100); do
    t=$(ls "$O/sig"/.x.iso.dartmk-* 2>/dev/null | head -1)
    [ -n "$t" ] && [ "$(size "$t")" -gt 1048576 ] && break
    sleep 0.05
done
kill -TERM $pid 2>/dev/null
wait $pid
st=$?
[ "$st" != 0 ] && [ "$(entries "$O/sig")" = 0 ] && [ "$(entries "$TMPDIR")" = 0 ]
ok $? "SIGTERM while writing: no temporary ISO and no staging left"
rm -rf "$O/sig" "${TMPDIR:?}"/* "$W/big"

done_testing
