"""Cases of the second-order learning-rate methods (NewtonSummary; GeN is a scheduler, tested in tests/test_gen.py)."""

from tests.cases import Case

BAD = [
    ({'damping': 0.0}, ValueError, r'damping.*0'),
    ({'damping': 1.5}, ValueError, r'damping.*1\.5'),
    ({'period_hg': 0}, ValueError, 'period_hg'),
    ({'mom_lrs': 1.0}, ValueError, 'mom_lrs'),
    ({'momentum': '0.9'}, TypeError, 'momentum'),
    ({'dct_nesterov': {'use': True, 'dampnig_int': 1.0}}, ValueError, 'dct_nesterov'),
    ({'dct_nesterov': {'use': True, 'damping_int': -1.0}}, ValueError, r'damping_int.*-1'),
    ({'full_loss': lambda x, y: x}, ValueError, 'hg_loader'),
]

CASES = {
    'newtonsummary': [
        # closure mode: the summary comes from closure(backward=False); plain H̄⁻¹ḡ (one group = exact line search)
        Case({}, steps=300, bad=BAD),
        Case(
            {
                'dct_nesterov': {'use': True, 'damping_int': 10.0, 'mom_order3_': 0.5},
                'damping': 0.5,
                'momentum': 0.9,
                'momentum_damp': 0.9,
                'mom_lrs': 0.5,
                'remove_negative': True,
                'period_hg': 2,
                'movavg': 0.3,
            },
            steps=200,
            converge=True,
        ),
        Case({'noregul': True, 'diagonal': True, 'ridge': 0.1, 'maintain_true_lrs': True, 'remove_negative': True}),
    ],
}
