#!/usr/bin/env python3
"""ptgen.py — partition tables written byte by byte, hostile ones included, for the bad-input
catalogue (tests/catalogue/ptables.sh). sfdisk refuses to write damaged tables; this does not.

  ptgen.py gpt FILE SIZE [key=value...]   a protective MBR and a GPT (primary and backup)
  ptgen.py mbr FILE SIZE [key=value...]   an MBR (and EBRs for logical partitions)

SIZE in bytes or with K/M/G/T (the file is made sparse, or kept when it exists and is larger).
Partitions: parts=START:SIZE[:TYPE[:NAME]],... in sectors (GPT TYPE a GUID or short name:
basic, esp, msr, winre, linux; MBR TYPE hex, a trailing * makes it active).
GPT keys: sector=512|4096, entries=N (128), esize=BYTES (128), pmbr=ee|none|short|hybrid,
  primary=ok|none|bad-crc|bad-sig, backup=ok|none|bad-crc, backup_parts=... (another list for
  the backup: the two disagree), first=LBA, last=LBA (usable sectors, default the usual ones).
MBR keys: logical=EBR:START:SIZE:TYPE,... (absolute sectors; the EBRs are chained in this
  order inside the extended partition, which must be in parts), loop=1 (the last EBR points
  back at the first).
"""
import struct
import sys
import uuid
import zlib

TYPES = {
    "basic": "EBD0A0A2-B9E5-4433-87C0-68B6B72699C7",
    "esp": "C12A7328-F81F-11D2-BA4B-00A0C93EC93B",
    "msr": "E3C9E316-0B5C-4DB8-817D-F92DF00215AE",
    "winre": "DE94BBA4-06D1-4D40-A16A-BFD50179D6AC",
    "linux": "0FC63DAF-8483-4772-8E79-3D69D8477DE4",
}


def size_of(s):
    mult = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}
    return int(s[:-1]) * mult[s[-1]] if s[-1] in mult else int(s)


def parts_of(s):
    out = []
    for p in filter(None, (s or "").split(",")):
        f = p.split(":")
        out.append((int(f[0]), int(f[1]), f[2] if len(f) > 2 else "basic", f[3] if len(f) > 3 else ""))
    return out


def pwrite(f, off, data):
    f.seek(off)
    f.write(data)


def mbr_entry(boot, typ, start, size):
    # CHS fields left as the "beyond 1024 cylinders" marker, as partitioners do
    return struct.pack("<B3sB3sII", 0x80 if boot else 0, b"\xfe\xff\xff", typ, b"\xfe\xff\xff", start, size)


def mbr_sector(entries, ss=512):
    b = bytearray(ss)
    for i, e in enumerate(entries[:4]):
        b[446 + 16 * i: 462 + 16 * i] = e
    b[510:512] = b"\x55\xaa"
    return bytes(b)


def gpt_entry(start, size, typ, name, esize, n):
    t = uuid.UUID(TYPES.get(typ, typ)).bytes_le
    u = uuid.UUID(int=0x1234 + n).bytes_le
    nm = name.encode("utf-16-le")[:72].ljust(72, b"\0")
    attrs = 0x8000000000000001 if typ == "winre" else 0
    e = t + u + struct.pack("<QQQ", start, start + size - 1, attrs) + nm
    return e[:esize].ljust(esize, b"\0")


def gpt_header(my, alt, first, last, entries_lba, n, esize, array, bad):
    h = bytearray(struct.pack("<8sIIIIQQQQ16sQIII", b"EFI PART", 0x00010000, 92, 0, 0, my, alt, first,
                              last, uuid.UUID(int=0xD15C).bytes_le, entries_lba, n, esize,
                              zlib.crc32(array)))
    struct.pack_into("<I", h, 16, zlib.crc32(bytes(h)))
    if bad == "bad-crc":
        struct.pack_into("<I", h, 16, zlib.crc32(bytes(h)) ^ 0xDEAD)
    if bad == "bad-sig":
        h[0:8] = b"EFI FART"
    return bytes(h)


