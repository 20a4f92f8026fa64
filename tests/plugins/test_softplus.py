import math

import torch

from pytorch_optimizer.plugins.softplus import softplus_

D = torch.float64


def test_softplus_against_formula_and_floor():
    d = torch.tensor([0.0, 1e-3, 0.1, 2.0], dtype=D)
    out = softplus_([d.clone()], beta=50.0)[0]
    expected = torch.where(50 * d > 20, d, torch.log1p(torch.exp(50 * d)) / 50)
    torch.testing.assert_close(out, expected)
    assert float(out.min()) >= math.log(2.0) / 50 - 1e-12
