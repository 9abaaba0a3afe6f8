"""One training step of examples/quickstart.py on the NPU, as a ratio against CPU eager PyTorch.

Same model (DigitsNet), batch (the quickstart's default batch size, real digits),
loss and optimizer as the example, imported from it. A step is forward, loss,
backward and the Adam update, with the batch already on the device; each repeat
runs ``--iterations`` steps and synchronizes once. Target: npu/CPU <= 1.1.

Usage: python bench/quickstart_step.py [--iterations N] [--repeats N] [--batch-size N]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch
from _timing import Case, describe_device, print_timings, quiet_fallback_warnings, time_in_both_orders, warn_if_busy

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "examples"))
import quickstart  # examples/quickstart.py: the model and training step measured here

TARGET = 1.1


def step_case(device: torch.device, batch_size: int) -> Case:
    """One quickstart training step on ``device``, as a timing case."""
    torch.manual_seed(0)
    train_set, _ = quickstart.load_digits_split()
    images, labels = (t.to(device) for t in train_set[:batch_size])
    model = quickstart.DigitsNet().to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    scaler = torch.amp.GradScaler(device.type, enabled=False)

    def step() -> None:
        quickstart.train_step(model, optimizer, scaler, images, labels, amp_dtype=None)

    step()  # fails here, before any timing, if the device cannot run the model
    return step, device


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--batch-size", type=int, default=quickstart.parse_args([]).batch_size)
    args = parser.parse_args()
    quiet_fallback_warnings()
    warn_if_busy()

    print(f"device: {describe_device(torch.device('npu'))}; batch {args.batch_size}; "
          f"CPU threads: {torch.get_num_threads()}")
    print(f"quickstart training step (median of {args.repeats} x {args.iterations}):")
    try:
        timings = time_in_both_orders(lambda device: step_case(device, args.batch_size), args.iterations, args.repeats)
    except Exception as error:  # noqa: BLE001 - report, don't hide, an op the npu cannot run yet
        print(f"  does not run: {type(error).__name__}: {str(error).splitlines()[0]}")
        return 1
    print_timings(timings, TARGET)
    return 0


if __name__ == "__main__":
    sys.exit(main())
