import subprocess
import sys

from pytorch_optimizer.__main__ import main


def test_list_filters_and_shows_papers(capsys):
    assert main(['list', '*belief*']) == 0
    out = capsys.readouterr().out
    assert (
        'adabelief' in out and 'radabelief' in out and 'https://arxiv.org/abs/2010.07468' in out and 'lion' not in out
    )


def test_info_prints_signature_and_reference(capsys):
    assert main(['info', 'AdamP']) == 0
    out = capsys.readouterr().out
    assert 'nesterov' in out and 'https://arxiv.org/abs/2006.08217' in out


def test_unknown_name_is_a_clear_error(capsys):
    assert main(['compare', 'adamq', '--task', 'rosenbrock']) == 2
    assert "did you mean" in capsys.readouterr().err


def test_compare_prints_a_table(capsys):
    assert main(['compare', 'adamw', 'lion', '--task', 'teacher', '--steps', '20', '--lr', '0.01']) == 0
    out = capsys.readouterr().out
    assert 'final loss' in out and 'accuracy' in out and 'lion' in out and 'B/param' in out


def test_module_entry_point_runs():
    result = subprocess.run(
        [
            sys.executable,
            '-m',
            'pytorch_optimizer',
            'compare',
            'sgd',
            '--task',
            'rosenbrock',
            '--steps',
            '10',
            '--lr',
            '1e-3',
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert 'rosenbrock' in result.stdout
