#!/usr/bin/python
# -*- coding: utf-8 -*-
# dartmk_media: a recovery ISO or USB stick image file on a build host (`dartmk iso`, `dartmk
# usb IMAGE --size`), made again only when its inputs changed (the stamp beside the file:
# plugins/module_utils/dartmk.py).

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: dartmk_media
short_description: A DaRT recovery ISO or USB stick image file, made by dartmk
description:
  - Makes a bootable recovery ISO (C(dartmk iso SOURCE -o DEST)) or a USB stick image file
    (C(dartmk usb SOURCE DEST --size SIZE)) on a build host, for burning, writing to sticks or
    serving. Everything about the image is dartmk's.
  - dartmk has no dry run for these, so the module keeps a stamp beside the image,
    C(DEST.dartmk-inputs.json). The stamp holds dartmk's version, the command and its target
    options, the source's SHA-256, the effective recipe as dartmk prints it (C(--print-recipe)),
    and the SHA-256 of every file and folder that recipe names. The image is made again only
    when that stamp differs, when the image is not the file the stamp was written for (size and
    modification time), or (with I(verify)) when C(dartmk verify) finds it different from its
    manifest.
  - Check mode computes the stamp and compares; it never runs a writing command. Diff mode shows
    the stamp before and after.
version_added: 0.1.0
author:
  - dartmk developers
requirements:
  - dartmk on the managed host
extends_documentation_fragment:
  - dartmk.recovery.build_options
options:
  source:
    description:
      - The Windows or DaRT media (ISO, folder, boot.wim, C(/dev/sr0)).
    type: path
    required: true
  dest:
    description:
      - The image file to make. An ISO's name must end in C(.iso). A block device is refused;
        write sticks with C(dartmk usb) itself.
    type: path
    required: true
  format:
    description:
      - C(iso) (C(dartmk iso)) or C(usb), a stick image (C(dartmk usb)).
    type: str
    choices: [iso, usb]
    default: iso
  label:
    description:
      - The volume label (ISO default C(DART_RECOVERY), stick default C(DART)). C(--label).
    type: str
  no_boot:
    description:
      - A data ISO without El Torito boot entries. C(--no-boot). Only with C(format=iso).
    type: bool
    default: false
  size:
    description:
      - The stick image's size (C(K), C(M), C(G), C(T) suffixes). Required with C(format=usb)
        when I(dest) does not exist yet. C(--size).
    type: str
  scheme:
    description:
      - The stick image's partition table. C(--scheme). Only with C(format=usb).
    type: str
    choices: [mbr, gpt]
  force:
    description:
      - Replace an existing I(dest) that this module did not make (it has no stamp beside it).
    type: bool
    default: false
  verify:
    description:
      - Also run C(dartmk verify DEST) when the stamp says the image is current. An image that
        differs from its manifest is made again.
    type: bool
    default: false
notes:
  - dartmk writes an ISO's SHA-256 beside it (C(DEST.sha256)).
seealso:
  - module: dartmk.recovery.dartmk_partition
  - module: dartmk.recovery.dartmk_pxe
'''

EXAMPLES = r'''
- name: The help desk's recovery ISO, made again when the media, tools or dartmk change
  dartmk.recovery.dartmk_media:
    source: /srv/media/Win11_x64.iso
    dest: /srv/dart/dart-helpdesk.iso
    expire_days: 90
    drivers:
      - /srv/dart/drivers/storage

- name: A stick image for the technicians' duplicator
  dartmk.recovery.dartmk_media:
    source: /srv/media/Win11_x64.iso
    dest: /srv/dart/dart-stick.img
    format: usb
    size: 8G
'''

RETURN = r'''
fingerprint:
  description: The SHA-256 of the stamp (the inputs), as kept beside the image.
  returned: always
  type: str
stamp:
  description: The stamp file's path.
  returned: always
  type: str
  sample: /srv/dart/dart-helpdesk.iso.dartmk-inputs.json
result:
  description:
    - What C(dartmk iso --json) (C(iso), C(bytes), C(sha256), C(label), C(bios), C(uefi),
      C(efisys_generated)) or C(dartmk usb --json) (C(target), C(scheme), C(label), C(bytes),
      C(sha256), C(verified), C(partition), ...) printed.
  returned: when the image was written
  type: dict
commands:
  description: Every dartmk command the task ran, in order.
  returned: always
  type: list
  elements: list
'''

import os
import stat

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.dartmk.recovery.plugins.module_utils.dartmk import (
    Dartmk, argument_spec, build_args, file_identity, inputs_stamp, read_stamp, stamped_output)


def target_options(p):
    """The options of the image that are not build options, for the stamp."""
    if p['format'] == 'iso':
        return dict(label=p.get('label'), no_boot=p['no_boot'])
    return dict(label=p.get('label'), size=p.get('size'), scheme=p.get('scheme'))


def command(p):
    if p['format'] == 'iso':
        args = ['iso', p['source'], '-o', p['dest']] + (['--no-boot'] if p['no_boot'] else [])
        # The module owns a DEST with its stamp (or one it may replace: force).
        args += ['--force'] if os.path.exists(p['dest']) else []
    else:
        args = ['usb', p['source'], p['dest'], '--yes']
        for key, option in (('size', '--size'), ('scheme', '--scheme')):
            if p.get(key) is not None:
                args += [option, p[key]]
    if p.get('label') is not None:
        args += ['--label', p['label']]
    return args + build_args(p)


def refuse(module):
    """The files the module must not write over: devices, and files it did not make."""
    p = module.params
    try:
        mode = os.stat(p['dest']).st_mode
    except OSError:
        return
    if not stat.S_ISREG(mode):
        module.fail_json(msg='%s: not a regular file: dartmk_media makes image files (write '
                         'sticks with dartmk usb)' % p['dest'])
    if read_stamp(p['dest']) is None and not p['force']:
        module.fail_json(msg='%s: exists and was not made by dartmk_media (force: true '
                         'replaces it)' % p['dest'])


def main():
    module = AnsibleModule(
        argument_spec=argument_spec(dict(
            source=dict(type='path', required=True),
            dest=dict(type='path', required=True),
            format=dict(type='str', choices=['iso', 'usb'], default='iso'),
            label=dict(type='str'),
            no_boot=dict(type='bool', default=False),
            size=dict(type='str'),
            scheme=dict(type='str', choices=['mbr', 'gpt']),
            force=dict(type='bool', default=False),
            verify=dict(type='bool', default=False),
        )),
        supports_check_mode=True,
    )
    p = module.params
    if p['format'] == 'iso' and (p.get('size') or p.get('scheme')):
        module.fail_json(msg='size and scheme are for format: usb (a stick image)')
    if p['format'] == 'usb' and p['no_boot']:
        module.fail_json(msg='no_boot is for format: iso')
    refuse(module)
    dartmk = Dartmk(module)
    stamp = inputs_stamp(dartmk, p['format'], p, p['source'], target_options(p))
    result = stamped_output(module, dartmk, stamp, lambda: file_identity(p['dest']),
                            lambda: (dartmk.run(command(p)), file_identity(p['dest'])))
    module.exit_json(commands=dartmk.commands, **result)


if __name__ == '__main__':
    main()
