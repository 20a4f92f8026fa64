"""Generate the API pages from the registries at build time (called by ``conf.py``).

One page per optimizer, LR scheduler and wrapper class (variants are listed on their class's page) and
one per plug-in module, under ``docs/api/generated/`` (git-ignored, rewritten only when changed). A
class page holds the registry keys, the paper, the class docstring (via autodoc, its ``Args:`` section
removed) and an arguments table built from ``inspect.signature`` with the ``Args:`` descriptions.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
OUT = HERE / 'api' / 'generated'
TORCH_DOCS = 'https://pytorch.org/docs/stable/generated/{module}.{name}.html'
METADATA = (
    ('state_keys', 'state tensors'),
    ('supports_complex', 'complex parameters'),
    ('supports_sparse', 'sparse gradients'),
    ('requires_closure', 'requires a closure'),
    ('second_order', 'needs ``backward(create_graph=True)``'),
    ('needs_model', 'takes the model'),
    ('global_statistics', 'statistics over all parameters of a group'),
)
KINDS = (
    ('optimizers', 'Optimizers', 'OPTIMIZERS', 'load_optimizer'),
    ('lr_schedulers', 'LR schedulers', 'LR_SCHEDULERS', 'load_lr_scheduler'),
    ('wrappers', 'Wrappers', 'WRAPPERS', 'load_wrapper'),
)
_SECTION = re.compile(r'^(Args|Arguments|Parameters):\s*$')
_HEADER = re.compile(r'^[A-Z][A-Za-z ]*:\s*$')


def split_args(doc: str) -> tuple[list[str], dict[str, str]]:
    """Split a Google-style docstring into its lines without ``Args:`` and ``{argument: description}``."""
    lines, args, kept, i = doc.splitlines(), {}, [], 0
    while i < len(lines):
        if not _SECTION.match(lines[i]):
            kept.append(lines[i])
            i += 1
            continue
        i += 1
        name, indent = None, None
        while i < len(lines) and (not lines[i].strip() or lines[i].startswith(' ')):
            line = lines[i]
            if line.strip():
                width = len(line) - len(line.lstrip())
                indent = width if indent is None else indent
                match = re.match(r'\s*\**(\w+)\s*(\([^)]*\))?\s*:\s*(.*)$', line) if width == indent else None
                if match:
                    name = match.group(1)
                    args[name] = match.group(3).strip()
                elif name is not None:
                    args[name] += ' ' + line.strip()
            i += 1
    return kept, args


def paper(obj: Any) -> tuple[str, str]:
    """(reference text, first URL) of an object's module docstring, else of its own docstring."""
    module = sys.modules.get(obj.__module__)
    for doc in ((module.__doc__ if module else None) or '', inspect.getdoc(obj) or ''):
        match = re.search(r'https?://[^\s<>`]+', doc)
        if match:
            url = match.group(0).rstrip('.,);')
            return (doc.split('\n\n', 1)[1] if '\n\n' in doc else '').strip(), url
    return '', ''


def _default(parameter: inspect.Parameter) -> str:
    if parameter.default is inspect.Parameter.empty:
        return '*required*'
    return f'``{parameter.default!r}``'


def _cell(text: str) -> str:
    return text.replace('\n', ' ') or ' '


def arguments_table(cls: type) -> str:
    """An rst list-table of ``cls.__init__``'s arguments: name, default, keyword-only, description."""
    _, described = split_args(inspect.getdoc(cls) or '')
    rows = []
    for name, p in inspect.signature(cls.__init__).parameters.items():
        if name == 'self' or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            continue
        keyword = 'keyword-only' if p.kind is p.KEYWORD_ONLY else ''
        rows.append((f'``{name}``', _default(p), keyword, described.get(name, '')))
    out = ['.. list-table::', '   :header-rows: 1', '   :widths: 18 14 10 58', '']
    for row in (('argument', 'default', '', 'description'), *rows):
        out.append(f'   * - {_cell(row[0])}')
        out.extend(f'     - {_cell(cell)}' for cell in row[1:])
    return '\n'.join(out)


def _title(text: str, char: str = '=') -> str:
    return f'{text}\n{char * len(text)}\n'


