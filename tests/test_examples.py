"""Keep ``examples/`` working: run the training script for a few steps, and check that resuming from a
checkpoint continues exactly where an interrupted run stopped."""

from __future__ import annotations

import importlib.util
import math
import subprocess
import sys
from pathlib import Path

import pytest
import torch

SCRIPT = Path(__file__).resolve().parents[1] / 'examples' / 'train_mlp.py'


@pytest.fixture(scope='module')
def train_mlp():
    spec = importlib.util.spec_from_file_location('train_mlp_example', SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(autouse=True)
def _keep_torch_threads():
    threads = torch.get_num_threads()  # the script sets its own thread count
    yield
    torch.set_num_threads(threads)


def test_trains(train_mlp, capsys):
    result = train_mlp.main(['--steps', '30', '--log-every', '10'])
    assert result['step'] == 30
    assert math.isfinite(result['test_loss']) and result['test_loss'] < math.log(10)  # below chance level
    assert 'step    30' in capsys.readouterr().out


@pytest.mark.parametrize('options', [['--optimizer', 'adamp'], ['--optimizer', 'adamw', '--no-lookahead']])
def test_resume_continues_exactly(train_mlp, tmp_path, options):
    common = ['--steps', '16', '--accumulate', '3', '--log-every', '100', *options]
    checkpoint = str(tmp_path / 'run.pt')
    straight = train_mlp.main(common)
    interrupted = train_mlp.main([*common, '--stop-after', '7', '--checkpoint', checkpoint])
    assert interrupted['step'] == 7
    resumed = train_mlp.main([*common, '--checkpoint', checkpoint, '--resume'])
    assert resumed['step'] == 16
    for (name, a), (_, b) in zip(straight['model'].state_dict().items(), resumed['model'].state_dict().items()):
        assert torch.equal(a, b), name
    assert resumed['test_loss'] == straight['test_loss']


def test_runs_as_a_script(tmp_path):
    out = subprocess.run(
        [sys.executable, str(SCRIPT), '--steps', '4', '--log-every', '2', '--checkpoint', str(tmp_path / 'c.pt')],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert out.returncode == 0, out.stderr
    assert 'test loss' in out.stdout and (tmp_path / 'c.pt').exists()
