# -*- coding: utf-8 -*-
# What the dartmk modules share: the build options (the same for every target, as on dartmk's
# command line), running dartmk with --json and turning its failures into fail_json with dartmk's
# own one-line message, and the inputs stamp that dartmk_pxe and dartmk_media keep beside their
# output to decide `changed` without building.
#
# Nothing here knows how media are made: every decision about the disk, the tree or the image is
# dartmk's; the modules only choose which dartmk command to run and read its JSON.

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import json
import os
import stat

# The build options, as the modules' argument_spec (their documentation, and that of `dartmk`,
# is the doc fragment plugins/doc_fragments/build_options.py).
BUILD_OPTIONS = dict(
    recipe=dict(type='path'),
    image_index=dict(type='int'),
    whole_media=dict(type='bool', default=False),
    tools=dict(type='list', elements='dict', default=[], options=dict(
        name=dict(type='str', required=True),
        path=dict(type='path', required=True),
        helpdesk=dict(type='bool', default=False),
    )),
    remote=dict(type='bool', default=False),
    remote_tool=dict(type='str'),
    remote_port=dict(type='int'),
    remote_message=dict(type='str'),
    debugging_tools=dict(type='str'),
    drivers=dict(type='list', elements='path', default=[]),
    add_files=dict(type='list', elements='dict', default=[], options=dict(
        src=dict(type='path', required=True),
        dest=dict(type='str'),
    )),
    expire_days=dict(type='int'),
    dart_tools=dict(type='path'),
    dart_config=dict(type='path'),
    dart_config_from=dict(type='path'),
    require_signed=dict(type='bool', default=False),
)

COMMON_OPTIONS = dict(
    dartmk=dict(type='path', default='dartmk'),
)


def argument_spec(own):
    """The module's own options plus the build options and the dartmk executable."""
    spec = dict(COMMON_OPTIONS)
    spec.update(BUILD_OPTIONS)
    spec.update(own)
    return spec


def build_args(params):
    """dartmk's build options (`dartmk build --help`) for the module's parameters."""
    args = []
    value_options = (
        ('recipe', '--recipe'), ('image_index', '--image-index'),
        ('remote_tool', '--remote-tool'), ('remote_port', '--remote-port'),
        ('remote_message', '--remote-message'), ('debugging_tools', '--debugging-tools'),
        ('expire_days', '--expire-days'), ('dart_tools', '--dart-tools'),
        ('dart_config', '--dart-config'), ('dart_config_from', '--dart-config-from'),
    )
    for key, option in value_options:
        if params.get(key) is not None:
            args += [option, str(params[key])]
    for key, option in (('whole_media', '--whole-media'), ('remote', '--remote'),
                        ('require_signed', '--require-signed')):
        if params.get(key):
            args.append(option)
    for tool in params.get('tools') or []:
        spec = '%s=%s' % (tool['name'], tool['path'])
        args += ['--tool', spec + (':helpdesk' if tool.get('helpdesk') else '')]
    for driver in params.get('drivers') or []:
        args += ['--driver', driver]
    for files in params.get('add_files') or []:
        dest = files.get('dest')
        args += ['--add-files', files['src'] + ('=' + dest if dest else '')]
    return args


def one_line(stderr, rc):
    """dartmk's one-line reason for a failure: its last 'dartmk: ' line on stderr."""
    lines = [line.strip() for line in (stderr or '').splitlines() if line.strip()]
    said = [line for line in lines if line.startswith('dartmk: ')]
    if said:
        return said[-1]
    if lines:
        return lines[-1]
    return 'dartmk exited with status %d and said nothing' % rc


class Dartmk(object):
    """Runs dartmk for a module; every command it ran is kept for the result (`commands`)."""

    def __init__(self, module):
        self.module = module
        exe = module.params.get('dartmk') or 'dartmk'
        self.bin = exe if os.sep in exe else module.get_bin_path(exe, required=True)
        self.commands = []
        self._version = None

    def run(self, args, json_output=True, ok=(0,)):
        """dartmk ARGS [--json]: the parsed JSON object (or stdout); fail_json when it exits with
        a status not in OK."""
        cmd = [self.bin] + list(args) + (['--json'] if json_output else [])
        self.commands.append(cmd)
        rc, out, err = self.module.run_command(cmd, environ_update=dict(LC_ALL='C'))
        if rc not in ok:
            self.module.fail_json(msg=one_line(err, rc), rc=rc, cmd=cmd, stdout=out, stderr=err,
                                  commands=self.commands)
        if not json_output:
            return out
        try:
            return json.loads(out)
        except ValueError:
            self.module.fail_json(msg='%s: printed no JSON object' % ' '.join(cmd), rc=rc,
                                  cmd=cmd, stdout=out, stderr=err, commands=self.commands)

    def version(self):
        if self._version is None:
            self._version = self.run(['--version'], json_output=False).strip()
        return self._version


# --- the inputs stamp (dartmk_pxe, dartmk_media) --------------------------------------------
#
# dartmk decides `changed` for a recovery partition itself (the fingerprint in the plan). For a
# PXE tree or an image file it has no dry run, so these modules keep a stamp beside the output
# (OUTPUT.dartmk-inputs.json): dartmk's version, the command, its target options, the source's
# SHA-256 and the effective recipe as dartmk itself prints it (--print-recipe: a recipe file
# merged with the options, paths made absolute) with the SHA-256 of every file or folder the
# recipe names. Same stamp and an untouched output: nothing to do.

