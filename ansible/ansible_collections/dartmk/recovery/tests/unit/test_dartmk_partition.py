# dartmk_partition: arguments -> dartmk partition's command line, its JSON -> changed, diff,
# status and facts, its failures -> fail_json with dartmk's one line; check mode never writes.

from __future__ import absolute_import, division, print_function

from ansible_collections.dartmk.recovery.plugins.modules import dartmk_partition as module

DISK = '/srv/images/golden.img'
SRC = '/srv/media/install.iso'
TABLE = [
    dict(number=1, start=1048576, size=104857600, type='C12A7328-F81F-11D2-BA4B-00A0C93EC93B',
         name='EFI system partition', active=False),
    dict(number=3, start=122683392, size=1073741824, type='EBD0A0A2-B9E5-4433-87C0-68B6B72699C7',
         name='Basic data partition', active=False),
]
NEW = dict(number=4, start=1196425216, size=471859200, type='DE94BBA4-06D1-4D40-A16A-BFD50179D6AC',
           name='DaRT Recovery', active=False)


def plan(changed=True, change='create', dry_run=True, before=None):
    return dict(disk=DISK, scheme='gpt', dry_run=dry_run, action='create', partition=NEW,
                update=None, incomplete=False, before=TABLE, after=TABLE + [NEW],
                bios_boot='none', backup_table=None, sha256=None, files=0, verified=False,
                changed=changed, change=change, fingerprint='f' * 64, fingerprint_before=before)


def status(made_by='dartmk'):
    recovery = None if made_by is None else dict(
        number=4, start=NEW['start'], size=NEW['size'], free=1000, made_by=made_by,
        type=NEW['type'], name='DaRT Recovery', bios_boot='none', efi_entry=None, verified=True,
        manifest=dict(sha256='a' * 64, built='2026-12-05T03:00:00Z', source=SRC,
                      fingerprint='f' * 64, version='dartmk 0.1.0', expires=None,
                      expired=False))
    return dict(disk=DISK, scheme='gpt', size=2147483648, recovery=recovery,
                record=made_by == 'dartmk')


def is_status(args):
    return '--status' in args


def is_dry(args):
    return '--dry-run' in args


def is_write(args):
    return args[0] == 'partition' and not is_dry(args) and not is_status(args)


def present(dartmk, changed=True, st=None):
    dartmk.on(is_status, out=st or status())
    dartmk.on(is_dry, out=plan(changed=changed, change='create' if changed else 'none'))
    dartmk.on(is_write, out=plan(changed=changed, dry_run=False))


def test_first_run_plans_then_writes_then_reads_status(run, dartmk):
    present(dartmk)
    how, r = run(module, dict(source=SRC, disk=DISK))
    assert how == 'exit' and r['changed'] is True
    assert dartmk.commands == [
        ['partition', SRC, DISK, '--dry-run', '--json'],
        ['partition', SRC, DISK, '--yes', '--json'],
        ['partition', '--status', DISK, '--json'],
    ]
    assert r['status'] == status() and r['ansible_facts'] == dict(dartmk_recovery=status())
    assert r['plan']['change'] == 'create' and r['result']['dry_run'] is False


def test_same_inputs_change_nothing_and_write_nothing(run, dartmk):
    present(dartmk, changed=False)
    how, r = run(module, dict(source=SRC, disk=DISK))
    assert how == 'exit' and r['changed'] is False
    assert dartmk.writing() == [] and 'result' not in r


def test_check_mode_is_the_dry_run(run, dartmk):
    present(dartmk)
    how, r = run(module, dict(source=SRC, disk=DISK), check=True)
    assert how == 'exit' and r['changed'] is True
    assert dartmk.writing() == []
    assert [c for c in dartmk.commands if c[0] == 'partition' and is_dry(c)]


def test_diff_is_the_plan_before_and_after(run, dartmk):
    present(dartmk)
    dartmk.on(is_dry, out=plan(change='update', before='e' * 64))
    how, r = run(module, dict(source=SRC, disk=DISK), check=True, diff=True)
    assert r['diff']['before'] == dict(partitions=TABLE, fingerprint='e' * 64)
    assert r['diff']['after'] == dict(partitions=TABLE + [NEW], fingerprint='f' * 64,
                                      change='update')


def test_a_plan_without_changed_is_a_change(run, dartmk):
    present(dartmk)
    old = plan()
    del old['changed']
    dartmk.on(is_dry, out=old)
    dartmk.on(is_write, out=dict(old, dry_run=False))
    how, r = run(module, dict(source=SRC, disk=DISK))
    assert r['changed'] is True and len(dartmk.writing()) == 1


def test_every_option_reaches_the_command_line(run, dartmk):
    present(dartmk)
    args = dict(source=SRC, disk=DISK, size='600M', at='end', name='Recovery', label='RESCUE',
                bios_boot='menu', menu_timeout=3, boot_once=True, efi_entry=False,
                replace=True, force=True, verify=False, backup_table='/var/tables/t.sfdisk',
                expire_days=30, image_index=1, drivers=['/d/net.inf'],
                tools=[dict(name='Disk Commander', path='/t/dc', helpdesk=True)],
                add_files=[dict(src='/f/extra', dest='extra'), dict(src='/f/root')])
    how, r = run(module, args)
    assert how == 'exit'
    assert dartmk.commands[0] == [
        'partition', SRC, DISK, '--size', '600M', '--at', 'end', '--name', 'Recovery',
        '--label', 'RESCUE', '--bios-boot', 'menu', '--menu-timeout', '3',
        '--backup-table', '/var/tables/t.sfdisk', '--boot-once', '--replace', '--force',
        '--no-efi-entry', '--no-verify', '--image-index', '1', '--expire-days', '30',
        '--tool', 'Disk Commander=/t/dc:helpdesk', '--driver', '/d/net.inf',
        '--add-files', '/f/extra=extra', '--add-files', '/f/root', '--dry-run', '--json']
    assert dartmk.commands[1][:-2] == dartmk.commands[0][:-2]
    assert dartmk.commands[1][-2:] == ['--yes', '--json']
    assert dartmk.commands[2] == ['partition', '--status', DISK, '--name', 'Recovery',
                                  '--no-verify', '--json']


