"""Small-op latency: torch.add on 1,000 floats on the NPU, as a ratio against CPU eager PyTorch.

Each repeat launches ``--iterations`` adds back to back and synchronizes once at
the end, so the figure is the per-op cost a tight loop of small ops sees
(dispatch + launch, or the CPU fallback's round trip until the operator layer
has a native add). Target: npu/CPU <= 1.5.

Each run times the add in both orders (CPU first, then npu first); ``--runs N`` runs N
fresh processes one after another and prints the distribution of their ratios.

Usage: python bench/ops_latency.py [--iterations N] [--repeats N] [--numel N] [--runs N]
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys

import torch
from _timing import Case, describe_device, print_timings, quiet_fallback_warnings, time_in_both_orders, verdict, warn_if_busy

TARGET = 1.5


def add_case(device: torch.device, numel: int) -> Case:
    """``torch.add(a, b)`` on ``numel`` floats on ``device``, as a timing case."""
    a = torch.randn(numel).to(device)
    b = torch.randn(numel).to(device)
    return (lambda: torch.add(a, b)), device


def measure(args: argparse.Namespace) -> None:
    """One run: the add in both orders, in this process."""
    quiet_fallback_warnings()
    warn_if_busy()
    print(f"device: {describe_device(torch.device('npu'))}")
    print(f"torch.add on {args.numel} floats, per op (median of {args.repeats} x {args.iterations}):")
    timings = time_in_both_orders(lambda device: add_case(device, args.numel), args.iterations, args.repeats)
    print_timings(timings, TARGET)


def measure_runs(args: argparse.Namespace) -> None:
    """``--runs`` fresh processes one after another: a run can only land in a slow mode as a whole."""
    command = [sys.executable, __file__, "--runs", "1", "--iterations", str(args.iterations),
               "--repeats", str(args.repeats), "--numel", str(args.numel)]  # fmt: skip
    ratios = []
    for run in range(args.runs):
        output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
        found = [float(r) for r in re.findall(r"npu/CPU ratio ([0-9.]+)", output)]
        print(f"run {run + 1}: npu/CPU " + ", ".join(f"{r:.2f}" for r in found), flush=True)
        ratios += found
    print(f"{len(ratios)} ratios from {args.runs} runs: min {min(ratios):.2f}, median {statistics.median(ratios):.2f}, "
          f"max {max(ratios):.2f}")
    print(f"worst npu/CPU {verdict(max(ratios), TARGET)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--numel", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=1, help="fresh processes to run, one after another")
    args = parser.parse_args()
    if args.runs == 1:
        measure(args)
    else:
        measure_runs(args)


if __name__ == "__main__":
    main()
