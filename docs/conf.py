"""Sphinx configuration: ``sphinx-build -W -b html docs docs/_build`` (needs only ``pip install .[docs]``)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # document the working tree, installed or not
sys.path.insert(0, str(HERE))

import apigen  # noqa: E402

import pytorch_optimizer  # noqa: E402
from pytorch_optimizer.registry import LR_SCHEDULERS, OPTIMIZERS, WRAPPERS  # noqa: E402

project = 'pytorch_optimizer'
author = 'pytorch_optimizer contributors'
copyright = 'pytorch_optimizer contributors'
release = version = pytorch_optimizer.__version__

extensions = ['sphinx.ext.autodoc', 'sphinx.ext.napoleon', 'sphinx.ext.mathjax', 'sphinx.ext.viewcode']
exclude_patterns = ['_build', 'README*']
templates_path: list[str] = []
html_theme = 'alabaster'
html_static_path = ['_static']
html_css_files = ['custom.css']
html_theme_options = {'page_width': '1180px', 'sidebar_width': '240px', 'fixed_sidebar': True}
html_title = f'pytorch_optimizer {release}'

autodoc_member_order = 'bysource'
autodoc_typehints = 'signature'
autodoc_class_signature = 'mixed'
# optional extras the integrations import: mocked when absent so the build needs only sphinx and torch
OPTIONAL = ('numpy', 'scipy', 'nevergrad', 'matplotlib')
autodoc_mock_imports = [m for m in OPTIONAL if importlib.util.find_spec(m) is None]
napoleon_google_docstring = True
napoleon_numpy_docstring = False
napoleon_use_rtype = False

_counts = {
    'n_optimizers': sum(not e.external for e in OPTIMIZERS.entries.values()),
    'n_torch_optimizers': sum(e.external for e in OPTIMIZERS.entries.values()),
    'n_lr_schedulers': sum(not e.external for e in LR_SCHEDULERS.entries.values()),
    'n_wrappers': len(WRAPPERS.entries),
}
rst_epilog = '\n'.join(f'.. |{name}| replace:: {value}' for name, value in _counts.items())


def setup(app):
    app.connect('builder-inited', lambda _app: apigen.generate())
    app.connect('autodoc-process-docstring', apigen.strip_args, priority=400)  # before napoleon
    return {'parallel_read_safe': True}
