# Cabinets that lie (issue 16), given as tools (`--tool NAME=FILE.cab`, expanded with libmspack
# by src/image/cab.c) or as drivers: truncated, bad signatures, absurd folder and file counts,
# members past the data, names that leave the tool's folder or are not names, damaged MSZIP and
# LZX data, a bomb (members that expand to 10 GiB from a few kilobytes), cabinet sets, no files.
# Sound cabinets come from gcab; hostile ones from mkcab below, which writes the format by hand.
AREA_MIN=30

# mkcab OUT [key=value]...: a cabinet written field by field (CFHEADER, CFFOLDER, CFFILE,
# CFDATA; data blocks without checksums, which the format allows).
#   files="NAME:SIZE[:OFFSET[:ATTRIBS[:FOLDER]]]/..."  members (NAME may hold \xNN escapes;
#                   OFFSET in the folder's data, by default after the last member)
#   folders=N       N folders, all of the same data blocks
#   data=N          bytes of folder data (default: what the members need), in 32 KiB blocks
#   comp=none|mszip|lzx|quantum|N             the folder's compression (lzx, quantum: garbage)
#   nfolders=N nfiles=N nblocks=N flags=N     header fields, when they are to lie
#   prev=NAME next=NAME                       the cabinet is part of a set: NAME before/after it
#   size=N          the header's cabinet size; cut=N: the file cut to N bytes
#   fill=zero       the data is zeros (else a pattern that compresses less)
mkcab() {
    python3 -c '
import struct, sys, zlib, random
out = sys.argv[1]
kv = dict(a.split("=", 1) for a in sys.argv[2:])
files = []
at = 0
for spec in filter(None, kv.get("files", "a.exe:100").split("/")):
    p = spec.split(":")
    name = p[0].encode("latin-1").decode("unicode_escape").encode("latin-1")
    size = int(p[1], 0)
    off = int(p[2], 0) if len(p) > 2 and p[2] else at
    attribs = int(p[3], 0) if len(p) > 3 and p[3] else 0x20
    folder = int(p[4]) if len(p) > 4 else 0
    files.append((name, size, off, attribs, folder))
    at = max(at, off + size)
total = int(kv.get("data", at))
comp = {"none": 0, "mszip": 1, "quantum": 2, "lzx": 3 | 15 << 8}.get(kv.get("comp", "none"))
if comp is None:
    comp = int(kv["comp"], 0)
raw = bytes(1 << 20) if kv.get("fill") == "zero" else bytes((i * 7 + i // 13) & 0xFF for i in range(1 << 20))
blocks, cache = [], {}
for start in range(0, total, 32768):
    n = min(32768, total - start)
    k = start % len(raw) if raw else 0  # raw is a whole number of blocks
    chunk = raw[k : k + n]
    if comp == 0:
        blocks.append((chunk, n))
    elif comp == 1:
        if (k, n) not in cache:
            c = zlib.compressobj(9, zlib.DEFLATED, -15)
            cache[k, n] = b"CK" + c.compress(chunk) + c.flush()
        blocks.append((cache[k, n], n))
    else:
        r = random.Random(start)
        blocks.append((r.randbytes(max(64, n // 4)), n))
nb = int(kv.get("nblocks", len(blocks)))
names = b"".join(struct.pack("<IIHHHH", s, o, d, 0x5A21, 0x6000, a) + n + b"\0" for n, s, o, a, d in files)
nf = int(kv.get("folders", 1))
extra, flags = b"", int(kv.get("flags", 0))
if "prev" in kv:
    extra, flags = extra + kv["prev"].encode() + b"\0DISK1\0", flags | 1
if "next" in kv:
    extra, flags = extra + kv["next"].encode() + b"\0DISK2\0", flags | 2
hdr_len = 36 + len(extra)
folder_at = hdr_len
files_at = folder_at + 8 * nf
data_at = files_at + len(names)
body = b"".join(struct.pack("<IHH", 0, len(c), u) + c for c, u in blocks)
cab_len = data_at + len(body)
hdr = b"MSCF" + struct.pack("<IIIIIBBHHHHH", 0, int(kv.get("size", cab_len)), 0, files_at, 0, 3, 1,
    int(kv.get("nfolders", nf)), int(kv.get("nfiles", len(files))), flags, 1234, 0) + extra
folder = struct.pack("<IHH", data_at, nb, comp) * nf
img = hdr + folder + names + body
if "cut" in kv:
    img = img[: int(kv["cut"])]
open(out, "wb").write(img)
' "$@"
}
# gcab_tool OUT: a sound MSZIP cabinet of a tool (tool.exe and a readme in a folder), by gcab.
gcab_tool() {
    mkdir -p t/docs && head -c 40000 /dev/zero | tr '\0' 'x' >t/tool.exe && echo hi >t/docs/readme.txt
    (cd t && gcab -cz "../$1" tool.exe docs/readme.txt) && rm -r t
}
# patch FILE PERL-SUBSTITUTION: the cabinet's bytes edited (names are not checksummed).
patch() { perl -0777 -pi -e "$2" "$1"; }
# flipdata FILE OFFSET-FROM-END: a byte of compressed data changed.
flipdata() { python3 -c 'import sys; f=open(sys.argv[1],"r+b"); f.seek(-int(sys.argv[2]),2); b=f.read(1); f.seek(-int(sys.argv[2]),2); f.write(bytes([b[0]^0x55]))' "$@"; }
# bomb_files: 160 members of 64 MiB that all start at the folder's first byte: 10 GiB expanded
# from 64 MiB of zeros (2048 MSZIP blocks).
bomb_files() { local i; for i in $(seq 160); do printf 'f%d.exe:67108864:0/' "$i"; done; }
# big_files: 3 members of 2 GiB - 1, one in each of 3 folders that share 65535 data blocks of
# MSZIP (the same block of zeros): 6 GiB that do not overlap, from 3 MB.
big_files() { printf 'a%d.exe:2147450879:0::%d/' 1 0 2 1 3 2; }
# Every row builds from the ADK sample media: the tool is expanded (and refused) before the
# output is touched.

rows() { cat <<'ROWS'
# name | prep | args | exit | pattern
empty-cab | : >in.cab | build "$SAMPLES/adk" -o out --tool T=in.cab | 1 | ^dartmk: .*/in\.cab: not a valid cabinet \(no MSCF signature\)$
magic-only | printf MSCF >in.cab | build "$SAMPLES/adk" -o out --tool T=in.cab | 1 | ^dartmk: .*/in\.cab: not a valid cabinet \(truncated\)$
bad-signature | mkcab in.cab; patch in.cab 's/^MSCF/MSCX/' | build "$SAMPLES/adk" -o out --tool T=in.cab:helpdesk | 1 | ^dartmk: .*/in\.cab: not a valid cabinet \(no MSCF signature\)$
not-a-cab-named-cab | echo hello >in.cab | build "$SAMPLES/adk" -o out --tool T=in.cab | 1 | ^dartmk: .*/in\.cab: not a valid cabinet \(no MSCF signature\)$
cut-in-header | mkcab in.cab cut=20 | build "$SAMPLES/adk" -o out --tool T=in.cab | 1 | ^dartmk: .*/in\.cab: not a valid cabinet \(truncated\)$
cut-in-folder | mkcab in.cab cut=40 | build "$SAMPLES/adk" -o out --tool T=in.cab | 1 | ^dartmk: .*/in\.cab: not a valid cabinet \(truncated\)$
cut-in-files | mkcab in.cab cut=50 | build "$SAMPLES/adk" -o out --tool T=in.cab | 1 | ^dartmk: .*/in\.cab: not a valid cabinet \(truncated\)$
cut-in-data | gcab_tool in.cab; truncate -s -100 in.cab | build "$SAMPLES/adk" -o out --tool T=in.cab | 1 | ^dartmk: .*/in\.cab: not a valid cabinet \(bad header or block layout\)$
folders-zero | mkcab in.cab nfolders=0 | build "$SAMPLES/adk" -o out --tool T=in.cab | 1 | ^dartmk: .*/in\.cab: not a valid cabinet \(bad header or block layout\)$
folders-huge | mkcab in.cab nfolders=65535 | build "$SAMPLES/adk" -o out --tool T=in.cab | 1 | ^dartmk: .*/in\.cab: not a valid cabinet \(truncated\)$
files-huge | mkcab in.cab nfiles=65535 | build "$SAMPLES/adk" -o out --tool T=in.cab | 1 | ^dartmk: .*/in\.cab: not a valid cabinet \(bad header or block layout\)$
no-files | mkcab in.cab files= nfiles=0 | build "$SAMPLES/adk" -o out --tool T=in.cab | 1 | ^dartmk: .*/in\.cab: not a valid cabinet \(bad header or block layout\)$
member-past-data | mkcab in.cab 'files=a.exe:100/b.txt:5000:90000' data=200 | build "$SAMPLES/adk" -o out --tool T=in.cab | 1 | ^dartmk: .*/in\.cab: b\.txt: corrupt data in the cabinet \(cannot decompress\)$
member-offset-huge | mkcab in.cab 'files=a.exe:100/b.txt:10:0xfffffff0' data=200 | build "$SAMPLES/adk" -o out --tool T=in.cab | 1 | ^dartmk: .*/in\.cab: b\.txt: corrupt data in the cabinet \(bad header or block layout\)$
name-dotdot | mkcab in.cab 'files=..\\evil.exe:100' | build "$SAMPLES/adk" -o out --tool T=in.cab | 1 | ^dartmk: .*/in\.cab: member '\.\.\\evil\.exe': refused: name has a '\.' or '\.\.' component$
name-dotdot-inside | mkcab in.cab 'files=a\\..\\..\\evil.exe:100' | build "$SAMPLES/adk" -o out --tool T=in.cab | 1 | ^dartmk: .*/in\.cab: member 'a\\\.\.\\\.\.\\evil\.exe': refused: name has a '\.' or '\.\.' component$
name-absolute | mkcab in.cab 'files=\x2fetc\x2fevil.exe:100' | build "$SAMPLES/adk" -o out --tool T=in.cab | 1 | ^dartmk: .*/in\.cab: member '/etc/evil\.exe': refused: absolute name$
name-absolute-backslash | mkcab in.cab 'files=\\Windows\\System32\\winpeshl.ini:100' | build "$SAMPLES/adk" -o out --tool T=in.cab | 1 | ^dartmk: .*/in\.cab: member '\\Windows\\System32\\winpeshl\.ini': refused: absolute name$
name-drive-letter | mkcab in.cab 'files=C\x3aevil.exe:100' | build "$SAMPLES/adk" -o out --tool T=in.cab | 1 | ^dartmk: .*/in\.cab: member 'C:evil\.exe': refused: name has a drive letter$
name-empty | mkcab in.cab 'files=:100' | build "$SAMPLES/adk" -o out --tool T=in.cab | 1 | ^dartmk: .*/in\.cab: not a valid cabinet \(bad header or block layout\)$
name-trailing-backslash | mkcab in.cab 'files=dir\\:100' | build "$SAMPLES/adk" -o out --tool T=in.cab | 1 | ^dartmk: .*/in\.cab: member 'dir\\': refused: empty folder name \(doubled or trailing separator\)$
name-control-char | mkcab in.cab 'files=a\x01b.exe:100' | build "$SAMPLES/adk" -o out --tool T=in.cab | 1 | ^dartmk: .*/in\.cab: member 'a\\x01b\.exe': refused: control character in a name$
name-invalid-utf8 | mkcab in.cab 'files=caf\xff\xfe.exe:100:0:0xa0' | build "$SAMPLES/adk" -o out --tool T=in.cab | 1 | ^dartmk: .*/in\.cab: member 'caf.*\.exe': name is marked UTF-8 but is not valid UTF-8$
name-overlong-utf8 | mkcab in.cab 'files=\xc0\xaf.exe:100:0:0xa0' | build "$SAMPLES/adk" -o out --tool T=in.cab | 1 | ^dartmk: .*/in\.cab: member '.*\.exe': name is marked UTF-8 but is not valid UTF-8$
name-case-collision | mkcab in.cab 'files=tool.exe:100/TOOL.EXE:100' | build "$SAMPLES/adk" -o out --tool T=in.cab | 1 | ^dartmk: .*/in\.cab: member 'TOOL\.EXE': same name as member 'tool\.exe' on Windows$
name-file-and-folder | mkcab in.cab 'files=tool.exe:100/Tool.exe\\x.dll:100' | build "$SAMPLES/adk" -o out --tool T=in.cab | 1 | ^dartmk: .*/in\.cab: member 'Tool\.exe\\x\.dll': a folder of it has the name of member 'tool\.exe'$
name-reserved-device | mkcab in.cab 'files=tool.exe:100/docs\\con.txt:100' | build "$SAMPLES/adk" -o out --tool T=in.cab | 2 | ^dartmk: --tool T=.*/in\.cab: the name 'docs/con\.txt' is a name Windows reserves for a device$
name-stream | mkcab in.cab 'files=tool.exe:100/tool.exe\x3aevil:100' | build "$SAMPLES/adk" -o out --tool T=in.cab | 1 | ^dartmk: .*/in\.cab: member 'tool\.exe:evil': refused: ':' in a name \(an NTFS stream\)$
mszip-flipped | gcab_tool in.cab; flipdata in.cab 40 | build "$SAMPLES/adk" -o out --tool T=in.cab | 1 | ^dartmk: .*/in\.cab: tool\.exe: corrupt data in the cabinet \(checksum mismatch\)$
mszip-no-ck | mkcab in.cab comp=mszip 'files=a.exe:70000'; patch in.cab 's/CK/XK/' | build "$SAMPLES/adk" -o out --tool T=in.cab | 1 | ^dartmk: .*/in\.cab: a\.exe: corrupt data in the cabinet \(bad header or block layout\)$
lzx-garbage | mkcab in.cab comp=lzx 'files=a.exe:70000' | build "$SAMPLES/adk" -o out --tool T=in.cab | 1 | ^dartmk: .*/in\.cab: a\.exe: corrupt data in the cabinet \(cannot decompress\)$
lzx-window-bad | mkcab in.cab comp=3 'files=a.exe:70000' | build "$SAMPLES/adk" -o out --tool T=in.cab | 1 | ^dartmk: .*/in\.cab: a\.exe: corrupt data in the cabinet \(its folder's compression window 2\^0 is not one the format has\)$
quantum-garbage | mkcab in.cab comp=0x1502 'files=a.exe:70000' | build "$SAMPLES/adk" -o out --tool T=in.cab | 1 | ^dartmk: .*/in\.cab: a\.exe: corrupt data in the cabinet \(bad header or block layout\)$
quantum-window-bad | mkcab in.cab comp=quantum 'files=a.exe:70000' | build "$SAMPLES/adk" -o out --tool T=in.cab | 1 | ^dartmk: .*/in\.cab: a\.exe: corrupt data in the cabinet \(its folder's compression window 2\^0 is not one the format has\)$
compression-unknown | mkcab in.cab comp=7 | build "$SAMPLES/adk" -o out --tool T=in.cab | 1 | ^dartmk: .*/in\.cab: a\.exe: corrupt data in the cabinet \(bad header or block layout\)$
bomb-overlapping | mkcab in.cab comp=mszip fill=zero "files=$(bomb_files)" data=67108864 | build "$SAMPLES/adk" -o out --tool T=in.cab | 1 | ^dartmk: .*/in\.cab: refused: its members claim 10737418240 bytes, more than its data holds \(at most 67108864\): they overlap \(a cabinet bomb\)$
bomb-4g-cap | mkcab in.cab comp=mszip fill=zero folders=3 "files=$(big_files)" data=2147450880 | build "$SAMPLES/adk" -o out --tool T=in.cab | 1 | ^dartmk: .*/in\.cab: refused: it expands to 6442352637 bytes, more than the 4 GiB a tool may take$
set-previous-part-missing | mkcab in.cab prev=part1.cab | build "$SAMPLES/adk" -o out --tool T=in.cab | 1 | ^dartmk: .*/in\.cab: part of a cabinet set spanning several files \(with 'part1\.cab'\); only a single-file cabinet can be expanded$
set-next-part-missing | mkcab in.cab next=part2.cab | build "$SAMPLES/adk" -o out --tool T=in.cab | 1 | ^dartmk: .*/in\.cab: part of a cabinet set spanning several files \(with 'part2\.cab'\); only a single-file cabinet can be expanded$
set-next-part-present | mkcab in.cab next=part2.cab; mkcab part2.cab prev=in.cab 'files=b.exe:100' | build "$SAMPLES/adk" -o out --tool T=in.cab | 1 | ^dartmk: .*/in\.cab: part of a cabinet set spanning several files \(with 'part2\.cab'\); only a single-file cabinet can be expanded$
driver-cab | gcab_tool in.cab | build "$SAMPLES/adk" -o out --driver in.cab | 1 | ^dartmk: --driver .*/in\.cab: not an \.inf file or a folder$
tool-cab-iso | gcab_tool in.cab; flipdata in.cab 40 | iso "$SAMPLES/adk" -o out.iso --tool T=in.cab | 1 | ^dartmk: .*/in\.cab: tool\.exe: corrupt data in the cabinet \(checksum mismatch\)$
tool-cab-usb | mkcab in.cab 'files=..\\x.exe:100' | usb "$SAMPLES/adk" stick.img --size 64M --tool T=in.cab | 1 | ^dartmk: .*/in\.cab: member '\.\.\\x\.exe': refused: name has a '\.' or '\.\.' component$
tool-cab-pxe | mkcab in.cab comp=lzx 'files=a.exe:70000' | pxe "$SAMPLES/dvd.iso" -o tftp --tool T=in.cab | 1 | ^dartmk: .*/in\.cab: a\.exe: corrupt data in the cabinet \(cannot decompress\)$
second-tool-cab-bad | gcab_tool good.cab; mkcab in.cab 'files=tool.exe:100/TOOL.exe:1' | build "$SAMPLES/adk" -o out --tool A=good.cab --tool B=in.cab | 1 | ^dartmk: .*/in\.cab: member 'TOOL\.exe': same name as member 'tool\.exe' on Windows$
cab-is-folder | mkdir in.cab | build "$SAMPLES/adk" -o out --tool T=in.cab | 1 | ^dartmk: --tool T=.*/in\.cab: the folder holds no program \(\.exe\) to start$
ROWS
}
