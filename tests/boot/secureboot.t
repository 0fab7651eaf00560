#!/bin/bash
# Secure Boot enforced (issue 18): OVMF built with Secure Boot and Microsoft's keys enrolled
# (scripts/qemu-boot --secure-boot: OVMF_CODE_4M.ms.fd + OVMF_VARS_4M.ms.fd, q35, SMM). A stick
# (dartmk usb) and a GPT recovery partition (dartmk partition) whose UEFI loader is Debian's
# Microsoft-signed shim, with Debian's signed GRUB beside it, start: GRUB's banner reaches the
# serial console (QEMU is stopped as soon as it does). The same media with the unsigned stub do
# not: the firmware's refusal ("Access Denied") is watched for on the serial console, and the
# stub's marker never appears — while without Secure Boot the same stick reaches it (so the
# refusal is the signature's doing); the stub signed with the fixtures' own key (an authority
# no db holds) is refused too. What dartmk said beforehand is checked against what happened.
# shellcheck source=tests/lib/tap.sh disable=SC2154  # run sets $rc, $out, $err
. "$(dirname "$0")/../lib/tap.sh"
# shellcheck source=tests/lib/boot.sh
. "$TOP/tests/lib/boot.sh"
SAMPLES=${SAMPLES:-$(dirname "$FIXTURES")/samples}
SHIM=/usr/lib/shim/shimx64.efi.signed
GRUB=/usr/lib/grub/x86_64-efi-signed/grubx64.efi.signed
for f in "$SHIM" "$GRUB" /usr/share/OVMF/OVMF_CODE_4M.ms.fd /usr/share/OVMF/OVMF_VARS_4M.ms.fd; do
    [ -f "$f" ] || missing_prerequisite "$f exists (scripts/install-deps.sh)"
done
[ -d "$SAMPLES/dvd" ] || make -C "$TOP" -s samples >/dev/null
plan 17
scratch
export TMPDIR=$SCRATCH/tmp XDG_STATE_HOME=$SCRATCH/state HOME=$SCRATCH/home
mkdir -p "$TMPDIR" "$HOME"
# shellcheck source=tests/lib/disks.sh
. "$TOP/tests/lib/disks.sh"
S=$SCRATCH
GRUB_BANNER="GNU GRUB" REFUSED="Access Denied" EFI="DARTMK-STUB: efi"

# media NAME LOADER [GRUB]: the DVD sample with LOADER as efi/boot/bootx64.efi (and GRUB beside).
media() {
    cp -a "$SAMPLES/dvd" "$S/$1"
    cp "$2" "$S/$1/efi/boot/bootx64.efi"
    [ -z "${3:-}" ] || cp "$3" "$S/$1/efi/boot/grubx64.efi"
}
media shim "$SHIM" "$GRUB"
media unsigned "$FIXTURES/bootx64-unsigned.efi"
media selfkey "$FIXTURES/bootx64.efi"

# secure DESC IMG EXPECT: boots under Secure Boot to EXPECT; the stub's marker never shows.
secure() {
    run boot_qemu --firmware uefi --secure-boot --disk "$2" --expect "$3" --timeout 120 --log "$S/$(basename "$2").log"
    is "$rc/$(grep -acF "$EFI" "$S/$(basename "$2").log")" "0/0" "$1"
    [ "$rc" = 0 ] || printf '%s\n' "$err" | sed 's/^#*/#/' >&2
}

# --- what dartmk says beforehand ---------------------------------------------------------------
run "$DARTMK" inspect --json --quick "$S/shim"
is "$(printf '%s' "$out" | jq -r '.secure_boot.loaders[] | select(.path == "efi/boot/bootx64.efi") | .verdict')" \
    "needs Microsoft Corporation UEFI CA 2011 or Microsoft UEFI CA 2023 in db" "inspect: shim needs one of the UEFI CAs (OVMF's db holds the 2011 one)"
run "$DARTMK" usb "$S/shim" "$S/shim.img" --size 256M --yes --require-signed -q </dev/null
is "$rc/$err" "0/" "shim stick: dartmk usb --require-signed writes it, no warning"
run "$DARTMK" usb "$S/unsigned" "$S/unsigned.img" --size 256M --yes </dev/null
is "$rc/$(grep -c 'efi/boot/bootx64.efi: unsigned UEFI loader: will not start on machines with Secure Boot on' <<<"$err")" "0/1" "unsigned stick: written, with the warning"
run "$DARTMK" usb "$S/selfkey" "$S/selfkey.img" --size 256M --yes -q </dev/null
is "$rc" 0 "stick signed with the fixtures' key: written"

# --- sticks ------------------------------------------------------------------------------------
secure "shim stick: Secure Boot on, shim starts Debian's GRUB (its banner on the serial console)" "$S/shim.img" "$GRUB_BANNER"
grep -aqF "$REFUSED" "$S/shim.img.log"
ok $((! $?)) "shim stick: no refusal on the way"
secure "unsigned stick: Secure Boot on, the firmware refuses the loader (Access Denied)" "$S/unsigned.img" "$REFUSED"
run boot_qemu --firmware uefi --disk "$S/unsigned.img" --expect "$EFI"
is "$rc" 0 "control: the same unsigned stick, Secure Boot off, starts the stub"
secure "stick signed by an unknown authority: refused too (Access Denied)" "$S/selfkey.img" "$REFUSED"

# --- GPT recovery partitions -----------------------------------------------------------------------
disk_gpt_windows "$S/pristine.img"
ok $? "fixture: a GPT disk (ESP with EFI/Microsoft/Boot only, MSR, Windows)"
part() { # NAME MEDIA ARGS...
    cp --sparse=always "$S/pristine.img" "$S/$1"
    run "$DARTMK" partition "$S/$2" "$S/$1" --yes -q "${@:3}" </dev/null
    is "$rc" 0 "$1: dartmk partition exit 0"
    [ "$rc" = 0 ] || diag "$err"
}
part gpt-shim.img shim --require-signed
part gpt-unsigned.img unsigned
run "$DARTMK" partition "$S/unsigned" "$S/gpt-refused.img" --yes --require-signed </dev/null
is "$rc/$(printf '%s\n' "$err" | wc -l)/$([ -e "$S/gpt-refused.img" ] && echo exists)" "1/1/" "--require-signed: unsigned media refused before anything is written"
secure "gpt: Secure Boot on, the recovery partition's shim starts GRUB" "$S/gpt-shim.img" "$GRUB_BANNER"
secure "gpt, unsigned loader: Secure Boot on, refused (Access Denied)" "$S/gpt-unsigned.img" "$REFUSED"
run boot_qemu --firmware uefi --disk "$S/gpt-unsigned.img" --expect "$EFI"
is "$rc" 0 "control: the same disk, Secure Boot off, starts the stub from the recovery partition"
run "$DARTMK" inspect --json --quick "$S/shim.img"
is "$rc/$(printf '%s' "$out" | jq -r '[.secure_boot.loaders[] | select(.path | test("^EFI/BOOT/"; "i")) | .path + "=" + .state] | join(" ")')" \
    "0/efi/boot/bootx64.efi=signed efi/boot/grubx64.efi=signed" "inspect of the written stick: its shim and GRUB, both signed"

done_testing
