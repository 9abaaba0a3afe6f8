"""Replaying a captured NPU graph of a small-MLP training step against launching the same step eagerly.

The step is forward, mean squared error, backward and an SGD update of a 3-layer MLP (width ``--width``,
batch ``--batch``); small on purpose, so that launching its ~30 operators is what a step costs.
Eager launches every operator from the host; the graph is captured once (``torch.npu.graph``) and
each step is one ``replay()``. Printed: eager npu, replay, replay/eager (target <= 0.5) and, for
reference, the same step in CPU eager PyTorch with replay/CPU.

Usage: python bench/graph_replay.py [--iterations N] [--repeats N] [--width N] [--batch N]
"""

from __future__ import annotations

import argparse
import sys

import torch
from _timing import describe_device, fmt_time, seconds_per_call, verdict, warn_if_busy

TARGET = 0.5


def mlp_step(device: torch.device, width: int, batch: int):
    """(model, optimizer, step, inputs, targets): one training step of a small MLP on ``device``."""
    torch.manual_seed(0)
    model = torch.nn.Sequential(
        torch.nn.Linear(width, width), torch.nn.ReLU(), torch.nn.Linear(width, width), torch.nn.ReLU(),
        torch.nn.Linear(width, 1),
    ).to(device)
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-3)
    inputs = torch.randn(batch, width, device=device)
    targets = torch.randn(batch, 1, device=device)

    def step() -> torch.Tensor:
        optimizer.zero_grad(set_to_none=True)
        loss = (model(inputs) - targets).square().mean()
        loss.backward()
        optimizer.step()
        return loss

    return step


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=50)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--width", type=int, default=64)
    parser.add_argument("--batch", type=int, default=32)
    args = parser.parse_args()
    warn_if_busy()
    npu, cpu = torch.device("npu"), torch.device("cpu")
    print(f"device: {describe_device(npu)}; MLP width {args.width}, batch {args.batch}; "
          f"CPU threads: {torch.get_num_threads()}")

    eager_step = mlp_step(npu, args.width, args.batch)
    graphed_step = mlp_step(npu, args.width, args.batch)
    cpu_step = mlp_step(cpu, args.width, args.batch)

    # Warm up on a side stream (the optimizer and allocator settle), then capture one step.
    side = torch.npu.Stream()
    side.wait_stream(torch.npu.current_stream())
    with torch.npu.stream(side):
        for _ in range(3):
            graphed_step()
    torch.npu.current_stream().wait_stream(side)
    graph = torch.npu.NPUGraph()
    with torch.npu.graph(graph):
        static_loss = graphed_step()

    # The replays compute what eager steps compute: 3 warm-up steps and 3 replays against 6 eager steps.
    for _ in range(6):
        eager_loss = eager_step()
    graph.replay()
    graph.replay()
    graph.replay()
    torch.testing.assert_close(static_loss.cpu(), eager_loss.cpu())

    eager = seconds_per_call((eager_step, npu), args.iterations, args.repeats)
    replay = seconds_per_call((graph.replay, npu), args.iterations, args.repeats)
    cpu_eager = seconds_per_call((cpu_step, cpu), args.iterations, args.repeats)
    print(f"training step (median of {args.repeats} x {args.iterations}):")
    print(f"  npu eager {fmt_time(eager):>9}  npu graph replay {fmt_time(replay):>9}  "
          f"replay/eager {verdict(replay / eager, TARGET)}")
    print(f"  CPU eager {fmt_time(cpu_eager):>9}  replay/CPU eager {replay / cpu_eager:.2f}  "
          f"npu eager/CPU eager {eager / cpu_eager:.2f}")
    graph.reset()
    return 0


if __name__ == "__main__":
    sys.exit(main())
