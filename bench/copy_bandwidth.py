"""Pinned host<->device copy bandwidth, as a ratio against a plain host memcpy of the same size.

Host->device is ``device.copy_(pinned, non_blocking=True)`` and device->host
``pinned.copy_(device, non_blocking=True)``, each followed by a device
synchronize; the baseline is one ``memmove`` (ctypes, one thread) between two
ordinary host buffers of the same size. Every buffer is touched before timing.
Target: copy bandwidth / memcpy bandwidth >= 0.8 in both directions.

Usage: python bench/copy_bandwidth.py [--mib N] [--iterations N] [--repeats N]
"""

from __future__ import annotations

import argparse
import ctypes
from collections.abc import Callable

import torch
from _timing import describe_device, quiet_fallback_warnings, seconds_per_call, verdict, warn_if_busy

TARGET = 0.8
MIB = 1 << 20


def gib_per_second(nbytes: int, seconds: float) -> float:
    return nbytes / seconds / (1 << 30)


Case = tuple[Callable[[], object], torch.device]


def memcpy_case(nbytes: int) -> Case:
    """One memmove of ``nbytes`` between two touched host buffers, as a timing case."""
    source = torch.ones(nbytes, dtype=torch.uint8)
    target = torch.zeros(nbytes, dtype=torch.uint8)
    src, dst = source.data_ptr(), target.data_ptr()
    keep = (source, target)  # the buffers live as long as the case
    return (lambda: ctypes.memmove(dst, src, nbytes) and keep), torch.device("cpu")


def copy_cases(nbytes: int, device: torch.device) -> tuple[Case, Case]:
    """(host->device, device->host) copies of ``nbytes`` between pinned memory and ``device``."""
    pinned = torch.ones(nbytes, dtype=torch.uint8, pin_memory=True)
    if not pinned.is_pinned():
        raise RuntimeError("pin_memory=True did not give pinned memory")
    on_device = torch.zeros(nbytes, dtype=torch.uint8, device=device)
    return (
        (lambda: on_device.copy_(pinned, non_blocking=True), device),
        (lambda: pinned.copy_(on_device, non_blocking=True), device),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mib", type=int, default=128, help="bytes per copy, in MiB (64-256 is the intended range)")
    parser.add_argument("--iterations", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    quiet_fallback_warnings()
    warn_if_busy()

    npu = torch.device("npu")
    nbytes = args.mib * MIB
    print(f"device: {describe_device(npu)}; {args.mib} MiB per copy, median of {args.repeats} x {args.iterations}")
    memcpy = seconds_per_call(memcpy_case(nbytes), args.iterations, args.repeats)
    to_device, to_host = (seconds_per_call(case, args.iterations, args.repeats) for case in copy_cases(nbytes, npu))
    print(f"  host memcpy:              {gib_per_second(nbytes, memcpy):6.2f} GiB/s")
    for label, seconds in (("pinned host -> device", to_device), ("device -> pinned host", to_host)):
        print(
            f"  {label}:    {gib_per_second(nbytes, seconds):6.2f} GiB/s; copy/memcpy {verdict(memcpy / seconds, TARGET, higher_is_better=True)}"
        )


if __name__ == "__main__":
    main()
