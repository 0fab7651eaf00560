#!/bin/bash
# Secure Boot (issue 18): what `inspect` says of every UEFI loader's signatures, held against
# judges nobody here wrote — sbverify (sbsigntool), osslsigncode, pesign — on Debian's
# Microsoft-signed shim, Debian's signed GRUB, the unsigned stub, a signed file with a byte of
# its code changed, one with a byte of its signature changed and one signed with a key made
# here; the well-known authorities matched by name and key identifier; the warnings of the
# writing commands and --require-signed's refusals (exit 1, one line, nothing written); the
# generated efisys.bin carrying the media's loader byte for byte.
. "$(dirname "$0")/../lib/tap.sh"
SAMPLES=${SAMPLES:-$TOP/build/samples}
SHIM=/usr/lib/shim/shimx64.efi.signed
GRUB=/usr/lib/grub/x86_64-efi-signed/grubx64.efi.signed
for t in sbverify sbsign osslsigncode pesign openssl jq python3 xorriso mcopy sfdisk; do
    command -v $t >/dev/null || missing_prerequisite "$t is installed (scripts/install-deps.sh)"
done
for f in "$SHIM" "$GRUB" "$FIXTURES/bootx64-unsigned.efi" "$SAMPLES/dvd/efi/boot/bootx64.efi"; do
    [ -f "$f" ] || missing_prerequisite "$f exists (scripts/install-deps.sh, make fixtures samples)"
done
plan 76
scratch
export TMPDIR=$SCRATCH/tmp
mkdir -p "$TMPDIR"
S=$SCRATCH

j() { printf '%s' "$out" | jq -r "$1"; }
# L NAME JQ: the JSON of loader efi/boot/NAME.efi
L() { printf '%s' "$INSPECT" | jq -r ".secure_boot.loaders[] | select(.path == \"efi/boot/$1.efi\") | $2"; }
# flip FILE OFFSET: one byte changed.
flip() { python3 -c 'import sys; f=open(sys.argv[1],"r+b"); o=int(sys.argv[2],0); f.seek(o); b=f.read(1); f.seek(o); f.write(bytes([b[0]^0x5a]))' "$1" "$2"; }
# pe FILE WHAT: "text" (an offset inside the first section holding code), "sig" (an offset in
# the first signature's signature value: the last bytes of its WIN_CERTIFICATE entry).
pe() {
    python3 - "$1" "$2" <<'EOF'
import struct, sys
d = open(sys.argv[1], 'rb').read()
pe = struct.unpack_from('<I', d, 0x3c)[0]
opt = pe + 24
nsec, optsize = struct.unpack_from('<H', d, pe + 6)[0], struct.unpack_from('<H', d, pe + 20)[0]
dirs = opt + (112 if struct.unpack_from('<H', d, opt)[0] == 0x20b else 96)
if sys.argv[2] == 'text':
    for i in range(nsec):
        s = opt + optsize + 40 * i
        if struct.unpack_from('<I', d, s + 36)[0] & 0x20:  # IMAGE_SCN_CNT_CODE
            print(struct.unpack_from('<I', d, s + 20)[0] + 64); break
else:
    off = struct.unpack_from('<I', d, dirs + 32)[0]
    print(off + struct.unpack_from('<I', d, off)[0] - 20)
EOF
}
cn() { sed -E 's/.*CN ?= ?//; s/[,/].*//'; }

# --- the files -----------------------------------------------------------------------------
openssl req -new -x509 -newkey rsa:2048 -nodes -sha256 -days 3650 -subj "/CN=dartmk self-made key" \
    -keyout "$S/self.key" -out "$S/self.crt" 2>/dev/null
sbsign --key "$S/self.key" --cert "$S/self.crt" --output "$S/self.efi" "$FIXTURES/bootx64-unsigned.efi" 2>/dev/null
# The same key's signature made by osslsigncode: osslsigncode 2.5 (Debian 12's) cannot read sbsign's
# signatures ("Invalid signature"; 2.9 can), so it judges one of its own making.
osslsigncode sign -certs "$S/self.crt" -key "$S/self.key" -h sha256 -in "$FIXTURES/bootx64-unsigned.efi" \
    -out "$S/oself.efi" >/dev/null 2>&1
