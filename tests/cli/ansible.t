#!/bin/bash
# The Ansible collection dartmk.recovery (ansible/ansible_collections/dartmk/recovery):
# - its pytest unit tests (a fake dartmk answers the modules), one TAP line each;
# - ansible-doc renders every module by its collection name, its own options and the build
#   options of the doc fragment (plugins/doc_fragments/build_options.py) it extends;
# - ansible-playbook against localhost (connection local) with the real dartmk, the sample
#   media and sparse disk images (tests/lib/disks.sh). dartmk_partition: check mode writes
#   nothing (image checksum), the first run is changed, the second is ok and runs nothing that
#   writes, --diff shows the plan, a changed input is an update, dartmk's failure reaches the
#   task as its one line, state: absent removes (the other partitions byte for byte as before;
#   on a BIOS disk the MBR code is back), a second absent is ok, and a Windows RE partition
#   dartmk did not make is left alone with a warning; the same on a loop device.
#   dartmk_media (ISO, stick image) and dartmk_pxe: first run changed, second not, check mode
#   writes nothing, a changed input is a change, the outputs pass dartmk verify. The example
#   fleet playbook on two images.
# shellcheck source=tests/lib/tap.sh disable=SC2154  # run() sets rc, out, err
. "$(dirname "$0")/../lib/tap.sh"
# shellcheck source=tests/lib/disks.sh
. "$TOP/tests/lib/disks.sh"
SAMPLES=${SAMPLES:-$TOP/build/samples}
PY=${PYTHON:-/usr/bin/python3}
COLL=$TOP/ansible/ansible_collections/dartmk/recovery
[ -f "$SAMPLES/install.iso" ] || make -C "$TOP" -s samples >/dev/null || missing_prerequisite "no samples (make samples)"
[ -f "$FIXTURES/os.vbr" ] || make -C "$TOP" -s fixtures >/dev/null || missing_prerequisite "no fixtures (make fixtures)"
for t in ansible-playbook ansible-doc jq sfdisk losetup python3 "$PY"; do
    command -v "$t" >/dev/null || missing_prerequisite "$t is installed (scripts/install-deps.sh)"
done
"$PY" -c 'import pytest, ansible' 2>/dev/null || missing_prerequisite "$PY has pytest and ansible (python3-pytest, ansible-core)"
UNIT=53 # the pytest tests in $COLL/tests/unit
plan $((UNIT + 1 + 3 + 32 + 3 + 4 + 3 + 12 + 8 + 3))
# shellcheck source=tests/lib/writers.sh
. "$TOP/tests/lib/writers.sh"
writers_scratch
export PYTHONDONTWRITEBYTECODE=1 ANSIBLE_COLLECTIONS_PATH=$TOP/ansible ANSIBLE_HOME=$S/ansible \
    ANSIBLE_LOCAL_TEMP=$S/ansible/tmp ANSIBLE_NOCOLOR=1 ANSIBLE_RETRY_FILES_ENABLED=0 \
    ANSIBLE_PYTHON_INTERPRETER=$PY ANSIBLE_PLAYBOOK_DIR=$S ANSIBLE_COLLECTIONS_SCAN_SYS_PATH=false
ISO=$SAMPLES/install.iso

# --- unit tests ----------------------------------------------------------------------------
run "$PY" -m pytest -v -p no:cacheprovider -o console_output_style=classic "$COLL/tests/unit"
is "$rc" 0 "pytest: the unit tests pass"
[ "$rc" = 0 ] || printf '%s\n' "$out" "$err" | tail -40 | sed 's/^/# /' >&2
while read -r result name; do
    is "$result" PASSED "pytest $name"
done < <(printf '%s\n' "$out" | sed -nE 's/^.*tests\/unit\/(.*::.*) (PASSED|FAILED|ERROR|SKIPPED|XFAIL|XPASS)( .*)?$/\2 \1/p')

# --- ansible-doc ---------------------------------------------------------------------------
# MODULE OWN-OPTION: the module's own option and the fragment's (dartmk, tools, expire_days) are
# rendered, with the examples and return values; the test names what is missing.
while read -r m own; do
    run ansible-doc "dartmk.recovery.$m" </dev/null
    missing=
    for want in "> DARTMK\.RECOVERY\.${m^^} " "- $own\$" '- dartmk$' '- tools$' '- expire_days$' EXAMPLES 'RETURN VALUES'; do
        grep -qE "^$want" <<<"$out" || missing+=" [$want]"
    done
    is "$rc:$missing" 0: "ansible-doc dartmk.recovery.$m renders $own, the fragment's build options, examples, return values"
