#!/bin/bash
# dartmk pxe: the network boot tree as the servers and clients that read it see it — every sample
# layout (install DVD and ADK folders, ISO 9660 and UDF-only ISOs, a bare boot.wim), the loaders
# and boot files byte for byte, syslinux's pxelinux and its modules, the pxelinux configuration
# (with and without --menu), modes under umask 077, a real tftpd-hpa using the remap file (and the
# README's lines), dnsmasq's syntax check of dnsmasq.conf, the manifest (dartmk verify), build
# options, --update (a reader of the old boot.wim keeps it whole), x86 media, --pxe-loader, the
# BCD warning, --json, symbolic links leading out of a directory source, and every bad input the
# spec names (exit code, one-line message, nothing written).
# Judges: in.tftpd + tftp (tftp-hpa), curl tftp://, dnsmasq (--test, and run with the tree's
# dnsmasq.conf in a private network namespace: its DHCP answers to BIOS and UEFI clients, a
# DHCPDISCOVER made by a few lines of Python, and its TFTP server), wimextract, wimdir, wimverify,
# readelf (module dependencies), xorriso, 7z, cmp, sha256sum, jq.
# shellcheck source=tests/lib/tap.sh disable=SC2154  # run() sets rc, out, err
. "$(dirname "$0")/../lib/tap.sh"
# shellcheck source=tests/lib/winpe.sh
. "$(dirname "$0")/../lib/winpe.sh"
SAMPLES=${SAMPLES:-$TOP/build/samples}
TOOLS=${TOOLS:-$TOP/build/tests/tools}
SHIM=$TOOLS/failwrite.so
[ -f "$SAMPLES/udf.iso" ] || make -C "$TOP" -s samples >/dev/null || { echo "1..0 # no samples"; exit 1; }
for t in wimextract wimdir wimverify wimupdate wiminfo jq sha256sum xorriso 7z readelf in.tftpd tftp curl \
    dnsmasq iconv timeout unshare nsenter ip python3 perl; do
    command -v $t >/dev/null || missing_prerequisite "$t is installed (scripts/install-deps.sh)"
done
PXELINUX=${PXELINUX:-/usr/lib/PXELINUX/pxelinux.0}
MODULES=${SYSLINUX_MODULES:-/usr/lib/syslinux/modules/bios}
[ -f "$PXELINUX" ] && [ -f "$MODULES/ldlinux.c32" ] && [ -f "$MODULES/menu.c32" ] ||
    missing_prerequisite "syslinux's pxelinux.0 and BIOS modules are installed (pxelinux, syslinux-common)"
plan 258
scratch
TPIDS=()
stop_servers() {
    local p
    for p in "${TPIDS[@]}"; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
    TPIDS=()
}
trap 'stop_servers; chmod -R u+w "$SCRATCH" 2>/dev/null; rm -rf "$SCRATCH"' EXIT
export TMPDIR=$SCRATCH/tmp LC_ALL=C.UTF-8
mkdir -p "$TMPDIR"
unset SOURCE_DATE_EPOCH DARTMK_LIBDIR
W=$SCRATCH/w # inputs
O=$SCRATCH/o # outputs
E=$SCRATCH/e # what each sample should give
mkdir -p "$W" "$O" "$E"
DVD=$SAMPLES/dvd

j() { printf '%s' "$out" | jq -r "$1"; }
size() { stat -c %s "$1"; }
sha() { sha256sum <"$1" | cut -d' ' -f1; }
entries() { find "$1" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l; } # a folder's entries, hidden ones too
lines() { if [ -z "$1" ]; then echo 0; else printf '%s\n' "$1" | wc -l; fi; }
files_of() { (cd "$1" && find . -type f -printf '%P\n' | sort); }
boot_index() { wiminfo "$1" | awk -F: '/^Boot Index/ { gsub(/ /, "", $2); print $2 }'; }
# A tree's identity: every entry's name, type, size, mode and time, and every file's content (not
# the top folder's own time: a DIR made in it and taken away again leaves nothing behind).
tree_id() {
    (cd "$1" 2>/dev/null && find . -mindepth 1 -printf '%p %y %s %m %T@\n' | sort &&
        find . -type f -print0 | sort -z | xargs -0r sha256sum) | sha256sum
}

# What a tree is made of without --menu: the spec's list, nothing else.
BASE_FILES='Boot/BCD
Boot/boot.sdi
README.txt
bootmgr.exe
bootx64.efi
dartmk-manifest.json
dnsmasq.conf
ldlinux.c32
pxeboot.n12
pxelinux.0
pxelinux.cfg/default
sources/boot.wim
tftpd-hpa.remap'

# same_files WANT-DIR GOT-DIR PATH...: each PATH of GOT-DIR is WANT-DIR's byte for byte.
same_files() {
    local want=$1 got=$2 p bad=0
    shift 2
    for p; do
        cmp -s "$want/$p" "$got/$p" || { diag "$got/$p differs from $want/$p (or is missing)"; bad=1; }
    done
    return $bad
}

# The manifest lists every file of the tree but itself, each with its size and SHA-256.
manifest_ok() {
    local want got
    want=$(jq -r '.files[] | "\(.path) \(.size) \(.sha256)"' "$1/dartmk-manifest.json" | sort)
    got=$(cd "$1" && find . -type f ! -path ./dartmk-manifest.json -printf '%P\n' | sort |
        while IFS= read -r p; do printf '%s %s %s\n' "$p" "$(size "$p")" "$(sha "$p")"; done)
    [ -n "$want" ] && [ "$want" = "$got" ] || { diag "manifest: $(diff <(echo "$want") <(echo "$got") | head -5 | tr '\n' ' ')"; return 1; }
}

# --json files and bytes: the tree's files (all of them, or all but the manifest) and their bytes.
counts_ok() { # counts_ok DIR FILES BYTES
    local n b nm bm
    n=$(find "$1" -type f | wc -l)
    b=$(find "$1" -type f -printf '%s\n' | awk '{ s += $1 } END { print s + 0 }')
    nm=$((n - 1)) bm=$((b - $(size "$1/dartmk-manifest.json")))
    [ "$2 $3" = "$n $b" ] || [ "$2 $3" = "$nm $bm" ] || { diag "files/bytes $2 $3; the tree has $n files, $b bytes"; return 1; }
}