cp "$GRUB" "$S/code.efi"
flip "$S/code.efi" "$(pe "$S/code.efi" text)"
cp "$S/self.efi" "$S/sig.efi"
flip "$S/sig.efi" "$(pe "$S/sig.efi" sig)"
# A chain named like Microsoft's authorities but made here: a "Microsoft Corporation UEFI CA
# 2011" with another key (the key identifier tells it apart), and a "Microsoft Windows
# Production PCA 2011" (known by name only: its signature is a boot manager's whose only chain is
# to PCA 2011, for the note).
fake_ca() { # NAME CN
    openssl req -new -x509 -newkey rsa:2048 -nodes -sha256 -days 3650 \
        -subj "/C=US/O=Microsoft Corporation/CN=$2" -keyout "$S/$1-ca.key" -out "$S/$1-ca.crt" 2>/dev/null
    openssl req -new -newkey rsa:2048 -nodes -subj "/CN=$1 signer" -keyout "$S/$1.key" -out "$S/$1.csr" 2>/dev/null
    openssl x509 -req -in "$S/$1.csr" -CA "$S/$1-ca.crt" -CAkey "$S/$1-ca.key" -CAcreateserial \
        -days 3650 -sha256 -out "$S/$1.crt" 2>/dev/null
    sbsign --key "$S/$1.key" --cert "$S/$1.crt" --addcert "$S/$1-ca.crt" \
        --output "$S/$1.efi" "$FIXTURES/bootx64-unsigned.efi" 2>/dev/null
}
fake_ca fakeuefi "Microsoft Corporation UEFI CA 2011"
fake_ca pca "Microsoft Windows Production PCA 2011"
# A nested signature (szOID_NESTED_SIGNATURE), added by osslsigncode with the fake PCA's signer.
osslsigncode sign -certs "$S/pca.crt" -ac "$S/pca-ca.crt" -key "$S/pca.key" -h sha256 -nest \
    -in "$S/self.efi" -out "$S/nested.efi" >/dev/null 2>&1

M=$S/media
cp -a "$SAMPLES/dvd" "$M"
cp "$SHIM" "$M/efi/boot/shim.efi"
cp "$GRUB" "$M/efi/boot/grub.efi"
cp "$FIXTURES/bootx64-unsigned.efi" "$M/efi/boot/unsigned.efi"
for f in self oself code sig fakeuefi pca nested; do cp "$S/$f.efi" "$M/efi/boot/$f.efi"; done

run "$DARTMK" inspect --json --quick "$M"
INSPECT=$out
is "$rc" 0 "inspect --json: exit 0"
is "$(j '[.secure_boot.loaders[].path] | join(" ")')" \
    "efi/boot/bootx64.efi bootmgr.efi $(cd "$M" && ls efi/boot/*.efi | grep -v bootx64 | sort | paste -sd' ') efi/microsoft/boot/efisys.bin:EFI/BOOT/BOOTX64.EFI sources/boot.wim:Windows/Boot/EFI/bootmgfw.efi" \
    "every loader once: the EFI loader, the root's and efi/boot's .efi files, efisys.bin's, boot.wim's"

# --- Debian's Microsoft-signed shim: two signatures, 2011 and 2023 UEFI CAs ----------------
sb_shim=$(sbverify --list "$SHIM" 2>/dev/null)
pesign_shim=$(pesign -S -i "$SHIM" 2>/dev/null)
is "$(L shim '.signatures | length')" "$(grep -c '^signature [0-9]' <<<"$sb_shim")" "shim: as many signatures as sbverify --list shows (2)"
is "$(L shim '[.signatures[].chain[0].subject] | map(sub(".*CN = "; "")) | join("|")')" \
    "$(sed -n 's/^The signer.s common name is //p' <<<"$pesign_shim" | paste -sd'|')" "shim: the signers pesign -S names, in order"
is "$(L shim '[.signatures[].chain[0].issuer] | map(sub(".*CN = "; "")) | join("|")')" \
    "$(grep -A1 'image signature issuers' <<<"$sb_shim" | grep '^ - ' | cn | paste -sd'|')" "shim: each signer's issuer as sbverify --list shows it"
is "$(L shim '.authenticode_sha256')" "$(pesign -h -i "$SHIM" 2>/dev/null | sed 's/^hash: //')" "shim: the Authenticode digest pesign -h computes"
is "$(L shim '[.signatures[] | .signed_digest == .file_digest and .digest_ok and .signature_ok] | join(",")')" "true,true" "shim: both digests match the file, both signatures verify"
is "$(L shim '[.signatures[].authorities[]] | join("|")')" "Microsoft Corporation UEFI CA 2011|Microsoft UEFI CA 2023" "shim: one chain to each UEFI CA (matched by name and key id)"
is "$(L shim .verdict)" "needs Microsoft Corporation UEFI CA 2011 or Microsoft UEFI CA 2023 in db" "shim: the verdict"
is "$(L shim '.signatures[0].chain | length')/$(L shim '.signatures[0].chain[1].not_after')" "2/2026-06-27T21:32:45Z" "shim: the chain as carried, with its dates"

