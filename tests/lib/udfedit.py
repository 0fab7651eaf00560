#!/usr/bin/python3
"""udfedit.py — damages a UDF volume (an ISO image's UDF tree) in place, for the tests of
hostile images. Descriptors it changes get their tag checksum and CRC made right again, so a
reader takes them for sound unless the change is meant to break the tag.

  udfedit.py ISO where PATH          prints the block (from the image's start) of PATH's file
                                     entry; "/" for the root folder; also: avdp, pvd, pd, lvd,
                                     fsd (the descriptors of the volume)
  udfedit.py ISO loop DIR            the identifier of folder DIR in its parent points to the
                                     root folder's file entry: the folders form a loop
  udfedit.py ISO self DIR            ... points to DIR's parent's own entry
  udfedit.py ISO size PATH BYTES     PATH's file entry says it is BYTES long
  udfedit.py ISO extent PATH BLOCK   PATH's first extent starts at partition block BLOCK
  udfedit.py ISO length PATH BYTES   PATH's first extent is BYTES long
  udfedit.py ISO rename PATH NAME    PATH's identifier in its parent says NAME (same length)
  udfedit.py ISO checksum WHAT       the tag checksum of WHAT (as for where, or a block
                                     number) is wrong
  udfedit.py ISO crc WHAT            the CRC of WHAT's descriptor is wrong (checksum right)
  udfedit.py ISO tagid WHAT ID       WHAT's descriptor says it is descriptor ID (checksums right)

PATH is matched without case ("sources/boot.wim"). Exit 1 when PATH is not in the volume."""
import struct
import sys

BLOCK = 2048


def crc16(data):
    """CRC-ITU-T (x^16 + x^12 + x^5 + 1), initial 0, as UDF's descriptor tags use."""
    crc = 0
    for b in data:
        crc ^= b << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return crc


def fix_tag(img, pos):
    """Makes the descriptor tag at pos right again: its CRC, then its checksum."""
    crclen = struct.unpack_from("<H", img, pos + 10)[0]
    struct.pack_into("<H", img, pos + 8, crc16(img[pos + 16 : pos + 16 + crclen]))
    img[pos + 4] = sum(img[pos + i] for i in range(16) if i != 4) & 0xFF


class Volume:
    def __init__(self, img):
        self.img = img
        self.avdp = 256
        vds_len, vds_loc = struct.unpack_from("<II", img, 256 * BLOCK + 16)
        self.desc = {"avdp": 256}
        for b in range(vds_loc, vds_loc + vds_len // BLOCK):
            tid = struct.unpack_from("<H", img, b * BLOCK)[0]
            name = {1: "pvd", 5: "pd", 6: "lvd"}.get(tid)
            if name and name not in self.desc:
                self.desc[name] = b
        self.part = struct.unpack_from("<I", img, self.desc["pd"] * BLOCK + 188)[0]
        fsd = struct.unpack_from("<I", img, self.desc["lvd"] * BLOCK + 248 + 4)[0]
        self.desc["fsd"] = self.part + fsd
        root = struct.unpack_from("<I", img, self.desc["fsd"] * BLOCK + 400 + 4)[0]
        self.desc["/"] = self.part + root

    def fe(self, block):
        """(file entry's position, ADs' position, L_AD, AD type, information length)."""
        pos = block * BLOCK
        tid = struct.unpack_from("<H", self.img, pos)[0]
        head = 176 if tid == 261 else 216  # File Entry or Extended File Entry
        lea, lad = struct.unpack_from("<II", self.img, pos + head - 8)
        size = struct.unpack_from("<Q", self.img, pos + 56)[0]
        return pos, pos + head + lea, lad, self.img[pos + 34] & 7, size

    def fids(self, block):
        """(position, name, ICB block from the image's start) of a folder's identifiers."""
        pos, ads, lad, adtype, size = self.fe(block)
        data = []
        if adtype == 3:
            data = [(ads, lad)]
        else:
            step = 8 if adtype == 0 else 16
            for a in range(ads, ads + lad, step):
                ln, loc = struct.unpack_from("<II", self.img, a)
                data.append(((self.part + loc) * BLOCK, ln & 0x3FFFFFFF))
        out = []
        for start, ln in data:
            at = start
            while at < start + ln:
                lfi = self.img[at + 19]
                liu = struct.unpack_from("<H", self.img, at + 36)[0]
                icb = struct.unpack_from("<I", self.img, at + 20 + 4)[0]
                raw = bytes(self.img[at + 38 + liu : at + 38 + liu + lfi])
                if self.img[at + 18] & 8:
                    name = ".."
                elif raw[:1] == b"\x10":
                    name = raw[1:].decode("utf-16-be", "replace")
                else:
                    name = raw[1:].decode("latin-1")
                out.append((at, name, self.part + icb))
                at += (38 + liu + lfi + 3) & ~3
        return out

    def lookup(self, path):
        """(file entry block, FID position or None, parent's file entry block)."""
        block, fid, parent = self.desc["/"], None, None
        for part in [p for p in path.lower().split("/") if p]:
            for pos, name, icb in self.fids(block):
                if name.lower() == part:
                    parent, block, fid = block, icb, pos
                    break
            else:
                sys.exit("udfedit.py: %s: not in the UDF volume" % path)
        return block, fid, parent

    def where(self, what):
        if what.isdigit():
            return int(what)
        return self.desc[what] if what in self.desc else self.lookup(what)[0]


def main():
    iso, op, what = sys.argv[1:4]
    arg = sys.argv[4] if len(sys.argv) > 4 else None
    with open(iso, "rb") as f:
        img = bytearray(f.read())
    v = Volume(img)
    if op == "where":
        print(v.where(what))
        return
    if op in ("loop", "self"):
        block, fid, parent = v.lookup(what)
        target = v.desc["/"] if op == "loop" else parent
        struct.pack_into("<I", img, fid + 24, target - v.part)
        fix_tag(img, fid)
    elif op in ("size", "extent", "length"):
        block = v.where(what)
        pos, ads, lad, adtype, size = v.fe(block)
        if op == "size":
            struct.pack_into("<Q", img, pos + 56, int(arg))
        elif op == "extent":
            struct.pack_into("<I", img, ads + 4, int(arg))
        else:
            old = struct.unpack_from("<I", img, ads)[0]
            struct.pack_into("<I", img, ads, (old & 0xC0000000) | int(arg))
        fix_tag(img, pos)
    elif op == "rename":
        block, fid, parent = v.lookup(what)
        lfi, liu = img[fid + 19], struct.unpack_from("<H", img, fid + 36)[0]
        at = fid + 38 + liu
        new = arg.encode("utf-16-be") if img[at] == 16 else arg.encode("latin-1")
        if len(new) != lfi - 1:
            sys.exit("udfedit.py: %s: the new name must be as long as the old" % what)
        img[at + 1 : at + lfi] = new
        fix_tag(img, fid)
    elif op == "checksum":
        img[v.where(what) * BLOCK + 4] ^= 0x5A
    elif op == "crc":
        pos = v.where(what) * BLOCK
        img[pos + 8] ^= 0x5A
        img[pos + 4] = sum(img[pos + i] for i in range(16) if i != 4) & 0xFF
    elif op == "tagid":
        pos = v.where(what) * BLOCK
        struct.pack_into("<H", img, pos, int(arg))
        fix_tag(img, pos)
    else:
        sys.exit("udfedit.py: unknown operation %s" % op)
    with open(iso, "r+b") as f:
        f.write(img)


main()