def class_page(kind: str, cls: type, entries: list[Any], loader: str) -> str:
    main = next((e for e in entries if not e.bound), entries[0])
    keys = ', '.join(
        f'``{e.key}``' + (' (' + ', '.join(f'``{k}={v!r}``' for k, v in e.bound.items()) + ')' if e.bound else '')
        for e in entries
    )
    reference, url = paper(cls)
    lines = [_title(cls.__name__), f':Registry keys: {keys}']
    if url:
        lines.append(f':Paper: {url}')
    metadata = [
        f'{label} (``{attr}={getattr(cls, attr)!r}``)' if attr == 'state_keys' else label
        for attr, label in METADATA
        if getattr(cls, attr, None)
    ]
    if metadata:
        lines.append(':Properties: ' + '; '.join(metadata))
    lines += ['', f'``{loader}({main.key!r})`` returns the class.', '']
    if reference:
        lines += ['.. rubric:: Reference', '', reference, '']
    lines += [
        f'.. autoclass:: {cls.__module__}.{cls.__name__}',
        '   :members:',
        '   :exclude-members: state_keys_for, init_state',  # hooks for subclasses (see BaseOptimizer)
        '',
        '.. rubric:: Arguments',
        '',
        arguments_table(cls),
        '',
    ]
    return '\n'.join(lines)


