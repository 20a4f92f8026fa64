import copy
import io

import pytest
import torch
from torch import nn

from pytorch_optimizer.wrappers.rotograd import RotoGrad

D = torch.float64


def linear(n_in, n_out, weight):
    layer = nn.Linear(n_in, n_out, bias=False).double()
    with torch.no_grad():
        layer.weight.copy_(torch.tensor(weight, dtype=D))
    return layer


def hand_model(**kwargs):
    # z = (1, 2) for x = 1; head k is r -> <w_k, r>, so G_k = s_k w_k while R_k = I
    backbone = linear(1, 2, [[1.0], [2.0]])
    return RotoGrad(backbone, [linear(2, 1, [[3.0, 4.0]]), linear(2, 1, [[0.0, -2.0]])], 2, **kwargs)


def hand_backward(model, s1, s2):
    model.zero_grad()
    p1, p2 = model(torch.ones(1, 1, dtype=D))
    model.backward([s1 * p1.sum(), s2 * p2.sum()])
    return model.backbone.weight.grad.reshape(-1)


@pytest.mark.parametrize(('burn_in_period', 'second'), [(20, [7.05, -2.35]), (1, [5.1, -1.7])])
def test_magnitude_homogenization_by_hand(burn_in_period, second):
    model = hand_model(burn_in_period=burn_in_period)
    # |G| = (5, 2), ratios (1, 1): alpha = 1/2, C = 3.5; grad_z = C (u1 + u2) = 3.5 ((.6, .8) + (0, -1))
    torch.testing.assert_close(hand_backward(model, 1.0, 1.0), torch.tensor([2.1, -0.7], dtype=D))
    torch.testing.assert_close(model.heads[0].weight.grad, torch.tensor([[1.0, 2.0]], dtype=D))
    # |G| = (15, 2), ratios (3, 1): alpha = (3/4, 1/4), C = 11.75; each task contributes a vector of norm C.
    # With burn_in_period=1 the references are retaken: alpha = 1/2, C = 8.5.
    torch.testing.assert_close(hand_backward(model, 3.0, 1.0), torch.tensor(second, dtype=D))
    assert model.num_backward == 2


def test_normalize_losses_scales_the_heads():
    model = hand_model(normalize_losses=True)
    hand_backward(model, 1.0, 1.0)  # L^0 = (11, -4)
    hand_backward(model, 2.0, 1.0)
    torch.testing.assert_close(model.heads[0].weight.grad, torch.tensor([[2.0, 4.0]], dtype=D) / 11.0)
    torch.testing.assert_close(model.heads[1].weight.grad, torch.tensor([[1.0, 2.0]], dtype=D) / -4.0)


def toy(seed=0, heads=2, latent=3, **kwargs):
    torch.manual_seed(seed)
    backbone = nn.Sequential(nn.Linear(4, 3), nn.Tanh()).double()
    return RotoGrad(backbone, [nn.Linear(3, 1).double() for _ in range(heads)], latent, **kwargs)


X = torch.randn(32, 4, generator=torch.Generator().manual_seed(0), dtype=D)
TARGETS = [0.5 * X[:, :2].sum(1, keepdim=True), 5.0 * torch.tanh(X[:, 1:2] - X[:, 2:3]), torch.sin(X[:, 2:3])]


def losses_of(preds):
    return [((p - t) ** 2).mean() for p, t in zip(preds, TARGETS)]


def train(model, steps, opt=None, rot=None):
    opt = opt or torch.optim.SGD(model.model_parameters(), lr=0.05)
    rot = rot or torch.optim.Adam(model.mtl_parameters(), lr=0.05)
    history = []
    for _ in range(steps):
        opt.zero_grad()
        rot.zero_grad()
        losses = losses_of(model(X))
        model.backward(losses)
        opt.step()
        rot.step()
        history.append([float(loss.detach()) for loss in losses])
    return history, opt, rot


def test_rotations_stay_orthogonal():
    model = toy(heads=3, latent=2, burn_in_period=5)  # only the first 2 of 3 features are rotated
    train(model, 30, rot=torch.optim.Adam(model.mtl_parameters(), lr=0.3))
    for rot in model.rotation:
        rot = rot.detach()
        assert not torch.allclose(rot, torch.eye(2, dtype=D))
        torch.testing.assert_close(rot.T @ rot, torch.eye(2, dtype=D), atol=1e-13, rtol=0)
        torch.testing.assert_close(torch.linalg.det(rot), torch.tensor(1.0, dtype=D))


