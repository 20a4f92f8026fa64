"""Where torch.optim has the same algorithm, the zoo matches it: Adam with amsgrad."""

import pytest
import torch

from pytorch_optimizer import AdamS


@pytest.mark.parametrize('foreach', [False, True])
def test_adams_without_decay_is_torch_adam_amsgrad(foreach):
    torch.manual_seed(0)
    init = [torch.randn(5, 4, dtype=torch.float64), torch.randn(3, dtype=torch.float64)]
    ours = [torch.nn.Parameter(x.clone()) for x in init]
    theirs = [torch.nn.Parameter(x.clone()) for x in init]
    opt_a = AdamS(ours, lr=1e-2, weight_decay=0.0, ams_bound=True, foreach=foreach)
    opt_b = torch.optim.Adam(theirs, lr=1e-2, amsgrad=True, foreach=foreach)
    for k in range(15):
        for a, b in zip(ours, theirs):
            g = torch.sin(3 * a.detach() + k) * (1 + k % 3)  # changing scale: the running max matters
            a.grad, b.grad = g.clone(), g.clone()
        opt_a.step()
        opt_b.step()
    for a, b in zip(ours, theirs):
        torch.testing.assert_close(a.detach(), b.detach(), rtol=1e-13, atol=1e-14)