def gpt(f, size, kv):
    ss = int(kv.get("sector", 512))
    n, esize = int(kv.get("entries", 128)), int(kv.get("esize", 128))
    nsect = size // ss
    asect = (n * esize + ss - 1) // ss
    first = int(kv.get("first", 2 + asect))
    last = int(kv.get("last", nsect - 2 - asect))

    def array(parts):
        a = bytearray(asect * ss)
        for i, (s, z, t, nm) in enumerate(parts):
            a[i * esize:(i + 1) * esize] = gpt_entry(s, z, t, nm, esize, i)
        return bytes(a[:n * esize]), bytes(a)

    parts = parts_of(kv.get("parts"))
    arr, padded = array(parts)
    pm = kv.get("pmbr", "ee")
    cover = min(nsect - 1, 0xFFFFFFFF)
    if pm == "ee":
        pwrite(f, 0, mbr_sector([mbr_entry(0, 0xEE, 1, cover)], ss))
    elif pm == "short":
        pwrite(f, 0, mbr_sector([mbr_entry(0, 0xEE, 1, cover // 2)], ss))
    elif pm == "hybrid":  # the GPT's first partitions as real MBR entries too, 0xEE after them
        es = [mbr_entry(i == 0, 0x07, p[0], p[1]) for i, p in enumerate(parts[:3])]
        es.append(mbr_entry(0, 0xEE, 1, parts[0][0] - 1 if parts else 33))
        pwrite(f, 0, mbr_sector(es, ss))
    prim = kv.get("primary", "ok")
    if prim != "none":
        pwrite(f, ss, gpt_header(1, nsect - 1, first, last, 2, n, esize, arr, prim).ljust(ss, b"\0"))
        pwrite(f, 2 * ss, padded)
    back = kv.get("backup", "ok")
    if back != "none":
        barr, bpadded = array(parts_of(kv["backup_parts"])) if "backup_parts" in kv else (arr, padded)
        pwrite(f, (nsect - 1 - asect) * ss, bpadded)
        pwrite(f, (nsect - 1) * ss,
               gpt_header(nsect - 1, 1, first, last, nsect - 1 - asect, n, esize, barr, back).ljust(ss, b"\0"))


def mbr(f, size, kv):
    parts = parts_of(kv.get("parts"))
    es = []
    for s, z, t, _ in parts:
        es.append(mbr_entry(t.endswith("*"), int(t.rstrip("*"), 16), s, z))
    pwrite(f, 0, mbr_sector(es))
    ext = [p for p in parts if p[2].rstrip("*") in ("5", "05", "f", "0f", "85")]
    logical = [tuple(x.split(":")) for x in filter(None, kv.get("logical", "").split(","))]
    for i, (ebr, s, z, t) in enumerate(logical):
        ebr, s, z = int(ebr), int(s), int(z)
        es = [mbr_entry(0, int(t, 16), s - ebr, z)]
        if i + 1 < len(logical):
            nxt = int(logical[i + 1][0])
            es.append(mbr_entry(0, 0x05, nxt - ext[0][0], int(logical[i + 1][2]) + int(logical[i + 1][1]) - nxt))
        elif kv.get("loop"):
            es.append(mbr_entry(0, 0x05, int(logical[0][0]) - ext[0][0], 2048))
        pwrite(f, ebr * 512, mbr_sector(es))


def main():
    kind, path, size = sys.argv[1], sys.argv[2], size_of(sys.argv[3])
    kv = dict(a.split("=", 1) for a in sys.argv[4:])
    with open(path, "ab") as f:
        pass
    with open(path, "r+b") as f:
        f.seek(0, 2)
        if f.tell() < size:
            f.truncate(size)
        (gpt if kind == "gpt" else mbr)(f, size, kv)


main()
