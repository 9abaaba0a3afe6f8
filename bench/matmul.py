"""1024x1024 float32 matmul on the NPU, as a ratio against CPU eager PyTorch (target npu/CPU <= 1.05).

Each repeat runs ``--iterations`` products and synchronizes the device once at
the end, so the NPU figure includes everything until the results exist.

Usage: python bench/matmul.py [--size N] [--iterations N] [--repeats N]
"""

from __future__ import annotations

import argparse

import torch
from _timing import Case, describe_device, print_timings, quiet_fallback_warnings, time_in_both_orders, warn_if_busy

TARGET = 1.05


def matmul_case(device: torch.device, size: int) -> Case:
    """``a @ b`` of two ``size`` x ``size`` float32 matrices on ``device``, as a timing case."""
    generator = torch.Generator().manual_seed(0)
    a = torch.randn(size, size, generator=generator).to(device)
    b = torch.randn(size, size, generator=generator).to(device)
    return (lambda: torch.matmul(a, b)), device


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1024)
    parser.add_argument("--iterations", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    quiet_fallback_warnings()
    warn_if_busy()

    print(f"device: {describe_device(torch.device('npu'))}; CPU threads: {torch.get_num_threads()}")
    flops = 2 * args.size**3
    timings = time_in_both_orders(lambda device: matmul_case(device, args.size), args.iterations, args.repeats)
    print(f"{args.size}x{args.size} float32 matmul (median of {args.repeats} x {args.iterations}; "
          f"CPU eager {flops / timings[0].cpu / 1e9:.1f} GFLOP/s):")
    print_timings(timings, TARGET)


if __name__ == "__main__":
    main()
