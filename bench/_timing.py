"""Timing helpers shared by the benchmarks: medians of repeated timed loops, device sync, verdict lines.

The machines are shared and noisy, so every figure is the median of several
repeats after a warm-up, and every NPU figure is printed as a ratio against
plain CPU eager PyTorch measured in the same run. Targets are reported as
PASS/FAIL next to the ratio; nothing asserts on time.
"""

from __future__ import annotations

import os
import statistics
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch


def quiet_fallback_warnings() -> None:
    """Silence torch_npu's once-per-op "falls back to the CPU" warning (it would interleave the output)."""
    warnings.filterwarnings("ignore", message="CAUTION: The operator")


def warn_if_busy() -> None:
    """Print a warning when other processes already load the machine (ratios then skew, CPU's more)."""
    load, cores = os.getloadavg()[0], os.cpu_count() or 1
    if load > 0.5 * cores:
        print(
            f"warning: load average {load:.1f} on {cores} cores before starting; CPU eager ops with "
            f"{torch.get_num_threads()} OpenMP threads slow down a lot on a busy machine, so ratios are unreliable"
        )


def synchronizer(device: torch.device) -> Callable[[], None]:
    """A function that waits for all work queued on ``device`` (a no-op on the CPU)."""
    if device.type == "npu":
        return lambda: torch.npu.synchronize(device)
    return lambda: None


def seconds_per_call(
    case: tuple[Callable[[], object], torch.device], iterations: int, repeats: int = 7, warmup: int = 1
) -> float:
    """Per-call seconds of ``case`` = (body, device): the median over ``repeats`` timed loops.

    A timed loop calls ``body`` ``iterations`` times, then synchronizes ``device``.
    """
    body, device = case
    sync = synchronizer(device)
    samples = []
    for repeat in range(warmup + repeats):
        sync()
        start = time.perf_counter()
        for _ in range(iterations):
            body()
        sync()
        if repeat >= warmup:
            samples.append((time.perf_counter() - start) / iterations)
    return statistics.median(samples)


def describe_device(device: torch.device) -> str:
    """``npu:0 = Ascend910B1 (simulated), CANN 8.5.0`` or just the device."""
    if device.type != "npu":
        return str(device)
    index = device.index if device.index is not None else torch.npu.current_device()
    return f"npu:{index} = {torch.npu.get_device_name(index)}, CANN {torch.npu.get_cann_version()}"


def verdict(ratio: float, target: float, higher_is_better: bool = False) -> str:
    """``ratio 1.23 (target <= 1.50): PASS``; ``higher_is_better`` flips the comparison."""
    met = ratio >= target if higher_is_better else ratio <= target
    sign = ">=" if higher_is_better else "<="
    return f"ratio {ratio:.2f} (target {sign} {target:.2f}): {'PASS' if met else 'FAIL'}"


def fmt_time(seconds: float) -> str:
    """Seconds in the unit that reads best (ns, us, ms or s)."""
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("us", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.2f} {unit}"
    return f"{seconds / 1e-9:.0f} ns"


# How far ratios measured in different orders may differ: more means the figure depends
# on what ran before in the process, a defect of the simulator, not a property of the op.
ORDER_TOLERANCE = 0.10

Case = tuple[Callable[[], object], torch.device]


@dataclass(frozen=True)
class OrderedTiming:
    """One case timed on both devices, in the order ``order`` names."""

    order: str
    cpu: float
    npu: float

    @property
    def ratio(self) -> float:
        return self.npu / self.cpu


def time_in_both_orders(make_case: Callable[[torch.device], Case], iterations: int, repeats: int) -> list[OrderedTiming]:
    """Times ``make_case(device)`` on the CPU then the npu, then on the npu then the CPU, in this process.

    Neither device is measured first on purpose: NPU work must not change what later CPU
    work costs, nor earlier work what the NPU costs, and both orders show whether it does.
    """
    cpu, npu = torch.device("cpu"), torch.device("npu")
    timings = []
    for first, second in ((cpu, npu), (npu, cpu)):
        seconds = {device.type: seconds_per_call(make_case(device), iterations, repeats) for device in (first, second)}
        timings.append(OrderedTiming(f"{first.type} first", seconds["cpu"], seconds["npu"]))
    return timings


def order_agreement(ratios: Sequence[float]) -> str:
    """``orders agree within 4% (tolerance 10%): PASS`` for ratios of one case measured in several orders."""
    spread = max(ratios) / min(ratios) - 1
    met = spread <= ORDER_TOLERANCE
    return f"orders agree within {spread:.0%} (tolerance {ORDER_TOLERANCE:.0%}): {'PASS' if met else 'FAIL'}"


def print_timings(timings: Sequence[OrderedTiming], target: float) -> None:
    """One line per order (CPU time, npu time, ratio against ``target``), then their agreement."""
    for timing in timings:
        print(f"  {timing.order:<9}  CPU eager {fmt_time(timing.cpu):>9}  npu {fmt_time(timing.npu):>9}  "
              f"npu/CPU {verdict(timing.ratio, target)}")
    print(f"  {order_agreement([t.ratio for t in timings])}")
