#!/usr/bin/python
# -*- coding: utf-8 -*-
# dartmk_partition: a hidden DaRT recovery partition on a disk, present or absent, through
# `dartmk partition` (its --dry-run --json plan, --status, --remove).

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: dartmk_partition
short_description: A hidden DaRT recovery partition on a disk, added, updated or removed by dartmk
description:
  - Adds a hidden, bootable DaRT recovery partition to a disk that already holds a system (a
    fleet machine's disk, or the golden disk image fleets are made from), updates the one dartmk
    made before, or removes it and undoes what dartmk did to boot. Every other partition is left
    byte for byte as it was. All the work is C(dartmk partition)'s; the module reads its JSON.
  - The module first asks dartmk for the plan (C(dartmk partition SOURCE DISK --dry-run --json)).
    dartmk compares a fingerprint of the inputs (the source boot.wim's SHA-256, the build options,
    the SHA-256 of tools, drivers and files, dartmk's version) with the one recorded in the
    partition's manifest; when they are the same the plan says C(changed=false) and nothing is
    written.
  - Check mode is the dry run. Diff mode shows the partition table before and after and the
    fingerprints. The partition's status (C(dartmk partition --status DISK --json)) is returned as
    I(status) and as the fact C(dartmk_recovery).
  - dartmk's safety rules apply unchanged. A disk with anything mounted, or the running system's
    disk, is refused. The module answers dartmk's typed-back question (C(--yes)). It is meant
    for disks that are not running a system, such as disk images or disks seen from a rescue
    system.
version_added: 0.1.0
author:
  - dartmk developers
requirements:
  - dartmk on the managed host (the version this collection ships with)
extends_documentation_fragment:
  - dartmk.recovery.build_options
options:
  state:
    description:
      - C(present) adds or updates the recovery partition; C(absent) removes dartmk's recovery
        partition (C(dartmk partition --remove)), restoring the MBR boot code and active flag as
        they were and deleting the UEFI boot entry dartmk added.
    type: str
    choices: [present, absent]
    default: present
  disk:
    description:
      - The disk (C(/dev/sda), C(/dev/nvme0n1), C(/dev/loop0)) or disk image file.
    type: path
    required: true
  source:
    description:
      - The Windows or DaRT media (ISO, folder, boot.wim, C(/dev/sr0)). Required with
        C(state=present). With C(state=absent) it and the build options are not used, so one
        task can serve both states.
    type: path
  size:
    description:
      - The partition's size (C(K), C(M), C(G), C(T) suffixes; default the tree plus 25%, at least
        450 MiB). C(--size).
    type: str
  at:
    description:
      - Where the partition goes, C(end) or a sector (default the largest free extent). C(--at).
    type: str
  name:
    description:
      - The GPT partition name (default C(DaRT Recovery)). C(--name). With a name of its own,
        give it to every task on the disk. C(--status) and C(--remove) recognise dartmk's
        partition by it.
    type: str
  label:
    description:
      - The FAT volume label (default C(DART)). C(--label).
    type: str
  bios_boot:
    description:
      - How an MBR disk starts recovery. C(menu) (default) adds a menu with the installed system
        first. C(active) makes the recovery partition active. C(none) leaves the MBR code and
        active flags alone. C(--bios-boot).
    type: str
    choices: [menu, active, none]
  menu_timeout:
    description:
      - Seconds before the menu starts the installed system (0-600). C(--menu-timeout).
    type: int
  boot_once:
    description:
      - The next start only goes to recovery. C(--boot-once). dartmk counts it as a change on
        every run, so a task with it is never idempotent.
    type: bool
    default: false
  efi_entry:
    description:
      - Add the UEFI firmware boot entry (C(true)) or not (C(false)). The default is dartmk's own
        choice, which adds it only when I(disk) is this UEFI machine's own disk.
    type: bool
  replace:
    description:
      - Make dartmk's recovery partition anew (new place and size) instead of updating it.
        C(--replace). dartmk counts it as a change on every run.
    type: bool
    default: false
  force:
    description:
      - Take over (C(state=present)) or remove (C(state=absent)) a Windows RE partition dartmk
        did not make. C(--force).
    type: bool
    default: false
  verify:
    description:
      - Read the files back after writing, and check them against the manifest in the status
        (C(false) is C(--no-verify) for both; the status's C(verified) is then null).
    type: bool
    default: true
  backup_table:
    description:
      - Where dartmk saves the old partition table (default C(~/.local/state/dartmk/tables) on the
        managed host). C(--backup-table).
    type: path
notes:
  - Check mode runs only C(--dry-run) and C(--status), which read and never write.
  - C(changed) comes from dartmk. For C(state=present) it is the plan's C(changed). For
    C(state=absent) there is a change when C(--status) finds a recovery partition dartmk made
    (or any Windows RE partition with I(force)).
  - A Windows RE partition that dartmk did not make is left alone by C(state=absent) without
    I(force). The module warns about it.
seealso:
  - module: dartmk.recovery.dartmk_pxe
  - module: dartmk.recovery.dartmk_media
'''

EXAMPLES = r'''
- name: A recovery partition on each machine's disk, with the help desk's tools
  dartmk.recovery.dartmk_partition:
    source: /srv/media/Win11_x64.iso
    disk: /dev/sda
    bios_boot: menu
    menu_timeout: 3
    expire_days: 90
    tools:
      - name: Disk Commander
        path: /srv/dart/tools/diskcmd

- name: The same from a recipe kept in the repository
  dartmk.recovery.dartmk_partition:
    source: /srv/media/Win11_x64.iso
    disk: /srv/images/golden.img
    recipe: /srv/dart/helpdesk.ini

- name: What is on the disk (check mode never writes)
  dartmk.recovery.dartmk_partition:
    source: /srv/media/Win11_x64.iso
    disk: /dev/sda
  check_mode: true
  register: plan

- name: Take the recovery partition away again
  dartmk.recovery.dartmk_partition:
    disk: /dev/sda
    state: absent
'''

RETURN = r'''
status:
  description:
    - C(dartmk partition --status DISK --json) after the task (in check mode, as the disk is).
      It holds the disk (C(disk), C(scheme), C(size)), C(recovery) and C(record). C(recovery) is
      null, or the partition's C(number), C(start), C(size), C(free), C(made_by), C(type),
      C(name), C(manifest), C(bios_boot), C(efi_entry) and C(verified).
  returned: always
  type: dict
  sample:
    disk: /dev/sda
    scheme: gpt
    size: 256060514304
    record: true
    recovery:
      number: 4
      start: 255323316224
      size: 471859200
      free: 80000000
      made_by: dartmk
      type: DE94BBA4-06D1-4D40-A16A-BFD50179D6AC
      name: DaRT Recovery
      bios_boot: none
      efi_entry: null
      verified: true
      manifest:
        sha256: cd477ad1dc2b10b58b90c32881472e8074c2ceaaee9b52a175a0f8c804605569
        built: '2026-12-05T03:33:17Z'
        source: /srv/media/Win11_x64.iso
        fingerprint: 6c1d0f4f5b0e4c5c8d7e9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d
        version: dartmk 0.1.0
        expires: null
        expired: false
plan:
  description:
    - The dry run's plan (C(dartmk partition ... --dry-run --json), or C(--remove --dry-run) for
      C(state=absent)), with C(changed), C(change) (C(create), C(update), C(move) or C(none)),
      C(fingerprint), C(fingerprint_before), and the tables C(before) and C(after).
  returned: always
  type: dict
result:
  description:
    - What the writing run printed (C(dartmk partition ... --yes --json), or C(--remove)).
  returned: when something was written
  type: dict
commands:
  description: Every dartmk command the task ran, in order.
  returned: always
  type: list
  elements: list
ansible_facts:
  description: Facts about the disk's recovery partition.
  returned: always
  type: complex
  contains:
    dartmk_recovery:
      description: The same as I(status).
      type: dict
      returned: always
'''

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.dartmk.recovery.plugins.module_utils.dartmk import (
    Dartmk, argument_spec, build_args)


def target_args(p):
    """dartmk partition's own options for the module's parameters."""
    args = []
    for key, option in (('size', '--size'), ('at', '--at'), ('name', '--name'),
                        ('label', '--label'), ('bios_boot', '--bios-boot'),
                        ('menu_timeout', '--menu-timeout'), ('backup_table', '--backup-table')):
        if p.get(key) is not None:
            args += [option, str(p[key])]
    for key, option in (('boot_once', '--boot-once'), ('replace', '--replace'),
                        ('force', '--force')):
        if p.get(key):
            args.append(option)
    if p.get('efi_entry') is not None:
        args.append('--efi-entry' if p['efi_entry'] else '--no-efi-entry')
    if not p.get('verify', True):
        args.append('--no-verify')
    return args


def plan_diff(plan):
    """The plan before/after: the partition table and the fingerprint of the inputs (and, after,
    what dartmk would do: create, update, move or none)."""
    return dict(
        before=dict(partitions=plan.get('before'), fingerprint=plan.get('fingerprint_before')),
        after=dict(partitions=plan.get('after'), fingerprint=plan.get('fingerprint'),
                   change=plan.get('change')),
    )


def present(module, dartmk):
    p = module.params
    command = ['partition', p['source'], p['disk']] + target_args(p) + build_args(p)
    plan = dartmk.run(command + ['--dry-run'])
    # A plan without `changed` (a dartmk older than the fingerprint) cannot say: assume a change.
    changed = bool(plan.get('changed', True))
    result = dict(changed=changed, plan=plan, diff=plan_diff(plan))
    if changed and not module.check_mode:
        result['result'] = dartmk.run(command + ['--yes'])
        result['changed'] = bool(result['result'].get('changed', True))
    return result


def named(p):
    """--name for --status and --remove: the GPT name that marks dartmk's partition."""
    return ['--name', p['name']] if p.get('name') is not None else []


def removable(module, status):
    """Whether state=absent has a partition to remove; warns about one it must leave alone."""
    recovery = status.get('recovery')
    if not recovery:
        return False
    if recovery.get('made_by') == 'dartmk' or module.params['force']:
        return True
    module.warn('%s: partition %s is a Windows RE partition dartmk did not make: left alone '
                '(force: true removes it)' % (module.params['disk'], recovery.get('number')))
    return False


def absent(module, dartmk, status):
    p = module.params
    if not removable(module, status):
        return dict(changed=False, plan=dict(changed=False, disk=p['disk'], dry_run=True))
    command = ['partition', '--remove', p['disk']] + named(p)
    command += ['--force'] if p['force'] else []
    if p.get('backup_table') is not None:
        command += ['--backup-table', p['backup_table']]
    plan = dartmk.run(command + ['--dry-run'])
    changed = bool(plan.get('changed', True))
    result = dict(changed=changed, plan=plan,
                  diff=dict(before=dict(recovery=status.get('recovery')),
                            after=dict(recovery=None) if changed
                            else dict(recovery=status.get('recovery'))))
    if changed and not module.check_mode:
        result['result'] = dartmk.run(command + ['--yes'])
        result['changed'] = bool(result['result'].get('changed', True))
    return result


def main():
    module = AnsibleModule(
        argument_spec=argument_spec(dict(
            state=dict(type='str', choices=['present', 'absent'], default='present'),
            disk=dict(type='path', required=True),
            source=dict(type='path'),
            size=dict(type='str'),
            at=dict(type='str'),
            name=dict(type='str'),
            label=dict(type='str'),
            bios_boot=dict(type='str', choices=['menu', 'active', 'none']),
            menu_timeout=dict(type='int'),
            boot_once=dict(type='bool', default=False),
            efi_entry=dict(type='bool'),
            replace=dict(type='bool', default=False),
            force=dict(type='bool', default=False),
            verify=dict(type='bool', default=True),
            backup_table=dict(type='path'),
        )),
        required_if=[('state', 'present', ('source',))],
        supports_check_mode=True,
    )
    dartmk = Dartmk(module)
    status_args = ['partition', '--status', module.params['disk']] + named(module.params)
    status_args += [] if module.params['verify'] else ['--no-verify']
    if module.params['state'] == 'present':
        result = present(module, dartmk)
    else:
        result = absent(module, dartmk, dartmk.run(status_args))
    status = dartmk.run(status_args)
    result.update(status=status, ansible_facts=dict(dartmk_recovery=status),
                  commands=dartmk.commands)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
