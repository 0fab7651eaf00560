# Unit tests of the dartmk modules: a module is run in-process with its arguments and a fake
# dartmk (AnsibleModule.run_command replaced) that answers each command as the test says and
# records it; exit_json and fail_json raise, so a test gets what the module would return.
#
# Run: python3 -m pytest -q ansible/ansible_collections/dartmk/recovery/tests/unit
# (Debian's python3-pytest and ansible-core; tests/cli/ansible.t runs them in make check).

from __future__ import absolute_import, division, print_function

import json
import os
import sys

import pytest

# The folder holding ansible_collections/ goes first on the path, so that the modules'
# `ansible_collections.dartmk.recovery...` imports find this collection.
sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), *(['..'] * 5))))

from ansible.module_utils import basic  # noqa: E402
from ansible.module_utils.common import warnings  # noqa: E402
from ansible.module_utils.common.text.converters import to_bytes  # noqa: E402


class Exit(Exception):
    pass


class Fail(Exception):
    pass


class FakeDartmk(object):
    """dartmk as the modules see it: `answers` maps a predicate on the argument list to
    (rc, stdout, stderr); unmatched commands get the defaults below."""

    BIN = '/opt/dartmk/bin/dartmk'

    def __init__(self):
        self.commands = []
        self.answers = []
        self.recipe = '; dartmk recipe\n[build]\n'
        self.version = 'dartmk 0.1.0'
        self.effects = []  # functions run with the argument list (to write files, ...)

    def on(self, predicate, rc=0, out=None, err='', effect=None, turns=None):
        """Answer the commands PREDICATE matches (the latest `on` first) with RC, OUT (an
        object is printed as JSON) and ERR after running EFFECT; TURNS: a list of OUTs given
        one per call, in order."""
        outs = [out] if turns is None else list(turns)
        self.answers.insert(0, (predicate, rc, outs, err, effect, turns is not None))

    def __call__(self, module, cmd, **kwargs):
        assert cmd[0] == self.BIN, cmd
        args = list(cmd[1:])
        self.commands.append(args)
        for predicate, rc, outs, err, effect, in_turn in self.answers:
            if predicate(args):
                if effect:
                    effect(args)
                out = outs.pop(0) if in_turn else outs[0]
                if isinstance(out, (dict, list)):
                    out = json.dumps(out)
                return rc, '{}' if out is None else out, err
        if args == ['--version']:
            return 0, self.version + '\n', ''
        if '--print-recipe' in args:
            return 0, self.recipe, ''
        raise AssertionError('unexpected dartmk command: %r' % (args,))

    def writing(self):
        """The commands that could write: anything but --version, --print-recipe, --dry-run,
        --status and verify."""
        reads = ('--version', '--print-recipe', '--dry-run', '--status')
        return [c for c in self.commands if not any(r in c for r in reads) and c[0] != 'verify']


@pytest.fixture
def dartmk(monkeypatch):
    fake = FakeDartmk()
    monkeypatch.setattr(basic.AnsibleModule, 'run_command',
                        lambda self, cmd, **kw: fake(self, cmd, **kw))

    monkeypatch.setattr(warnings, '_global_warnings', [])

    def exit_json(self, **result):
        result.setdefault('changed', False)
        raise Exit(dict(result, warnings=list(warnings.get_warning_messages())))

    def fail_json(self, msg, **result):
        raise Fail(dict(result, msg=msg))

    monkeypatch.setattr(basic.AnsibleModule, 'exit_json', exit_json)
    monkeypatch.setattr(basic.AnsibleModule, 'fail_json', fail_json)
    return fake


@pytest.fixture
def run(dartmk, monkeypatch):
    """run(MODULE, ARGS, check=False, diff=False): ('exit'|'fail', result)."""
    def run_module(module, args, check=False, diff=False):
        args = dict(args, dartmk=FakeDartmk.BIN, _ansible_check_mode=check, _ansible_diff=diff)
        monkeypatch.setattr(basic, '_ANSIBLE_ARGS',
                            to_bytes(json.dumps({'ANSIBLE_MODULE_ARGS': args})))
        try:
            module.main()
        except Exit as e:
            return 'exit', e.args[0]
        except Fail as e:
            return 'fail', e.args[0]
        raise AssertionError('the module returned without exit_json or fail_json')
    return run_module
