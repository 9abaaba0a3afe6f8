"""Small adds, a large matmul and an MLP training step in one process, in two orders.

Each figure must not depend on what ran before it in the process: the simulator once
made a 1024x1024 matmul twice as slow after a few thousand small kernels, and the
host's own parallel CPU ops 13x slower once the NPU had run a large kernel. This
script runs the three cases in one order with the CPU measured first, then in the
reverse order with the npu measured first, and checks that each case's npu/CPU ratio
agrees across the orders (tolerance 10%).

Usage: python bench/mixed_workload.py [--repeats N]
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

import torch
from _timing import (
    Case, describe_device, fmt_time, order_agreement, quiet_fallback_warnings, seconds_per_call, warn_if_busy,
)  # fmt: skip
from matmul import matmul_case
from ops_latency import add_case


def mlp_step_case(device: torch.device) -> Case:
    """Forward, loss, backward and Adam update of a 3-layer MLP (batch 64, width 512) on ``device``."""
    torch.manual_seed(0)
    model = torch.nn.Sequential(
        torch.nn.Linear(512, 512), torch.nn.ReLU(), torch.nn.Linear(512, 512), torch.nn.ReLU(), torch.nn.Linear(512, 10)
    ).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    inputs = torch.randn(64, 512).to(device)
    targets = torch.randint(0, 10, (64,)).to(device)

    def step() -> None:
        optimizer.zero_grad(set_to_none=True)
        torch.nn.functional.cross_entropy(model(inputs), targets).backward()
        optimizer.step()

    step()
    return step, device


# name -> (case factory, iterations per timed loop)
CASES: dict[str, tuple[Callable[[torch.device], Case], int]] = {
    "add (1,000 floats)": (lambda device: add_case(device, 1000), 2000),
    "matmul 1024x1024": (lambda device: matmul_case(device, 1024), 10),
    "MLP + Adam step": (mlp_step_case, 20),
}


def run_order(names: list[str], npu_first: bool, repeats: int) -> dict[str, float]:
    """npu/CPU ratio of each case, measured in the order given."""
    devices = [torch.device("npu"), torch.device("cpu")]
    if not npu_first:
        devices.reverse()
    ratios = {}
    for name in names:
        make_case, iterations = CASES[name]
        seconds = {device.type: seconds_per_call(make_case(device), iterations, repeats) for device in devices}
        ratios[name] = seconds["npu"] / seconds["cpu"]
        print(f"  {name:<20} CPU eager {fmt_time(seconds['cpu']):>9}  npu {fmt_time(seconds['npu']):>9}  "
              f"npu/CPU {ratios[name]:.2f}", flush=True)
    return ratios


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    quiet_fallback_warnings()
    warn_if_busy()
    print(f"device: {describe_device(torch.device('npu'))}; CPU threads: {torch.get_num_threads()}")
    names = list(CASES)
    print("order 1: add, matmul, MLP step; CPU measured first")
    first = run_order(names, npu_first=False, repeats=args.repeats)
    print("order 2: MLP step, matmul, add; npu measured first")
    second = run_order(names[::-1], npu_first=True, repeats=args.repeats)
    for name in names:
        print(f"{name:<20} {order_agreement([first[name], second[name]])}")


if __name__ == "__main__":
    main()
