# dartmk_pxe and dartmk_media: the stamp beside the output decides `changed` (same inputs and
# the same output: nothing run that writes), check mode never writes, the diff is the stamp
# before/after, failures are dartmk's one line and leave no stamp that would claim the output.

from __future__ import absolute_import, division, print_function

import json
import os

import pytest

from ansible_collections.dartmk.recovery.plugins.modules import dartmk_media, dartmk_pxe

MANIFEST = 'dartmk-manifest.json'


@pytest.fixture
def src(tmp_path):
    path = tmp_path / 'install.iso'
    path.write_bytes(b'an install ISO')
    return str(path)


def is_pxe(args):
    return args[0] == 'pxe' and '--print-recipe' not in args


def is_image(args):
    return args[0] in ('iso', 'usb') and '--print-recipe' not in args


def fake_pxe(dartmk, dest):
    """dartmk pxe: writes the tree's manifest (a new one each run, as dartmk does)."""
    runs = []

    def write(args):
        runs.append(args)
        if not os.path.isdir(dest):
            os.mkdir(dest)
        with open(os.path.join(dest, MANIFEST), 'w') as f:
            json.dump(dict(built=len(runs)), f)
    dartmk.on(is_pxe, out=dict(dir=dest, files=13, updated=False), effect=write)
    return runs


def test_pxe_first_run_makes_the_tree_then_nothing_to_do(run, dartmk, src, tmp_path):
    dest = str(tmp_path / 'tftp' / 'dart')
    os.mkdir(str(tmp_path / 'tftp'))
    runs = fake_pxe(dartmk, dest)
    how, r = run(dartmk_pxe, dict(source=src, dest=dest, menu=True, expire_days=30))
    assert how == 'exit' and r['changed'] is True
    assert runs == [['pxe', src, '-o', dest, '--menu', '--expire-days', '30', '--json']]
    assert dartmk.commands[0] == ['pxe', '--print-recipe', '--expire-days', '30']
    stamp = json.load(open(dest + '.dartmk-inputs.json'))
    assert stamp['fingerprint'] == r['fingerprint'] and stamp['source']['path'] == src
    assert not os.path.exists(os.path.join(dest, '.dartmk-inputs.json'))
    how, r = run(dartmk_pxe, dict(source=src, dest=dest, menu=True, expire_days=30))
    assert how == 'exit' and r['changed'] is False and len(runs) == 1


def test_pxe_updates_in_place_when_an_input_changes(run, dartmk, src, tmp_path):
    dest = str(tmp_path / 'dart')
    tool = tmp_path / 'dc.exe'
    tool.write_bytes(b'v1')
    runs = fake_pxe(dartmk, dest)
    dartmk.recipe = '[build]\ntool = DC=%s\n' % tool
    args = dict(source=src, dest=dest, tools=[dict(name='DC', path=str(tool))])
    run(dartmk_pxe, args)
    tool.write_bytes(b'v2')
    how, r = run(dartmk_pxe, args, diff=True)
    assert how == 'exit' and r['changed'] is True
    assert runs[1][-2:] == ['--update', '--json']
    before, after = r['diff']['before'], r['diff']['after']
    assert before['recipe'][0]['sha256'] != after['recipe'][0]['sha256']
    assert 'output' not in before and 'output' not in after


@pytest.mark.parametrize('what', ['source', 'option', 'dartmk', 'manifest'])
def test_pxe_changed_by_each_kind_of_difference(run, dartmk, src, tmp_path, what):
    dest = str(tmp_path / 'dart')
    runs = fake_pxe(dartmk, dest)
    args = dict(source=src, dest=dest)
    run(dartmk_pxe, args)
    if what == 'source':
        with open(src, 'ab') as f:
            f.write(b'!')
    elif what == 'option':
        args['menu'] = True
    elif what == 'dartmk':
        dartmk.version = 'dartmk 0.2.0'
    else:
        with open(os.path.join(dest, MANIFEST), 'w') as f:
            f.write('{"someone": "else"}')
    how, r = run(dartmk_pxe, args, check=True)
    assert how == 'exit' and r['changed'] is True and len(runs) == 1