# The pxelinux configuration: its labels, the default one, and what an entry runs.
# cfg_labels FILE: every LABEL name, in order.
cfg_labels() { awk 'tolower($1) == "label" { print $2 }' "$1"; }
# cfg_default FILE: the entry that starts when nobody presses a key — MENU DEFAULT, else the
# label DEFAULT names, else the first.
cfg_default() {
    awk '
        tolower($1) == "label" { l = $2; if (first == "") first = l }
        tolower($1) == "menu" && tolower($2) == "default" && l != "" { md = l }
        tolower($1) == "default" && l == "" { d = $2 }
        END { print (md != "" ? md : (d != "" ? d : first)) }' "$1"
}
# cfg_entry FILE LABEL: the lines of one entry (lower case, trimmed).
cfg_entry() {
    awk -v want="$2" '
        tolower($1) == "label" { in_ = ($2 == want); next }
        in_ { line = tolower($0); sub(/^[ \t]+/, "", line); sub(/[ \t\r]+$/, "", line); print line }' "$1"
}
# hands_over ENTRY-LINES: the entry starts pxeboot.n12 as a PXE network bootstrap program, keeping
# the PXE stack: "PXE pxeboot.n12" (syslinux's type for NBPs), or pxechn.c32 chaining to it.
hands_over() {
    printf '%s\n' "$1" | grep -Eq '^pxe[[:space:]]+/?pxeboot\.n12$' && return 0
    printf '%s\n' "$1" | grep -Eq '^(kernel|com32)[[:space:]]+/?pxechn\.c32' &&
        printf '%s\n' "$1" | grep -Eq 'pxeboot\.n12'
}
# modules_ok DIR: every .c32 the configuration names, and every library they need (readelf's
# NEEDED, transitively), is in DIR, syslinux's own byte for byte; so is ldlinux.c32.
modules_ok() {
    local d=$1 want m dep bad=0
    want=$( (echo ldlinux.c32; grep -Eio '[a-z0-9_./-]+\.c32' "$d/pxelinux.cfg/default" | sed 's|^/||') | sort -u)
    while :; do
        local more=$want
        for m in $want; do
            for dep in $(readelf -d "$MODULES/$m" 2>/dev/null | awk '/NEEDED/ { gsub(/[][]/, "", $5); print $5 }'); do
                more=$(printf '%s\n%s\n' "$more" "$dep")
            done
        done
        more=$(printf '%s\n' "$more" | sort -u)
        [ "$more" = "$want" ] && break
        want=$more
    done
    for m in $want; do
        cmp -s "$MODULES/$m" "$d/$m" || { diag "$d/$m: missing or not syslinux's $m"; bad=1; }
    done
    return $bad
}

# dnsmasq_ok DIR ROOT: dnsmasq's own syntax check passes; tftp-root is ROOT; BIOS clients get
# pxelinux.0 and x64 UEFI clients (client architecture 7 or 9) EFI-FILE.
dnsmasq_ok() { # dnsmasq_ok DIR ROOT EFI-FILE
    local c=$1/dnsmasq.conf o
    o=$(dnsmasq --test --conf-file="$c" 2>&1) || { diag "dnsmasq --test: $o"; return 1; }
    grep -qx "tftp-root=$2" "$c" || { diag "no 'tftp-root=$2' line in $c"; return 1; }
    grep -Eq '^(dhcp-boot|pxe-service)=.*pxelinux\.0' "$c" || { diag "$c: no boot file pxelinux.0"; return 1; }
    grep -Eq "^(dhcp-boot|pxe-service)=.*$3" "$c" || { diag "$c: no boot file $3"; return 1; }
    grep -Eiq 'client-arch, *(7|9)|X86-64_EFI|BC_EFI' "$c" || { diag "$c: the UEFI boot file is not chosen by client architecture"; return 1; }
    for f in $(sed -n -E 's/^dhcp-boot=([^,]*,)*([^,]+)$/\2/p' "$c"); do
        [ -f "$1/$f" ] || { diag "$c: dhcp-boot names $f, which is not in the tree"; return 1; }
    done
}
# readme_boot_files FILE: the boot files README.txt gives ISC dhcpd (filename "X") and Kea
# ("boot-file-name": "X").
readme_boot_files() {
    grep -Eo '(filename[[:space:]]+|"boot-file-name"[[:space:]]*:[[:space:]]*)"[^"]+"' "$1" |
        sed -E 's/.*"([^"]+)"$/\1/' | sed 's|^/||' | sort -u
}
# missing_in DIR NAME...: the names that are not files of DIR.
missing_in() { local d=$1 f; shift; for f; do [ -f "$d/$f" ] || printf '%s ' "$f"; done; }

# --- dnsmasq run with the tree's dnsmasq.conf, for real -------------------------------------------------
# A private network namespace holds dnsmasq (the snippet, a DHCP range, on one end of a veth pair);
# a client in a second namespace on the other end asks for an address as each client
# architecture (DHCP option 93), then fetches files from dnsmasq's TFTP server.
cat >"$W/dhcp.py" <<'EOF_PY'
import random, socket, struct, sys
ifname, arch = sys.argv[1], int(sys.argv[2])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
s.setsockopt(socket.SOL_SOCKET, 25, ifname.encode() + b'\0')  # SO_BINDTODEVICE
s.bind(('0.0.0.0', 68))
s.settimeout(5)
xid = random.getrandbits(32)
mac = bytes([0x52, 0x54, 0, 0x12, 0x34, 0x56])
msg = struct.pack('!BBBBIHH4s4s4s4s16s64s128s', 1, 1, 6, 0, xid, 0, 0x8000, bytes(4), bytes(4),
                  bytes(4), bytes(4), mac + bytes(10), bytes(64), bytes(128))
msg += b'\x63\x82\x53\x63' + bytes([53, 1, 1, 93, 2]) + struct.pack('!H', arch)
msg += bytes([94, 3, 1, 2, 1, 60, 9]) + b'PXEClient' + bytes([55, 3, 66, 67, 60, 255])
s.sendto(msg, ('255.255.255.255', 67))
while True:
    d = s.recvfrom(2048)[0]
    if d[0] != 2 or struct.unpack('!I', d[4:8])[0] != xid:
        continue
    name, o, i = d[108:236].split(b'\0')[0], d[240:], 0
    while not name and i < len(o) and o[i] != 255:
        if o[i] == 0:
            i += 1
            continue
        if o[i] == 67:
            name = o[i + 2:i + 2 + o[i + 1]].split(b'\0')[0]
        i += 2 + o[i + 1]
    print(name.decode() or '-')
    break
EOF_PY
cat >"$W/net.sh" <<'EOF_SH'
# net.sh DIR OUT ARCH...: run inside `unshare -n`; prints "ARCH BOOTFILE" per architecture,
# then fetches by TFTP into OUT: \Boot\BCD, pxelinux.0, \sources\boot.wim and the UEFI boot file.
dir=$1 out=$2 py=$(dirname "$0")/dhcp.py
shift 2
ip link set lo up && ip link add v0 type veth peer name v1 && ip addr add 10.9.9.1/24 dev v0 &&
    ip link set v0 up || exit 9
unshare -n sleep 60 &
c=$!
dnsmasq --keep-in-foreground --conf-file="$dir/dnsmasq.conf" --port=0 --interface=v0 --bind-interfaces \
    --dhcp-range=10.9.9.100,10.9.9.150 --user=root --pid-file= --log-facility="$out/dnsmasq.log" \
    --dhcp-leasefile="$out/leases" &
d=$!
trap 'kill $d $c 2>/dev/null; wait' EXIT
sleep 0.3
ip link set v1 netns $c && nsenter -t $c -n ip link set v1 up && nsenter -t $c -n ip link set lo up || exit 8
sleep 0.3
efi=
for a; do
    f=$(nsenter -t $c -n python3 "$py" v1 "$a" 2>/dev/null)
    echo "$a ${f:-none}"
    [ "$a" = 7 ] || [ "$a" = 6 ] && efi=$f
