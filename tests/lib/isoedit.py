#!/usr/bin/python3
"""isoedit.py — damages an ISO 9660 image's directory records in place, in every tree a reader
may take (the primary volume's ISO 9660/Rock Ridge tree and the Joliet tree), for the tests of
hostile images.

  isoedit.py ISO loop DIR          the record of folder DIR in its parent points back to the
                                   root folder: the folders form a loop
  isoedit.py ISO extent PATH LBA   the record of file PATH says its bytes start at block LBA
  isoedit.py ISO size PATH BYTES   the record of file or folder PATH says it is BYTES long

--primary or --joliet first changes only that tree (the other then disagrees with it).

PATH is matched without case, ";1" and a trailing dot ("bootmgr", "efi/boot"). Exit 1 when
PATH is in no tree."""
import struct
import sys

BLOCK = 2048


def records(img, lba, size):
    """(offset of the record in img, record bytes) of a folder's records, '.' and '..' left out."""
    out = []
    for blk in range(lba, lba + (size + BLOCK - 1) // BLOCK):
        pos = blk * BLOCK
        end = pos + BLOCK
        while pos < end:
            n = img[pos]
            if n == 0:
                break
            rec = img[pos : pos + n]
            if rec[33] not in (0, 1) or rec[32] != 1:
                out.append((pos, rec))
            pos += n
    return out


def name_of(rec, joliet):
    raw = bytes(rec[33 : 33 + rec[32]])
    name = raw.decode("utf-16-be", "replace") if joliet else raw.decode("latin-1")
    name = name.split(";")[0]
    return name[:-1].lower() if name.endswith(".") else name.lower()


def find(img, root, path, joliet):
    """The offset of PATH's record, the root folder's (lba, size)."""
    lba, size = root
    parts = [p.lower() for p in path.strip("/").split("/")]
    for i, part in enumerate(parts):
        for pos, rec in records(img, lba, size):
            if name_of(rec, joliet) == part:
                if i == len(parts) - 1:
                    return pos
                lba, size = struct.unpack_from("<I", rec, 2)[0], struct.unpack_from("<I", rec, 10)[0]
                break
        else:
            return None
    return None


def trees(img):
    """(root lba, root size, joliet?) of the primary and Joliet volume descriptors."""
    out = []
    for i in range(16, 64):
        d = img[i * BLOCK : (i + 1) * BLOCK]
        if d[1:6] != b"CD001" or d[0] == 255:
            break
        joliet = d[0] == 2 and d[88:90] == b"%/" and d[90] in b"@CE"
        if d[0] == 1 or joliet:
            root = d[156:190]
            out.append((struct.unpack_from("<I", root, 2)[0], struct.unpack_from("<I", root, 10)[0], joliet))
    return out


def put32(img, pos, value):
    struct.pack_into("<I", img, pos, value)
    struct.pack_into(">I", img, pos + 4, value)


def main():
    only = None
    if sys.argv[1] in ("--primary", "--joliet"):
        only = sys.argv.pop(1) == "--joliet"
    iso, op, path = sys.argv[1:4]
    with open(iso, "rb") as f:
        img = bytearray(f.read())
    found = 0
    for lba, size, joliet in trees(img):
        if only is not None and joliet != only:
            continue
        pos = find(img, (lba, size), path, joliet)
        if pos is None:
            continue
        found += 1
        if op == "loop":
            put32(img, pos + 2, lba)
            put32(img, pos + 10, size)
        elif op == "extent":
            put32(img, pos + 2, int(sys.argv[4]))
        elif op == "size":
            put32(img, pos + 10, int(sys.argv[4]))
    if not found:
        sys.exit("isoedit.py: %s: not in %s" % (path, iso))
    with open(iso, "r+b") as f:
        f.write(img)


main()
