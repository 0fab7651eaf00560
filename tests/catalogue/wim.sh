# WIM files that lie (issue 16): headers (magic, header size, version, flags, chunk size,
# parts, image count, boot index), blob tables and XML data that are missing, misplaced or
# absurd, damaged resources (the integrity check refuses them), images that do not exist,
# WIM kinds dartmk cannot use (solid/ESD, split .swm). Made from the sample boot.wim (one image,
# LZX) and the install DVD's boot.wim (two images, image 2 bootable).
# The 208-byte header: 8 magic, 12 version, 16 flags, 20 chunk size, 40 part, 42 parts,
# 44 image count, 48 blob table, 72 XML, 96 boot metadata (each a 24-byte resource header:
# 7-byte size, flags, 8-byte offset, 8-byte original size), 120 boot index, 124 integrity.
AREA_MIN=30

# put FILE OFFSET FORMAT VALUE: a number packed with Python's struct FORMAT ("<I", "<H", "<Q").
put() { python3 -c 'import struct,sys; f=open(sys.argv[1],"r+b"); f.seek(int(sys.argv[2],0)); f.write(struct.pack(sys.argv[3],int(sys.argv[4],0)))' "$@"; }
# get FILE OFFSET FORMAT: the number there.
get() { python3 -c 'import struct,sys; f=open(sys.argv[1],"rb"); f.seek(int(sys.argv[2],0)); print(struct.unpack(sys.argv[3],f.read(struct.calcsize(sys.argv[3])))[0])' "$@"; }
# poke FILE OFFSET HEX: the bytes HEX at OFFSET.
poke() { python3 -c 'import sys; f=open(sys.argv[1],"r+b"); f.seek(int(sys.argv[2],0)); f.write(bytes.fromhex(sys.argv[3]))' "$@"; }
# xml FILE PYTHON: rewrites the WIM's XML data (UTF-16LE text after a BOM, stored raw) with the
# expression PYTHON of `x` (the text), in place when the new text is as long, else appended at
# the end with the header pointed at it.
xml() {
    python3 -c '
import struct, sys
path, expr = sys.argv[1], sys.argv[2]
f = open(path, "r+b")
hdr = f.read(208)
size = struct.unpack_from("<Q", hdr, 72)[0] & 0xFFFFFFFFFFFFFF
off = struct.unpack_from("<Q", hdr, 80)[0]
f.seek(off)
raw = f.read(size)
x = raw[2:].decode("utf-16-le")
new = eval(expr)
data = new if isinstance(new, bytes) else b"\xff\xfe" + new.encode("utf-16-le")
if len(data) != len(raw):
    f.seek(0, 2)
    off = f.tell()
    f.seek(72)
    f.write(struct.pack("<Q", len(data) | 2 << 56) + struct.pack("<QQ", off, len(data)))
f.seek(off)
f.write(data)
' "$@"
}
# blobs: the blob table's entries (50 bytes: resource header, part, references, SHA-1).
# dup_blob FILE: the second file blob's entry made a copy of the first (the same hash twice).
# blob_field FILE OFFSET FORMAT VALUE: a field of the largest file blob's entry.
blobs_py='
import struct, sys
f = open(sys.argv[1], "r+b")
hdr = f.read(208)
size = struct.unpack_from("<Q", hdr, 48)[0] & 0xFFFFFFFFFFFFFF
off = struct.unpack_from("<Q", hdr, 56)[0]
f.seek(off)
t = f.read(size)
ents = [(off + i, t[i : i + 50]) for i in range(0, size - 49, 50) if not t[i + 7] & 2]
'
dup_blob() { python3 -c "$blobs_py"'
f.seek(ents[1][0]); f.write(ents[0][1])' "$@"; }
blob_field() { python3 -c "$blobs_py"'
at = max(ents, key=lambda e: struct.unpack_from("<Q", e[1], 16)[0])[0]
f.seek(at + int(sys.argv[2])); f.write(struct.pack(sys.argv[3], int(sys.argv[4], 0)))' "$@"; }
# integrity_flip FILE: a byte of the integrity table's chunk hashes changed (the data stays).
integrity_flip() { python3 -c '
import struct, sys
f = open(sys.argv[1], "r+b")
hdr = f.read(208)
off = struct.unpack_from("<Q", hdr, 132)[0]
f.seek(off + 12 + 5); b = f.read(1); f.seek(off + 12 + 5); f.write(bytes([b[0] ^ 0xFF]))' "$@"; }
wim() { cp "$SAMPLES/boot.wim" "${1:-in.wim}"; }
# dvd: the install DVD folder (boot.wim with two images).
dvd() { cp -r "$SAMPLES/dvd" dvd; }
# flip FILE: one byte of the first file resource of boot.wim (compressed LZX data) changed.
flip() { poke "$1" 2000 ffffffff; }

setup() {
    wimexport "$SAMPLES/boot.wim" 1 solid.wim --solid >/dev/null
    wimexport "$SAMPLES/boot.wim" 1 solid.esd --solid --compress=LZMS >/dev/null
    wimsplit "$SAMPLES/boot.wim" split.swm 0.1 >/dev/null
    wimexport "$SAMPLES/boot.wim" 1 xpress.wim --compress=XPRESS >/dev/null
    wimexport "$SAMPLES/boot.wim" 1 pipable.wim --pipable >/dev/null
    wimexport "$SAMPLES/boot.wim" 1 integrity.wim --check >/dev/null
}

rows() { cat <<'ROWS'
# name | prep | args | exit | pattern
# --- header ---
empty-wim | : >in.wim | inspect in.wim | 1 | ^dartmk: in\.wim: not an ISO image, WIM file, disk image or directory$
magic-only | printf 'MSWIM\0\0\0' >in.wim | inspect in.wim | 1 | ^dartmk: in\.wim: not a readable WIM file \(Unexpectedly reached the end of the file\)$
header-cut | wim; truncate -s 100 in.wim | build in.wim -o out | 1 | ^dartmk: in\.wim: not a readable WIM file \(Unexpectedly reached the end of the file\)$
bad-magic | wim; poke in.wim 0 4d5357494e | inspect in.wim | 1 | ^dartmk: in\.wim: not an ISO image, WIM file, disk image or directory$
header-size-zero | wim; put in.wim 8 '<I' 0 | inspect in.wim | 1 | ^dartmk: in\.wim: not a readable WIM file \(The WIM header was invalid\)$
header-size-huge | wim; put in.wim 8 '<I' 0xffffffff | inspect in.wim | 1 | ^dartmk: in\.wim: not a readable WIM file \(The WIM header was invalid\)$
version-unknown | wim; put in.wim 12 '<I' 0xdeadbeef | inspect in.wim | 1 | ^dartmk: in\.wim: not a readable WIM file \(The WIM file is marked with an unknown version number\)$
flags-no-compression-type | wim; put in.wim 16 '<I' 0x2 | inspect in.wim | 1 | ^dartmk: in\.wim: not a readable WIM file \(The compression type was unrecognized\)$
flags-unknown-bits | wim; put in.wim 16 '<I' 0xff040082 | inspect in.wim | 0 | ^Integrity +every resource of boot\.wim matches its own checksum$
chunk-size-zero | wim; put in.wim 20 '<I' 0 | inspect in.wim | 1 | ^dartmk: in\.wim: not a readable WIM file \(The compression chunk size was unrecognized\)$
chunk-size-odd | wim; put in.wim 20 '<I' 12345 | iso in.wim -o out.iso | 1 | ^dartmk: in\.wim: not a readable WIM file \(The compression chunk size was unrecognized\)$
chunk-size-2g | wim; put in.wim 20 '<I' 0x80000000 | inspect in.wim | 1 | ^dartmk: in\.wim: not a readable WIM file \(The compression chunk size was unrecognized\)$
part-2-of-1 | wim; put in.wim 40 '<H' 2 | inspect in.wim | 1 | ^dartmk: in\.wim: not a readable WIM file \(The part number or total parts of the WIM is invalid\)$
parts-zero | wim; put in.wim 42 '<H' 0 | inspect in.wim | 1 | ^dartmk: in\.wim: not a readable WIM file \(The part number or total parts of the WIM is invalid\)$
image-count-zero | wim; put in.wim 44 '<I' 0 | inspect in.wim | 1 | ^dartmk: in\.wim: not a readable WIM file \(Inconsistent image count among the metadata resources, the WIM header, and/or the XML data\)$
image-count-huge | wim; put in.wim 44 '<I' 0xffffffff | inspect in.wim | 1 | ^dartmk: in\.wim: not a readable WIM file \(Inconsistent image count
boot-index-nowhere | wim; put in.wim 120 '<I' 9 | inspect in.wim | 1 | ^dartmk: in\.wim: damaged WIM header: its boot index 9 names no image \(the WIM has 1 image\)$
boot-index-past-dvd | dvd; put dvd/sources/boot.wim 120 '<I' 3 | iso dvd -o out.iso | 1 | ^dartmk: sources/boot\.wim: damaged WIM header: its boot index 3 names no image \(the WIM has 2 images\)$
boot-index-zero | wim; put in.wim 120 '<I' 0 | inspect in.wim | 0 | ^Boot image +in\.wim: 1 image, boot index 0; looking in image 1$
# --- blob table ---
blob-table-past-end | wim; put in.wim 56 '<Q' 99999999 | inspect in.wim | 1 | ^dartmk: in\.wim: damaged WIM header: its blob table \([0-9]+ bytes at 99999999\) lies past the file's end \([0-9]+ bytes\)$
blob-table-size-absurd | wim; put in.wim 48 '<Q' 0x02ffffffffffffff; put in.wim 64 '<Q' 0x00ffffffffffffff | inspect in.wim | 1 | ^dartmk: in\.wim: damaged WIM header: its blob table \(72057594037927935 bytes at [0-9]+\) lies past the file's end \([0-9]+ bytes\)$
blob-table-empty | wim; put in.wim 48 '<Q' 0x0200000000000000; put in.wim 64 '<Q' 0 | inspect in.wim | 1 | ^dartmk: in\.wim: the WIM holds no image$
blob-table-duplicate | wim; dup_blob in.wim | inspect in.wim | 1 | ^dartmk: in\.wim: damaged: A file resource needed to complete the operation was missing from the WIM \(its data does not match its own checksums\)$
blob-offset-past-end | wim; blob_field in.wim 8 '<Q' 99999999 | inspect in.wim | 1 | ^dartmk: in\.wim: damaged: a resource in its blob table \([0-9]+ bytes at 99999999, [0-9]+ expanded\) lies past the file's end$
blob-stored-size-past-end | wim; blob_field in.wim 0 '<Q' 0x04000000ffffffff | inspect in.wim | 1 | ^dartmk: in\.wim: damaged: a resource in its blob table \(4294967295 bytes at [0-9]+, [0-9]+ expanded\) lies past the file's end$
blob-size-absurd | wim; blob_field in.wim 16 '<Q' $((1 << 60)) | build in.wim -o out | 1 | ^dartmk: in\.wim: damaged: a resource in its blob table \([0-9]+ bytes at [0-9]+, 1152921504606846976 expanded\) cannot expand to the size it claims$
# the loaders cannot be read, so --require-signed cannot judge them: refused, saying why
blob-size-absurd-require-signed | wim; blob_field in.wim 16 '<Q' $((1 << 60)) | build in.wim -o out --require-signed | 1 | ^dartmk: in\.wim: damaged: a resource in its blob table \([0-9]+ bytes at [0-9]+, 1152921504606846976 expanded\) cannot expand to the size it claims$
blob-size-too-small | wim; blob_field in.wim 16 '<Q' 100 | inspect in.wim | 1 | ^dartmk: in\.wim: damaged: The WIM contains invalid compressed data \(its data does not match its own checksums\)$
# --- XML ---
xml-missing | wim; put in.wim 72 '<Q' 0; put in.wim 80 '<Q' 0; put in.wim 88 '<Q' 0 | inspect in.wim | 1 | ^dartmk: in\.wim: not a readable WIM file \(The XML data of the WIM is invalid\)$
xml-past-end | wim; put in.wim 80 '<Q' 99999999 | inspect in.wim | 1 | ^dartmk: in\.wim: damaged WIM header: its XML data \([0-9]+ bytes at 99999999\) lies past the file's end \([0-9]+ bytes\)$
xml-not-utf16 | wim; xml in.wim 'x.encode("utf-8")' | inspect in.wim | 1 | ^dartmk: in\.wim: not a readable WIM file \(The XML data of the WIM is invalid\)$
xml-malformed | wim; xml in.wim 'x.replace("</IMAGE>", "</IMAGF>")' | inspect in.wim | 1 | ^dartmk: in\.wim: not a readable WIM file \(The XML data of the WIM is invalid\)$
xml-two-images | wim; xml in.wim 'x.replace("</WIM>", x[x.index("<IMAGE "):x.index("</IMAGE>")].replace("INDEX=\"1\"", "INDEX=\"2\"") + "</IMAGE></WIM>")' | inspect in.wim | 1 | ^dartmk: in\.wim: not a readable WIM file \(Inconsistent image count
xml-no-image | wim; xml in.wim 'x[:x.index("<IMAGE ")] + "</WIM>"' | inspect in.wim | 1 | ^dartmk: in\.wim: not a readable WIM file \(Inconsistent image count
xml-huge | wim; xml in.wim 'x.replace("</WIM>", "<PAD>" + "A" * 20000000 + "</PAD></WIM>")' | inspect in.wim | 1 | ^dartmk: in\.wim: not a readable WIM file \(The XML data of the WIM is invalid\)$
xml-size-absurd | wim; put in.wim 72 '<Q' 0x02ffffffffffffff; put in.wim 88 '<Q' 0x00ffffffffffffff | inspect in.wim | 1 | ^dartmk: in\.wim: damaged WIM header: its XML data \(72057594037927935 bytes at [0-9]+\) lies past the file's end \([0-9]+ bytes\)$
xml-index-7 | wim; xml in.wim 'x.replace("INDEX=\"1\"", "INDEX=\"7\"")' | inspect in.wim | 1 | ^dartmk: in\.wim: not a readable WIM file \(The XML data of the WIM is invalid\)$
# --- resources ---
damaged-resource | wim; flip in.wim | inspect in.wim | 1 | ^dartmk: in\.wim: damaged: The WIM contains invalid compressed data \(its data does not match its own checksums\)$
damaged-resource-build | wim; flip in.wim | build in.wim -o out | 1 | ^dartmk: in\.wim: damaged: The WIM contains invalid compressed data \(its data does not match its own checksums\)$
damaged-resource-usb | wim; flip in.wim | usb in.wim stick.img --size 64M | 1 | ^dartmk: in\.wim: damaged: The WIM contains invalid compressed data \(its data does not match its own checksums\)$
damaged-in-dvd | dvd; flip dvd/sources/boot.wim | iso dvd -o out.iso | 1 | ^dartmk: sources/boot\.wim: damaged: The WIM contains invalid compressed data \(its data does not match its own checksums\)$
metadata-header-past-end | wim; put in.wim 104 '<Q' 99999999 | inspect in.wim | 0 | ^Integrity +every resource of boot\.wim matches its own checksum$
# garbage 100 bytes into the image's metadata resource (its offset from the header's boot metadata entry)
metadata-garbage | wim; poke in.wim $(( $(get in.wim 104 '<Q') + 100 )) 00112233445566778899aabbccddeeff | inspect in.wim | 1 | ^dartmk: in\.wim: cannot read the image's directory tree \(The WIM contains invalid compressed data\)$
integrity-table-damaged | cp "$S/integrity.wim" in.wim; integrity_flip in.wim | inspect in.wim | 0 | ^Integrity +every resource of boot\.wim matches its own checksum$
# --- images that do not exist ---
image-index-9 | - | inspect "$SAMPLES/boot.wim" --image-index 9 | 1 | ^dartmk: .*/boot\.wim: image index 9 does not exist \(the WIM has 1 image\)$
image-index-0 | - | build "$SAMPLES/boot.wim" -o out --image-index 0 | 2 | ^dartmk: --image-index: '0' is not an image number \(1 to 1000000\)$
image-index-name | - | inspect "$SAMPLES/boot.wim" --image-index name-not-there | 2 | ^dartmk inspect: --image-index: 'name-not-there' is not an image number
image-index-negative | - | inspect "$SAMPLES/boot.wim" --image-index -1 | 2 | ^dartmk inspect: --image-index: '-1' is not an image number
image-index-3-dvd | dvd | pxe dvd -o tftp --image-index 3 | 1 | ^dartmk: sources/boot\.wim: image index 3 does not exist \(the WIM has 2 images\)$
image-index-overflow | - | inspect "$SAMPLES/boot.wim" --image-index 99999999999999999999 | 2 | ^dartmk inspect: --image-index: '99999999999999999999' is not an image number
# --- kinds of WIM ---
solid-wim | cp "$S/solid.wim" in.wim | inspect in.wim | 0 | ^Integrity +every resource of boot\.wim matches its own checksum$
solid-esd | cp "$S/solid.esd" in.esd | inspect in.esd | 0 | ^Kind +wim, a bare boot\.wim$
split-swm | cp "$S"/split*.swm . | inspect split.swm | 1 | ^dartmk: split\.swm: part 1 of a split WIM \([0-9]+ parts\): Windows PE boots from a whole WIM \(wimjoin makes one\)$
split-swm-second | cp "$S"/split*.swm . | usb split2.swm stick.img --size 64M | 1 | ^dartmk: split2\.swm: part 2 of a split WIM \([0-9]+ parts\): Windows PE boots from a whole WIM \(wimjoin makes one\)$
split-swm-in-dvd | dvd; cp "$S/split.swm" dvd/sources/boot.wim | inspect dvd | 1 | ^dartmk: sources/boot\.wim: part 1 of a split WIM \([0-9]+ parts\): Windows PE boots from a whole WIM
pipable-wim | cp "$S/pipable.wim" in.wim | inspect in.wim | 1 | ^dartmk: in\.wim: a pipable WIM \(wimlib's own format, which Windows cannot boot from; wimexport without --pipable makes a WIM\)$
wim-folder | mkdir in.wim | inspect in.wim | 1 | ^dartmk: in\.wim: not Windows PE media \(no sources/boot\.wim\)$
ROWS
}