def test_pxe_check_mode_writes_nothing(run, dartmk, src, tmp_path):
    dest = str(tmp_path / 'dart')
    runs = fake_pxe(dartmk, dest)
    how, r = run(dartmk_pxe, dict(source=src, dest=dest), check=True)
    assert how == 'exit' and r['changed'] is True
    assert runs == [] and dartmk.writing() == [] and os.listdir(str(tmp_path)) == ['install.iso']


def test_pxe_verify_refreshes_a_tree_that_differs(run, dartmk, src, tmp_path):
    dest = str(tmp_path / 'dart')
    runs = fake_pxe(dartmk, dest)
    run(dartmk_pxe, dict(source=src, dest=dest))
    dartmk.on(lambda a: a[0] == 'verify', rc=1, out=dict(ok=False, extra=['x']))
    how, r = run(dartmk_pxe, dict(source=src, dest=dest, verify=True))
    assert r['changed'] is True and len(runs) == 2
    assert ['verify', dest, '--json'] in dartmk.commands


def test_pxe_force_for_a_folder_dartmk_did_not_write(run, dartmk, src, tmp_path):
    dest = tmp_path / 'dart'
    dest.mkdir()
    (dest / 'old.txt').write_bytes(b'x')
    runs = fake_pxe(dartmk, str(dest))
    run(dartmk_pxe, dict(source=src, dest=str(dest), force=True))
    assert runs[0][-2:] == ['--force', '--json']


def test_pxe_failure_is_one_line_and_leaves_a_stamp_that_claims_nothing(run, dartmk, src,
                                                                         tmp_path):
    dest = str(tmp_path / 'dart')
    fake_pxe(dartmk, dest)
    run(dartmk_pxe, dict(source=src, dest=dest))
    line = 'dartmk: /t/x.exe: no such file or directory'
    dartmk.on(is_pxe, rc=1, out='', err=line + '\n')
    dartmk.recipe = '[build]\nexpire-days = 3\n'
    how, r = run(dartmk_pxe, dict(source=src, dest=dest, expire_days=3))
    assert how == 'fail' and r['msg'] == line
    assert json.load(open(dest + '.dartmk-inputs.json')) == dict(fingerprint=None, writing=True)
    dartmk.recipe = '[build]\n'
    fake_pxe(dartmk, dest)
    how, r = run(dartmk_pxe, dict(source=src, dest=dest))
    assert how == 'exit' and r['changed'] is True


def fake_image(dartmk, sha='1' * 64):
    runs = []

    def write(args):
        runs.append(args)
        target = args[args.index('-o') + 1] if '-o' in args else args[2]
        with open(target, 'wb') as f:
            f.write(b'image %d' % len(runs))
    dartmk.on(is_image, out=dict(sha256=sha, bytes=7), effect=write)
    return runs


def test_iso_made_once_then_replaced_when_it_changed(run, dartmk, src, tmp_path):
    dest = str(tmp_path / 'dart.iso')
    runs = fake_image(dartmk)
    how, r = run(dartmk_media, dict(source=src, dest=dest, label='HELPDESK'))
    assert how == 'exit' and r['changed'] is True
    assert runs == [['iso', src, '-o', dest, '--label', 'HELPDESK', '--json']]
    how, r = run(dartmk_media, dict(source=src, dest=dest, label='HELPDESK'))
    assert r['changed'] is False and len(runs) == 1
    with open(dest, 'ab') as f:
        f.write(b'tampered')
    how, r = run(dartmk_media, dict(source=src, dest=dest, label='HELPDESK'))
    assert r['changed'] is True
    assert runs[1] == ['iso', src, '-o', dest, '--force', '--label', 'HELPDESK', '--json']


def test_iso_check_mode_writes_nothing(run, dartmk, src, tmp_path):
    dest = str(tmp_path / 'dart.iso')
    runs = fake_image(dartmk)
    how, r = run(dartmk_media, dict(source=src, dest=dest), check=True)
    assert r['changed'] is True and runs == [] and dartmk.writing() == []
    assert not os.path.exists(dest) and not os.path.exists(dest + '.dartmk-inputs.json')