# --- Debian's signed GRUB: the Debian CA, an unknown authority ------------------------------
ossl_grub=$(osslsigncode verify -in "$GRUB" 2>&1)
is "$(L grub .signatures[0].signed_digest)" "$(sed -n 's/^Current message digest *: //p' <<<"$ossl_grub" | tr -d ' ' | tr A-F a-f)" "grub: the signed digest osslsigncode reads"
is "$(L grub .signatures[0].file_digest)" "$(sed -n 's/^Calculated message digest *: //p' <<<"$ossl_grub" | tr -d ' ' | tr A-F a-f)" "grub: the digest osslsigncode calculates"
is "$(L grub .authenticode_sha256)" "$(pesign -h -i "$GRUB" 2>/dev/null | sed 's/^hash: //')" "grub: the digest pesign -h computes"
is "$(L grub '.signatures[0].chain[0].subject' | cn)" "$(sbverify --list "$GRUB" 2>/dev/null | grep -m1 'subject:' | cn)" "grub: the signer sbverify --list names"
is "$(L grub '.state + "/" + .verdict')" "signed/unknown authority" "grub: signed, verifies, unknown authority (Debian's CA is no db default)"

# --- the unsigned stub -----------------------------------------------------------------------
is "$(L unsigned '.state + "/" + (.signatures | length | tostring)')" "unsigned/0" "unsigned stub: unsigned, no signature"
like "$(sbverify --list "$FIXTURES/bootx64-unsigned.efi" 2>&1)" "No signature table" "unsigned stub: sbverify finds no signature table"
like "$(pesign -S -i "$FIXTURES/bootx64-unsigned.efi" 2>&1)" "No signatures found" "unsigned stub: pesign finds no signature"
osslsigncode verify -in "$FIXTURES/bootx64-unsigned.efi" >/dev/null 2>&1
ok $((! $?)) "unsigned stub: osslsigncode verify fails"
is "$(L unsigned .authenticode_sha256)" "$(pesign -h -i "$FIXTURES/bootx64-unsigned.efi" 2>/dev/null | sed 's/^hash: //')" "unsigned stub: the digest pesign -h computes"

# --- one byte of GRUB's code changed -----------------------------------------------------------
ossl_code=$(osslsigncode verify -in "$S/code.efi" 2>&1)
is "$(L code .state)/$(L code .signatures[0].digest_ok)/$(L code .signatures[0].signature_ok)" "bad/false/true" "code byte changed: does not verify (digest), the signature itself still does"
is "$(L code .signatures[0].signed_digest)" "$(L grub .signatures[0].signed_digest)" "code byte changed: the signed digest is GRUB's"
is "$(L code .signatures[0].file_digest)" "$(sed -n 's/^Calculated message digest *: //p' <<<"$ossl_code" | sed 's/ *MISMATCH.*//I' | tr -d ' ' | tr A-F a-f)" "code byte changed: the file's digest is the one osslsigncode calculates"
isnt() { [ "$1" != "$2" ]; ok $? "$3"; }
isnt "$(L code .signatures[0].file_digest)" "$(L code .signatures[0].signed_digest)" "code byte changed: osslsigncode's calculated digest differs from the signed one too"
is "$(L code .verdict)" "does not verify" "code byte changed: verdict"

# --- one byte of a signature value changed -----------------------------------------------------
sbverify --cert "$S/self.crt" "$S/self.efi" >/dev/null 2>&1
ok $? "self-made key: sbverify --cert verifies the untouched file"
sbverify --cert "$S/self.crt" "$S/sig.efi" >/dev/null 2>&1
ok $((! $?)) "signature byte changed: sbverify --cert refuses it"
is "$(L sig .state)/$(L sig .signatures[0].digest_ok)/$(L sig .signatures[0].signature_ok)" "bad/true/false" "signature byte changed: the digest matches, the signature does not verify"
is "$(L sig .signatures[0].error)" "the signer's signature does not verify" "signature byte changed: the reason"

# --- signed with a key made here ------------------------------------------------------------------
ossl_self=$(osslsigncode verify -in "$S/oself.efi" -CAfile "$S/self.crt" 2>&1)
like "$ossl_self" "Signature verification: ok" "self-made key (signed by osslsigncode): osslsigncode verifies it with the key's certificate"
is "$(L oself .signatures[0].file_digest)/$(L oself .state)" "$(sed -n 's/^Calculated message digest *: //p' <<<"$ossl_self" | tr -d ' ' | tr A-F a-f)/signed" \
    "self-made key (signed by osslsigncode): dartmk's digest is the one osslsigncode calculates, and it verifies"
