"""Generate the docs gallery: every registered first-order optimizer on two test functions.

Run from the repository root (needs the ``viz`` extra, matplotlib)::

    python docs/gallery.py                 # all first-order optimizers, rosenbrock and rastrigin
    python docs/gallery.py adamw lion      # only these

Writes ``docs/_static/gallery/<function>_<key>.png`` and ``docs/_static/gallery/manifest.json``
(learning rate and final loss of every picture); the Sphinx build shows whatever images are there,
so the docs build does not need this script. Optimizers that require a closure, second-order
gradients or the model are skipped (``pytorch_optimizer.visualize.skip_reason``). The learning rate
of each picture comes from the search described in ``pytorch_optimizer.visualize.plot``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from multiprocessing import Pool
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / 'docs' / '_static' / 'gallery'
FUNCTIONS = ('rosenbrock', 'rastrigin')
DPI = 72


def _job(args: tuple[str, str, int]) -> dict:
    import matplotlib
    import torch

    matplotlib.use('Agg')
    torch.set_num_threads(1)
    from pytorch_optimizer.visualize import plot_optimizer

    name, function, steps = args
    start = time.perf_counter()
    path, trajectory = plot_optimizer(name, function, OUT, steps=steps, dpi=DPI)
    return {
        'name': name,
        'function': function,
        'file': path.name,
        'lr': trajectory.lr,
        'final_loss': trajectory.final_loss,
        'seconds': round(time.perf_counter() - start, 2),
    }


def main(argv: list[str] | None = None) -> int:
    sys.path.insert(0, str(ROOT))
    import pytorch_optimizer  # noqa: F401  (registers everything)
    from pytorch_optimizer.visualize import first_order_optimizers
    from pytorch_optimizer.visualize.plot import DEFAULT_STEPS

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('names', nargs='*', help='registry keys (default: every first-order optimizer)')
    parser.add_argument('--functions', nargs='+', default=list(FUNCTIONS))
    parser.add_argument('--steps', type=int, default=DEFAULT_STEPS)
    parser.add_argument('--jobs', type=int, default=os.cpu_count() or 1)
    args = parser.parse_args(argv)

    names = args.names or first_order_optimizers()
    jobs = [(name, function, args.steps) for function in args.functions for name in names]
    OUT.mkdir(parents=True, exist_ok=True)
    manifest_path = OUT / 'manifest.json'
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
    start = time.perf_counter()
    with Pool(max(1, args.jobs)) as pool:
        for i, row in enumerate(pool.imap_unordered(_job, jobs), 1):
            manifest[row['file']] = row
            print(f"[{i}/{len(jobs)}] {row['file']}: lr={row['lr']}, final loss {row['final_loss']:.4g}", flush=True)
    manifest_path.write_text(json.dumps(dict(sorted(manifest.items())), indent=1) + '\n')
    print(f'{len(jobs)} pictures in {time.perf_counter() - start:.0f} s -> {OUT}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