def test_usb_image_command(run, dartmk, src, tmp_path):
    dest = str(tmp_path / 'stick.img')
    runs = fake_image(dartmk)
    how, r = run(dartmk_media, dict(source=src, dest=dest, format='usb', size='8G',
                                    scheme='gpt', drivers=['/d/a.inf']))
    assert how == 'exit' and r['changed'] is True
    assert runs == [['usb', src, dest, '--yes', '--size', '8G', '--scheme', 'gpt',
                     '--driver', '/d/a.inf', '--json']]
    assert dartmk.commands[0] == ['usb', '--print-recipe', '--driver', '/d/a.inf']


def test_a_file_it_did_not_make_needs_force(run, dartmk, src, tmp_path):
    dest = tmp_path / 'dart.iso'
    dest.write_bytes(b'someone else\'s')
    runs = fake_image(dartmk)
    how, r = run(dartmk_media, dict(source=src, dest=str(dest)))
    assert how == 'fail' and r['msg'] == (
        '%s: exists and was not made by dartmk_media (force: true replaces it)' % dest)
    assert runs == [] and dest.read_bytes() == b'someone else\'s'
    how, r = run(dartmk_media, dict(source=src, dest=str(dest), force=True))
    assert how == 'exit' and r['changed'] is True and '--force' in runs[0]


def test_a_device_is_refused(run, dartmk, src):
    how, r = run(dartmk_media, dict(source=src, dest='/dev/null', format='usb', force=True))
    assert how == 'fail' and r['msg'].startswith('/dev/null: not a regular file')
    assert dartmk.commands == []


@pytest.mark.parametrize('args,word', [
    (dict(format='iso', size='1G'), 'size and scheme'),
    (dict(format='iso', scheme='gpt'), 'size and scheme'),
    (dict(format='usb', no_boot=True), 'no_boot'),
], ids=['iso-size', 'iso-scheme', 'usb-no_boot'])
def test_options_of_the_other_format_are_refused(run, dartmk, src, tmp_path, args, word):
    how, r = run(dartmk_media, dict(args, source=src, dest=str(tmp_path / 'x.iso')))
    assert how == 'fail' and r['msg'].startswith(word) and dartmk.commands == []


def test_image_failure_is_one_line(run, dartmk, src, tmp_path):
    line = 'dartmk: x.iso: the name must end in .iso (--force takes it)'
    dartmk.on(is_image, rc=1, out='', err=line)
    how, r = run(dartmk_media, dict(source=src, dest=str(tmp_path / 'x.img')))
    assert how == 'fail' and r['msg'] == line and r['rc'] == 1


def test_a_stick_image_left_by_a_failed_run_is_made_again_without_force(run, dartmk, src,
                                                                        tmp_path):
    dest = tmp_path / 'stick.img'
    runs = fake_image(dartmk)
    args = dict(source=src, dest=str(dest), format='usb', size='1G')
    run(dartmk_media, args)
    dartmk.on(is_image, rc=1, out='', err='dartmk: stick.img: Input/output error',
              effect=lambda a: dest.write_bytes(b'half'))
    dartmk.recipe = '[build]\nexpire-days = 3\n'
    how, r = run(dartmk_media, args)
    assert how == 'fail' and dest.read_bytes() == b'half'
    dartmk.answers.pop(0)
    how, r = run(dartmk_media, args)
    assert how == 'exit' and r['changed'] is True and len(runs) == 2


def test_pxe_loaders_and_tftp_root_reach_the_command_and_the_stamp(run, dartmk, src, tmp_path):
    dest = str(tmp_path / 'dart')
    loader = tmp_path / 'pxeboot.n12'
    loader.write_bytes(b'loader 1')
    runs = fake_pxe(dartmk, dest)
    args = dict(source=src, dest=dest, tftp_root='/dart', pxe_loaders=[str(loader)])
    how, r = run(dartmk_pxe, args)
    assert runs == [['pxe', src, '-o', dest, '--tftp-root', '/dart', '--pxe-loader', str(loader),
                     '--json']]
    loader.write_bytes(b'loader 2')
    how, r = run(dartmk_pxe, args, check=True, diff=True)
    assert r['changed'] is True and len(runs) == 1
    before, after = (r['diff'][k]['options']['pxe_loaders'][0]['sha256']
                     for k in ('before', 'after'))
    assert before != after