def test_efi_entry_true_and_unset(run, dartmk):
    present(dartmk)
    run(module, dict(source=SRC, disk=DISK, efi_entry=True), check=True)
    assert '--efi-entry' in dartmk.commands[0]
    dartmk.commands[:] = []
    run(module, dict(source=SRC, disk=DISK), check=True)
    assert not [a for a in dartmk.commands[0] if 'efi-entry' in a]


def test_dartmk_refusing_is_its_one_line(run, dartmk):
    present(dartmk)
    line = 'dartmk: /dev/sda: holds the running system (refused)'
    dartmk.on(is_dry, rc=3, out='', err='some progress\n' + line + '\n')
    how, r = run(module, dict(source=SRC, disk='/dev/sda'))
    assert how == 'fail' and r['msg'] == line and r['rc'] == 3
    assert dartmk.writing() == []


def test_a_failed_write_is_its_one_line(run, dartmk):
    present(dartmk)
    line = 'dartmk: golden.img: no room for 450 MiB (the largest free extent is 100 MiB)'
    dartmk.on(is_write, rc=1, out='', err=line + '\n')
    how, r = run(module, dict(source=SRC, disk=DISK))
    assert how == 'fail' and r['msg'] == line and r['rc'] == 1
    assert r['commands'][-1][-2:] == ['--yes', '--json']


def test_output_that_is_not_json_fails(run, dartmk):
    present(dartmk)
    dartmk.on(is_dry, out='not json')
    how, r = run(module, dict(source=SRC, disk=DISK))
    assert how == 'fail' and 'printed no JSON object' in r['msg']


def test_present_needs_a_source(run, dartmk):
    how, r = run(module, dict(disk=DISK))
    assert how == 'fail' and 'source' in r['msg'] and dartmk.commands == []


def test_absent_removes_dartmks_partition(run, dartmk):
    gone = status(None)
    removal = dict(disk=DISK, dry_run=True, changed=True, removed=dict(number=4, start=1,
                   size=2), mbr_code='none', active=None,
                   efi_entry=dict(action='none', entry=None), backup_table=None)
    dartmk.on(is_status, turns=[status(), gone])
    dartmk.on(lambda a: '--remove' in a and is_dry(a), out=removal)
    dartmk.on(lambda a: '--remove' in a and not is_dry(a), out=dict(removal, dry_run=False))
    how, r = run(module, dict(disk=DISK, state='absent'), diff=True)
    assert how == 'exit' and r['changed'] is True
    assert dartmk.commands == [
        ['partition', '--status', DISK, '--json'],
        ['partition', '--remove', DISK, '--dry-run', '--json'],
        ['partition', '--remove', DISK, '--yes', '--json'],
        ['partition', '--status', DISK, '--json'],
    ]
    assert r['status'] == gone and r['ansible_facts']['dartmk_recovery'] == gone
    assert r['diff'] == dict(before=dict(recovery=status()['recovery']),
                             after=dict(recovery=None))


def test_absent_in_check_mode_only_plans(run, dartmk):
    dartmk.on(is_status, out=status())
    dartmk.on(lambda a: '--remove' in a, out=dict(disk=DISK, dry_run=True, changed=True))
    how, r = run(module, dict(disk=DISK, state='absent'), check=True)
    assert how == 'exit' and r['changed'] is True
    assert dartmk.writing() == []


def test_absent_with_nothing_there_is_ok(run, dartmk):
    dartmk.on(is_status, out=status(None))
    how, r = run(module, dict(disk=DISK, state='absent'))
    assert how == 'exit' and r['changed'] is False
    assert [c for c in dartmk.commands if '--remove' in c] == []


def test_absent_leaves_a_foreign_windows_re_alone_and_says_so(run, dartmk):
    dartmk.on(is_status, out=status('other'))
    how, r = run(module, dict(disk=DISK, state='absent'))
    assert how == 'exit' and r['changed'] is False
    assert [c for c in dartmk.commands if '--remove' in c] == []
    assert any('did not make' in w and 'force' in w for w in r['warnings'])


def test_absent_with_force_removes_a_foreign_windows_re(run, dartmk):
    dartmk.on(is_status, out=status('other'))
    dartmk.on(lambda a: '--remove' in a, out=dict(disk=DISK, dry_run=True, changed=True))
    how, r = run(module, dict(disk=DISK, state='absent', force=True))
    assert how == 'exit' and r['changed'] is True
    assert ['partition', '--remove', DISK, '--force', '--yes', '--json'] in dartmk.commands


def test_absent_refused_is_its_one_line(run, dartmk):
    dartmk.on(is_status, out=status())
    line = 'dartmk: /dev/sdb: sdb2 is mounted on /mnt (refused)'
    dartmk.on(lambda a: '--remove' in a, rc=3, out='', err=line)
    how, r = run(module, dict(disk='/dev/sdb', state='absent'))
    assert how == 'fail' and r['msg'] == line and r['rc'] == 3
    assert dartmk.writing() == []