done <<'MODULES'
dartmk_partition bios_boot
dartmk_pxe menu
dartmk_media format
MODULES

# --- one task against localhost ------------------------------------------------------------
# task MODULE [OPTION: VALUE]...: the playbook $S/play.yml with that one task.
task() {
    {
        printf -- '- hosts: localhost\n  connection: local\n  gather_facts: false\n  tasks:\n'
        printf -- '    - dartmk.recovery.%s:\n        dartmk: %s\n' "$1" "$DARTMK"
        shift
        printf '        %s\n' "$@"
    } >"$S/play.yml"
}
# play [ANSIBLE-PLAYBOOK-OPTIONS]: run it ($out: what ansible-playbook printed); ansible-core's
# tree callback writes the task's result as JSON to $S/tree/localhost.
export ANSIBLE_CALLBACKS_ENABLED=tree ANSIBLE_CALLBACK_TREE_DIR=$S/tree
play() {
    rm -rf "$S/tree"
    run ansible-playbook -i localhost, "$S/play.yml" "$@"
}
# r JQ: a field of the task's result.
r() { jq -c "$1" "$S/tree/localhost" 2>/dev/null; }
# writes: how many commands the task ran that write (anything but the dry run, --status,
# --print-recipe, --version and verify).
writes() { r '[.commands[] | select(index("--dry-run") or index("--status") or index("--print-recipe") or index("--version") or index("verify") | not)] | length'; }
untouched() { is "$(sum "$1")" "$2" "$3"; } # IMG SUM DESCRIPTION
mbr_code() { head -c 440 "$1" | sha256sum | cut -d' ' -f1; }

# --- dartmk_partition on a GPT disk --------------------------------------------------------
G=$S/gpt.img
disk_gpt_windows "$G" || missing_prerequisite "disk_gpt_windows failed"
sum0=$(sum "$G") parts0=$(part_hashes "$G" 1 2 3)
task dartmk_partition "source: $ISO" "disk: $G"
play --check
is "$rc/$(r .changed)/$(r .plan.change)" "0/true/\"create\"" "partition, check mode: changed, the plan creates"
is "$(writes)" 0 "partition, check mode: ran nothing that writes"
untouched "$G" "$sum0" "partition, check mode: the image byte for byte as it was"
play
is "$rc/$(r .changed)" "0/true" "partition, first run: changed"
is "$(r .status.recovery.made_by)/$(r .status.recovery.number)/$(r .status.record)" '"dartmk"/4/true' \
    "partition, first run: status says dartmk's partition 4, its record on the disk"
is "$(r .ansible_facts.dartmk_recovery.recovery.manifest.fingerprint)" "$(r .plan.fingerprint)" \
    "partition, first run: the fact dartmk_recovery holds the manifest's fingerprint (the plan's)"
is "$(r .status.recovery.verified)" true "partition, first run: dartmk verifies the partition"
is "$(disk_parts "$G" | awk '$1 == 4 { print toupper($4) }')" "$GPT_WINRE" "partition, first run: sfdisk sees a Windows RE partition 4"
is "$(part_hashes "$G" 1 2 3)" "$parts0" "partition, first run: partitions 1-3 byte for byte as they were"
sum1=$(sum "$G")
play
is "$rc/$(r .changed)/$(r .plan.change)" '0/false/"none"' "partition, second run: ok, not changed (change none)"
is "$(writes)" 0 "partition, second run: ran nothing that writes"
untouched "$G" "$sum1" "partition, second run: the image byte for byte as it was"
task dartmk_partition "source: $ISO" "disk: $G" "expire_days: 30"
play --check --diff
like "$out" '^-.*"fingerprint": "[0-9a-f]{64}"' "partition, --check --diff: the fingerprint before"
like "$out" '^\+.*"fingerprint": "[0-9a-f]{64}"' "partition, --check --diff: the fingerprint after"
like "$out" '^ +"partitions": \[' "partition, --check --diff: the partition table"
like "$out" 'changed=1 ' "partition, --check --diff: changed"
untouched "$G" "$sum1" "partition, --check --diff: the image byte for byte as it was"
play
is "$rc/$(r .changed)/$(r .plan.change)" '0/true/"update"' "partition, an input changed: changed (update)"
like "$(r .status.recovery.manifest.expires)" '^"20[0-9]{2}-' "partition, an input changed: the manifest has the expiry"
sum2=$(sum "$G")
task dartmk_partition "source: $S/none.iso" "disk: $G"
play
is "$rc" 2 "partition, a missing source: the task fails (ansible-playbook exits 2)"
is "$(r .msg)" "\"dartmk: $S/none.iso: no such file or directory\"" "partition, a missing source: dartmk's one line"
untouched "$G" "$sum2" "partition, a missing source: the image byte for byte as it was"
task dartmk_partition "disk: $G" "state: absent"
play --check
is "$rc/$(r .changed)/$(r .plan.removed.number)" "0/true/4" "absent, check mode: changed, the plan removes partition 4"
is "$(writes)" 0 "absent, check mode: ran nothing that writes"
untouched "$G" "$sum2" "absent, check mode: the image byte for byte as it was"
play
is "$rc/$(r .changed)/$(r .status.recovery)" "0/true/null" "absent: changed, status finds no recovery partition"
is "$(disk_parts "$G" | cut -d' ' -f1 | tr '\n' ' ')" "1 2 3 " "absent: sfdisk sees partitions 1-3 only"
is "$(part_hashes "$G" 1 2 3)" "$parts0" "absent: partitions 1-3 byte for byte as they were"
sum3=$(sum "$G")
play
is "$rc/$(r .changed)" "0/false" "absent again: ok, not changed"
is "$(r '.commands | map(select(index("--remove"))) | length')" 0 "absent again: dartmk --remove not run"
untouched "$G" "$sum3" "absent again: the image byte for byte as it was"
task dartmk_partition "disk: $S/none.img" "state: absent"
play
msg=$(r .msg)
run "$DARTMK" partition --status "$S/none.img"
is "$msg" "\"$err\"" "absent, a missing disk: the task fails with dartmk's one line"

