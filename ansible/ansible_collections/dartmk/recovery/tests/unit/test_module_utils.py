# module_utils/dartmk.py: build options -> dartmk's command line, dartmk's one-line failures,
# and the pieces of the inputs stamp (the recipe dartmk prints, the paths it names, hashes).

from __future__ import absolute_import, division, print_function

import os

from ansible_collections.dartmk.recovery.plugins.module_utils import dartmk as u


def test_build_args_in_dartmks_words():
    params = dict(recipe='/r.ini', image_index=2, whole_media=True, remote=True,
                  remote_tool='Vnc', remote_port=3390, remote_message='@/m.txt',
                  debugging_tools='target', expire_days=7, dart_tools='/dart/Toolsx64.cab',
                  dart_config='/dart/DartConfig8.dat', dart_config_from='/dart/old.iso',
                  require_signed=True,
                  tools=[dict(name='Vnc', path='/t/vnc', helpdesk=False),
                         dict(name='Wipe', path='/t/wipe.exe', helpdesk=True)],
                  drivers=['/d/a.inf', '/d/b'],
                  add_files=[dict(src='/f/a', dest='x/y'), dict(src='/f/b', dest=None)])
    assert u.build_args(params) == [
        '--recipe', '/r.ini', '--image-index', '2', '--remote-tool', 'Vnc',
        '--remote-port', '3390', '--remote-message', '@/m.txt', '--debugging-tools', 'target',
        '--expire-days', '7', '--dart-tools', '/dart/Toolsx64.cab',
        '--dart-config', '/dart/DartConfig8.dat', '--dart-config-from', '/dart/old.iso',
        '--whole-media', '--remote', '--require-signed',
        '--tool', 'Vnc=/t/vnc', '--tool', 'Wipe=/t/wipe.exe:helpdesk',
        '--driver', '/d/a.inf', '--driver', '/d/b',
        '--add-files', '/f/a=x/y', '--add-files', '/f/b']


def test_no_build_options_no_arguments():
    assert u.build_args(dict(whole_media=False, remote=False, tools=[], drivers=[],
                             add_files=[], image_index=None)) == []


def test_one_line_is_dartmks_last_line():
    err = 'saved the old table as t\n  restore it: ...\ndartmk: a\ndartmk: b: no room\n'
    assert u.one_line(err, 1) == 'dartmk: b: no room'
    assert u.one_line('Segmentation fault\n', 139) == 'Segmentation fault'
    assert u.one_line('', 1) == 'dartmk exited with status 1 and said nothing'


def test_recipe_entries_and_the_paths_they_name(tmp_path):
    folder = tmp_path / 'files'
    folder.mkdir()
    text = ('; dartmk recipe: ...\n; line two\n[build]\nexpire-days = 30\n'
            'tool = Disk Commander=/t/dc:helpdesk\ntool = X=/t/x.exe\n'
            'add-files = %s=extra\nadd-files = /f/b\nremote-message = @/m.txt\n'
            'remote-message = hello = world\ndebugging-tools = target\n'
            'debugging-tools = /dbg\ndriver = /d/a.inf\n' % folder)
    entries = u.recipe_entries(text)
    assert entries[0] == ('expire-days', '30')
    assert [u.recipe_path(k, v) for k, v in entries] == [
        None, '/t/dc', '/t/x.exe', str(folder), '/f/b', '/m.txt', None, None, '/dbg',
        '/d/a.inf']


def test_path_sha256_of_files_and_folders(tmp_path):
    assert u.path_sha256(str(tmp_path / 'none')) is None
    f = tmp_path / 'a.txt'
    f.write_bytes(b'abc')
    assert u.path_sha256(str(f)) == (
        'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad')
    d = tmp_path / 'd'
    (d / 'sub').mkdir(parents=True)
    (d / 'sub' / 'x').write_bytes(b'1')
    (d / 'y').write_bytes(b'2')
    first = u.path_sha256(str(d))
    (d / 'sub' / 'x').write_bytes(b'3')
    second = u.path_sha256(str(d))
    os.rename(str(d / 'y'), str(d / 'z'))
    third = u.path_sha256(str(d))
    os.symlink('z', str(d / 'link'))
    fourth = u.path_sha256(str(d))
    assert len({first, second, third, fourth}) == 4


def test_stamps_are_beside_the_output_and_written_whole(tmp_path):
    out = str(tmp_path / 'tree') + os.sep
    assert u.stamp_path(out) == str(tmp_path / 'tree') + '.dartmk-inputs.json'
    assert u.read_stamp(out) is None
    u.write_stamp(out, dict(fingerprint='f', output=None))
    assert u.read_stamp(out) == dict(fingerprint='f', output=None)
    assert sorted(os.listdir(str(tmp_path))) == ['tree.dartmk-inputs.json']
    with open(u.stamp_path(out), 'w') as f:
        f.write('{"not": "a stamp"}')
    assert u.read_stamp(out) is None
    with open(u.stamp_path(out), 'w') as f:
        f.write('{trunc')
    assert u.read_stamp(out) is None
    u.mark_writing(out)
    assert u.read_stamp(out) == dict(fingerprint=None, writing=True)
