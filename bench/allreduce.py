"""all_reduce bandwidth between 2 ranks: hccl on npu next to gloo on CPU tensors, in the same run.

Run as ``python bench/allreduce.py``: it starts its 2 ranks itself (or run it under
``torchrun --nproc-per-node 2``). Each rank joins one process group with the hccl backend
and a gloo group beside it, then times ``dist.all_reduce`` (SUM, float32) from 4 KiB to
64 MiB: hccl on an npu tensor (ending in a device synchronize), gloo on a CPU tensor.
algbw = bytes / time; busbw = algbw * 2 (n - 1) / n (NCCL's convention: the bytes each rank
moves). Also printed: the small-message latency and hccl's busbw as a fraction of the host
memcpy bandwidth that bench/copy_bandwidth.py measures. Target: hccl busbw at 32 MiB >= 5x gloo's.

Usage: python bench/allreduce.py [--repeats N] [--max-mib N]
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys

TARGET = 5.0
KIB, MIB = 1 << 10, 1 << 20
WORLD = 2


def launch(argv: list[str]) -> int:
    """Starts the ranks (this script again, with torchrun's environment) and waits for them."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    processes = []
    for rank in range(WORLD):
        env = {**os.environ, "RANK": str(rank), "LOCAL_RANK": str(rank), "WORLD_SIZE": str(WORLD),
               "MASTER_ADDR": "127.0.0.1", "MASTER_PORT": str(port)}  # fmt: skip
        processes.append(subprocess.Popen([sys.executable, __file__, *argv], env=env))
    return max(process.wait() for process in processes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--max-mib", type=int, default=64)
    args = parser.parse_args()
    if "RANK" not in os.environ:
        sys.exit(launch(sys.argv[1:]))

    import torch
    import torch.distributed as dist
    from _timing import describe_device, fmt_time, quiet_fallback_warnings, seconds_per_call, verdict
    from copy_bandwidth import memcpy_case

    quiet_fallback_warnings()
    rank, world = int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"])
    # The host baseline first (see seconds_per_call on measuring CPU work before NPU work).
    memcpy = seconds_per_call(memcpy_case(32 * MIB), 5, args.repeats) if rank == 0 else 0.0
    npu = torch.device("npu", int(os.environ.get("LOCAL_RANK", rank)))
    torch.npu.set_device(npu)
    dist.init_process_group("hccl")
    gloo = dist.new_group(backend="gloo")
    sizes = [4 * KIB << (2 * i) for i in range(12) if (4 * KIB << (2 * i)) <= args.max_mib * MIB]
    if 32 * MIB not in sizes and 32 * MIB <= args.max_mib * MIB:
        sizes = sorted(sizes + [32 * MIB])
    factor = 2 * (world - 1) / world
    rows = []
    for nbytes in sizes:
        iterations = max(3, min(200, (64 * MIB) // nbytes))
        on_npu = torch.ones(nbytes // 4, device=npu)
        on_cpu = torch.ones(nbytes // 4)
        hccl = seconds_per_call((lambda: dist.all_reduce(on_npu), npu), iterations, args.repeats)
        gloo_time = seconds_per_call((lambda: dist.all_reduce(on_cpu, group=gloo), torch.device("cpu")), iterations,
                                     args.repeats)  # fmt: skip
        rows.append((nbytes, hccl, gloo_time))
    dist.barrier()
    if rank == 0:
        print(f"all_reduce SUM float32, {world} ranks; device {describe_device(npu)}; median of {args.repeats} loops")
        print(f"{'size':>9} | {'hccl time':>10} {'algbw GB/s':>10} {'busbw GB/s':>10} | "
              f"{'gloo time':>10} {'algbw GB/s':>10} {'busbw GB/s':>10} | busbw hccl/gloo")  # fmt: skip
        for nbytes, hccl, gloo_time in rows:
            size = f"{nbytes // MIB} MiB" if nbytes >= MIB else f"{nbytes // KIB} KiB"
            h_alg, g_alg = nbytes / hccl / 1e9, nbytes / gloo_time / 1e9
            print(f"{size:>9} | {fmt_time(hccl):>10} {h_alg:10.2f} {h_alg * factor:10.2f} | "
                  f"{fmt_time(gloo_time):>10} {g_alg:10.2f} {g_alg * factor:10.2f} | {gloo_time / hccl:6.2f}x")  # fmt: skip
        small = rows[0]
        print(f"small-message latency ({small[0] // KIB} KiB): hccl {fmt_time(small[1])}, gloo {fmt_time(small[2])}")
        memcpy_gbps = 32 * MIB / memcpy / 1e9
        at_32 = next((row for row in rows if row[0] == 32 * MIB), None)
        if at_32 is not None:
            busbw = 32 * MIB / at_32[1] / 1e9 * factor
            print(f"host memcpy (32 MiB, one thread): {memcpy_gbps:.2f} GB/s; hccl busbw at 32 MiB is "
                  f"{busbw / memcpy_gbps:.2f} of it")  # fmt: skip
            print(f"busbw at 32 MiB, hccl / gloo: {verdict(at_32[2] / at_32[1], TARGET, higher_is_better=True)}")
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
