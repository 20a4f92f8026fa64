"""Train a small MLP on synthetic data on the CPU: the library's pieces in one complete script.

Shows ``create_optimizer`` (weight-decay groups, gradient centralization and adaptive gradient clipping
plug-ins, Lookahead), a warm-up + cosine LR scheduler, gradient accumulation, global gradient-norm
clipping, and checkpoint/resume that continues exactly where an interrupted run stopped::

    python examples/train_mlp.py --optimizer adamp --steps 300
    python examples/train_mlp.py --steps 300 --stop-after 150 --checkpoint run.pt   # "interrupted"
    python examples/train_mlp.py --steps 300 --checkpoint run.pt --resume           # same result

The data is a random "teacher" network's labels on Gaussian inputs, made from a seed (no download).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

import torch
from torch import nn

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run from a checkout without installing
    sys.path.insert(0, str(ROOT))

from pytorch_optimizer import create_optimizer, load_lr_scheduler  # noqa: E402


def make_data(seed: int, n: int = 4096, dim: int = 32, classes: int = 10) -> tuple[torch.Tensor, torch.Tensor]:
    """Gaussian inputs labelled by a random two-layer teacher network."""
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(n, dim, generator=gen)
    w1, w2 = torch.randn(dim, 64, generator=gen), torch.randn(64, classes, generator=gen)
    y = (torch.tanh(x @ w1) @ w2).argmax(dim=1)
    return x, y


class MLP(nn.Module):
    def __init__(self, dim: int = 32, hidden: int = 128, classes: int = 10) -> None:
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(dim, hidden), nn.LayerNorm(hidden), nn.GELU(), nn.Linear(hidden, hidden), nn.GELU()
        )
        self.head = nn.Linear(hidden, classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.net(x))


def save_checkpoint(path: Path, **state: Any) -> None:
    """Write atomically: an interruption during the save leaves the previous checkpoint intact."""
    tmp = path.with_suffix(path.suffix + '.tmp')
    torch.save(state, tmp)
    os.replace(tmp, path)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--optimizer', default='adamp', help='any registry key (default: adamp)')
    parser.add_argument('--lr', type=float, default=3e-3)
    parser.add_argument('--weight-decay', type=float, default=1e-2)
    parser.add_argument('--steps', type=int, default=300, help='optimizer steps of the whole run')
    parser.add_argument('--warmup', type=int, default=None, help='warm-up steps (default: 10%% of --steps)')
    parser.add_argument('--batch-size', type=int, default=64, help='micro-batch size')
    parser.add_argument('--accumulate', type=int, default=2, help='micro-batches per optimizer step')
    parser.add_argument('--clip', type=float, default=1.0, help='max global gradient norm (0: off)')
    parser.add_argument('--no-lookahead', action='store_true')
    parser.add_argument('--checkpoint', type=Path, default=None, help='checkpoint file (saved every --save-every)')
    parser.add_argument('--save-every', type=int, default=100)
    parser.add_argument('--resume', action='store_true', help='continue from --checkpoint')
    parser.add_argument('--stop-after', type=int, default=None, help='stop after this many steps (simulates a crash)')
    parser.add_argument('--log-every', type=int, default=50)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--threads', type=int, default=1, help='CPU threads (a model this small runs fastest on one)')
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    x, y = make_data(args.seed)
    train_x, train_y, test_x, test_y = x[:3584], y[:3584], x[3584:], y[3584:]
    model = MLP()

    # weight decay on the weight matrices only (not biases or LayerNorm); GC and AGC as step pre-hooks
    # of the inner optimizer; Lookahead (k, alpha) around it. Unknown keyword arguments raise TypeError.
    optimizer = create_optimizer(
        model,
        args.optimizer,
        lr=args.lr,
        weight_decay=args.weight_decay,
        use_gc=True,
        use_agc=True,
        **({} if args.no_lookahead else {'use_lookahead': True, 'k': 5, 'alpha': 0.5}),
    )
    warmup = max(1, args.steps // 10) if args.warmup is None else args.warmup
    scheduler = load_lr_scheduler('cosine')(
        optimizer, t_max=args.steps, max_lr=args.lr, min_lr=args.lr / 100, init_lr=args.lr / 10, warmup_steps=warmup
    )
    batches = torch.Generator().manual_seed(args.seed + 1)  # the order of the micro-batches
    criterion = nn.CrossEntropyLoss()

    step = 0
    if args.resume:
        if args.checkpoint is None or not args.checkpoint.exists():
            raise SystemExit(f'--resume: no checkpoint at {args.checkpoint}')
        state = torch.load(args.checkpoint, weights_only=True)  # tensors and plain values only
        model.load_state_dict(state['model'])
        optimizer.load_state_dict(state['optimizer'])
        scheduler.load_state_dict(state['scheduler'])
        batches.set_state(state['batches'])
        torch.set_rng_state(state['torch_rng'])
        step = state['step']
        print(f'resumed from {args.checkpoint} at step {step}')

    def checkpoint() -> None:
        if args.checkpoint is not None:
            save_checkpoint(
                args.checkpoint,
                model=model.state_dict(),
                optimizer=optimizer.state_dict(),
                scheduler=scheduler.state_dict(),
                batches=batches.get_state(),
                torch_rng=torch.get_rng_state(),
                step=step,
            )

    model.train()
    last = args.steps if args.stop_after is None else min(args.steps, args.stop_after)
    loss_sum = torch.zeros(())
    while step < last:
        # gradient accumulation: average the loss over micro-batches, step once
        for _ in range(args.accumulate):
            index = torch.randint(0, len(train_x), (args.batch_size,), generator=batches)
            loss = criterion(model(train_x[index]), train_y[index]) / args.accumulate
            loss.backward()
            loss_sum += loss.detach()
        if args.clip > 0:
            torch.nn.utils.clip_grad_norm_(model.parameters(), args.clip)
        optimizer.step()  # AGC, then GC, then the update; Lookahead syncs every k steps
        optimizer.zero_grad(set_to_none=True)
        scheduler.step()
        step += 1
        if step % args.log_every == 0 or step == last:
            lr = optimizer.param_groups[0]['lr']
            print(f'step {step:5d}  loss {float(loss_sum) / args.log_every:.4f}  lr {lr:.2e}')
            loss_sum.zero_()
        if args.checkpoint is not None and (step % args.save_every == 0 or step == last):
            checkpoint()

    model.eval()
    with torch.no_grad():
        logits = model(test_x)
        test_loss = float(criterion(logits, test_y))
        accuracy = float((logits.argmax(1) == test_y).float().mean())
    print(f'test loss {test_loss:.4f}  accuracy {100 * accuracy:.1f}%  ({step} steps)')
    return {'step': step, 'test_loss': test_loss, 'accuracy': accuracy, 'model': model}


if __name__ == '__main__':
    main()
