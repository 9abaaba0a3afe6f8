"""What torch_npu.profiler costs a quickstart training step, as ratios against no profiler.

The step of bench/quickstart_step.py (examples/quickstart.py's model, batch and Adam) runs
without a profiler, inside a profiler that records nothing (its schedule only waits), and
inside profilers recording at Level0 and Level1, all in this process. Each repeat is a fresh
session of ``--iterations`` steps (``prof.step()`` after each) timed from the first step to
the device synchronize after the last; writing the output files is not timed. Target:
Level0 <= 1.3x no profiler.

Usage: python bench/profiler_overhead.py [--iterations N] [--repeats N]
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
import time
from collections.abc import Callable
from typing import ContextManager, Optional

import torch
from _timing import describe_device, fmt_time, quiet_fallback_warnings, verdict, warn_if_busy
from quickstart_step import step_case

import torch_npu.profiler as profiler

TARGET_LEVEL0 = 1.3


def recording(level: str) -> Callable[[], profiler.profile]:
    """A profiler recording every step at ``level``."""
    config = profiler._ExperimentalConfig(profiler_level=level)
    return lambda: profiler.profile(experimental_config=config)


def idle() -> profiler.profile:
    """A profiler whose schedule never records."""
    return profiler.profile(schedule=profiler.schedule(wait=10**9, warmup=1, active=1))


def seconds_per_step(session: Optional[Callable[[], ContextManager]], step: Callable[[], None], iterations: int,
                     repeats: int) -> float:  # fmt: skip
    """Median over ``repeats`` fresh sessions (after one warm-up) of the time per step."""
    samples = []
    for repeat in range(1 + repeats):
        with (session() if session else contextlib.nullcontext()) as prof:
            torch.npu.synchronize()
            start = time.perf_counter()
            for _ in range(iterations):
                step()
                if prof is not None:
                    prof.step()
            torch.npu.synchronize()
            elapsed = time.perf_counter() - start
        if repeat:
            samples.append(elapsed / iterations)
    return statistics.median(samples)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    quiet_fallback_warnings()
    warn_if_busy()

    step, _ = step_case(torch.device("npu"), batch_size=32)
    print(f"device: {describe_device(torch.device('npu'))}")
    print(f"quickstart training step under the profiler (median of {args.repeats} sessions x {args.iterations} steps):")
    baseline = seconds_per_step(None, step, args.iterations, args.repeats)
    print(f"  no profiler          {fmt_time(baseline)}")
    for label, session, target in [("profiler, not recording", idle, None),
                                   ("Level0", recording(profiler.ProfilerLevel.Level0), TARGET_LEVEL0),
                                   ("Level1", recording(profiler.ProfilerLevel.Level1), None)]:  # fmt: skip
        seconds = seconds_per_step(session, step, args.iterations, args.repeats)
        ratio = seconds / baseline
        judged = verdict(ratio, target) if target else f"ratio {ratio:.2f}"
        print(f"  {label:<22} {fmt_time(seconds)}  {judged}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