done
nsenter -t $c -n ip addr add 10.9.9.2/24 dev v1 # the address a client takes after the offer
for r in '\Boot\BCD' pxelinux.0 '\sources\boot.wim' "$efi"; do
    [ -n "$r" ] && nsenter -t $c -n timeout 20 tftp -m binary 10.9.9.1 -c get "$r" "$out/$(basename "${r//\\//}")" >/dev/null 2>&1
done
exit 0
EOF_SH
# net DIR ARCH...: net.sh in a private network namespace; its output in $net, the files in $N.
N=$SCRATCH/net
net() {
    local d=$1
    shift
    rm -rf "$N" && mkdir -p "$N"
    net=$(timeout 90 unshare -n bash "$W/net.sh" "$d" "$N" "$@" 2>&1 | tr '\n' ';')
}

# --- tftpd-hpa, for real, on 127.0.0.1 ------------------------------------------------------------
# tftpd_start USER DIR OPTIONS...: in.tftpd in the foreground on a free high port; sets TPORT.
tftpd_start() {
    local user=$1 dir=$2 try pid
    shift 2
    for try in 1 2 3 4 5 6 7 8; do
        TPORT=$((20000 + (RANDOM * 7 + try) % 40000))
        in.tftpd -L -u "$user" -a "127.0.0.1:$TPORT" "$@" "$dir" 2>>"$SCRATCH/tftpd.err" &
        pid=$!
        sleep 0.3
        if kill -0 $pid 2>/dev/null; then TPIDS+=("$pid"); return 0; fi
        wait $pid 2>/dev/null
    done
    diag "in.tftpd would not start: $(tail -3 "$SCRATCH/tftpd.err" | tr '\n' ' ')"
    return 1
}
# tget REMOTE LOCAL: tftp-hpa's client asks the server for REMOTE, as a PXE client would; true
# when the file came (tftp-hpa says errors on stderr but exits 0).
tget() {
    rm -f "$2"
    local o
    o=$(timeout 20 tftp -m binary 127.0.0.1 "$TPORT" -c get "$1" "$2" 2>&1)
    [ -z "$o" ] && [ -f "$2" ] || { diag "tftp get '$1': ${o:-timed out}"; return 1; }
}
# served REMOTE FILE DESCRIPTION: what the server sends for REMOTE is FILE, byte for byte.
served() {
    tget "$1" "$SCRATCH/got" && cmp -s "$SCRATCH/got" "$2"
    ok $? "$3"
}

# --- what each sample should give: the media's files as their own readers see them ----------------
# expect NAME MEDIA-ROOT BCD SDI: the boot files of a media tree and the loaders out of its boot.wim.
expect() {
    local n=$1 root=$2 bcd=$3 sdi=$4 wim=$2/sources/boot.wim idx
    idx=$(boot_index "$wim")
    mkdir -p "$E/$n/Boot" "$E/$n/sources" "$E/$n/x" &&
        cp "$root/$bcd" "$E/$n/Boot/BCD" && cp "$root/$sdi" "$E/$n/Boot/boot.sdi" &&
        cp "$wim" "$E/$n/sources/boot.wim" &&
        wimextract "$wim" "$idx" /Windows/Boot/PXE/pxeboot.n12 /Windows/Boot/PXE/bootmgr.exe \
            /Windows/Boot/EFI/bootmgfw.efi --dest-dir="$E/$n/x" --no-acls >/dev/null 2>&1 &&
        mv "$E/$n/x/pxeboot.n12" "$E/$n/x/bootmgr.exe" "$E/$n/" && mv "$E/$n/x/bootmgfw.efi" "$E/$n/bootx64.efi" &&
        rmdir "$E/$n/x" && cp "$PXELINUX" "$MODULES/ldlinux.c32" "$E/$n/"
}
X=$SCRATCH/x
mkdir -p "$X"
xorriso -osirrox on -indev "$SAMPLES/dvd.iso" -extract / "$X/dvd.iso" >/dev/null 2>&1
xorriso -osirrox on -indev "$SAMPLES/adk.iso" -extract / "$X/adk.iso" >/dev/null 2>&1
7z x -y -o"$X/udf.iso" "$SAMPLES/udf.iso" -x'![BOOT]' >/dev/null 2>&1
mkdir -p "$X/boot.wim/sources" && cp "$SAMPLES/boot.wim" "$X/boot.wim/sources/" &&
    wimextract "$SAMPLES/boot.wim" "$(boot_index "$SAMPLES/boot.wim")" /Windows/Boot/DVD/PCAT/BCD \
        /Windows/Boot/DVD/PCAT/boot.sdi --dest-dir="$X/boot.wim" --no-acls >/dev/null 2>&1
chmod -R u+w "$X"
expect dvd "$DVD" boot/bcd boot/boot.sdi &&
    expect adk "$SAMPLES/adk" Boot/BCD Boot/boot.sdi &&
    expect dvd.iso "$X/dvd.iso" boot/bcd boot/boot.sdi &&
    expect adk.iso "$X/adk.iso" Boot/BCD Boot/boot.sdi &&
    expect udf.iso "$X/udf.iso" boot/bcd boot/boot.sdi &&
    expect boot.wim "$X/boot.wim" BCD boot.sdi
ok $? "expected trees: each sample's BCD, boot.sdi and boot.wim, and the loaders wimextract gives from its boot.wim"
cmp -s "$E/dvd/pxeboot.n12" "$FIXTURES/pxeboot.n12" && cmp -s "$E/dvd/bootx64.efi" "$FIXTURES/bootx64.efi"
ok $? "the samples' pxeboot.n12 and bootmgfw.efi are the PXE and EFI stand-ins"
src_before=$(tree_id "$DVD")

# --- every sample layout -------------------------------------------------------------------------------
for s in dvd adk dvd.iso adk.iso udf.iso boot.wim; do
    D=$O/$s
    run "$DARTMK" pxe "$SAMPLES/$s" -o "$D" --json
    is "$rc" 0 "$s: exit 0"
    # The samples' BCDs name \sources\boot.wim (as Windows PE media's do): no warning.
    is "$err" "" "$s: nothing on stderr"
    is "$(j '[.dir, .bios, .uefi, .menu, .updated, .bcd_ok] | map(tostring) | join(" ")')" \
        "$D true true false false true" "$s: --json: dir, bios, uefi, menu, updated, bcd_ok"
    counts_ok "$D" "$(j .files)" "$(j .bytes)"
    ok $? "$s: --json: files and bytes are the tree's"
    is "$(files_of "$D")" "$BASE_FILES" "$s: the tree's files are the spec's, under their names"
    same_files "$E/$s" "$D" pxeboot.n12 bootmgr.exe bootx64.efi
    ok $? "$s: pxeboot.n12, bootmgr.exe, bootx64.efi are wimextract's from the sample boot.wim"
    same_files "$E/$s" "$D" Boot/BCD Boot/boot.sdi
    ok $? "$s: Boot/BCD and Boot/boot.sdi are the media's"
    # One image, the bootable one: the media's as it is when it holds only that (issue 14).
    if [ "$(wiminfo "$E/$s/sources/boot.wim" | awk '/^Image Count/ { print $3 }')" = 1 ]; then
        same_files "$E/$s" "$D" sources/boot.wim
    else
        [ "$(one_image "$D/sources/boot.wim")" = "1 1 $(image_name "$E/$s/sources/boot.wim" 2)" ]
    fi
    ok $? "$s: sources/boot.wim holds the media's bootable image alone, not customised"
    same_files "$E/$s" "$D" pxelinux.0 ldlinux.c32
    ok $? "$s: pxelinux.0 and ldlinux.c32 are syslinux's (one version)"
    d=$(cfg_default "$D/pxelinux.cfg/default")
    hands_over "$(cfg_entry "$D/pxelinux.cfg/default" "$d")"
    ok $? "$s: pxelinux.cfg/default: the default entry ($d) hands over to pxeboot.n12 as a PXE program"
    modules_ok "$D"
    ok $? "$s: every module the configuration names (and their libraries) is there"
    dnsmasq_ok "$D" "$D" bootx64.efi
    ok $? "$s: dnsmasq --test passes on dnsmasq.conf; tftp-root=DIR; pxelinux.0 for BIOS, bootx64.efi for x64 UEFI"
    run "$DARTMK" verify "$D"
    is "$rc" 0 "$s: dartmk verify passes"
    manifest_ok "$D"
    ok $? "$s: the manifest lists every file with its size and SHA-256"
done
is "$(tree_id "$DVD")/$(entries "$TMPDIR")" "$src_before/0" "the source is unchanged, no staging left"
is "$(find "$O" -mindepth 1 -maxdepth 1 -printf '%P\n' | sort | tr '\n' ' ')" "adk adk.iso boot.wim dvd dvd.iso udf.iso " \
    "nothing written outside DIR"
cfg=$(cat "$O/dvd/pxelinux.cfg/default")
! printf '%s\n' "$cfg" | grep -Eiq '^[[:space:]]*(ui|menu[[:space:]]+title)[[:space:]]|localboot'
ok $? "no --menu: no menu and no local-disk entry"
t=$(awk 'tolower($1) == "timeout" { print $2 }' "$O/dvd/pxelinux.cfg/default")
p=$(awk 'tolower($1) == "prompt" { print $2 }' "$O/dvd/pxelinux.cfg/default")
[ "${t:-0}" -le 10 ] && [ "${p:-0}" = 0 ]
ok $? "no --menu: no prompt and no wait (TIMEOUT ${t:-none}, PROMPT ${p:-none})"

# dnsmasq with the tree's dnsmasq.conf: BIOS clients get pxelinux.0, x64 UEFI ones bootx64.efi,
# and its TFTP server (the snippet's enable-tftp, tftp-root) gives them the tree.
net "$O/dvd" 0 7 9
is "$net" "0 pxelinux.0;7 bootx64.efi;9 bootx64.efi;" \
    "dnsmasq with DIR/dnsmasq.conf: BIOS clients (arch 0) get pxelinux.0, x64 UEFI clients (arch 7, 9) bootx64.efi"
same_files "$O/dvd" "$N" pxelinux.0 bootx64.efi && cmp -s "$O/dvd/Boot/BCD" "$N/BCD" && cmp -s "$O/dvd/sources/boot.wim" "$N/boot.wim"
ok $? "dnsmasq's TFTP (the snippet's tftp-root) serves pxelinux.0, bootx64.efi, \\Boot\\BCD, \\sources\\boot.wim byte for byte"

# README.txt: the lines for each server.
R=$O/dvd/README.txt
grep -q dnsmasq "$R" && grep -q tftpd-hpa "$R" && grep -Eqi 'isc|dhcpd' "$R" && grep -qi kea "$R"
ok $? "README.txt speaks of dnsmasq, tftpd-hpa, ISC dhcpd and Kea"
grep -Eq 'filename[[:space:]]+"/?pxelinux\.0"' "$R" && grep -Eq 'filename[[:space:]]+"/?bootx64\.efi"' "$R"
ok $? "README.txt: ISC dhcpd's filename lines for pxelinux.0 and bootx64.efi"
grep -Eq '"boot-file-name"[[:space:]]*:[[:space:]]*"/?pxelinux\.0"' "$R" && grep -Eq '"boot-file-name"[[:space:]]*:[[:space:]]*"/?bootx64\.efi"' "$R"
ok $? "README.txt: Kea's boot-file-name for pxelinux.0 and bootx64.efi"
grep -Fq "$O/dvd/tftpd-hpa.remap" "$R"
ok $? "README.txt names the remap file by its absolute path"
mapfile -t named < <(readme_boot_files "$R")
is "$(missing_in "$O/dvd" "${named[@]}")" "" "README.txt: every boot file its dhcpd and Kea lines name is in the tree"

# --- modes: world-readable whatever the umask ---------------------------------------------------------
U=$O/umask
(umask 077 && "$DARTMK" pxe "$DVD" -o "$U" -q >/dev/null 2>&1)
is "$?" 0 "umask 077: exit 0"
is "$(find "$U" -type f ! -perm 0644 -printf '%m %P\n')" "" "umask 077: every file is 0644"
is "$(find "$U" -type d ! -perm 0755 -printf '%m %P\n')" "" "umask 077: every folder (DIR too) is 0755"

# --- a real tftpd-hpa with the remap file, as its own unprivileged user when there is one ------------
TUSER=root
id tftp >/dev/null 2>&1 && TUSER=tftp
if tftpd_start "$TUSER" "$U" -s -m "$U/tftpd-hpa.remap"; then
    pass "in.tftpd -s -m DIR/tftpd-hpa.remap (user $TUSER) started on 127.0.0.1:$TPORT"
else
    fail "in.tftpd -s -m DIR/tftpd-hpa.remap started"
fi
served '\Boot\BCD' "$U/Boot/BCD" 'tftpd-hpa: \Boot\BCD (what bootmgr asks for) is Boot/BCD'
served '\boot\bcd' "$U/Boot/BCD" 'tftpd-hpa: \boot\bcd is Boot/BCD'
served '\Boot\boot.sdi' "$U/Boot/boot.sdi" 'tftpd-hpa: \Boot\boot.sdi is Boot/boot.sdi'
served '/sources/boot.wim' "$U/sources/boot.wim" 'tftpd-hpa: /sources/boot.wim is sources/boot.wim'
served '\Sources\Boot.wim' "$U/sources/boot.wim" 'tftpd-hpa: \Sources\Boot.wim is sources/boot.wim'
served 'BOOTMGR.EXE' "$U/bootmgr.exe" 'tftpd-hpa: BOOTMGR.EXE is bootmgr.exe'
served '\bootmgr.exe' "$U/bootmgr.exe" 'tftpd-hpa: \bootmgr.exe is bootmgr.exe'
served 'PXEboot.N12' "$U/pxeboot.n12" 'tftpd-hpa: PXEboot.N12 is pxeboot.n12'
served 'BootX64.EFI' "$U/bootx64.efi" 'tftpd-hpa: BootX64.EFI is bootx64.efi'
served 'pxelinux.0' "$U/pxelinux.0" 'tftpd-hpa: pxelinux.0'
served 'pxelinux.cfg/default' "$U/pxelinux.cfg/default" 'tftpd-hpa: pxelinux.cfg/default'
rm -f "$SCRATCH/got"
timeout 20 curl -s -o "$SCRATCH/got" "tftp://127.0.0.1:$TPORT/sources/boot.wim" && cmp -s "$SCRATCH/got" "$U/sources/boot.wim"
ok $? "curl tftp:// gets sources/boot.wim byte for byte"
rm -f "$SCRATCH/got"
timeout 20 curl -s -o "$SCRATCH/got" "tftp://127.0.0.1:$TPORT/ldlinux.c32" && cmp -s "$SCRATCH/got" "$U/ldlinux.c32"
ok $? "curl tftp:// gets ldlinux.c32 (what pxelinux.0 loads next)"
# pxelinux looks for pxelinux.cfg/01-<MAC> and hex IPs first: those must stay "not found".
o=$(timeout 20 tftp -m binary 127.0.0.1 "$TPORT" -c get pxelinux.cfg/01-52-54-00-12-34-56 "$SCRATCH/none" 2>&1)
like "$o" 'File not found' "tftpd-hpa: pxelinux.cfg/01-52-54-00-12-34-56 is not found (pxelinux goes on to default)"
stop_servers

# The README's lines for tftpd-hpa (/etc/default/tftpd-hpa), run as they are.
tdir=$(sed -n 's/^[[:space:]]*TFTP_DIRECTORY="\(.*\)"[[:space:]]*$/\1/p' "$O/dvd/README.txt" | head -1)
topts=$(sed -n 's/^[[:space:]]*TFTP_OPTIONS="\(.*\)"[[:space:]]*$/\1/p' "$O/dvd/README.txt" | head -1)
is "$tdir" "$O/dvd" "README.txt: TFTP_DIRECTORY=\"DIR\" for /etc/default/tftpd-hpa"
# shellcheck disable=SC2086  # the options are words, as tftpd-hpa's init script splits them
if [ -n "$topts" ] && tftpd_start root "${tdir:-$O/dvd}" $topts; then
    served '\Boot\BCD' "$O/dvd/Boot/BCD" "tftpd-hpa started with README.txt's TFTP_OPTIONS ($topts) serves \\Boot\\BCD"
else
    fail "tftpd-hpa started with README.txt's TFTP_OPTIONS serves \\Boot\\BCD (TFTP_OPTIONS: '$topts')"
fi
stop_servers

# --- --menu: DaRT first, the local disk second, a timeout ---------------------------------------------
M=$O/menu
run "$DARTMK" pxe "$SAMPLES/udf.iso" -o "$M" --menu --json
is "$rc/$(j .menu)/$(j .bios)/$(j .uefi)" "0/true/true/true" "--menu: exit 0, --json menu true"
C=$M/pxelinux.cfg/default
grep -Eiq '^[[:space:]]*ui[[:space:]]+/?(vesa)?menu\.c32' "$C"
ok $? "--menu: UI menu.c32"
modules_ok "$M"
ok $? "--menu: menu.c32 and the libraries it needs are in the tree, syslinux's own"
labels=$(cfg_labels "$C")
first=$(printf '%s\n' "$labels" | sed -n 1p) second=$(printf '%s\n' "$labels" | sed -n 2p)
is "$(lines "$labels")" 2 "--menu: two entries"
hands_over "$(cfg_entry "$C" "$first")"
ok $? "--menu: the first entry ($first) is DaRT: it hands over to pxeboot.n12"
printf '%s\n' "$(cfg_entry "$C" "$first")" | grep -Eq '^menu label .*dart'
ok $? "--menu: the first entry's label names DaRT"
printf '%s\n' "$(cfg_entry "$C" "$second")" | grep -Eq '^localboot[[:space:]]+-?[0-9]+'
ok $? "--menu: the second entry ($second) boots the local disk (LOCALBOOT)"
t=$(awk 'tolower($1) == "timeout" { print $2 }' "$C")
[ -n "$t" ] && [ "$t" -gt 0 ] 2>/dev/null
ok $? "--menu: a timeout (TIMEOUT ${t:-none})"
is "$(files_of "$M" | grep -v '\.c32$')" "$(printf '%s\n' "$BASE_FILES" | grep -v '\.c32$')" "--menu: the same files, and modules"
dnsmasq_ok "$M" "$M" bootx64.efi && run "$DARTMK" verify "$M" && [ "$rc" = 0 ]
ok $? "--menu: dnsmasq --test passes, dartmk verify passes"

# --- --tftp-root, and DIR given relative ----------------------------------------------------------------
run "$DARTMK" pxe "$DVD" -o "$O/root" --tftp-root /srv/tftp/dart -q
is "$rc" 0 "--tftp-root /srv/tftp/dart: exit 0"
dnsmasq_ok "$O/root" /srv/tftp/dart bootx64.efi
ok $? "--tftp-root: dnsmasq.conf has tftp-root=/srv/tftp/dart and passes dnsmasq --test"
grep -q /srv/tftp/dart/tftpd-hpa.remap "$O/root/README.txt"
ok $? "--tftp-root: README.txt names the remap file where the server sees it (/srv/tftp/dart/tftpd-hpa.remap)"
(cd "$O" && "$DARTMK" pxe "$DVD" -o rel -q >/dev/null 2>&1)
dnsmasq_ok "$O/rel" "$(realpath "$O/rel")" bootx64.efi
ok $? "-o rel (a relative DIR): tftp-root= is its absolute path"
is "$(find "$O" -mindepth 1 -maxdepth 1 -printf '%P\n' | sort | tr '\n' ' ')" \
    "adk adk.iso boot.wim dvd dvd.iso menu rel root udf.iso umask " \
    "-o rel: nothing but the tree written"

# --- build options: boot.wim customised first; --update replaces it ------------------------------------
mkdir -p "$W/tool" "$W/other"
cp "$FIXTURES/bootx64.efi" "$W/tool/tool.exe"
echo readme >"$W/tool/readme.txt"
echo other >"$W/other/other.exe"
C1=$O/cust
run "$DARTMK" pxe "$DVD" -o "$C1" --tool "Tool=$W/tool" --json
is "$rc" 0 "--tool: exit 0"
NEW=$C1/sources/boot.wim
wimverify "$NEW" >/dev/null 2>&1
ok $? "--tool: wimverify passes on sources/boot.wim"
listing=$(wimdir "$NEW" "$(boot_index "$NEW")")
printf '%s\n' "$listing" | grep -Fxq /DaRT/Tools/Tool/tool.exe && printf '%s\n' "$listing" | grep -Fxq /DaRT/Tools/Tool/readme.txt
ok $? "--tool: the boot image holds /DaRT/Tools/Tool"
! cmp -s "$NEW" "$DVD/sources/boot.wim" && same_files "$E/dvd" "$C1" pxeboot.n12 bootmgr.exe bootx64.efi Boot/BCD Boot/boot.sdi
ok $? "--tool: a new boot.wim; the loaders and boot files as without"
run "$DARTMK" verify "$C1"
is "$rc" 0 "--tool: dartmk verify passes"
is "$(tree_id "$DVD")/$(entries "$TMPDIR")" "$src_before/0" "--tool: the source is unchanged, no staging left"

# --update: the old boot.wim stays whole for a reader that has it open (the new one is renamed
# into place), the new one holds the other tool, and the tree stays valid.
cp "$NEW" "$W/old-boot.wim"
old_ino=$(stat -c %i "$NEW")
others_before=$(cd "$C1" && sha256sum pxelinux.0 ldlinux.c32 pxeboot.n12 bootmgr.exe bootx64.efi Boot/BCD Boot/boot.sdi)
exec 7<"$NEW"
run "$DARTMK" pxe "$DVD" -o "$C1" --update --tool "Other=$W/other" --json
is "$rc" 0 "--update --tool Other: exit 0"
cmp -s "$W/old-boot.wim" - <&7
ok $? "--update: a client reading the old boot.wim still gets all of it, unchanged"
exec 7<&-
is "$(j .updated)/$(j .bios)/$(j .uefi)" "true/true/true" "--update: --json updated true"
[ "$(stat -c %i "$NEW")" != "$old_ino" ]
ok $? "--update: sources/boot.wim is a new file renamed into place"
wimverify "$NEW" >/dev/null 2>&1
ok $? "--update: wimverify passes on the new boot.wim"
listing=$(wimdir "$NEW" "$(boot_index "$NEW")")
printf '%s\n' "$listing" | grep -Fxq /DaRT/Tools/Other/other.exe && ! printf '%s\n' "$listing" | grep -q '^/DaRT/Tools/Tool'
ok $? "--update: the boot image holds /DaRT/Tools/Other, not the old tool"
is "$(cd "$C1" && sha256sum pxelinux.0 ldlinux.c32 pxeboot.n12 bootmgr.exe bootx64.efi Boot/BCD Boot/boot.sdi)" \
    "$others_before" "--update: the other files have the same contents"
run "$DARTMK" verify "$C1"
is "$rc" 0 "--update: dartmk verify passes (the manifest follows the new boot.wim)"
is "$(files_of "$C1")/$(find "$C1" -name '.*' | wc -l)/$(entries "$TMPDIR")" "$BASE_FILES/0/0" \
    "--update: the same files, no temporary left beside them, no staging left"
run "$DARTMK" pxe "$DVD" -o "$C1" --update --menu -q
is "$rc" 0 "--update --menu: exit 0"
grep -Eiq '^[[:space:]]*ui[[:space:]]+/?(vesa)?menu\.c32' "$C1/pxelinux.cfg/default" && modules_ok "$C1" &&
    run "$DARTMK" verify "$C1" && [ "$rc" = 0 ]
ok $? "--update --menu: the menu and its modules added; dartmk verify passes"
cmp -s "$NEW" "$O/dvd/sources/boot.wim"
ok $? "--update without build options: boot.wim is the media's image again, as a plain run exports it"

# The disk fills up during --update: exit 1, the tree as it was (every file whole), nothing left
# beside; during a new tree: exit 1, no half tree left.
contents() { (cd "$1" && find . -type f -print0 | sort -z | xargs -0r sha256sum) | sha256sum; }
if [ -e "$SHIM" ]; then
    before=$(contents "$C1")
    ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0 LD_PRELOAD=$SHIM \
        FAILWRITE_PREFIX=$C1 FAILWRITE_AFTER=100000 run "$DARTMK" pxe "$DVD" -o "$C1" --update --tool "Tool=$W/tool"
    is "$rc/$(lines "$err")" "1/1" "--update, the disk full half way: exit 1, one line"
    like "$err" "No space left on device" "--update, full: the message says why"
    is "$(contents "$C1")/$(find "$C1" -name '.*' | wc -l)/$(entries "$TMPDIR")" "$before/0/0" \
        "--update, full: every file of the tree as it was, no temporary left beside them, no staging left"
    ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0 LD_PRELOAD=$SHIM \
        FAILWRITE_PREFIX=$O/full FAILWRITE_AFTER=300000 run "$DARTMK" pxe "$DVD" -o "$O/full"
    is "$rc/$(lines "$err")" "1/1" "a new tree, the disk full half way: exit 1, one line"
    is "$(entries "$O/full")/$(entries "$TMPDIR")" "0/0" "a new tree, full: no half tree left (DIR gone or empty), no staging left"
    rm -rf "$O/full"
else
    for _ in 1 2 3 4 5; do fail "disk full: $SHIM is missing (make tools)"; done
fi

# --update without --menu on a tree that has one: the menu goes, and the tree stays valid (no
# module left behind that the manifest does not list).
run "$DARTMK" pxe "$DVD" -o "$C1" --update -q
is "$rc" 0 "--update without --menu on a menu tree: exit 0"
! grep -Eiq '^[[:space:]]*ui[[:space:]]' "$C1/pxelinux.cfg/default" && run "$DARTMK" verify "$C1" && [ "$rc" = 0 ]
ok $? "--update without --menu: no menu in pxelinux.cfg/default, dartmk verify passes (${out##*$'\n'})"

# The temporaries a killed --update leaves (kill -9 before their renames: tests/cli/crash.t) go
# with the next --update, which leaves the tree verifiable again; a look-alike that is not one of
# dartmk's temporaries (not six letters after .dartmk-, or a folder) stays.
for f in .bootmgr.exe.dartmk-Ab3xYz Boot/.BCD.dartmk-q1W2e3 .dartmk-manifest.json.dartmk-000000 .README.txt.dartmk-long123; do
    printf 'half' >"$C1/$f"
done
mkdir "$C1/.pxeboot.n12.dartmk-AAAAAA"
run "$DARTMK" pxe "$DVD" -o "$C1" --update -q
left=$(cd "$C1" && find . -mindepth 1 -name '.*' | sort | tr '\n' ' ')
rm -r "$C1/.README.txt.dartmk-long123" "$C1/.pxeboot.n12.dartmk-AAAAAA"
run "$DARTMK" verify "$C1"
is "$left/$rc" "./.README.txt.dartmk-long123 ./.pxeboot.n12.dartmk-AAAAAA /0" \
    "--update after a killed one: its temporaries removed, look-alikes kept, dartmk verify passes"

# --- x86 media: bootia32.efi -----------------------------------------------------------------------------
cp -a "$DVD" "$W/x86"
for i in 1 2; do wiminfo "$W/x86/sources/boot.wim" $i --image-property WINDOWS/ARCH=0 >/dev/null; done
run "$DARTMK" inspect --json "$W/x86"
is "$(j .arch)" x86 "an x86 copy of the DVD sample (WINDOWS/ARCH 0)"
run "$DARTMK" pxe "$W/x86" -o "$O/x86" --json
is "$rc/$(j .bios)/$(j .uefi)" "0/true/true" "x86 media: exit 0, bios and uefi"
[ -f "$O/x86/bootia32.efi" ] && [ ! -e "$O/x86/bootx64.efi" ] && cmp -s "$O/x86/bootia32.efi" "$E/dvd/bootx64.efi"
ok $? "x86 media: bootia32.efi (boot.wim's bootmgfw.efi) at the root, no bootx64.efi"
o=$(dnsmasq --test --conf-file="$O/x86/dnsmasq.conf" 2>&1) && grep -q 'bootia32\.efi' "$O/x86/dnsmasq.conf" &&
    ! grep -q 'bootx64\.efi' "$O/x86/dnsmasq.conf"
ok $? "x86 media: dnsmasq.conf passes dnsmasq --test and names bootia32.efi, not bootx64.efi"
run "$DARTMK" verify "$O/x86"
is "$rc" 0 "x86 media: dartmk verify passes"
net "$O/x86" 0 6
is "$net" "0 pxelinux.0;6 bootia32.efi;" "x86 media: dnsmasq with DIR/dnsmasq.conf: BIOS clients get pxelinux.0, IA32 UEFI clients (arch 6) bootia32.efi"
cmp -s "$O/x86/bootia32.efi" "$N/bootia32.efi"
ok $? "x86 media: dnsmasq's TFTP serves bootia32.efi"
mapfile -t named < <(readme_boot_files "$O/x86/README.txt")
is "$(missing_in "$O/x86" "${named[@]}")" "" "x86 media: every boot file README.txt's dhcpd and Kea lines name is in the tree"
grep -q 'bootia32\.efi' "$O/x86/README.txt"
ok $? "x86 media: README.txt gives the UEFI clients bootia32.efi"

# --- a BCD that names another boot.wim: a warning, bcd_ok false -----------------------------------------
# The samples' BCDs name \sources\boot.wim in UTF-16, as a hive stores it; this copy's names
# \winpe\x64\boot.wim instead (the same length).
u16() { printf '%s' "$1" | iconv -f UTF-8 -t UTF-16LE | od -An -tx1 | tr -d ' \n'; }
utf16_in() { od -An -tx1 -v "$2" | tr -d ' \n' | grep -q "$(u16 "$1")"; } # utf16_in TEXT FILE (any alignment)
cp -a "$DVD" "$W/bcdko"
perl -0777 -pi -e 's/\\\0s\0o\0u\0r\0c\0e\0s\0\\\0b\0o\0o\0t\0\.\0w\0i\0m\0/\\\0w\0i\0n\0p\0e\0\\\0x\x006\x004\0\\\0b\0o\0o\0t\0.\0w\0i\0m\0/gi' "$W/bcdko/boot/bcd"
utf16_in '\sources\boot.wim' "$DVD/boot/bcd" && ! utf16_in '\sources\boot.wim' "$W/bcdko/boot/bcd" &&
    utf16_in '\winpe\x64\boot.wim' "$W/bcdko/boot/bcd"
ok $? "a copy of the DVD sample whose BCD names \\winpe\\x64\\boot.wim, not \\sources\\boot.wim"
run "$DARTMK" pxe "$W/bcdko" -o "$O/bcdko" --json
is "$rc/$(j .bcd_ok)" "0/false" "a BCD naming another boot.wim: exit 0, --json bcd_ok false"
like "$(lines "$err")/$err" '^1/dartmk: warning: .*may not boot' "a BCD naming another boot.wim: one warning: the tree may not boot"
like "$err" 'sources.boot\.wim' "the warning names \\sources\\boot.wim"
cmp -s "$O/bcdko/Boot/BCD" "$W/bcdko/boot/bcd"
ok $? "that BCD is Boot/BCD all the same, byte for byte"

# --- --pxe-loader -------------------------------------------------------------------------------------------
# Media whose boot.wim has no Windows/Boot/PXE: refused, naming the file and --pxe-loader.
cp -a "$DVD" "$W/nopxe"
for i in 1 2; do wimupdate "$W/nopxe/sources/boot.wim" $i --command "delete --recursive /Windows/Boot/PXE" >/dev/null; done
wimdir "$W/nopxe/sources/boot.wim" 2 | grep -qi '/Windows/Boot/PXE'
is "$?" 1 "a copy of the DVD sample whose boot.wim has no Windows/Boot/PXE"
mkdir -p "$W/loaders" "$O/p"
{ cat "$E/dvd/pxeboot.n12"; echo supplied; } >"$W/loaders/pxeboot.n12"
{ cat "$E/dvd/bootmgr.exe"; echo supplied; } >"$W/loaders/bootmgr.exe"
{ cat "$E/dvd/bootx64.efi"; echo supplied; } >"$W/loaders/bootmgfw.efi"
run "$DARTMK" pxe "$W/nopxe" -o "$O/p/nopxe"
is "$rc" 1 "no PXE loaders in boot.wim: exit 1"
like "$err" '(pxeboot\.n12|bootmgr\.exe).*--pxe-loader FILE' "no PXE loaders: the message names the missing file and --pxe-loader FILE"
is "$(lines "$err")/${#out}/$(entries "$O/p")/$(entries "$TMPDIR")" "1/0/0/0" "no PXE loaders: one line, nothing written, no staging left"
run "$DARTMK" pxe "$W/nopxe" -o "$O/p/nopxe" --pxe-loader "$W/loaders/pxeboot.n12"
like "$rc/$err" '^1/.*bootmgr\.exe.*--pxe-loader' "pxeboot.n12 supplied, bootmgr.exe still missing: exit 1, names bootmgr.exe"
is "$(lines "$err")/$(entries "$O/p")" "1/0" "one loader of two supplied: one line, nothing written"
run "$DARTMK" pxe "$W/nopxe" -o "$O/p/nopxe" --pxe-loader "$W/loaders/pxeboot.n12" --pxe-loader "$W/loaders/bootmgr.exe" --json
is "$rc/$(j .bios)/$(j .uefi)" "0/true/true" "--pxe-loader pxeboot.n12 --pxe-loader bootmgr.exe: exit 0, both ways"
same_files "$W/loaders" "$O/p/nopxe" pxeboot.n12 bootmgr.exe && same_files "$E/dvd" "$O/p/nopxe" bootx64.efi
ok $? "the supplied pxeboot.n12 and bootmgr.exe are in the tree; bootx64.efi is boot.wim's"
run "$DARTMK" verify "$O/p/nopxe"
is "$rc" 0 "supplied loaders: dartmk verify passes"
run "$DARTMK" pxe "$DVD" -o "$O/p/override" --pxe-loader "$W/loaders/bootmgfw.efi" -q
is "$rc" 0 "--pxe-loader bootmgfw.efi on media that has one: exit 0"
cmp -s "$W/loaders/bootmgfw.efi" "$O/p/override/bootx64.efi" && same_files "$E/dvd" "$O/p/override" pxeboot.n12 bootmgr.exe
ok $? "--pxe-loader bootmgfw.efi: used instead of boot.wim's, as bootx64.efi"

# --- bad input: exit code, one line naming the thing, nothing written ---------------------------------------
B=$O/bad
mkdir -p "$B"
# bad DESCRIPTION RC REGEX ARGS...: ARGS follow `dartmk pxe`; $B as it was before, no staging left.
bad() {
    local d=$1 want=$2 re=$3 before
    shift 3
    before=$(tree_id "$B")
    run "$DARTMK" pxe "$@"
    is "$rc" "$want" "$d: exit $want"
    like "$err" "$re" "$d: message"
    is "$(lines "$err")/${#out}/$(tree_id "$B")/$(entries "$TMPDIR")" "1/0/$before/0" "$d: one line, nothing written, no staging left"
}
mkdir -p "$B/full"
echo keep >"$B/full/keep.txt"
bad "an existing non-empty DIR" 3 "^dartmk: $B/full: .*(--force|--update)" "$DVD" -o "$B/full"
echo file >"$B/file"
bad "DIR that is a file" 1 "^dartmk: $B/file: " "$DVD" -o "$B/file"
bad "--update on a folder that is not a dartmk pxe tree" 3 "^dartmk: $B/full: .*" "$DVD" -o "$B/full" --update
"$DARTMK" build "$DVD" -o "$B/built" -q >/dev/null 2>&1
bad "--update on a dartmk build tree (a manifest, but not a pxe tree)" 3 "^dartmk: $B/built: .*" "$DVD" -o "$B/built" --update
bad "a PXE loader of an unknown name" 2 "^dartmk pxe: --pxe-loader $W/tool/tool.exe: .*pxeboot\.n12" \
    "$DVD" -o "$B/new" --pxe-loader "$W/tool/tool.exe"
bad "a PXE loader that does not exist" 1 "^dartmk: $W/none/pxeboot\.n12: " "$DVD" -o "$B/new" --pxe-loader "$W/none/pxeboot.n12"
bad "SOURCE that does not exist" 1 "^dartmk: $W/nope\.iso: no such file or directory" "$W/nope.iso" -o "$B/new"
bad "no PXE loaders in boot.wim" 1 "--pxe-loader FILE" "$W/nopxe" -o "$B/new"
bad "--image-index 3 on a WIM of 2 images" 1 "^dartmk: sources/boot\.wim: image index 3 does not exist" "$DVD" -o "$B/new" --image-index 3
bad "--tool whose path does not exist" 1 "^dartmk: --tool T=$W/nope: " "$DVD" -o "$B/new" --tool "T=$W/nope"
bad "an unknown option" 2 "^dartmk pxe: unknown option '--bogus'" "$DVD" -o "$B/new" --bogus
bad "no SOURCE" 2 "^dartmk pxe: no SOURCE given" -o "$B/new"
bad "two SOURCEs" 2 "^dartmk pxe: one SOURCE at a time" "$DVD" "$SAMPLES/adk" -o "$B/new"
# Writing the same tree again without --update: refused, the tree untouched.
before=$(tree_id "$O/dvd")
run "$DARTMK" pxe "$DVD" -o "$O/dvd"
is "$rc/$(lines "$err")/$(tree_id "$O/dvd")" "3/1/$before" "an existing pxe tree without --update or --force: exit 3, one line, untouched"
like "$err" "^dartmk: $O/dvd: .*--update" "an existing pxe tree: the message names --update"
# --force: an existing non-empty folder is written into.
run "$DARTMK" pxe "$DVD" -o "$B/full" --force -q
is "$rc" 0 "--force: a non-empty DIR is written into"
[ -f "$B/full/pxelinux.0" ] && same_files "$E/dvd" "$B/full" Boot/BCD pxeboot.n12 && cmp -s "$O/dvd/sources/boot.wim" "$B/full/sources/boot.wim"
ok $? "--force: the tree is there"

# --- --json: one object, the keys, their types ---------------------------------------------------------------
run "$DARTMK" pxe "$DVD" -o "$O/json" --json --menu
is "$(printf '%s' "$out" | jq -s 'length')" 1 "--json: one JSON object on stdout"
is "$(j '[(.dir|type), (.files|type), (.bytes|type), (.bios|type), (.uefi|type), (.menu|type), (.updated|type), (.bcd_ok|type)] | join(" ")')" \
    "string number number boolean boolean boolean boolean boolean" "--json: dir, files, bytes, bios, uefi, menu, updated, bcd_ok with their types"
is "$(j '[.dir, .menu, .updated] | map(tostring) | join(" ")')" "$O/json true false" "--json: dir, menu true, updated false"
counts_ok "$O/json" "$(j .files)" "$(j .bytes)"
ok $? "--json --menu: files and bytes count the menu's modules too"

# --- symbolic links in a directory source that lead out of it are not followed ---------------------------
# Outside the source: files whose bytes must never land in DIR.
OUT=$W/outside
mkdir -p "$OUT/sources"
{ cat "$DVD/boot/boot.sdi"; echo DARTMK-OUTSIDE-SECRET; } >"$OUT/secret.sdi"
{ cat "$DVD/boot/bcd"; echo DARTMK-OUTSIDE-SECRET; } >"$OUT/secret.bcd"
cp "$DVD/sources/boot.wim" "$OUT/sources/boot.wim"
echo DARTMK-OUTSIDE-SECRET >"$OUT/secret.txt"
wimupdate "$OUT/sources/boot.wim" 2 --command "add $OUT/secret.txt /secret.txt" >/dev/null
outside_shas=$(find "$OUT" -type f -exec sha256sum {} + | cut -d' ' -f1 | sort -u)
# leaked DIR: files of DIR that hold an outside file's bytes, or the marker.
leaked() {
    [ -d "$1" ] || return 0
    (cd "$1" && find . -type f -exec sha256sum {} + | sort) | while read -r h p; do
        printf '%s\n' "$outside_shas" | grep -qx "$h" && echo "$p"
    done
    grep -rl DARTMK-OUTSIDE-SECRET "$1" 2>/dev/null
    return 0
}
cp -a "$DVD" "$W/link-sdi" && rm "$W/link-sdi/boot/boot.sdi" && ln -s "$OUT/secret.sdi" "$W/link-sdi/boot/boot.sdi"
cp -a "$DVD" "$W/link-bcd" && rm "$W/link-bcd/boot/bcd" && ln -s ../../outside/secret.bcd "$W/link-bcd/boot/bcd"
cp -a "$DVD" "$W/link-src" && rm -r "$W/link-src/sources" && ln -s "$OUT/sources" "$W/link-src/sources"
cp -a "$DVD" "$W/link-wim" && rm "$W/link-wim/sources/boot.wim" && ln -s "$OUT/sources/boot.wim" "$W/link-wim/sources/boot.wim"
for l in link-sdi link-bcd link-src link-wim; do
    run "$DARTMK" pxe "$W/$l" -o "$O/$l"
    is "$(leaked "$O/$l" | tr '\n' ' ')" "" "$l: a symbolic link out of the source is not followed (rc $rc): nothing from outside in DIR"
    if [ "$rc" = 0 ]; then
        run "$DARTMK" verify "$O/$l"
        is "$rc" 0 "$l: the tree written is valid (dartmk verify)"
    else
        like "$(entries "$O/$l")/$err" '^0/.*symbolic link' "$l: refused, saying why (the link); nothing written"
    fi
done
# Inside DIR too: --update on a tree whose sources/ (or a file) was made a symbolic link out of it
# writes nothing through the link.
L=$O/linked
"$DARTMK" pxe "$DVD" -o "$L" -q >/dev/null 2>&1
mkdir -p "$W/elsewhere" && mv "$L/sources" "$W/elsewhere/" && ln -s "$W/elsewhere/sources" "$L/sources"
echo mine >"$W/elsewhere/notes.txt" && rm "$L/README.txt" && ln -s "$W/elsewhere/notes.txt" "$L/README.txt"
before=$(tree_id "$W/elsewhere")
run "$DARTMK" pxe "$DVD" -o "$L" --update --tool "Tool=$W/tool"
is "$(tree_id "$W/elsewhere")" "$before" "--update (rc $rc) on a tree whose sources/ and README.txt link out of DIR: nothing written through the links"

is "$(entries "$TMPDIR")" 0 "no staging left"

# --- a new tree stopped by a signal: nothing left (issue 15) ------------------------------------
# SIGTERM, SIGINT, SIGHUP while boot.wim is customised (nothing in DIR yet), once a few files are
# in place, once most are: DIR is gone again (or empty, as it was), nothing is left in TMPDIR.
mkdir -p "$W/bigadd" && head -c 40M /dev/urandom >"$W/bigadd/big.bin"
for sig in TERM INT HUP; do
    for at in 0 3 8; do
        for kind in absent empty; do
            D=$O/sig-$sig-$at-$kind
            rm -rf "$D"
            [ $kind = empty ] && mkdir "$D"
            "$DARTMK" pxe "$DVD" -o "$D" -q --add-files "$W/bigadd" >/dev/null 2>&1 &
            pid=$!
            # at 0: once the staging folder of the customised boot.wim is there (then, too, a
            # SIGINT that a background job of a script inherits as ignored is taken)
            for _ in $(seq 6000); do
                if [ "$at" = 0 ]; then compgen -G "$TMPDIR/dartmk-*" >/dev/null && break
                else [ "$(find "$D" -type f 2>/dev/null | wc -l)" -ge "$at" ] && break; fi
                kill -0 $pid 2>/dev/null || break
                sleep 0.005
            done
            seen=$(find "$D" -type f 2>/dev/null | wc -l)
            kill -$sig $pid 2>/dev/null
            wait $pid 2>/dev/null
            st=$?
            if [ $kind = absent ]; then left=$([ -e "$D" ] && echo "DIR there ($(entries "$D") entries)" || echo gone); want=gone
            else left=$([ -d "$D" ] && echo "DIR there ($(entries "$D") entries)" || echo "DIR gone"); want="DIR there (0 entries)"; fi
            is "$([ $st -ne 0 ] && echo stopped || echo "exit $st")/$left/$(entries "$TMPDIR")" "stopped/$want/0" \
                "SIG$sig with $seen files written, DIR $kind before: DIR $( [ $kind = absent ] && echo gone || echo empty) again, nothing in TMPDIR"
            rm -rf "$D" "${TMPDIR:?}"/*
        done
    done
done

done_testing
