"""Several host threads driving streams of two devices at once, checked against the CPU.

Each thread keeps a few tensors on NPU streams of its own and a CPU copy of each. It
applies random operations on random streams, orders every cross-stream use with an
event (or a wait on the producing stream), records tensors used off their allocating
stream, drops and reallocates tensors, and moves data between the two devices. Correct
ordering means every NPU tensor ends equal to its CPU copy; the run is bounded in
iterations and in time.
"""

import random
import threading
import time

import torch

THREADS = 4
STEPS = 400
TIME_BUDGET_S = 60.0


def drive(seed: int, failures: list, deadline: float) -> None:
    rng = random.Random(seed)
    device = torch.device("npu", seed % 2)
    other = torch.device("npu", (seed + 1) % 2)
    streams = [torch.npu.Stream(device=device) for _ in range(2)]
    size = 64 + 16 * seed
    cpu = [torch.randint(-50, 50, (size,), dtype=torch.int64) for _ in range(3)]
    npu = [t.to(device) for t in cpu]
    torch.npu.synchronize(device)
    # The streams that used each tensor since its last write: a write waits for all of them
    # (readers included), a read for the last writer.
    users = [{torch.npu.default_stream(device)} for _ in range(3)]
    try:
        for _ in range(STEPS):
            if time.monotonic() > deadline:
                break
            i, j = rng.randrange(3), rng.randrange(3)
            stream = rng.choice(streams)
            op = rng.choice(("add", "mul", "realloc", "hop", "event"))
            with torch.npu.device(device):
                for earlier in users[i] | users[j]:
                    if op == "event":  # order through events rather than stream waits
                        done = torch.npu.Event()
                        done.record(earlier)
                        stream.wait_event(done)
                    else:
                        stream.wait_stream(earlier)
                with torch.npu.stream(stream):
                    if op in ("add", "event"):
                        npu[i].add_(npu[j])
                        cpu[i].add_(cpu[j])
                    elif op == "mul":
                        npu[i].mul_(npu[j] % 3 - 1)
                        cpu[i].mul_(cpu[j] % 3 - 1)
                    elif op == "realloc":  # free a tensor still in use on another stream, take a new one
                        npu[i].record_stream(stream)
                        npu[i] = npu[j] * 2
                        cpu[i] = cpu[j] * 2
                    else:  # through the other device and back
                        there = npu[j].to(other, non_blocking=True)
                        back = (there + 1).to(device)
                        npu[i].copy_(back)
                        cpu[i].copy_(cpu[j] + 1)
                    for k in {i, j}:
                        npu[k].record_stream(stream)
                users[i] = {stream}
                users[j].add(stream)
        torch.npu.synchronize(device)
        torch.npu.synchronize(other)
        for index, (on_npu, on_cpu) in enumerate(zip(npu, cpu)):
            if not torch.equal(on_npu.cpu(), on_cpu):
                failures.append(f"thread {seed}: tensor {index} differs from the CPU")
    except Exception as error:  # noqa: BLE001  (reported by the main thread)
        failures.append(f"thread {seed}: {type(error).__name__}: {error}")


def test_threads_streams_and_devices_agree_with_the_cpu():
    assert torch.npu.device_count() >= 2
    failures: list = []
    deadline = time.monotonic() + TIME_BUDGET_S
    threads = [threading.Thread(target=drive, args=(seed, failures, deadline)) for seed in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=TIME_BUDGET_S + 30)
    assert not any(thread.is_alive() for thread in threads), "a thread hung"
    assert failures == []
