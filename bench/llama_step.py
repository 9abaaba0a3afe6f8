"""One training step of a small Hugging Face Llama on the NPU, as a ratio against CPU eager PyTorch.

The model of issue 8's measurement: 2 layers, hidden 128, 4 heads, sequence 64, batch 4, sdpa
attention, AdamW; a step is forward, loss, backward and the optimizer update, with the batch
already on the device. Also prints which ATen operators of the step ran through the CPU
fallback. Target: npu/CPU <= 1.1.

Usage: python bench/llama_step.py [--iterations N] [--repeats N]
"""

from __future__ import annotations

import argparse
import sys

import torch
import torch_npu
import transformers
from _timing import Case, describe_device, print_timings, quiet_fallback_warnings, time_in_both_orders, warn_if_busy
from _workloads import tiny_llama

TARGET = 1.1


def step_case(device: torch.device) -> Case:
    """One Llama training step on ``device``, as a timing case."""
    model, optimizer, ids = tiny_llama(device)

    def step() -> None:
        optimizer.zero_grad()
        model(input_ids=ids, labels=ids).loss.backward()
        optimizer.step()

    step()  # fails here, before any timing, if the device cannot run the model
    return step, device


def fallback_operators() -> list[str]:
    """The ATen operators one npu step runs through the CPU fallback."""
    step, _ = step_case(torch.device("npu"))
    before = dict(torch_npu._C._fallback_counts())
    step()
    torch.npu.synchronize()
    return sorted(op for op, count in torch_npu._C._fallback_counts().items() if count > before.get(op, 0))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    quiet_fallback_warnings()
    warn_if_busy()

    print(f"device: {describe_device(torch.device('npu'))}; transformers {transformers.__version__}; "
          f"CPU threads: {torch.get_num_threads()}")
    fallback = fallback_operators()
    print(f"operators through the CPU fallback in one step: {len(fallback)} {fallback}")
    print(f"Llama training step (median of {args.repeats} x {args.iterations}):")
    print_timings(time_in_both_orders(step_case, args.iterations, args.repeats), TARGET)
    return 0


if __name__ == "__main__":
    sys.exit(main())