# Recipe keys whose value names a file or folder (after NAME= for tool, before =DEST for
# add-files, after @ for remote-message; debugging-tools may say `target`).
PATH_KEYS = ('tool', 'driver', 'add-files', 'dart-tools', 'dart-config', 'dart-config-from',
             'debugging-tools', 'remote-message')


def recipe_entries(text):
    """The key = value lines of a recipe dartmk printed, in order."""
    entries = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line[0] in ';#[' or '=' not in line:
            continue
        key, value = line.split('=', 1)
        entries.append((key.strip(), value.strip()))
    return entries


def recipe_path(key, value):
    """The file or folder a recipe entry names, or None."""
    if key not in PATH_KEYS:
        return None
    if key == 'tool':
        path = value.split('=', 1)[1] if '=' in value else value
        return path[:-len(':helpdesk')] if path.endswith(':helpdesk') else path
    if key == 'add-files':
        return value if os.path.exists(value) else value.rsplit('=', 1)[0]
    if key == 'remote-message':
        return value[1:] if value.startswith('@') else None
    if key == 'debugging-tools' and value == 'target':
        return None
    return value


def _file_sha256(path):
    digest = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(1 << 20), b''):
            digest.update(block)
    return digest.hexdigest()


def path_sha256(path):
    """SHA-256 of a file's bytes, or of a folder's names, link targets and file bytes (sorted);
    None when nothing is there."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return None
    if not stat.S_ISDIR(mode):
        return _file_sha256(path)
    digest = hashlib.sha256()
    for top, dirs, files in os.walk(path):
        dirs.sort()
        for name in sorted(files):
            full = os.path.join(top, name)
            rel = os.path.relpath(full, path)
            if os.path.islink(full):
                what = 'link:' + os.readlink(full)
            else:
                what = 'file:' + _file_sha256(full)
            digest.update(('%s\0%s\n' % (rel, what)).encode('utf-8', 'surrogateescape'))
    return digest.hexdigest()


def inputs_stamp(dartmk, command, params, source, target_options):
    """What the output is made of: the stamp compared with the one kept beside it."""
    recipe = dartmk.run([command, '--print-recipe'] + build_args(params), json_output=False)
    entries = []
    for key, value in recipe_entries(recipe):
        entry = dict(option=key, value=value)
        path = recipe_path(key, value)
        if path is not None:
            entry['sha256'] = path_sha256(path)
        entries.append(entry)
    stamp = dict(
        dartmk=dartmk.version(),
        command=command,
        source=dict(path=source, sha256=path_sha256(source)),
        options=target_options,
        recipe=entries,
    )
    stamp['fingerprint'] = hashlib.sha256(
        json.dumps(stamp, sort_keys=True).encode('utf-8')).hexdigest()
    return stamp


def stamp_path(output):
    return output.rstrip(os.sep) + '.dartmk-inputs.json'


def read_stamp(output):
    """The stamp kept beside OUTPUT, or None (none there, or not one this collection wrote)."""
    try:
        with open(stamp_path(output)) as f:
            stamp = json.load(f)
    except (OSError, IOError, ValueError):
        return None
    return stamp if isinstance(stamp, dict) and 'fingerprint' in stamp else None


def write_stamp(output, stamp):
    """Write the stamp beside OUTPUT atomically (a new file renamed over the old one)."""
    path = stamp_path(output)
    tmp = path + '.tmp'
    with open(tmp, 'w') as f:
        json.dump(stamp, f, indent=2, sort_keys=True)
        f.write('\n')
        f.flush()
        os.fsync(f.fileno())
    os.rename(tmp, path)


def file_identity(path):
    """What says a file is the one the stamp was written for: its size and modification time."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return dict(size=st.st_size, mtime_ns=st.st_mtime_ns)


def stamp_diff(old, new):
    """Ansible's diff of two stamps: the inputs that differ show as changed lines."""
    def shown(stamp):
        if not stamp:
            return {}
        return dict((k, v) for k, v in stamp.items() if k != 'output')
    return dict(before=shown(old), after=shown(new))


def mark_writing(output):
    """Before the output is written its stamp claims nothing (no fingerprint): a run that fails
    part-way leaves an output the next run makes again, and still knows to be its own."""
    write_stamp(output, dict(fingerprint=None, writing=True))


def verified(dartmk, target):
    """`dartmk verify TARGET`: does the output still hold what its manifest lists?"""
    return bool(dartmk.run(['verify', target], ok=(0, 1)).get('ok'))


def stamped_output(module, dartmk, stamp, identity, write):
    """The shared decision of dartmk_pxe and dartmk_media. STAMP is what the output must be
    made of; IDENTITY() says which output is there now (None: none), WRITE() makes it and
    returns (dartmk's JSON, the new output's identity). The output is current when the stamp
    beside it has the same fingerprint and was written for the output that is there."""
    output = module.params['dest']
    old = read_stamp(output)
    now = identity()
    current = (old is not None and now is not None and old.get('fingerprint') ==
               stamp['fingerprint'] and old.get('output') == now)
    if current and module.params['verify'] and not verified(dartmk, output):
        current = False
    result = dict(changed=not current, fingerprint=stamp['fingerprint'],
                  diff=stamp_diff(old, stamp), stamp=stamp_path(output))
    if current or module.check_mode:
        return result
    try:
        mark_writing(output)
    except (OSError, IOError) as e:
        module.fail_json(msg='%s: %s' % (stamp_path(output), e.strerror))
    result['result'], stamp['output'] = write()
    write_stamp(output, stamp)
    return result
