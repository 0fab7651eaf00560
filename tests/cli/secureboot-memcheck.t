#!/bin/bash
# The Secure Boot paths under valgrind's memcheck (tests/lib/valgrind-dartmk): inspect judging
# loaders of every kind (two signatures, a nested one, unsigned, a changed code byte, a changed
# signature byte, not a PE image) in text and JSON, and a writing command's warnings and its
# --require-signed refusal. A memory error or a leak makes dartmk exit 99: the exit checks fail.
# shellcheck source=tests/lib/tap.sh disable=SC2154  # run() sets rc, out, err
. "$(dirname "$0")/../lib/tap.sh"
SAMPLES=${SAMPLES:-$TOP/build/samples}
VG=$TOP/tests/lib/valgrind-dartmk
SHIM=/usr/lib/shim/shimx64.efi.signed
GRUB=/usr/lib/grub/x86_64-efi-signed/grubx64.efi.signed
for t in valgrind osslsigncode python3 jq; do
    command -v $t >/dev/null || missing_prerequisite "$t is installed (scripts/install-deps.sh)"
done
[ -f "$SHIM" ] && [ -f "$GRUB" ] || missing_prerequisite "shim-signed and grub-efi-amd64-signed are installed"
plan 8
scratch
export TMPDIR=$SCRATCH/tmp
mkdir -p "$TMPDIR"
S=$SCRATCH M=$SCRATCH/m
flip() { python3 -c 'import sys; f=open(sys.argv[1],"r+b"); o=int(sys.argv[2]); f.seek(o); b=f.read(1); f.seek(o); f.write(bytes([b[0]^0x5a]))' "$1" "$2"; }
le32() { od -An -tu4 -j "$2" -N4 "$1" | tr -d ' '; }

cp -a "$SAMPLES/dvd" "$M"
cp "$SHIM" "$M/efi/boot/shim.efi"
cp "$FIXTURES/bootx64-unsigned.efi" "$M/efi/boot/unsigned.efi"
cp "$GRUB" "$M/efi/boot/code.efi"
flip "$M/efi/boot/code.efi" 200000
cp "$FIXTURES/bootx64.efi" "$M/efi/boot/sig.efi"
pe=$(le32 "$M/efi/boot/sig.efi" 60)
off=$(le32 "$M/efi/boot/sig.efi" $((pe + 24 + 112 + 32)))
flip "$M/efi/boot/sig.efi" $((off + $(le32 "$M/efi/boot/sig.efi" "$off") - 20))
printf 'MZ, and nothing of a PE image' >"$M/efi/boot/junk.efi"
openssl req -new -x509 -newkey rsa:2048 -nodes -sha256 -days 3650 -subj "/CN=nest" \
    -keyout "$S/n.key" -out "$S/n.crt" 2>/dev/null
osslsigncode sign -certs "$S/n.crt" -key "$S/n.key" -h sha256 -nest -in "$FIXTURES/bootx64.efi" \
    -out "$M/efi/boot/nested.efi" >/dev/null 2>&1

run "$VG" inspect --json --quick "$M"
is "$rc" 0 "inspect --json under memcheck: exit 0"
is "$(printf '%s' "$out" | jq -r '[.secure_boot.loaders[] | select(.path | startswith("efi/boot/")) | .path[9:] + "=" + .state + "/" + (.signatures | length | tostring)] | join(" ")')" \
    "bootx64.efi=signed/1 code.efi=bad/1 junk.efi=not-pe/0 nested.efi=signed/2 shim.efi=signed/2 sig.efi=bad/1 unsigned.efi=unsigned/0" \
    "every kind of loader judged"
run "$VG" inspect --quick "$M"
is "$rc" 0 "inspect (text) under memcheck: exit 0"
like "$out" "^  efi/boot/junk.efi: not a PE image \(" "text: the file that is no PE image"
run "$VG" build "$M" -o "$S/out" -q
is "$rc/${err}" "0/" "build with -q under memcheck: exit 0, the warnings hidden"
run "$VG" build "$M" -o "$S/out2"
is "$rc/$(grep -c '^dartmk: warning: efi/boot/' <<<"$err")" "0/4" "build under memcheck: four warnings (code, junk, sig, unsigned)"
run "$VG" build "$M" -o "$S/out3" --require-signed
is "$rc/$(printf '%s\n' "$err" | wc -l)" "1/1" "build --require-signed under memcheck: exit 1, one line"
[ ! -e "$S/out3" ] && [ -z "$(ls -A "$TMPDIR")" ]
ok $? "--require-signed: nothing written, nothing left in TMPDIR"
done_testing
