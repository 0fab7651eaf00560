# Each module's DOCUMENTATION is Ansible's YAML and says exactly what its argument_spec takes
# (names, types, defaults, choices, required, suboptions). The options every module shares (the
# dartmk program and the build options) are documented once, in the doc fragment
# plugins/doc_fragments/build_options.py, which each module extends: its options are merged
# into the module's as ansible-doc does, each option documented in one place only. EXAMPLES and
# RETURN parse, and the examples use documented options.

from __future__ import absolute_import, division, print_function

import ast
import os

import pytest
import yaml

from ansible.module_utils import basic
from ansible_collections.dartmk.recovery.plugins.doc_fragments import build_options
from ansible_collections.dartmk.recovery.plugins.modules import (
    dartmk_media, dartmk_partition, dartmk_pxe)

MODULES = [dartmk_partition, dartmk_pxe, dartmk_media]
FRAGMENTS = {'dartmk.recovery.build_options': build_options.ModuleDocFragment}


def documentation(module):
    """The module's DOCUMENTATION with its fragments' options merged in; an option both the
    module and a fragment document is an error (it would be documented twice)."""
    doc = yaml.safe_load(module.DOCUMENTATION)
    for name in doc.get('extends_documentation_fragment') or []:
        fragment = yaml.safe_load(FRAGMENTS[name].DOCUMENTATION)
        twice = set(doc['options']) & set(fragment['options'])
        assert not twice, '%s: documented by the module and by %s' % (sorted(twice), name)
        doc['options'].update(fragment['options'])
    return doc


def spec_of(module, monkeypatch):
    """The argument_spec main() gives AnsibleModule."""
    seen = {}

    class Stop(Exception):
        pass

    def capture(self, argument_spec, **kwargs):
        seen.update(argument_spec)
        raise Stop()
    monkeypatch.setattr(basic.AnsibleModule, '__init__', capture)
    with pytest.raises(Stop):
        module.main()
    return seen


def same(doc, spec, where):
    assert sorted(doc) == sorted(spec), where
    for name, arg in spec.items():
        d = doc[name]
        here = '%s.%s' % (where, name)
        assert d.get('type', 'str') == arg.get('type', 'str'), here
        assert d.get('default') == arg.get('default'), here
        assert d.get('choices') == arg.get('choices'), here
        assert bool(d.get('required')) == bool(arg.get('required')), here
        assert d.get('elements') == arg.get('elements'), here
        assert d.get('description'), here
        if 'options' in arg:
            same(d['suboptions'], arg['options'], here)


@pytest.mark.parametrize('module', MODULES, ids=lambda m: m.__name__.split('.')[-1])
def test_documentation_is_the_argument_spec(module, monkeypatch):
    doc = documentation(module)
    name = module.__name__.split('.')[-1]
    assert doc['module'] == name
    same(doc['options'], spec_of(module, monkeypatch), name)


@pytest.mark.parametrize('module', MODULES, ids=lambda m: m.__name__.split('.')[-1])
def test_examples_and_return_parse(module):
    doc = documentation(module)
    name = 'dartmk.recovery.' + doc['module']
    examples = yaml.safe_load(module.EXAMPLES)
    assert examples
    for task in examples:
        assert set(task[name]) <= set(doc['options']), task['name']
    assert yaml.safe_load(module.RETURN)['commands']['returned'] == 'always'


@pytest.mark.parametrize('module', MODULES, ids=lambda m: m.__name__.split('.')[-1])
def test_documentation_is_a_plain_assignment(module):
    # ansible-doc reads the strings from the source without importing it.
    with open(module.__file__.replace('.pyc', '.py')) as f:
        tree = ast.parse(f.read())
    names = [t.id for node in tree.body if isinstance(node, ast.Assign) for t in node.targets
             if isinstance(t, ast.Name)]
    assert {'DOCUMENTATION', 'EXAMPLES', 'RETURN'} <= set(names)
    assert os.path.basename(module.__file__).startswith('dartmk_')
