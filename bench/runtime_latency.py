"""Runtime latency of the NPU (simulator or hardware), as ratios against CPU eager PyTorch.

Measures, in one run on one machine:
  * launch-and-synchronize round trip: enqueue a 4-byte aclrtMemsetAsync on a
    stream and wait for it with aclrtSynchronizeStream, called through ctypes on
    the runtime library torch_npu loaded (the ctypes call cost, measured with a
    no-op runtime call, is reported and subtracted);
  * cached allocation: torch.empty(1024, device="npu") then free, served by the
    caching allocator, next to torch.empty(1024) on the CPU.

Usage: python bench/runtime_latency.py [--iterations N]
"""

import argparse
import ctypes
import statistics
import time
from typing import Callable, List

import torch
import torch_npu


def per_call_seconds(body: Callable[[], None], iterations: int, repeats: int = 7) -> float:
    """Median over `repeats` runs of the mean time of one call of `body`."""
    samples: List[float] = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(iterations):
            body()
        samples.append((time.perf_counter() - start) / iterations)
    return statistics.median(samples)


def runtime_library() -> ctypes.CDLL:
    torch.npu.init()
    library = ctypes.CDLL(torch_npu.npu._get_runtime_info()["library"])
    for name in ("aclrtMemsetAsync", "aclrtSynchronizeStream", "aclrtGetDevice", "aclrtCreateStream", "aclrtMalloc"):
        getattr(library, name).restype = ctypes.c_int
    return library


def check(status: int, what: str) -> None:
    if status != 0:
        raise RuntimeError(f"{what} failed with CANN error {status}")


def launch_round_trip(iterations: int) -> tuple:
    library = runtime_library()
    check(library.aclrtSetDevice(ctypes.c_int32(0)), "aclrtSetDevice")
    stream = ctypes.c_void_p()
    check(library.aclrtCreateStream(ctypes.byref(stream)), "aclrtCreateStream")
    buffer = ctypes.c_void_p()
    check(library.aclrtMalloc(ctypes.byref(buffer), ctypes.c_size_t(512), 0), "aclrtMalloc")
    four = ctypes.c_size_t(4)
    zero = ctypes.c_int32(0)
    device = ctypes.c_int32()
    memset_async = library.aclrtMemsetAsync
    synchronize = library.aclrtSynchronizeStream
    get_device = library.aclrtGetDevice

    def round_trip() -> None:
        memset_async(buffer, four, zero, four, stream)
        synchronize(stream)

    def two_ctypes_calls() -> None:
        get_device(ctypes.byref(device))
        get_device(ctypes.byref(device))

    round_trip()
    raw = per_call_seconds(round_trip, iterations)
    overhead = per_call_seconds(two_ctypes_calls, iterations)
    library.aclrtFree(buffer)
    library.aclrtDestroyStream(stream)
    return raw, overhead


def allocation(iterations: int) -> tuple:
    torch.empty(1024, device="npu")  # warm the cache

    def npu_alloc_free() -> None:
        torch.empty(1024, device="npu")

    def cpu_alloc_free() -> None:
        torch.empty(1024)

    return per_call_seconds(npu_alloc_free, iterations), per_call_seconds(cpu_alloc_free, iterations)


def cpu_eager_small_op(iterations: int) -> float:
    tensor = torch.zeros(1)
    return per_call_seconds(lambda: tensor.add_(1), iterations)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=20000)
    args = parser.parse_args()

    print(f"device: {torch.npu.get_device_name(0)}, CANN {torch.npu.get_cann_version()}")
    raw, overhead = launch_round_trip(args.iterations)
    cpu_op = cpu_eager_small_op(args.iterations)
    round_trip = max(raw - overhead, 0.0)
    print(f"launch+synchronize round trip: {round_trip * 1e6:.2f} us "
          f"(raw {raw * 1e6:.2f} us minus ctypes cost {overhead * 1e6:.2f} us)")
    print(f"  CPU eager tensor.add_(1) on 1 element: {cpu_op * 1e6:.2f} us; ratio round trip / CPU op: "
          f"{round_trip / cpu_op:.2f}")
    npu_alloc, cpu_alloc = allocation(args.iterations)
    print(f"cached allocate+free torch.empty(1024, device='npu'): {npu_alloc * 1e6:.2f} us")
    print(f"  torch.empty(1024) on CPU: {cpu_alloc * 1e6:.2f} us; ratio npu/CPU: {npu_alloc / cpu_alloc:.2f}")


if __name__ == "__main__":
    main()
