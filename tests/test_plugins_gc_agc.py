import torch
from torch import nn

import pytorch_optimizer as po


def test_centralize_gradient_zero_mean_over_all_but_first_axis():
    g = torch.randn(4, 3, 2, 2, dtype=torch.float64)
    out = po.centralize_gradient(g.clone())
    torch.testing.assert_close(out.mean(dim=(1, 2, 3)), torch.zeros(4, dtype=torch.float64), rtol=0, atol=1e-15)
    torch.testing.assert_close(out, g - g.mean(dim=(1, 2, 3), keepdim=True))
    linear = torch.randn(4, 3)
    assert torch.equal(po.centralize_gradient(linear.clone(), gc_conv_only=True), linear)  # conv only
    vector = torch.randn(5)
    assert torch.equal(po.centralize_gradient(vector.clone()), vector)  # 1-d untouched


def test_agc_clips_exactly_the_units_over_the_threshold():
    w = torch.tensor([[3.0, 4.0], [1.0, 0.0]], dtype=torch.float64)  # unit norms 5 and 1
    g = torch.tensor([[0.03, 0.04], [0.3, 0.4]], dtype=torch.float64)  # ratios 0.01 and 0.5
    out = po.agc(w, g, agc_clip_val=0.1)
    torch.testing.assert_close(out[0], g[0])  # ratio 0.01 <= 0.1: untouched
    torch.testing.assert_close(out[1].norm(), torch.tensor(0.1, dtype=torch.float64))  # clipped to 0.1 * |w_1|
    torch.testing.assert_close(out[1] / out[1].norm(), g[1] / g[1].norm())  # direction kept
    assert torch.equal(g, torch.tensor([[0.03, 0.04], [0.3, 0.4]], dtype=torch.float64))  # input untouched


def test_agc_floors_the_weight_norm_with_agc_eps():
    w, g = torch.zeros(3, dtype=torch.float64), torch.ones(3, dtype=torch.float64)
    torch.testing.assert_close(
        po.agc(w, g, agc_eps=1e-3, agc_clip_val=0.01).norm(), torch.tensor(1e-5, dtype=torch.float64)
    )


def test_plugins_attach_to_torch_adamw_and_match_direct_computation():
    torch.manual_seed(0)
    p = nn.Parameter(torch.randn(6, 4, dtype=torch.float64))
    q = nn.Parameter(p.detach().clone())
    opt = torch.optim.AdamW([p], lr=0.1)
    po.attach_agc(opt, agc_clip_val=0.05)
    po.attach_gc(opt)
    ref = torch.optim.AdamW([q], lr=0.1)
    for _ in range(3):
        g = torch.randn(6, 4, dtype=torch.float64)
        p.grad = g.clone()
        clipped = po.agc(q.detach(), g, agc_clip_val=0.05)
        q.grad = clipped - clipped.mean(dim=1, keepdim=True)
        opt.step()
        ref.step()
    torch.testing.assert_close(p.detach(), q.detach(), rtol=1e-14, atol=1e-14)
