# -*- coding: utf-8 -*-
# The documentation of the options every dartmk module takes: the dartmk program and dartmk's
# build options (plugins/module_utils/dartmk.py: COMMON_OPTIONS and BUILD_OPTIONS, the same for
# every target, as on dartmk's command line). A module takes it with
# `extends_documentation_fragment: dartmk.recovery.build_options`; ansible-doc merges these
# options into the module's own (so it needs the collection path: ansible-doc
# dartmk.recovery.MODULE). tests/unit/test_documentation.py holds the merge to argument_spec.

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):

    DOCUMENTATION = r'''
options:
  dartmk:
    description:
      - The dartmk program to run (a name looked up in C(PATH), or an absolute path).
    type: path
    default: dartmk
  recipe:
    description:
      - A dartmk recipe (INI file, C(dartmk build --recipe)) holding any of the build options.
        Options given to the module win; a list given to the module replaces the recipe's list.
    type: path
  image_index:
    description:
      - The boot.wim image to use (default the bootable one; on an install DVD that is image 2,
        Windows Setup). C(--image-index).
    type: int
  whole_media:
    description:
      - Keep every file of I(source), not only the Windows PE files. C(--whole-media).
    type: bool
    default: false
  tools:
    description:
      - Tools added to C(DaRT\Tools\NAME). C(--tool NAME=PATH[:helpdesk]).
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: The tool's name in the menu.
        type: str
        required: true
      path:
        description: A folder, an C(.exe) or a C(.cab) (expanded).
        type: path
        required: true
      helpdesk:
        description: In the image, but not offered in the menu.
        type: bool
        default: false
  remote:
    description:
      - Open a remote connection at start-up. C(--remote).
    type: bool
    default: false
  remote_tool:
    description:
      - The tool (from I(tools)) that accepts the remote connection. C(--remote-tool).
    type: str
  remote_port:
    description:
      - The remote connection's TCP port (1-65535, default 3388). C(--remote-port).
    type: int
  remote_message:
    description:
      - The message shown at start-up (at most 2048 characters), or C(@FILE). C(--remote-message).
    type: str
  debugging_tools:
    description:
      - A folder of crash-analysis tools, or C(target) to use the repaired machine's own.
        C(--debugging-tools).
    type: str
  drivers:
    description:
      - Drivers to add (an C(.inf) file or a folder). C(--driver).
    type: list
    elements: path
    default: []
  add_files:
    description:
      - Folders whose contents are copied into the image. C(--add-files DIR[=DEST]).
    type: list
    elements: dict
    default: []
    suboptions:
      src:
        description: The folder on the host running the module.
        type: path
        required: true
      dest:
        description: Where in the image (default the root).
        type: str
  expire_days:
    description:
      - The image can be used for this many days after the build (1-36500). C(--expire-days).
    type: int
  dart_tools:
    description:
      - DaRT's own tools (C(Toolsx64.cab), the DaRT installer C(.msi), or a folder of them).
        C(--dart-tools).
    type: path
  dart_config:
    description:
      - The wizard-made C(DartConfig.dat). C(--dart-config).
    type: path
  dart_config_from:
    description:
      - Take C(DartConfig.dat) out of a DaRT image (ISO or WIM) the wizard made.
        C(--dart-config-from).
    type: path
  require_signed:
    description:
      - Refuse media whose UEFI loaders are unsigned or whose signature does not verify.
        C(--require-signed).
    type: bool
    default: false
'''