def _write(path: Path, text: str, written: set[Path]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    written.add(path)
    if not path.exists() or path.read_text() != text:
        path.write_text(text)


def _torch_table(entries: list[Any]) -> list[str]:
    lines = ['.. list-table::', '   :header-rows: 1', '', '   * - key', '     - class']
    for e in entries:
        module = 'torch.optim.lr_scheduler' if 'lr_scheduler' in e.cls.__module__ else 'torch.optim'
        url = TORCH_DOCS.format(module=module, name=e.cls.__name__)
        lines += [f'   * - ``{e.key}``', f'     - `{module}.{e.cls.__name__} <{url}>`__']
    return lines


def kind_index(slug: str, title: str, registry: Any, loader: str, written: set[Path]) -> None:
    by_class: dict[type, list[Any]] = {}
    for key in registry.names():
        entry = registry.entries[key]
        if not entry.external:
            by_class.setdefault(entry.cls, []).append(entry)
    pages = []
    for cls, entries in sorted(by_class.items(), key=lambda item: item[1][0].key):
        page = next((e for e in entries if not e.bound), entries[0]).key
        pages.append((page, cls, entries))
        _write(OUT / slug / f'{page}.rst', class_page(slug, cls, entries, loader), written)
    lines = [_title(title), f'{len(registry.entries)} registry keys. Load any of them with ``{loader}(KEY)``.', '']
    lines += ['.. list-table::', '   :header-rows: 1', '', '   * - class', '     - keys', '     - paper']
    for page, cls, entries in pages:
        _, url = paper(cls)
        lines += [
            f'   * - :doc:`{cls.__name__} <{slug}/{page}>`',
            '     - ' + ', '.join(f'``{e.key}``' for e in entries),
            f'     - {url or " "}',
        ]
    external = [registry.entries[k] for k in registry.names() if registry.entries[k].external]
    if external:
        lines += ['', "torch's own classes, registered under the keys of the older API:", '', *_torch_table(external)]
    lines += ['', '.. toctree::', '   :hidden:', '']
    lines += [f'   {slug}/{page}' for page, _, _ in pages]
    _write(OUT / f'{slug}.rst', '\n'.join(lines) + '\n', written)


def plugin_pages(written: set[Path]) -> None:
    package = importlib.import_module('pytorch_optimizer.plugins')
    names = sorted(m.name for m in pkgutil.iter_modules(package.__path__) if not m.name.startswith('_'))
    lines = [_title('Plug-ins'), inspect.getdoc(package) or '', '']
    lines += [
        'Each ``attach_<name>(optimizer, ...)`` registers a step pre-hook on any ``torch.optim.Optimizer`` and',
        'returns a removable handle; the pure functions can be called directly.',
        '',
        '.. list-table::',
        '   :header-rows: 1',
        '',
        '   * - module',
        '     - summary',
        '     - paper',
    ]
    for name in names:
        module = importlib.import_module(f'pytorch_optimizer.plugins.{name}')
        doc = inspect.getdoc(module) or ''
        match = re.search(r'https?://[^\s<>`]+', doc)
        summary = doc.splitlines()[0] if doc else ''
        lines += [
            f'   * - :doc:`{name} <plugins/{name}>`',
            f'     - {summary or " "}',
            f'     - {match.group(0).rstrip(".,);") if match else " "}',
        ]
        page = [_title(f'{name}'), f'.. automodule:: pytorch_optimizer.plugins.{name}', '   :members:', '']
        _write(OUT / 'plugins' / f'{name}.rst', '\n'.join(page), written)
    lines += ['', '.. toctree::', '   :hidden:', '', *(f'   plugins/{name}' for name in names)]
    _write(OUT / 'plugins.rst', '\n'.join(lines) + '\n', written)


def gallery_page(written: set[Path]) -> None:
    """The gallery: the images of ``docs/_static/gallery`` that exist (``docs/gallery.py`` makes them)."""
    import json

    from pytorch_optimizer.registry import OPTIMIZERS
    from pytorch_optimizer.visualize import first_order_optimizers, skip_reason
    from pytorch_optimizer.visualize.plot import LR_GRID

    folder = HERE / '_static' / 'gallery'
    manifest_path = folder / 'manifest.json'
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
    names = first_order_optimizers()
    lines = [
        _title('Gallery'),
        'Every registered first-order optimizer (variants and torch\'s own included) walking on two test',
        'functions from the same starting point for the same number of steps. Each picture uses the',
        'learning rate found by the search of :mod:`pytorch_optimizer.visualize.plot`: the',
        f'{len(LR_GRID)} rates from 1e-4 to 1 half a decade apart, then a quarter decade on either side',
        'of the best; a run scores its final loss, or infinity when it diverges or leaves the window',
        'widened by half its size. Make your own with',
        '',
        '.. code-block:: bash',
        '',
        '    python -m pytorch_optimizer plot adamw lion --function rosenbrock --out pictures/',
        '',
        'and regenerate this page\'s pictures with ``python docs/gallery.py`` (a few minutes on 2 cores).',
        'A low final loss on a 2-d toy function says little about training a network: the pictures show',
        'how each method moves (momentum overshoot, sign steps, adaptive scaling), not which one to use.',
        '',
    ]
    for function in ('rosenbrock', 'rastrigin'):
        lines.append(_title(function.capitalize(), '-'))
        present = [n for n in names if (folder / f'{function}_{n}.png').exists()]
        missing = [n for n in names if n not in present]
        if not present:
            lines += ['No pictures yet: run ``python docs/gallery.py`` before building the docs.', '']
            continue
        for name in present:
            row = manifest.get(f'{function}_{name}.png', {})
            lr = f", lr {row['lr']:.3g}" if isinstance(row.get('lr'), float) else ''
            lines += [
                f'.. image:: /_static/gallery/{function}_{name}.png',
                f'   :alt: {name} on {function}{lr}',
                '   :width: 32%',
                '   :class: gallery',
                '',
            ]
        if missing:
            lines += ['Not generated yet: ' + ', '.join(f'``{n}``' for n in missing) + '.', '']
    skipped = [(k, skip_reason(k)) for k in OPTIMIZERS.names() if skip_reason(k)]
    lines += [_title('Not in the gallery', '-'), 'These optimizers cannot take plain gradient steps on a point:', '']
    lines += [f'* ``{k}``: {reason}' for k, reason in skipped]
    _write(OUT / 'gallery.inc', '\n'.join(lines) + '\n', written)


def generate() -> None:
    """Write every generated page and remove generated pages of entries that no longer exist."""
    import pytorch_optimizer.registry as registry

    written: set[Path] = set()
    for slug, title, attr, loader in KINDS:
        kind_index(slug, title, getattr(registry, attr), loader, written)
    plugin_pages(written)
    gallery_page(written)
    from pytorch_optimizer.distributed import support_table

    _write(OUT / 'distributed_table.inc', support_table() + '\n', written)
    for stale in {*OUT.rglob('*.rst'), *OUT.rglob('*.inc')} - written:
        stale.unlink()


def strip_args(app: Any, what: str, name: str, obj: Any, options: Any, lines: list[str]) -> None:
    """autodoc hook: drop the ``Args:`` section of a registered class (its page shows the table)."""
    if what == 'class' and name.startswith('pytorch_optimizer.') and _is_registered(obj):
        lines[:] = split_args('\n'.join(lines))[0]


def _is_registered(obj: Any) -> bool:
    from pytorch_optimizer.registry import LR_SCHEDULERS, OPTIMIZERS, WRAPPERS

    registries = (OPTIMIZERS, LR_SCHEDULERS, WRAPPERS)
    return any(e.cls is obj and not e.external for r in registries for e in r.entries.values())


__all__ = ['generate', 'split_args', 'strip_args']
