import pytest
import torch

from pytorch_optimizer.optimizer.novograd import NovoGrad
from tests.optimizer.trajectory import compare
from tests.reference.novograd import NovoGrad as Reference


@pytest.mark.parametrize('kwargs', [{}, {'weight_decay': 0.1}, {'weight_decay': 0.1, 'grad_averaging': True}])
def test_matches_reference(kwargs):
    compare(lambda p: NovoGrad(p, lr=0.01, **kwargs), lambda p: Reference(p, lr=0.01, **kwargs))


def test_invariant_to_per_layer_gradient_scale():
    # layer-wise normalization: rescaling one tensor's gradients leaves its trajectory unchanged (eps = 0)
    runs = []
    for scale in (1.0, 1e4):
        p = torch.nn.Parameter(torch.ones(3, dtype=torch.float64))
        opt = NovoGrad([p], lr=0.1, eps=0.0)
        for k in range(4):
            p.grad = scale * torch.tensor([1.0, -2.0, 0.5], dtype=torch.float64) * (k + 1)
            opt.step()
        runs.append(p.detach())
    torch.testing.assert_close(runs[0], runs[1], rtol=1e-13, atol=1e-13)
