"""RotoGrad: gradient homogenization for multi-task learning (a module, not an optimizer wrapper).

Reference: Javaloy & Valera, "RotoGrad: Gradient Homogenization in Multitask Learning", ICLR 2022.
https://arxiv.org/abs/2103.02631
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import torch
from torch import Tensor, nn

from pytorch_optimizer.base.validation import check_bool, check_positive_int, owner_name


def _rotate(z: Tensor, rotation: Tensor) -> Tensor:
    """Apply ``rotation`` to the first ``rotation.size(0)`` features of every row of ``z`` (``r = R z``)."""
    m = rotation.size(0)
    if z.size(-1) == m:
        return z @ rotation.mT
    return torch.cat((z[..., :m] @ rotation.mT, z[..., m:]), dim=-1)


class _TaskRotation(nn.Module):
    """The rotation of one task as a module, for the end-to-end model ``RotoGrad[k]`` (owner not registered)."""

    def __init__(self, owner: RotoGrad, task: int) -> None:
        super().__init__()
        self._owner, self.task = [owner], task

    def forward(self, z: Tensor) -> Tensor:
        return _rotate(z, self._owner[0].rotation_matrix(self.task).detach())


class RotoGrad(nn.Module):
    r"""Backbone + per-task rotations + heads; ``backward(losses)`` homogenizes the task gradients on ``z``.

    Forward: :math:`z = h(x)`, :math:`r_k = R_k z`, predictions :math:`f_k(r_k)`, with
    :math:`R_k = \exp(A_k - A_k^\top) \in SO(m)` acting on the first ``latent_size`` features.
    ``backward(losses)`` (Algorithm 1) back-propagates the task losses through the heads, reads the
    task gradients :math:`G_k = \nabla_z L_k = R_k^\top \nabla_{r_k} L_k`, and back-propagates into the
    backbone the magnitude-homogenized sum

    .. math::
        \nabla_z = \sum_k C \frac{G_k}{\lVert G_k\rVert},\quad
        C = \sum_k \alpha_k \lVert G_k\rVert,\quad
        \alpha_k = \frac{\lVert G_k\rVert / \lVert G_k^0\rVert}{\sum_i \lVert G_i\rVert / \lVert G_i^0\rVert}

    (norms over the whole batch; :math:`G_k^0` is taken at the first call and again after
    ``burn_in_period`` calls). It also writes the gradient of the rotation losses

    .. math::
        L^{rot}_k = -\frac{1}{N}\sum_n \cos\big(R_k^\top \nabla_{r_{n,k}} L_k,\ v_n\big),\quad
        v_n = \frac{1}{K}\sum_k \frac{G_{n,k}}{\lVert G_{n,k}\rVert}

    into the generators :math:`A_k` (``mtl_parameters()``), to be stepped by their own optimizer with a
    smaller learning rate than the model's (``model_parameters()``), both after each ``backward``.
    Rotation loss: the paper's cosine similarity; the official/older code uses a squared distance to a rescaled mean.
    Backbone and heads are registered submodules (``parameters()``/``state_dict()`` include them; heads are unwrapped).
    The older ``*args`` (ignored) is dropped, ``backward`` takes ``retain_graph`` instead of ``**kwargs``; no geotorch.

    Args:
        backbone: the shared module; its output (or the first element of a tuple output) is ``z``.
        heads: the task-specific modules, one per task, each fed its rotated ``r_k``.
        latent_size: the number of leading features of ``z`` that are rotated (``m``).
        burn_in_period: the call after which :math:`G_k^0` (and :math:`L_k^0`) are taken again.
        normalize_losses: back-propagate :math:`L_k / L_k^0` instead of :math:`L_k` (heads included).
    """

    def __init__(
        self,
        backbone: nn.Module,
        heads: Sequence[nn.Module],
        latent_size: int,
        *,
        burn_in_period: int = 20,
        normalize_losses: bool = False,
    ) -> None:
        super().__init__()
        if len(heads) == 0 or not all(isinstance(h, nn.Module) for h in heads):
            raise ValueError(f'{owner_name(self)}: heads must be a non-empty sequence of modules, got {heads!r}')
        self.latent_size = check_positive_int(self, 'latent_size', latent_size)
        self.burn_in_period = check_positive_int(self, 'burn_in_period', burn_in_period, allow_zero=True)
        self.normalize_losses = check_bool(self, 'normalize_losses', normalize_losses)
        self.backbone, self.heads, self.num_tasks = backbone, nn.ModuleList(heads), len(heads)
        ref = next(backbone.parameters(), None)
        kw: dict[str, Any] = {} if ref is None else {'dtype': ref.dtype, 'device': ref.device}
        k = self.num_tasks
        self.rotation_generators = nn.ParameterList(
            nn.Parameter(torch.zeros(latent_size, latent_size, **kw)) for _ in range(k)
        )
        self.register_buffer('initial_grad_norms', torch.ones(k, **kw))
        self.register_buffer('initial_losses', torch.ones(k, **kw))
        self.register_buffer('initial_backbone_loss', torch.ones((), **kw))
        self.num_backward, self.rep, self.losses, self._cache = 0, None, [None] * k, None

    def rotation_matrix(self, task: int) -> Tensor:
        """:math:`R_k = \\exp(A_k - A_k^\\top)` (differentiable in :math:`A_k`; ``detach()`` to inspect)."""
        a = self.rotation_generators[task]
        return torch.linalg.matrix_exp(a - a.mT)

    @property
    def rotation(self) -> list[Tensor]:
        """The rotation matrices, one per task."""
        return [self.rotation_matrix(k) for k in range(self.num_tasks)]

    def __len__(self) -> int:
        return self.num_tasks

    def __getitem__(self, task: int) -> nn.Module:
        """The end-to-end model of one task: backbone, rotation, head."""
        return nn.Sequential(self.backbone, _TaskRotation(self, task), self.heads[task])

    def mtl_parameters(self, recurse: bool = True) -> Iterator[nn.Parameter]:
        """The rotation generators :math:`A_k` (give them their own optimizer)."""
        return self.rotation_generators.parameters(recurse)

    def model_parameters(self, recurse: bool = True) -> Iterator[nn.Parameter]:
        """The backbone's and the heads' parameters."""
        yield from self.backbone.parameters(recurse)
        yield from self.heads.parameters(recurse)

    def get_extra_state(self) -> dict[str, int]:
        return {'num_backward': self.num_backward}

    def set_extra_state(self, state: dict[str, int]) -> None:
        self.num_backward = int(state['num_backward'])

    def forward(self, x: Any) -> Any:
        """Predictions of every task (plus the extra outputs of backbone and heads, as ``(preds, extra)``)."""
        out = self.backbone(x)
        rep, extra = (out[0], list(out[1:])) if isinstance(out, (list, tuple)) else (out, [])
        preds, cache = [], []
        for k, head in enumerate(self.heads):
            rot = self.rotation_matrix(k) if self.training else self.rotation_matrix(k).detach()
            if self.training:  # the heads see a leaf copy of z so that G_k can be read and recombined
                z_k = rep.detach().requires_grad_()
                r_k = _rotate(z_k, rot.detach())
                r_k.retain_grad()
                cache.append((z_k, r_k, rot))
            else:
                r_k = _rotate(rep, rot)
            out_k = head(r_k)
            preds.append(out_k[0] if isinstance(out_k, (list, tuple)) else out_k)
            extra += [out_k[1:]] if isinstance(out_k, (list, tuple)) else []
        self.rep, self._cache = (rep, cache) if self.training else (None, None)
        return (preds, extra) if extra else preds

    def backward(
        self, losses: Sequence[Tensor], backbone_loss: Tensor | None = None, *, retain_graph: bool = False
    ) -> None:
        """Back-propagate ``losses`` (one scalar per task, from the last training ``forward``) as Algorithm 1."""
        if self._cache is None:
            raise RuntimeError(f'{owner_name(self)}: backward needs a forward pass in training mode first')
        if len(losses) != self.num_tasks:
            raise ValueError(f'{owner_name(self)}: expected {self.num_tasks} losses, got {len(losses)}')
        reset = self.num_backward in (0, self.burn_in_period)
        with torch.no_grad():
            if reset:
                self.initial_losses.copy_(torch.stack([loss.detach() for loss in losses]))
                if backbone_loss is not None:
                    self.initial_backbone_loss.copy_(backbone_loss.detach())
        normalized = [loss / loss0 for loss, loss0 in zip(losses, self.initial_losses)]
        self.losses = [loss.detach() for loss in normalized]
        torch.autograd.backward(normalized if self.normalize_losses else list(losses), retain_graph=retain_graph)
        cache, rep = self._cache, self.rep
        grads = [z_k.grad if z_k.grad is not None else torch.zeros_like(z_k) for z_k, _, _ in cache]
        with torch.no_grad():
            tiny = torch.finfo(rep.dtype).tiny
            norms = torch.stack([torch.linalg.vector_norm(g) for g in grads]).clamp_min(tiny)
            if reset:
                self.initial_grad_norms.copy_(norms)
            ratios = norms / self.initial_grad_norms.clamp_min(tiny)
            magnitude = (ratios / ratios.sum().clamp_min(tiny) * norms).sum()  # C = sum_k alpha_k |G_k|
            shared = sum(g * (magnitude / n) for g, n in zip(grads, norms))
            rows = [g.reshape(-1, g.size(-1)) for g in grads]
            target = sum(r / torch.linalg.vector_norm(r, dim=-1, keepdim=True).clamp_min(tiny) for r in rows)
            target = target / self.num_tasks  # v_n
        rotation_losses = []
        for (_, r_k, rot), g_rows in zip(cache, rows):
            g_r = torch.zeros_like(r_k) if r_k.grad is None else r_k.grad
            back = _rotate(g_r, rot.mT).reshape(-1, g_r.size(-1))  # R_k^T grad_{r_k}, differentiable in A_k
            denom = (torch.linalg.vector_norm(g_rows, dim=-1) * torch.linalg.vector_norm(target, dim=-1)).clamp_min(
                tiny
            )
            rotation_losses.append(-((back * target).sum(-1) / denom).mean())
        torch.autograd.backward(rotation_losses)
        tensors, grad_tensors = [rep], [shared]
        if backbone_loss is not None:
            tensors.append(backbone_loss / self.initial_backbone_loss if self.normalize_losses else backbone_loss)
            grad_tensors.append(None)
        torch.autograd.backward(tensors, grad_tensors, retain_graph=retain_graph)
        self.num_backward += 1
        self.rep, self._cache = None, None
