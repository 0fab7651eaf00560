#!/bin/bash
# A damaged boot.wim (a resource that fails its own SHA-1) never goes onto media: inspect, build,
# iso, usb, partition and pxe exit 1 with one line naming boot.wim and what failed, and write
# nothing (no output, the disk image unchanged, nothing left in TMPDIR). Both ways boot.wim
# reaches a target are covered: exported (an install DVD's image 2) and streamed as it is (an
# ADK boot.wim that already holds the one bootable image).
. "$(dirname "$0")/../lib/tap.sh"
. "$TOP/tests/lib/writers.sh"
. "$TOP/tests/lib/disks.sh"
SAMPLES=${SAMPLES:-$TOP/build/samples}
[ -d "$SAMPLES/dvd" ] || make -C "$TOP" -s samples >/dev/null
SLOW=${TOOLS:-$TOP/build/tests/tools}/slowwrite.so
[ -f "$SLOW" ] || make -C "$TOP" -s "${SLOW#"$TOP"/}" >&2
plan 68
writers_scratch
j() { printf '%s' "$out" | jq -r "$1"; }
damage() { # WIM: four bytes of its first resource overwritten
    printf '\377\377\377\377' | dd of="$1" bs=1 seek=2000 conv=notrunc status=none
}
for layout in dvd adk; do
    M=$S/$layout-damaged
    cp -r "$SAMPLES/$layout" "$M"
    wim=$(cd "$M" && find . -iname boot.wim | sed 's|^\./||')
    damage "$M/$wim"
    disk_gpt_windows "$S/disk.img"
    before=$(sha256sum <"$S/disk.img")
    for cmd in "build $M -o $S/out" "iso $M -o $S/out.iso" "usb $M $S/out.img --size 64M --yes" \
        "partition $M $S/disk.img --yes" "pxe $M -o $S/outp"; do
        # shellcheck disable=SC2086
        run "$DARTMK" $cmd
        is "$rc/$(printf '%s\n' "$err" | grep -c .)" "1/1" "$layout: ${cmd%% *}: exit 1, one line"
        like "$err" "^dartmk: $wim: damaged: .*does not match its own checksums\)$" \
            "$layout: ${cmd%% *}: names boot.wim and what failed"
    done
    ls "$S/out" "$S/out.iso" "$S/out.img" "$S/outp" >/dev/null 2>&1
    is "$?" 2 "$layout: nothing written"
    is "$(sha256sum <"$S/disk.img")" "$before" "$layout: the disk image is unchanged"
done
# From inside an ISO (boot.wim staged into TMPDIR, checked through its second handle, beside
# the writing of a new stick image): refused the same way, nothing left.
xorriso -as mkisofs -quiet -J -R -o "$S/adk-damaged.iso" "$S/adk-damaged" 2>/dev/null
for cmd in "build $S/adk-damaged.iso -o $S/out" "usb $S/adk-damaged.iso $S/out.img --size 64M --yes"; do
    # shellcheck disable=SC2086
    run "$DARTMK" $cmd
    is "$rc/$(printf '%s\n' "$err" | grep -c .)" "1/1" "adk ISO: ${cmd%% *}: exit 1, one line"
    like "$err" "^dartmk: sources/boot.wim: damaged: " "adk ISO: ${cmd%% *}: names boot.wim"
done
ls "$S/out" "$S/out.img" >/dev/null 2>&1
is "$?" 2 "adk ISO: nothing written"
run "$DARTMK" inspect "$S/dvd-damaged"
is "$rc/$(printf '%s\n' "$err" | grep -c .)" "1/1" "inspect: exit 1, one line"

# Damage only in an image that is not used (image 1's metadata of an install DVD's boot.wim,
# image 2 used): a warning, and the media made are sound; used after all (--image-index 1): refused.
M=$S/dvd-image1-damaged
cp -r "$SAMPLES/dvd" "$M"
python3 - "$M/sources/boot.wim" <<'PY'
import struct, sys
p = sys.argv[1]; b = bytearray(open(p, 'rb').read())
def reshdr(o):  # size (7 bytes), flags, offset, original size
    return int.from_bytes(b[o:o + 7], 'little'), b[o + 7], struct.unpack_from('<Q', b, o + 8)[0]