is "$(L self .authenticode_sha256)" "$(pesign -h -i "$S/self.efi" 2>/dev/null | sed 's/^hash: //')" "self-made key: the digest pesign -h computes"
is "$(L self '.state + "/" + .verdict + "/" + .signatures[0].chain[0].subject')" "signed/unknown authority/CN = dartmk self-made key" "self-made key: signed, verifies, unknown authority, its signer"
is "$(L self '.signatures[0].chain[0].not_after')" "$(date -u -d "$(openssl x509 -in "$S/self.crt" -noout -enddate | cut -d= -f2)" +%Y-%m-%dT%H:%M:%SZ)" "self-made key: validity as openssl x509 shows it"

# --- names are not enough: key identifiers ------------------------------------------------------
is "$(L fakeuefi '.state + "/" + .verdict')" "signed/unknown authority" "a self-made 'Microsoft Corporation UEFI CA 2011' (another key): unknown authority"
is "$(L pca '.state + "/" + .verdict')" "signed/needs Microsoft Windows Production PCA 2011 in db" "a chain to a 'Microsoft Windows Production PCA 2011' by name: counted (no key id is built in for it)"

# --- a nested signature ------------------------------------------------------------------------
ossl_nested=$(osslsigncode verify -in "$S/nested.efi" -CAfile "$S/self.crt" 2>&1)
is "$(L nested '.signatures | length')" "$(grep -c '^Signature Index: ' <<<"$ossl_nested")" "nested: as many signatures as osslsigncode lists (2)"
is "$(L nested '[.signatures[] | "\(.entry)/\(.nested)/\(.chain[0].subject)/\(.digest_ok and .signature_ok)"] | join(" ")')" \
    "0/0/CN = dartmk self-made key/true 0/1/CN = pca signer/true" "nested: the outer and the nested signature, each judged"
is "$(L nested .verdict)" "needs Microsoft Windows Production PCA 2011 in db" "nested: the verdict counts the nested signature's authority"

# --- text -----------------------------------------------------------------------------------
run "$DARTMK" inspect --quick "$M"
like "$out" "^Secure Boot +14 UEFI loaders" "text: the count of loaders"
like "$out" "^  efi/boot/shim.efi: signed, verifies; needs Microsoft Corporation UEFI CA 2011 or Microsoft UEFI CA 2023 in db$" "text: shim's verdict"
like "$out" "^  efi/boot/unsigned.efi: unsigned: will not start on machines with Secure Boot on$" "text: the unsigned stub"
like "$out" "^  efi/boot/code.efi: DOES NOT VERIFY" "text: the changed code"
like "$out" "^    signature 1: sha256 [0-9a-f]{64}, digest DOES NOT MATCH the file, signature verifies" "text: which part does not verify"
like "$out" "^             issued by C = US, ST = Washington, L = Redmond, O = Microsoft Corporation, CN = Microsoft Corporation Third Party Marketplace Root, valid 2011-06-27T21:22:45Z to 2026-06-27T21:32:45Z$" "text: the chain's top certificate, its issuer and dates"

# --- the samples (signed with the fixtures' key): inspect, and writing commands stay quiet --------
run "$DARTMK" inspect --json --quick "$SAMPLES/adk.iso"
is "$rc/$(j '[.secure_boot.loaders[].state] | unique | join(",")')" "0/signed" "adk.iso: every loader signed"
like "$(j '[.secure_boot.loaders[].path] | join(" ")')" "sources/boot.wim:Windows/Boot/DVD/EFI/en-US/efisys.bin:EFI/BOOT/BOOTX64.EFI" "adk.iso: the loader inside boot.wim's efisys.bin"
run "$DARTMK" build "$SAMPLES/dvd" -o "$S/quiet" --require-signed
is "$rc/$(grep -v '^wrote ' <<<"$err")" "0/" "signed media: build --require-signed, exit 0, nothing on stderr"

# --- writing commands: warnings, --require-signed -------------------------------------------------
U=$S/unsigned
cp -a "$SAMPLES/dvd" "$U"
cp "$FIXTURES/bootx64-unsigned.efi" "$U/efi/boot/bootx64.efi"
T=$S/tampered
cp -a "$SAMPLES/dvd" "$T"
cp "$S/sig.efi" "$T/bootmgr.efi"
P=$S/pca
cp -a "$SAMPLES/dvd" "$P"
cp "$S/pca.efi" "$P/bootmgr.efi"

