"""Profile three training steps of the quickstart CNN on the NPU with torch_npu.profiler.

Trains examples/quickstart.py's DigitsNet on its digits for one warm-up step and three
recorded steps (schedule: wait=0, warmup=1, active=3), then prints the output directory
the profiler wrote (the reference's layout: trace_view.json for Perfetto, the CSV files)
and the operator types that took the most device time (op_statistic.csv). Needs the
profiler extra: pip install "torch-npu[profiler]".

Usage: python examples/profile_quickstart.py [--out DIR] [--level Level0|Level1|Level2]
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

import torch

import quickstart  # examples/quickstart.py: the model and the training step
import torch_npu.profiler as profiler


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="./profiling_data", help="where the *_ascend_pt directory goes")
    parser.add_argument("--level", default=profiler.ProfilerLevel.Level1, choices=profiler.supported_profiler_level())
    args = parser.parse_args(argv)

    torch.manual_seed(0)
    device = torch.device("npu")
    train_set, _ = quickstart.load_digits_split()
    images, labels = (t.to(device) for t in train_set[: quickstart.parse_args([]).batch_size])
    model = quickstart.DigitsNet().to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    scaler = torch.amp.GradScaler(device.type, enabled=False)

    handler = profiler.tensorboard_trace_handler(args.out)
    with profiler.profile(
        activities=[profiler.ProfilerActivity.CPU, profiler.ProfilerActivity.NPU],
        schedule=profiler.schedule(wait=0, warmup=1, active=3, repeat=1),
        on_trace_ready=handler, record_shapes=True,
        experimental_config=profiler._ExperimentalConfig(profiler_level=args.level),
    ) as prof:  # fmt: skip
        for _ in range(4):
            loss = quickstart.train_step(model, optimizer, scaler, images, labels, amp_dtype=None)
            prof.step()
    print(f"loss after the profiled steps: {loss.item():.4f}")

    written = max(Path(args.out).glob("*_ascend_pt"), key=lambda path: path.stat().st_mtime)
    print(f"profile written to {written}:")
    for path in sorted(p for p in written.rglob("*") if p.is_file()):
        print(f"  {path.relative_to(written)}")
    statistic = written / "ASCEND_PROFILER_OUTPUT" / "op_statistic.csv"
    if statistic.is_file():
        with statistic.open(newline="") as stream:
            rows = list(csv.DictReader(stream))
        print("most device time:")
        for row in rows[:5]:
            print(f"  {row['OP Type']:<24} {row['Count']:>4} calls {float(row['Total Time(us)']):>10.1f} us "
                  f"{row['Ratio(%)']:>6}%")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