size, _, off = reshdr(0x30)  # the blob table
metadata = [(o, s) for (s, f, o) in (reshdr(off + i) for i in range(0, size, 50)) if f & 2]
o, s = metadata[0]  # image 1's metadata resource
b[o + s // 2:o + s // 2 + 4] = b'\xff' * 4
open(p, 'wb').write(b)
PY
run "$DARTMK" inspect "$M"
is "$rc/$(printf '%s\n' "$err" | grep -c .)" "0/1" "damaged outside the image used: inspect exit 0, one line"
like "$err" "^dartmk: warning: sources/boot.wim: damaged outside image 2 " "damaged outside the image used: a warning naming the image used"
like "$out" "Integrity     the chosen image matches its checksums; another image of boot.wim is damaged" "the text says so"
run "$DARTMK" inspect "$M" --json
is "$(j '[.wim.checked, .wim.damaged_elsewhere] | map(tostring) | join(" ")')" "true true" "--json: checked, damaged elsewhere"
run "$DARTMK" iso "$M" -o "$S/sound.iso" -q
is "$rc" 0 "iso from it: exit 0 (image 2 alone goes on the media)"
run "$DARTMK" verify "$S/sound.iso"
is "$rc" 0 "the ISO verifies"
run "$DARTMK" inspect "$M" --image-index 1
is "$rc/$(printf '%s\n' "$err" | grep -c .)" "1/1" "--image-index 1 (the damaged image): exit 1, one line"
is "$(ls -A "$TMPDIR" | wc -l)" 0 "nothing left in TMPDIR"
# The check reads every resource itself, on every core (wim_verify.c), and leaves split, pipable
# and solid WIMs to wimlib: each compression, a resource of many chunks, some stored as they are
# (incompressible) inside a compressed resource; damage in the middle of the largest resource,
# in the last byte of the last one, and in an image's metadata is found.
mkdir -p "$S/capture/sub"
python3 - "$S/capture" <<'PY'
import hashlib, sys
d = sys.argv[1]
def noise(n, seed):
    out, i = bytearray(), 0
    while len(out) < n:
        out += hashlib.sha256(b'%s%d' % (seed, i)).digest(); i += 1
    return bytes(out[:n])
text = b''.join(b'line %06d of a compressible file\n' % i for i in range(9000))
mixed = b''.join(text[i * 32768:(i + 1) * 32768] + noise(32768, b'm%d' % i) for i in range(5))
for name, data in (('text.txt', text), ('noise.bin', noise(100000, b'n')), ('sub/mixed.bin', mixed),
                   ('small.txt', b'small\n'), ('sub/empty', b'')):
    open('%s/%s' % (d, name), 'wb').write(data)
PY
spot() { # WIM WHICH: an offset in the biggest data resource (middle), the last one (its last byte) or the metadata
    python3 - "$1" "$2" <<'PY'
import struct, sys
b = open(sys.argv[1], 'rb').read()
def reshdr(o):  # size (7 bytes), flags, offset, original size
    return int.from_bytes(b[o:o + 7], 'little'), b[o + 7], struct.unpack_from('<Q', b, o + 8)[0], struct.unpack_from('<Q', b, o + 16)[0]
size, _, off, _ = reshdr(0x30)
blobs = [reshdr(off + i) for i in range(0, size, 50)]
if sys.argv[2] == 'biggest':
    s, f, o, u = max((x for x in blobs if not x[1] & 2), key=lambda x: x[3]); print(o + s // 2)
elif sys.argv[2] == 'last':
    s, f, o, u = max((x for x in blobs if not x[1] & 2), key=lambda x: x[2]); print(o + s - 1)
else:
    s, f, o, u = [x for x in blobs if x[1] & 2][0]; print(o + s // 2)
PY
}
hit() { # WIM OFFSET: the byte there inverted
    python3 -c 'import sys; f = open(sys.argv[1], "r+b"); o = int(sys.argv[2]); f.seek(o); c = f.read(1)[0]; f.seek(o); f.write(bytes([c ^ 255]))' "$1" "$2"
}
for c in LZX XPRESS none LZMS solid; do
    w=$S/cap-$c.wim
    if [ $c = solid ]; then opt=(--solid); else opt=(--compress="$c"); fi
    wimcapture "$S/capture" "$w" "cap" "${opt[@]}" >/dev/null
    run "$DARTMK" inspect "$w" -q
    is "$rc" 0 "$c: a sound WIM passes the check"
    hit "$w" "$(spot "$w" biggest)"
    run "$DARTMK" inspect "$w"
    like "$rc/$(printf '%s\n' "$err" | grep -c .)/$err" "^1/1/dartmk: .*cap-$c\.wim: damaged: " \
        "$c: a byte changed in its biggest resource is found: exit 1, one line"
done
# Chunks larger than the check's 1 MiB read buffer (LZX allows 2 MiB), one stored as it is.
mkdir -p "$S/capture2m"
python3 - "$S/capture2m/big.bin" <<'PY'
import hashlib, sys
text = b''.join(b'line %07d of a compressible file\n' % i for i in range(70000))[:2 << 20]
noise = b''.join(hashlib.sha256(b'%d' % i).digest() for i in range(65536))
open(sys.argv[1], 'wb').write(text + noise + text)
PY
w=$S/cap-2m.wim
wimcapture "$S/capture2m" "$w" "cap" --compress=LZX --chunk-size=2M >/dev/null
run "$DARTMK" inspect "$w" -q
is "$rc" 0 "LZX, 2 MiB chunks: a sound WIM passes the check"
hit "$w" "$(spot "$w" biggest)"
run "$DARTMK" inspect "$w"
like "$rc/$(printf '%s\n' "$err" | grep -c .)/$err" "^1/1/dartmk: .*cap-2m\.wim: damaged: " \
    "LZX, 2 MiB chunks: a byte changed is found: exit 1, one line"
for where in last metadata; do
    w=$S/cap-$where.wim
    wimcapture "$S/capture" "$w" "cap" --compress=LZX >/dev/null
    hit "$w" "$(spot "$w" "$where")"
    run "$DARTMK" inspect "$w"
    like "$rc/$(printf '%s\n' "$err" | grep -c .)/$err" "^1/1/dartmk: .*cap-$where\.wim: (damaged|cannot read the image)" \
        "LZX: a byte changed in the $where resource is found: exit 1, one line"
done
# The memo (source/wim_memo.c): a compressed resource whose stored bytes passed the check before
# is hashed, not expanded. Every run above had one (tests/lib/exec); these runs have their own.
export DARTMK_CACHE_DIR=$S/memo
memo_keys() { # how many keys the memo holds, or "bad" when it is not of the memo's shape
    python3 -c 'import os, sys
b = open(sys.argv[1], "rb").read()
print((len(b) - 16) // 32 if b[:16] == b"dartmk checked1\n" and len(b) % 32 == 16 else "bad")' "$1"
}
forge() { # WIM MEMO: keys for every compressed resource of WIM as it is now, appended to MEMO
    python3 - "$1" "$2" <<'PY'
import hashlib, struct, sys
b = open(sys.argv[1], 'rb').read()
ctype = {0x20000: 1, 0x40000: 2, 0x80000: 3}[struct.unpack_from('<I', b, 0x10)[0] & 0xe0000]
chunk = struct.unpack_from('<I', b, 0x14)[0] or 32768
size = int.from_bytes(b[0x30:0x37], 'little'); table = struct.unpack_from('<Q', b, 0x38)[0]
keys = b''
for e in range(table, table + size, 50):
    csize = int.from_bytes(b[e:e + 7], 'little'); flags = b[e + 7]
    off, usize = struct.unpack_from('<QQ', b, e + 8); sha1 = b[e + 30:e + 50]
    if flags & 4:
        keys += hashlib.sha256(b'dartmk wim resource 1\0' + struct.pack('<IIQQ', ctype, chunk, usize, csize)
                               + sha1 + b[off:off + csize]).digest()
open(sys.argv[2], 'ab').write(keys)
PY
}
w=$S/memo.wim
wimcapture "$S/capture" "$w" "cap" --compress=LZX >/dev/null
run "$DARTMK" inspect "$w" -q
n=$(memo_keys "$S/memo/checked")
is "$rc/$((n > 0))" "0/1" "a sound WIM checked: its resources remembered ($n keys)"
is "$(stat -c %a "$S/memo" "$S/memo/checked" | tr '\n' ' ')" "700 600 " "the memo: a folder and a file for this user alone"
run "$DARTMK" inspect "$w" -q
is "$rc/$(memo_keys "$S/memo/checked")" "0/$n" "checked again: nothing new to remember"
hit "$w" "$(spot "$w" biggest)"
run "$DARTMK" inspect "$w"
like "$rc/$err" "^1/dartmk: .*memo\.wim: damaged: " "damaged after its sound bytes were remembered: found (other bytes, another key)"
# What the memo says is believed: keys written for the damaged bytes let them pass. That is why
# it must be this user's own, and why the key covers every byte the verdict depends on.
forge "$w" "$S/memo/checked"
run "$DARTMK" inspect "$w" -q
is "$rc" 0 "a memo naming the damaged bytes themselves is believed (the skip is real)"
chmod 0666 "$S/memo/checked"
run "$DARTMK" inspect "$w" -q
like "$rc/$err" "^1/dartmk: .*damaged: " "the same memo writable by others: not used, the damage found"
chmod 0600 "$S/memo/checked" && chown 65534 "$S/memo/checked"
run "$DARTMK" inspect "$w" -q
like "$rc/$err" "^1/dartmk: .*damaged: " "the same memo owned by another user: not used, the damage found"
chown 0 "$S/memo/checked"
DARTMK_CACHE_DIR='' run "$DARTMK" inspect "$w" -q
like "$rc/$err" "^1/dartmk: .*damaged: " "DARTMK_CACHE_DIR set empty: no memo, the damage found"
printf 'garbage' >>"$S/memo/checked"
run "$DARTMK" inspect "$w" -q
like "$rc/$err" "^1/dartmk: .*damaged: " "a memo torn or of another shape: not believed, the damage found"
wimcapture "$S/capture" "$S/memo2.wim" "cap" --compress=XPRESS >/dev/null
run "$DARTMK" inspect "$S/memo2.wim" -q
is "$rc/$(memo_keys "$S/memo/checked")" "0/$n" \
    "the torn memo replaced by a sound one (the XPRESS WIM's keys alone)"
# Two checks at once, each saving what it learnt: the memo ends with both.
rm -rf "$S/memo"
"$DARTMK" inspect "$S/cap-2m.wim" -q >/dev/null 2>&1 # damaged: remembers nothing
"$DARTMK" inspect "$S/memo2.wim" -q >/dev/null 2>&1 & a=$!
"$DARTMK" inspect "$S/cap-LZMS.wim" -q >/dev/null 2>&1 & b=$!
wimcapture "$S/capture" "$S/memo3.wim" "cap" --compress=LZX >/dev/null
"$DARTMK" inspect "$S/memo3.wim" -q >/dev/null 2>&1; wait $a $b
both=$(memo_keys "$S/memo/checked")
rm -rf "$S/memo"
"$DARTMK" inspect "$S/memo2.wim" -q >/dev/null && "$DARTMK" inspect "$S/memo3.wim" -q >/dev/null
is "$both" "$(memo_keys "$S/memo/checked")" "two checks at once: the memo holds what each learnt ($both keys)"
# Where it lives without DARTMK_CACHE_DIR: ~/.cache/dartmk, or $XDG_CACHE_HOME/dartmk.
(unset DARTMK_CACHE_DIR; HOME=$S/h "$DARTMK" inspect "$S/memo2.wim" -q;
 XDG_CACHE_HOME=$S/x "$DARTMK" inspect "$S/memo2.wim" -q) >/dev/null
is "$(memo_keys "$S/h/.cache/dartmk/checked")/$(memo_keys "$S/x/dartmk/checked")" "$n/$n" \
    "kept in ~/.cache/dartmk, or \$XDG_CACHE_HOME/dartmk"
# Killed while saving (its writes slowed by the slow-write shim): the memo is the old one, byte
# for byte; the half-written new one is removed by a later save once it is a minute old.
rm -rf "$S/memo" && mkdir -m 700 "$S/memo"
{ printf 'dartmk checked1\n'; head -c $((65000 * 32)) /dev/urandom; } >"$S/memo/checked"
chmod 600 "$S/memo/checked"
before=$(sha256sum <"$S/memo/checked")
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" SLOWWRITE_PREFIX=$S/memo \
    SLOWWRITE_USEC=100000 LD_PRELOAD=$SLOW "$DARTMK" inspect "$S/memo3.wim" -q >/dev/null 2>&1 &
pid=$!
for _ in $(seq 200); do
    [ -n "$(find "$S/memo" -name 'checked.??????' -size +8k)" ] && break
    sleep 0.05
done
kill -9 $pid; wait $pid 2>/dev/null
is "$(sha256sum <"$S/memo/checked")/$(find "$S/memo" -name 'checked.??????' | wc -l)" "$before/1" \
    "killed while saving: the memo is the old one; the half-written new one is beside it"
touch -d '2 minutes ago' "$S/memo"/checked.??????
run "$DARTMK" inspect "$S/memo2.wim" -q
is "$rc/$(find "$S/memo" -name 'checked.*' | wc -l)/$(memo_keys "$S/memo/checked")" "0/0/$((65000 + n))" \
    "the next save keeps the old keys and its own, and removes the half-written one"
# A real job: the second stick from the same media expands nothing it checked for the first.
rm -rf "$S/memo"
run "$DARTMK" usb "$SAMPLES/adk" "$S/m1.img" --size 64M --yes -q
k1=$(memo_keys "$S/memo/checked")
run "$DARTMK" usb "$SAMPLES/adk" "$S/m2.img" --size 64M --yes -q
is "$rc/$((k1 > 0))/$(memo_keys "$S/memo/checked")" "0/1/$k1" "usb twice from the same media: remembered once, used again"
run "$DARTMK" verify "$S/m2.img"
is "$rc" 0 "the second stick verifies"
rm -f "$S/m1.img" "$S/m2.img"
unset DARTMK_CACHE_DIR
done_testing