def test_one_task_is_plain_training():
    model = toy(heads=1)
    plain = nn.Sequential(copy.deepcopy(model.backbone), copy.deepcopy(model.heads[0]))
    train(model, 10, rot=torch.optim.SGD(model.mtl_parameters(), lr=0.05))  # its rotation gradient is ~0
    opt = torch.optim.SGD(plain.parameters(), lr=0.05)
    for _ in range(10):
        opt.zero_grad()
        losses_of([plain(X)])[0].backward()
        opt.step()
    for p, q in zip(model.model_parameters(), plain.parameters()):
        torch.testing.assert_close(p, q, atol=1e-13, rtol=0)
    torch.testing.assert_close(model.rotation[0].detach(), torch.eye(3, dtype=D), atol=1e-13, rtol=0)
    torch.testing.assert_close(model[0](X), plain(X), atol=1e-13, rtol=0)


def test_rotations_align_conflicting_gradients():
    # fixed opposite-ish heads: only the rotations learn; the cosine of G_1, G_2 on z grows towards 1
    model = hand_model()
    rot = torch.optim.SGD(model.mtl_parameters(), lr=0.5)
    cosines = []
    for _ in range(60):
        rot.zero_grad()
        p1, p2 = model(torch.ones(1, 1, dtype=D))
        model.backward([p1.sum(), p2.sum()])
        g = [model.rotation[k].detach().T @ model.heads[k].weight.detach().reshape(-1) for k in range(2)]
        cosines.append(float(torch.nn.functional.cosine_similarity(g[0], g[1], dim=0)))
        rot.step()
    assert cosines[0] < -0.7 and cosines[-1] > 0.99


def roundtrip(obj):
    buf = io.BytesIO()
    torch.save(obj, buf)
    buf.seek(0)
    return torch.load(buf, weights_only=True)


def test_state_dict_round_trip():
    model = toy(burn_in_period=3)
    _, opt, rot = train(model, 2)
    saved = roundtrip({'model': model.state_dict(), 'opt': opt.state_dict(), 'rot': rot.state_dict()})
    model2 = toy(seed=5, burn_in_period=3)
    model2.load_state_dict(saved['model'])
    opt2 = torch.optim.SGD(model2.model_parameters(), lr=0.05)
    rot2 = torch.optim.Adam(model2.mtl_parameters(), lr=0.05)
    opt2.load_state_dict(saved['opt'])
    rot2.load_state_dict(saved['rot'])
    assert model2.num_backward == 2
    train(model, 4, opt, rot)  # crosses the burn-in reset
    train(model2, 4, opt2, rot2)
    for (name, p), q in zip(model.state_dict().items(), model2.state_dict().values()):
        assert torch.equal(p, q) if torch.is_tensor(p) else p == q, name
    copied = copy.deepcopy(model)
    assert torch.equal(copied.rotation[1], model.rotation[1])


def test_two_conflicting_tasks_train():
    model = toy()
    with torch.no_grad():  # opposite heads: the two tasks pull z in conflicting directions
        model.heads[1].weight.copy_(-model.heads[0].weight)
    z = model.backbone(X)
    g = [torch.autograd.grad(loss, z)[0].reshape(-1) for loss in losses_of([h(z) for h in model.heads])]
    assert float(torch.nn.functional.cosine_similarity(g[0], g[1], dim=0)) < -0.5  # R_k = I at the start
    history, _, _ = train(model, 200, opt=torch.optim.Adam(model.model_parameters(), lr=0.02))
    first, last = history[0], history[-1]
    assert last[0] < 0.5 * first[0] and last[1] < 0.02 * first[1], (first, last)


def test_validation_and_misuse():
    with pytest.raises(ValueError, match='latent_size'):
        toy(latent=0)
    with pytest.raises(TypeError, match='normalize_losses'):
        toy(normalize_losses='yes')
    with pytest.raises(ValueError, match='heads'):
        RotoGrad(nn.Linear(2, 2), [], 2)
    model = toy().eval()
    preds = model(X)
    with pytest.raises(RuntimeError, match='training mode'):
        model.backward(losses_of(preds))