run "$DARTMK" build "$U" -o "$S/u-out"
is "$rc" 0 "unsigned loader: build goes on (exit 0)"
err=$(grep -v '^wrote ' <<<"$err")
is "$err" "dartmk: warning: efi/boot/bootx64.efi: unsigned UEFI loader: will not start on machines with Secure Boot on" "unsigned loader: build warns, one line naming the file"
run "$DARTMK" build "$T" -o "$S/t-out"
err=$(grep -v '^wrote ' <<<"$err")
is "$rc/$err" "0/dartmk: warning: bootmgr.efi: UEFI loader whose signature does not verify (tampered or damaged): will not start on machines with Secure Boot on" "tampered loader: build warns"
run "$DARTMK" build "$P" -o "$S/p-out"
err=$(grep -v '^wrote ' <<<"$err")
is "$rc/$err" "0/bootmgr.efi: signed only through Microsoft Windows Production PCA 2011: machines that moved to Windows UEFI CA 2023 and revoked the 2011 authority refuse it" "PCA 2011 only: a note"
run "$DARTMK" build "$P" -o "$S/p-out2" --require-signed -q
is "$rc/$err" "0/" "PCA 2011 only: --require-signed takes it (a note, not a refusal)"

# refused IMAGE CMD ARGS...: exit 1, one line naming the file and --require-signed, nothing new
# in the scratch folder or TMPDIR.
refused() {
    local what=$1; shift
    local before after
    before=$(find "$S" -path "$S/media" -prune -o -print | sort | md5sum)
    run "$DARTMK" "$@" --require-signed
    after=$(find "$S" -path "$S/media" -prune -o -print | sort | md5sum)
    is "$rc" 1 "$what: exit 1"
    like "$err" "^dartmk: (efi/boot/bootx64.efi: unsigned UEFI loader|bootmgr.efi: UEFI loader whose signature does not verify).*\(--require-signed\)$" "$what: one line naming the loader and the reason"
    is "$(printf '%s\n' "$err" | wc -l)/$before" "1/$after" "$what: one line, nothing written"
}
refused "build, unsigned" build "$U" -o "$S/r-build"
refused "iso, unsigned" iso "$U" -o "$S/r.iso"
refused "usb image, unsigned" usb "$U" "$S/r-stick.img" --size 256M --yes
refused "pxe, unsigned" pxe "$U" -o "$S/r-pxe"
refused "iso, tampered" iso "$T" -o "$S/t.iso"
truncate -s 4G "$S/disk.img"
printf 'label: gpt\nsize=2G, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B\n' | sfdisk -q "$S/disk.img"
# shellcheck source=tests/lib/disks.sh
. "$TOP/tests/lib/disks.sh" # sum IMG: every byte of a sparse image, fast
disk_sum=$(sum "$S/disk.img")
refused "partition, unsigned" partition "$U" "$S/disk.img" --yes
is "$(sum "$S/disk.img")" "$disk_sum" "partition, unsigned: the disk image is byte for byte as it was"
run "$DARTMK" usb "$U" "$S/w-stick.img" --size 256M --yes -q
is "$rc/$err" "0/" "usb without --require-signed: written (warnings hidden by -q)"

# --- the generated efisys.bin carries the media's loader byte for byte -----------------------
G=$S/gen
cp -a "$SAMPLES/dvd" "$G"
rm "$G/efi/microsoft/boot/efisys.bin"
wimupdate "$G/sources/boot.wim" 2 --command "delete /Windows/Boot/DVD/EFI/en-US/efisys.bin" >/dev/null
cp "$SHIM" "$G/efi/boot/bootx64.efi"
run "$DARTMK" iso "$G" -o "$S/gen.iso" --json
is "$rc/$(j .efisys_generated)" "0/true" "no efisys.bin: the ISO's is generated"
xorriso -osirrox on -indev "$S/gen.iso" -extract /efi/microsoft/boot/efisys.bin "$S/gen-efisys.bin" >/dev/null 2>&1
MTOOLS_SKIP_CHECK=1 mcopy -n -i "$S/gen-efisys.bin" ::/EFI/BOOT/BOOTX64.EFI "$S/gen-loader.efi" 2>/dev/null
cmp -s "$S/gen-loader.efi" "$SHIM"
ok $? "the generated efisys.bin's EFI/BOOT/BOOTX64.EFI is the media's loader byte for byte (xorriso, mcopy, cmp)"
run "$DARTMK" inspect --json --quick "$S/gen.iso"
is "$(j '[.secure_boot.loaders[] | select(.path | test("BOOTX64.EFI$|^efi/boot/bootx64.efi$")) | .verdict + " " + .authenticode_sha256] | unique | length')" 1 "inspect of that ISO: efisys.bin's loader and the media's have one digest and one verdict"

done_testing
