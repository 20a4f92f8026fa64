"""Every registered class cites its source and documents every constructor argument.

The API pages (docs/apigen.py) are generated from these docstrings: the paper link from the first URL of
the module (or class) docstring, the arguments table from ``inspect.signature`` and the class docstring's
Google-style ``Args:`` section.
"""

from __future__ import annotations

import inspect
import re
import sys

import pytest

import pytorch_optimizer  # noqa: F401  (registers everything)
from pytorch_optimizer.registry import LR_SCHEDULERS, OPTIMIZERS, WRAPPERS

URL = re.compile(r'https?://\S+')
SECTION = re.compile(r'^(Args|Arguments|Parameters):\s*$')


def _classes() -> list[tuple[str, type]]:
    seen: dict[type, str] = {}
    for registry in (OPTIMIZERS, LR_SCHEDULERS, WRAPPERS):
        for key in registry.names():
            entry = registry.entries[key]
            if not entry.external and entry.cls not in seen:
                seen[entry.cls] = f'{registry.kind}:{key}'
    return [(key, cls) for cls, key in seen.items()]


CLASSES = _classes()
IDS = [key for key, _ in CLASSES]


def documented_arguments(doc: str) -> list[str]:
    """Names in the ``Args:`` section of a Google-style docstring (``name:`` or ``name (type):`` lines)."""
    names, lines = [], doc.splitlines()
    for i, line in enumerate(lines):
        if not SECTION.match(line):
            continue
        indent = None
        for entry in lines[i + 1 :]:
            if entry.strip() and not entry.startswith(' '):
                break  # the next section (or text) at the docstring's own indentation
            if not entry.strip():
                continue
            width = len(entry) - len(entry.lstrip())
            indent = width if indent is None else indent
            match = re.match(r'\s*\**(\w+)\s*(\([^)]*\))?\s*:', entry)
            if width == indent and match:
                names.append(match.group(1))
    return names


def constructor_arguments(cls: type) -> list[str]:
    return [name for name in inspect.signature(cls.__init__).parameters if name != 'self']


def test_the_registry_has_classes():
    assert len(CLASSES) > 50


@pytest.mark.parametrize(('key', 'cls'), CLASSES, ids=IDS)
def test_cites_a_source(key, cls):
    module_doc = sys.modules[cls.__module__].__doc__ or ''
    cited = URL.search(module_doc) or URL.search(cls.__doc__ or '')
    assert cited, f'{cls.__module__}.{cls.__name__} ({key}): no citation URL in the module or class docstring'


@pytest.mark.parametrize(('key', 'cls'), CLASSES, ids=IDS)
def test_documents_every_argument(key, cls):
    documented = documented_arguments(inspect.getdoc(cls) or '')
    expected = constructor_arguments(cls)
    missing = [name for name in expected if name not in documented]
    stale = [name for name in documented if name not in expected]
    assert not missing, f'{cls.__name__} ({key}): arguments missing from the Args: section: {missing}'
    assert not stale, f'{cls.__name__} ({key}): Args: documents arguments __init__ does not take: {stale}'
    assert len(documented) == len(set(documented)), f'{cls.__name__} ({key}): an argument is documented twice'


def test_the_parser_reads_google_style():
    doc = inspect.cleandoc("""Summary.

        Args:
            params: parameters.
            lr (float): learning rate,
                continued: still lr.
            **kwargs: forwarded.

        Returns:
            nothing: not an argument.
        """)
    assert documented_arguments(doc) == ['params', 'lr', 'kwargs']
    assert documented_arguments('Summary without arguments.') == []
