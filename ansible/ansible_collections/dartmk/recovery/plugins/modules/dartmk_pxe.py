#!/usr/bin/python
# -*- coding: utf-8 -*-
# dartmk_pxe: a PXE boot tree on a server, made or refreshed in place by `dartmk pxe`, changed
# only when its inputs changed (the stamp beside the tree: plugins/module_utils/dartmk.py).

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: dartmk_pxe
short_description: A DaRT network (PXE) boot tree, made or refreshed in place by dartmk
description:
  - Makes the PXE boot tree that TFTP or HTTP servers give to machines starting from the network
    (C(dartmk pxe SOURCE -o DEST)), or refreshes an existing one file by file (C(--update)), so
    that clients reading it meanwhile keep working. Everything about the tree is C(dartmk pxe)'s.
  - dartmk has no dry run for a PXE tree, so the module keeps a stamp beside the tree,
    C(DEST.dartmk-inputs.json). The stamp holds dartmk's version, the target options, the
    source's SHA-256, the effective recipe as dartmk prints it (C(--print-recipe)), and the
    SHA-256 of every file and folder that recipe names. The tree is changed only when that stamp
    differs, when the tree's manifest is not the one the stamp was written for, or (with
    I(verify)) when C(dartmk verify) finds the tree different from its manifest.
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
      - The tree's folder (what the TFTP server serves, or a folder in it). A new or empty
        folder, or a tree dartmk wrote.
    type: path
    required: true
  menu:
    description:
      - A pxelinux menu, with DaRT Recovery or the local disk (after 10 s). C(--menu).
    type: bool
    default: false
  tftp_root:
    description:
      - The folder the TFTP server serves, as the server sees it (default I(dest)'s absolute path).
        C(--tftp-root).
    type: str
  pxe_loaders:
    description:
      - PXE loaders to use instead of boot.wim's. The file's name says which loader it is
        (C(pxeboot.n12), C(bootmgr.exe), C(bootmgfw.efi)). C(--pxe-loader).
    type: list
    elements: path
    default: []
  force:
    description:
      - Write into a non-empty I(dest) that is not a tree dartmk wrote. C(--force).
    type: bool
    default: false
  verify:
    description:
      - Also run C(dartmk verify DEST) when the stamp says the tree is current. A tree that
        differs from its manifest is refreshed.
    type: bool
    default: false
notes:
  - The stamp file is beside I(dest), not in it, because C(dartmk verify) rejects any file in
    the tree that its manifest does not list.
seealso:
  - module: dartmk.recovery.dartmk_partition
  - module: dartmk.recovery.dartmk_media
'''

EXAMPLES = r'''
- name: The help desk's DaRT on the network, refreshed when the media or tools change
  dartmk.recovery.dartmk_pxe:
    source: /srv/media/Win11_x64.iso
    dest: /srv/tftp/dart
    menu: true
    expire_days: 30
    tools:
      - name: Disk Commander
        path: /srv/dart/tools/diskcmd
'''

RETURN = r'''
fingerprint:
  description: The SHA-256 of the stamp (the inputs), as kept beside the tree.
  returned: always
  type: str
stamp:
  description: The stamp file's path.
  returned: always
  type: str
  sample: /srv/tftp/dart.dartmk-inputs.json
result:
  description:
    - What C(dartmk pxe ... --json) printed (C(dir), C(files), C(bytes), C(bios), C(uefi),
      C(menu), C(updated), C(bcd_ok), C(source_image), C(whole_media)).
  returned: when the tree was written
  type: dict
commands:
  description: Every dartmk command the task ran, in order.
  returned: always
  type: list
  elements: list
'''

import os

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.dartmk.recovery.plugins.module_utils.dartmk import (
    Dartmk, argument_spec, build_args, file_identity, inputs_stamp, path_sha256,
    stamped_output)

MANIFEST = 'dartmk-manifest.json'


def target_args(p):
    args = ['--menu'] if p['menu'] else []
    if p.get('tftp_root') is not None:
        args += ['--tftp-root', p['tftp_root']]
    for loader in p['pxe_loaders']:
        args += ['--pxe-loader', loader]
    return args


def target_options(p):
    """The options of the tree that are not build options, for the stamp."""
    return dict(menu=p['menu'], tftp_root=p.get('tftp_root'),
                pxe_loaders=[dict(path=f, sha256=path_sha256(f)) for f in p['pxe_loaders']])


def identity(dest):
    """The tree's manifest (dartmk rewrites it on every run), or None when there is none."""
    manifest = file_identity(os.path.join(dest, MANIFEST))
    return manifest and dict(manifest, sha256=path_sha256(os.path.join(dest, MANIFEST)))


def write(module, dartmk):
    p = module.params
    dest = p['dest']
    args = ['pxe', p['source'], '-o', dest] + target_args(p) + build_args(p)
    if os.path.exists(os.path.join(dest, MANIFEST)):
        args.append('--update')
    elif p['force']:
        args.append('--force')
    return dartmk.run(args), identity(dest)


def main():
    module = AnsibleModule(
        argument_spec=argument_spec(dict(
            source=dict(type='path', required=True),
            dest=dict(type='path', required=True),
            menu=dict(type='bool', default=False),
            tftp_root=dict(type='str'),
            pxe_loaders=dict(type='list', elements='path', default=[]),
            force=dict(type='bool', default=False),
            verify=dict(type='bool', default=False),
        )),
        supports_check_mode=True,
    )
    p = module.params
    dartmk = Dartmk(module)
    stamp = inputs_stamp(dartmk, 'pxe', p, p['source'], target_options(p))
    result = stamped_output(module, dartmk, stamp, lambda: identity(p['dest']),
                            lambda: write(module, dartmk))
    module.exit_json(commands=dartmk.commands, **result)


if __name__ == '__main__':
    main()
