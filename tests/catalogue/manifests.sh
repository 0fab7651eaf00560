# Hostile manifests (dartmk-manifest.json) given to `dartmk verify` on a recovery tree made once
# (a `build -o DIR` tree, a stick image from `usb`, an ISO), and hostile saved partition tables
# given to `dartmk partition --restore-table`. verify of a tampered manifest fails (exit 1) with
# one line and never writes; a restore file that fails leaves the disk untouched.
AREA_MIN=30

setup() {
    export XDG_STATE_HOME=$S/state TMPDIR=$S/tmp
    mkdir -p "$TMPDIR"
    "$DARTMK" build "$SAMPLES/dvd" -o tree -q
    "$DARTMK" usb "$SAMPLES/dvd" stick.img --size 34M --yes -q >/dev/null
    "$DARTMK" iso "$SAMPLES/dvd" -o dvd.iso -q >/dev/null
    # A sparse 100 MiB GPT disk with two partitions (past 64 MiB the catalogue watches it by its
    # time, not its bytes); `usb` saves its table (with the raw sectors) and writes a stick over
    # it: the restore rows put the saved table back onto copies of it.
    truncate -s 100M disk.img
    printf 'label: gpt\nsize=20M, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B\nsize=30M\n' |
        sfdisk -q disk.img
    "$DARTMK" usb "$SAMPLES/dvd" disk.img --yes -q --backup-table saved.sfdisk >/dev/null
    grep -q '^# dartmk-raw 512 512 GPT Header' saved.sfdisk
}

# dirm JQ: the build tree copied to t/, its manifest run through jq.
dirm() {
    cp -r "$S/tree" t && jq "$1" "$S/tree/dartmk-manifest.json" >t/dartmk-manifest.json
}
# dirtext CMD: the build tree copied to t/, its manifest replaced by CMD's output.
dirtext() {
    cp -r "$S/tree" t && eval "$1" >t/dartmk-manifest.json
}
# stickm JQ: the stick image copied, its manifest rewritten by jq through mtools.
stickm() {
    cp --sparse=always "$S/stick.img" s.img &&
        mtype -i "s.img@@1M" ::/dartmk-manifest.json | jq "$1" >"$W/tmp/m.json" &&
        mcopy -o -i "s.img@@1M" "$W/tmp/m.json" ::/dartmk-manifest.json && rm "$W/tmp/m.json"
}
# isoedit RE NEW: the ISO copied, the first match of the regular expression RE in its manifest's
# bytes replaced in place by NEW (as long: the file keeps its place and size).
isoedit() {
    cp "$S/dvd.iso" x.iso && python3 - "$1" "$2" <<'PY'
import re, sys
b = bytearray(open("x.iso", "rb").read())
m = re.compile(sys.argv[1].encode()).search(b, b.find(b'"generator"'))
new = m.expand(sys.argv[2].encode())
assert len(new) == m.end() - m.start()
b[m.start():m.end()] = new
open("x.iso", "wb").write(b)
PY
}
# saved SED: the saved table edited with sed into s.sfdisk; the disk copied as disk.img.
saved() {
    sed -e "$1" "$S/saved.sfdisk" >s.sfdisk && cp --sparse=always "$S/disk.img" disk.img
}
# bigsize: a size of 20 digits (past int64).
bigsize() {
    jq -c '.files[0].size = 123' "$S/tree/dartmk-manifest.json" |
        sed 's/"size":123,/"size":99999999999999999999,/'
}
# deepjson: a file list nested 200 000 arrays deep.
deepjson() {
    python3 -c 'print("{\"files\": " + "[" * 200000 + "]" * 200000 + "}")'
}
# stickcut: the stick's manifest cut to its first 1000 bytes.
stickcut() {
    cp --sparse=always "$S/stick.img" s.img &&
        mtype -i s.img@@1M ::/dartmk-manifest.json | head -c 1000 >"$W/tmp/m.json" &&
        mcopy -o -i s.img@@1M "$W/tmp/m.json" ::/dartmk-manifest.json && rm "$W/tmp/m.json"
}
# flipraw LINE COL: in s.sfdisk, base64 character COL of LINE's data changed (A <-> B).
flipraw() {
    python3 - "$1" "$2" <<'PY'
import sys
line, col = int(sys.argv[1]), int(sys.argv[2])
ls = open("s.sfdisk").read().split("\n")
c = ls[line - 1][3 + col]
ls[line - 1] = ls[line - 1][:3 + col] + ("B" if c == "A" else "A") + ls[line - 1][4 + col:]
open("s.sfdisk", "w").write("\n".join(ls))
PY
}
# manyparts: an sfdisk script (no saved sectors) of 131 partitions, the last over the first.
manyparts() {
    cp --sparse=always "$S/disk.img" disk.img
    {
        printf 'label: gpt\nunit: sectors\nfirst-lba: 2048\ntable-length: 256\n\n'
        for i in $(seq 0 129); do
            printf 'disk.img%d : start=%d, size=8, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4\n' \
                $((i + 1)) $((2048 + 8 * i))
        done
        printf 'disk.img131 : start=2048, size=8, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4\n'
    } >s.sfdisk
}
# bigfiles: a manifest of about 10 MB: 100 000 entries for files that are not there.
bigfiles() {
    jq -c '.files += [range(100000) | {path: "nothere/f\(.)", size: 1, sha256: ("0" * 64)}]' \
        "$S/tree/dartmk-manifest.json"
}

