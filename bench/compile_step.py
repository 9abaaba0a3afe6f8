"""Training steps compiled with inductor on the NPU, against eager npu and inductor on the CPU, in one run.

Two steps: the quickstart CNN (examples/quickstart.py's model, batch 64, SGD) and a small
Hugging Face Llama (2 layers, hidden 128, sequence 64, batch 4, AdamW). Each step's
forward, loss and backward are one compiled graph (dynamo graph-breaks at the optimizer
call, which runs eagerly); the batch is already on its device. On the npu, inductor's C++
kernels run as tasks of the NPU stream, so compiled npu against compiled CPU shows what
the stream costs. Also printed: CPU eager, the reference every benchmark here reports
against. Target: compiled npu / compiled CPU <= 1.1.

Usage: python bench/compile_step.py [--iterations N] [--repeats N]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path
from typing import Callable

import torch
import torch.nn.functional as F
import torch_npu  # noqa: F401
from _timing import describe_device, fmt_time, quiet_fallback_warnings, seconds_per_call, verdict, warn_if_busy
from _workloads import tiny_llama

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "examples"))
import quickstart  # noqa: E402  (examples/quickstart.py: the model measured here)

TARGET = 1.1


def training_step(loss: Callable[[], torch.Tensor], optimizer: torch.optim.Optimizer,
                  compiled: bool) -> Callable[[], None]:
    """One step: ``loss`` (compiled by inductor when ``compiled``), its backward and the update."""
    forward = torch.compile(loss) if compiled else loss

    def step() -> None:
        optimizer.zero_grad(set_to_none=True)
        forward().backward()
        optimizer.step()

    return step


def quickstart_step(device: torch.device, compiled: bool) -> Callable[[], None]:
    torch.manual_seed(0)
    model = quickstart.DigitsNet().to(device)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    images = torch.rand(64, 1, 8, 8, generator=torch.Generator().manual_seed(1)).to(device)
    labels = torch.randint(0, 10, (64,), generator=torch.Generator().manual_seed(2)).to(device)

    def loss() -> torch.Tensor:
        return F.nll_loss(model(images), labels)

    return training_step(loss, optimizer, compiled)


def llama_step(device: torch.device, compiled: bool) -> Callable[[], None]:
    model, optimizer, ids = tiny_llama(device)

    def loss() -> torch.Tensor:
        return model(input_ids=ids, labels=ids).loss

    return training_step(loss, optimizer, compiled)


def measure(make_step: Callable[[torch.device, bool], Callable[[], None]], iterations: int, repeats: int) -> dict:
    """Seconds per step of each variant, all in this process."""
    variants = {
        "CPU eager": (torch.device("cpu"), False),
        "CPU inductor": (torch.device("cpu"), True),
        "npu eager": (torch.device("npu"), False),
        "npu inductor": (torch.device("npu"), True),
    }
    seconds = {}
    for name, (device, compiled) in variants.items():
        step = make_step(device, compiled)
        step()  # compiles (when compiled) before any timing
        seconds[name] = seconds_per_call((step, device), iterations, repeats)
    return seconds


def report(title: str, seconds: dict) -> None:
    print(f"{title}:")
    for name, value in seconds.items():
        print(f"  {name:<13} {fmt_time(value):>9}  /CPU eager {value / seconds['CPU eager']:.2f}x")
    print(f"  npu inductor / npu eager: {seconds['npu inductor'] / seconds['npu eager']:.2f}")
    ratio = seconds["npu inductor"] / seconds["CPU inductor"]
    print(f"  npu inductor / CPU inductor: {verdict(ratio, TARGET)}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    quiet_fallback_warnings()
    warn_if_busy()
    # A compile cache of this run's own, so that both devices compile from scratch alike.
    os.environ.setdefault("TORCHINDUCTOR_CACHE_DIR", tempfile.mkdtemp(prefix="compile-step-inductor-"))
    print(f"device: {describe_device(torch.device('npu'))}; CPU threads: {torch.get_num_threads()}")
    report(f"quickstart CNN step (median of {args.repeats} x {args.iterations})",
           measure(quickstart_step, args.iterations, args.repeats))
    report(f"Llama step (median of {args.repeats} x {args.iterations})",
           measure(llama_step, args.iterations, args.repeats))
    return 0


if __name__ == "__main__":
    sys.exit(main())