# --- a Windows RE partition dartmk did not make: absent leaves it, and says so -----------------
F=$S/foreign.img
disk_gpt_windows "$F" || missing_prerequisite "disk_gpt_windows failed"
echo "size=600MiB, type=$GPT_WINRE, name=\"Recovery\"" | sfdisk -q --append "$F" >/dev/null 2>&1
sumf=$(sum "$F")
task dartmk_partition "disk: $F" "state: absent"
play
is "$rc/$(r .changed)/$(r .status.recovery.made_by)" '0/false/"other"' "absent, Windows' own RE partition: ok, not changed"
like "$(printf '%s' "$err" | tr '\n' ' ')" "WARNING.*partition 4 is a Windows RE partition dartmk did not make: left alone" "absent, Windows' own RE partition: the warning says so"
untouched "$F" "$sumf" "absent, Windows' own RE partition: the image byte for byte as it was"

# --- dartmk_partition on a BIOS (MBR) disk: the boot code goes and comes back -----------------
M=$S/mbr.img
disk_mbr_windows "$M" || missing_prerequisite "disk_mbr_windows failed"
code0=$(mbr_code "$M")
task dartmk_partition "source: $ISO" "disk: $M" "bios_boot: menu"
play
is "$rc/$(r .changed)/$(r .status.recovery.bios_boot)" '0/true/"menu"' "MBR: changed, the recovery menu starts the disk"
task dartmk_partition "disk: $M" "state: absent"
play
is "$rc/$(r .changed)/$(r .result.mbr_code)" '0/true/"restored"' "MBR, absent: changed, the MBR code restored"
is "$(mbr_code "$M")" "$code0" "MBR, absent: the first 440 bytes as they were"
is "$(sfdisk --json "$M" | jq -c '[.partitiontable.partitions[] | .bootable // false]')" '[true,false]' \
    "MBR, absent: partition 1 active again"

# --- dartmk_partition on a loop device (a whole disk: a block device, as on a real machine) ------
LI=$S/loop.img
disk_gpt_windows "$LI" || missing_prerequisite "disk_gpt_windows failed"
L=$(losetup -f --show "$LI") && LOOPS+=("$L")
task dartmk_partition "source: $ISO" "disk: $L"
play
is "$rc/$(r .changed)/$(r .status.recovery.made_by)" '0/true/"dartmk"' "loop device $L: changed, dartmk's recovery partition"
play
is "$rc/$(r .changed)/$(writes)" "0/false/0" "loop device, second run: ok, not changed, nothing written"
task dartmk_partition "disk: $L" "state: absent"
play
is "$rc/$(r .changed)/$(r .status.recovery)" "0/true/null" "loop device, absent: changed, no recovery partition"