rows() { cat <<'ROWS'
# name | prep | args | exit | pattern
# --- the file list: wrong types and values (a build tree) ---
sha-null | dirm '.files[0].sha256 = null' | verify t | 1 | ^dartmk: t: dartmk-manifest\.json: file entry 1 has a sha256 that is not 64 lower-case hex digits: the manifest is damaged$
sha-number | dirm '.files[2].sha256 = 12345' | verify t | 1 | file entry 3 has a sha256 that is not 64
sha-upper | dirm '.files[0].sha256 |= ascii_upcase' | verify t | 1 | file entry 1 has a sha256 that is not 64 lower-case hex
sha-short | dirm '.files[0].sha256 |= .[0:63]' | verify t | 1 | file entry 1 has a sha256 that is not 64
sha-other-file | dirm '.files[1].sha256 = .files[0].sha256' | verify t | 1 | ^dartmk: t: not as its manifest says: 0 missing, 1 different, 0 extra$
path-null | dirm '.files[0].path = null' | verify t | 1 | file entry 1 has a path that is not a string: the manifest is damaged
path-array | dirm '.files[0].path = ["boot","bcd"]' | verify t | 1 | file entry 1 has a path that is not a string
path-dotdot | dirm '.files[0].path = "boot/../../etc/passwd"' | verify t | 1 | file entry 1: the path 'boot/\.\./\.\./etc/passwd' is not a relative path inside the tree
path-absolute | dirm '.files[0].path = "/etc/passwd"' | verify t | 1 | file entry 1: the path '/etc/passwd' is not a relative path inside the tree
path-dot | dirm '.files[0].path = "./" + .files[0].path' | verify t | 1 | file entry 1: the path '\./boot/bcd' is not a relative path
path-double-slash | dirm '.files[0].path = "boot//bcd"' | verify t | 1 | file entry 1: the path 'boot//bcd' is not a relative path
path-empty | dirm '.files[0].path = ""' | verify t | 1 | file entry 1: the path '' is empty
path-nul | dirm '.files[0].path += "\u0000.txt"' | verify t | 1 | file entry 1: the path 'boot/bcd' holds a NUL byte
path-folder | dirm '.files[0].path = "boot"' | verify t | 1 | ^dartmk: t: not as its manifest says: 1 missing, 0 different, 1 extra$
size-negative | dirm '.files[0].size = -1' | verify t | 1 | file entry 1 has a size that is not a number of bytes
size-huge | dirm '.files[0].size = 1e300' | verify t | 1 | file entry 1 has a size that is not a number of bytes
size-int64-max | dirtext bigsize | verify t | 1 | file entry 1 has a size that is not a number of bytes
size-string | dirm '.files[0].size |= tostring' | verify t | 1 | file entry 1 has a size that is not a number of bytes
size-off-by-one | dirm '.files[0].size += 1' | verify t | 1 | ^dartmk: t: not as its manifest says: 0 missing, 1 different, 0 extra$
entry-missing-sha | dirm 'del(.files[3].sha256)' | verify t | 1 | file entry 4 has no path, size or sha256: the manifest is damaged
entry-not-object | dirm '.files[0] = "boot/bcd"' | verify t | 1 | file entry 1 has no path, size or sha256
duplicate-entry | dirm '.files += [.files[0]]' | verify t | 1 | file entry [0-9]+: 'boot/bcd' is listed twice$
duplicate-other-case | dirm '.files += [.files[0] + {path: (.files[0].path|ascii_upcase)}]' | verify t | 1 | file entry [0-9]+: 'BOOT/BCD' is listed twice$
files-empty | dirm '.files = []' | verify t | 1 | ^dartmk: t: not as its manifest says: 0 missing, 0 different, [0-9]+ extra$
files-object | dirm '.files = {}' | verify t | 1 | ^dartmk: t: dartmk-manifest\.json has no list of files$
files-absent | dirm 'del(.files)' | verify t | 1 | dartmk-manifest\.json has no list of files$
installed-not-list | dirm '.installed_after = "syslinux/ldlinux.sys"' | verify t | 1 | installed_after is not a list: the manifest is damaged$
installed-escape | dirm '.installed_after = ["../../etc/passwd"]' | verify t | 1 | ^dartmk: t: not as its manifest says: 1 missing, 0 different, 0 extra$
# --- the file as a whole ---
not-json-truncated | dirtext 'head -c 300 "$S/tree/dartmk-manifest.json"' | verify t | 1 | ^dartmk: t: dartmk-manifest\.json is not valid JSON$
empty-file | dirtext 'true' | verify t | 1 | dartmk-manifest\.json is not valid JSON$
text-appended | dirtext 'cat "$S/tree/dartmk-manifest.json"; echo "{\"files\": []}"' | verify t | 1 | dartmk-manifest\.json is not valid JSON$
utf8-bom | dirtext 'printf "\357\273\277"; cat "$S/tree/dartmk-manifest.json"' | verify t | 1 | dartmk-manifest\.json is not valid JSON$
top-level-array | dirm '[.]' | verify t | 1 | dartmk-manifest\.json has no list of files$
deep-nesting | dirtext deepjson | verify t | 1 | dartmk-manifest\.json is not valid JSON$
ten-megabytes | dirtext bigfiles | verify t | 1 | ^dartmk: t: not as its manifest says: 100000 missing, 0 different, 0 extra$
over-64-mib | cp -r "$S/tree" t; truncate -s 65M t/dartmk-manifest.json | verify t | 1 | ^dartmk: t: dartmk-manifest\.json is too large$
manifest-folder | cp -r "$S/tree" t; rm t/dartmk-manifest.json; mkdir t/dartmk-manifest.json | verify t | 1 | dartmk-manifest\.json: is a directory, not a file$
# --- a stick image (the FAT reader) and an ISO ---
stick-sha | stickm '.files[0].sha256 = ("f" * 64)' | verify s.img | 1 | ^dartmk: s\.img: not as its manifest says: 0 missing, 1 different, 0 extra$
stick-installed-gone | stickm '.installed_after += ["syslinux/gone.sys"]' | verify s.img | 1 | ^dartmk: s\.img: not as its manifest says: 1 missing, 0 different, 0 extra$
stick-duplicate | stickm '.files += [.files[-1]]' | verify s.img | 1 | ^dartmk: s\.img: dartmk-manifest\.json: file entry [0-9]+: '.*' is listed twice$
stick-cut | stickcut | verify s.img | 1 | ^dartmk: s\.img: dartmk-manifest\.json is not valid JSON$
iso-sha | isoedit '("sha256":")[0-9a-f]' '\1X' | verify x.iso | 1 | file entry 1 has a sha256 that is not 64 lower-case hex digits
iso-sha-key | isoedit '"sha256"' '"SHA256"' | verify x.iso | 1 | file entry 1 has no path, size or sha256: the manifest is damaged
iso-sha-other | isoedit '("sha256":")[0-9a-f]{4}' '\1dead' | verify x.iso | 1 | ^dartmk: x\.iso: not as its manifest says: 0 missing, 1 different, 0 extra$
iso-dotdot | isoedit '"path":"boot/' '"path":"../t/' | verify x.iso | 1 | the path '\.\./t/.*' is not a relative path inside the tree
iso-size-negative | isoedit '"size":1' '"size":-' | verify x.iso | 1 | has a size that is not a number of bytes
iso-manifest-cut | cp "$S/dvd.iso" x.iso && python3 "$TOP/tests/lib/isoedit.py" x.iso size dartmk_manifest.json 500 && python3 "$TOP/tests/lib/isoedit.py" x.iso size dartmk-manifest.json 500 | verify x.iso | 1 | ^dartmk: x\.iso: dartmk-manifest\.json is not valid JSON$
# --- saved partition tables for partition --restore-table ---
rt-empty | : >s.sfdisk; cp --sparse=always "$S/disk.img" disk.img | partition --restore-table s.sfdisk disk.img --yes | 1 | ^dartmk: s\.sfdisk: .*(no "label:" line|not an sfdisk script|no partitions)
rt-folder | mkdir s.sfdisk; cp --sparse=always "$S/disk.img" disk.img | partition --restore-table s.sfdisk disk.img --yes | 1 | ^dartmk: s\.sfdisk: .*(directory|not an sfdisk script)
rt-missing | cp --sparse=always "$S/disk.img" disk.img | partition --restore-table none.sfdisk disk.img --yes | 1 | ^dartmk: none\.sfdisk: No such file
rt-cut-in-raw | saved '200,$d' | partition --restore-table s.sfdisk disk.img --yes | 1 | ^dartmk: s\.sfdisk: a truncated dartmk-raw section$
rt-cut-mid-line | saved '' && truncate -s -10 s.sfdisk | partition --restore-table s.sfdisk disk.img --yes | 1 | ^dartmk: s\.sfdisk: line 733: a truncated dartmk-raw section$
rt-cut-in-script | saved '9,$d' | partition --restore-table s.sfdisk disk.img --yes | 1 | ^dartmk: s\.sfdisk: its sfdisk script has no partitions: nothing to put back$
rt-wrong-disk | saved '' && truncate -s 128M disk.img | partition --restore-table s.sfdisk disk.img --yes | 1 | ^dartmk: s\.sfdisk: saved from a disk of 104857600 bytes; disk\.img has 134217728: not its table$
rt-size-huge | saved 's/^# dartmk-disk-size .*/# dartmk-disk-size 99999999999999999999999/' | partition --restore-table s.sfdisk disk.img --yes | 1 | ^dartmk: s\.sfdisk: line 11: a damaged dartmk-raw section$
rt-size-twice | saved '/^# dartmk-disk-size/p' | partition --restore-table s.sfdisk disk.img --yes | 1 | ^dartmk: s\.sfdisk: line 12: a damaged dartmk-raw section$
rt-inside-partition | saved 's/^# dartmk-raw 1024 16384 /# dartmk-raw 2097152 16384 /' | partition --restore-table s.sfdisk disk.img --yes | 1 | ^dartmk: s\.sfdisk: dartmk-raw block 3 \(GPT Entries, 16384 bytes at 2097152\) lies inside partition 1$
rt-unaligned | saved 's/^# dartmk-raw 1024 16384 /# dartmk-raw 1025 16384 /' | partition --restore-table s.sfdisk disk.img --yes | 1 | block 3 \(GPT Entries, 16384 bytes at 1025\) is not whole sectors$
rt-past-end | saved 's/^# dartmk-raw 104857088 512 /# dartmk-raw 104857600 512 /' | partition --restore-table s.sfdisk disk.img --yes | 1 | block 5 \(GPT Backup Header, 512 bytes at 104857600\) lies past the end of disk\.img
rt-offset-wraps | saved 's/^# dartmk-raw 104857088 512 /# dartmk-raw 18446744073709551104 512 /' | partition --restore-table s.sfdisk disk.img --yes | 1 | block 5 \(GPT Backup Header, 512 bytes at 18446744073709551104\) lies past the end
rt-block-too-big | saved 's/^# dartmk-raw 1024 16384 /# dartmk-raw 1024 2097152 /' | partition --restore-table s.sfdisk disk.img --yes | 1 | ^dartmk: s\.sfdisk: line 36: a damaged dartmk-raw section$
rt-script-size-zero | saved '0,/size= *[0-9][0-9]*,/s//size=0,/' | partition --restore-table s.sfdisk disk.img --yes | 1 | ^dartmk: s\.sfdisk: partition 1 has a size of 0 sectors: not a table$
rt-block-zero | saved 's/^# dartmk-raw 512 512 /# dartmk-raw 512 0 /' | partition --restore-table s.sfdisk disk.img --yes | 1 | ^dartmk: s\.sfdisk: line 24: a damaged dartmk-raw section$
rt-overlapping-blocks | saved 's/^# dartmk-raw 512 512 GPT Header/# dartmk-raw 0 512 GPT Header/' | partition --restore-table s.sfdisk disk.img --yes | 1 | block 2 \(GPT Header, 512 bytes at 0\) overlaps block 1$
rt-header-gone | saved '24,35d' | partition --restore-table s.sfdisk disk.img --yes | 1 | its dartmk-raw blocks do not hold the whole table \(the protective MBR, the GPT header and the backup GPT header\)
rt-bad-base64 | saved '30s/^# >..../# >!!!!/' | partition --restore-table s.sfdisk disk.img --yes | 1 | ^dartmk: s\.sfdisk: line 30: a damaged dartmk-raw section$
rt-crc-tampered | saved "" && flipraw 25 22 | partition --restore-table s.sfdisk disk.img --yes | 1 | ^dartmk: s\.sfdisk: its saved primary GPT header or entries do not match their checksums: the file was edited or damaged$
rt-backup-crc | saved "" && flipraw 723 22 | partition --restore-table s.sfdisk disk.img --yes | 1 | ^dartmk: s\.sfdisk: its saved backup GPT header or entries do not match their checksums
rt-entry-edited | saved "" && flipraw 38 40 | partition --restore-table s.sfdisk disk.img --yes | 1 | ^dartmk: s\.sfdisk: its saved primary GPT header or entries do not match their checksums
rt-script-edited | saved 's/\(start= *43008, size= *\)61440/\130720/' | partition --restore-table s.sfdisk disk.img --yes | 1 | ^dartmk: s\.sfdisk: its dartmk-raw sectors \(the primary GPT\) hold another partition table than its sfdisk script: the file was edited$
rt-131-partitions | manyparts | partition --restore-table s.sfdisk disk.img --yes | 1 | ^dartmk: s\.sfdisk: its sfdisk script holds 131 partitions; dartmk puts back at most 128$
rt-script-overlap | saved 's/start= *43008/start=30000/' | partition --restore-table s.sfdisk disk.img --yes | 1 | ^dartmk: s\.sfdisk: partitions 1 .* and 2 .* overlap
rt-script-past-end | saved 's/size=       61440/size=      999999/' | partition --restore-table s.sfdisk disk.img --yes | 1 | ^dartmk: s\.sfdisk: partition 2 \(sectors 43008-1043006\) lies outside the disk's usable sectors 34-204766: the partition table is damaged$
rt-script-start-wraps | saved 's/start= *43008/start=36028797018963968/' | partition --restore-table s.sfdisk disk.img --yes | 1 | ^dartmk: s\.sfdisk: .*
rt-label-sun | saved 's/^label: gpt/label: sun/' | partition --restore-table s.sfdisk disk.img --yes | 1 | ^dartmk: s\.sfdisk: a sun partition table: dartmk puts back GPT and MBR tables only$
rt-no-label | saved '/^label:/d' | partition --restore-table s.sfdisk disk.img --yes | 1 | ^dartmk: s\.sfdisk: not an sfdisk script libfdisk can read: Invalid argument$
rt-label-mbr | saved 's/^label: gpt/label: dos/' | partition --restore-table s.sfdisk disk.img --yes | 1 | ^dartmk: s\.sfdisk: .*
rt-nul-byte | saved '' && printf 'x\0y\n' >>s.sfdisk | partition --restore-table s.sfdisk disk.img --yes | 1 | ^dartmk: s\.sfdisk: .*
ROWS
}