# --- dartmk_media --------------------------------------------------------------------------
O=$S/dart.iso
task dartmk_media "source: $ISO" "dest: $O"
play
is "$rc/$(r .changed)" "0/true" "media iso, first run: changed"
run "$DARTMK" verify "$O"
is "$rc" 0 "media iso, first run: dartmk verify passes"
isosum=$(sha256sum <"$O")
play
is "$rc/$(r .changed)/$(writes)" "0/false/0" "media iso, second run: ok, not changed, nothing written"
is "$(sha256sum <"$O")" "$isosum" "media iso, second run: the ISO as it was"
task dartmk_media "source: $ISO" "dest: $O" "expire_days: 30"
play --check
is "$rc/$(r .changed)/$(writes)" "0/true/0" "media iso, an input changed, check mode: changed, nothing written"
is "$(sha256sum <"$O")" "$isosum" "media iso, check mode: the ISO as it was"
play
is "$rc/$(r .changed)/$(r .result.sha256 | tr -d '"')" "0/true/$(sha256sum <"$O" | cut -d' ' -f1)" \
    "media iso, an input changed: changed, the new ISO is the one dartmk made"
U=$S/stick.img
task dartmk_media "source: $ISO" "dest: $U" "format: usb" "size: 600M"
play
is "$rc/$(r .changed)/$(r .result.verified)" "0/true/true" "media usb, first run: changed, dartmk verified it"
stick=$(sum "$U")
play
is "$rc/$(r .changed)/$(writes)" "0/false/0" "media usb, second run: ok, not changed, nothing written"
untouched "$U" "$stick" "media usb, second run: the image byte for byte as it was"
cp "$ISO" "$S/theirs.iso"
task dartmk_media "source: $ISO" "dest: $S/theirs.iso"
play
is "$(r .msg)" "\"$S/theirs.iso: exists and was not made by dartmk_media (force: true replaces it)\"" \
    "media: a file it did not make is refused"
cmp -s "$ISO" "$S/theirs.iso"
ok $? "media: that file as it was"

# --- dartmk_pxe ----------------------------------------------------------------------------
P=$S/tftp/dart
mkdir -p "$S/tftp"
task dartmk_pxe "source: $ISO" "dest: $P"
play
is "$rc/$(r .changed)/$(r .result.updated)" "0/true/false" "pxe, first run: changed, a new tree"
run "$DARTMK" verify "$P"
is "$rc" 0 "pxe, first run: dartmk verify passes (the stamp is beside the tree, not in it)"
tree() { (cd "$P" && find . -type f -exec sha256sum {} + | sort); }
tree0=$(tree)
play
is "$rc/$(r .changed)/$(writes)" "0/false/0" "pxe, second run: ok, not changed, nothing written"
task dartmk_pxe "source: $ISO" "dest: $P" "menu: true"
play --check
is "$rc/$(r .changed)/$(writes)" "0/true/0" "pxe, an input changed, check mode: changed, nothing written"
is "$(tree)" "$tree0" "pxe, check mode: the tree as it was"
play
is "$rc/$(r .changed)/$(r .result.updated)/$(r .result.menu)" "0/true/true/true" "pxe, an input changed: updated in place, with the menu"
play
is "$rc/$(r .changed)" "0/false" "pxe, again: ok, not changed"
run "$DARTMK" verify "$P"
is "$rc" 0 "pxe, after the update: dartmk verify passes"

# --- the example fleet playbook on two disk images -----------------------------------------
{ disk_gpt_windows "$S/m1.img" && disk_gpt_windows "$S/m2.img"; } || missing_prerequisite "disk_gpt_windows failed"
printf '[fleet]\nm1 recovery_disk=%s\nm2 recovery_disk=%s\n[fleet:vars]\nansible_connection=local\ndartmk_program=%s\nrecovery_source=%s\n' \
    "$S/m1.img" "$S/m2.img" "$DARTMK" "$ISO" >"$S/fleet.ini"
fleet() { run ansible-playbook -i "$S/fleet.ini" "$COLL/playbooks/fleet.yml" "$@"; }
# recap FIELD: that field of every host's line in the play recap (m1 first).
recap() { printf '%s\n' "$out" | sed -nE "s/^(m[12]) +:.* $1=([0-9]+).*/\\1 \\2/p" | sort | cut -d' ' -f2 | tr '\n' ' '; }
fleet
is "$rc/$(recap changed)/$(recap failed)" "0/1 1 /0 0 " "fleet.yml: both disks provisioned"
fleet
is "$rc/$(recap changed)" "0/0 0 " "fleet.yml again: nothing changed"
fleet -e recovery_state=absent
is "$rc/$(recap changed)/$(disk_parts "$S/m2.img" | wc -l)" "0/1 1 /3" "fleet.yml -e recovery_state=absent: both removed"
done_testing
