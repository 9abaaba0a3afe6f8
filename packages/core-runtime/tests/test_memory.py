"""The NPU caching allocator and torch.npu's memory API (the torch.cuda.memory counterpart)."""

import json
import random
import threading

import pytest
import torch

from conftest import run_python
from torch_npu import _torch_features

MiB = 1024 * 1024
GiB = 1024 * MiB

POOLED_STATS = [
    "allocation",
    "segment",
    "active",
    "inactive_split",
    "allocated_bytes",
    "reserved_bytes",
    "active_bytes",
    "inactive_split_bytes",
    "requested_bytes",
]
COUNTERS = [
    "num_alloc_retries",
    "num_ooms",
    "num_sync_all_streams",
    "num_device_alloc",
    "num_device_free",
    "max_split_size",
]
FIELDS = ["current", "peak", "allocated", "freed"]


def expected_stat_keys():
    keys = {
        f"{name}.{pool}.{field}"
        for name in POOLED_STATS
        for pool in ("all", "small_pool", "large_pool")
        for field in FIELDS
    }
    keys |= {f"{name}.{field}" for name in ("oversize_allocations", "oversize_segments") for field in FIELDS}
    keys |= set(COUNTERS)
    return keys


def stat(key, device=0):
    return torch.npu.memory_stats(device)[key]


def run_json(code, env=None):
    """Runs `code` (which must print one JSON line last) in a fresh interpreter."""
    result = run_python(code, env=env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture(autouse=True)
def _clean_cache():
    torch.npu.init()
    torch.npu.synchronize()
    torch.npu.empty_cache()
    yield


def test_stats_have_exactly_the_cuda_keys(npu):
    x = torch.empty(16, device=npu)
    stats = torch.npu.memory_stats()
    assert set(stats) == expected_stat_keys()
    assert all(isinstance(v, int) for v in stats.values())
    assert stats["max_split_size"] == -1  # unlimited, as torch.cuda reports it
    nested = torch.npu.memory_stats_as_nested_dict()
    assert nested["allocated_bytes"]["all"]["current"] == stats["allocated_bytes.all.current"]
    del x


def test_stats_follow_tensors(npu):
    before = torch.npu.memory_stats()
    x = torch.empty(1000, dtype=torch.uint8, device=npu)  # rounds to 1024 bytes, small pool
    after = torch.npu.memory_stats()
    assert after["allocated_bytes.all.current"] - before["allocated_bytes.all.current"] == 1024
    assert after["allocated_bytes.small_pool.current"] - before["allocated_bytes.small_pool.current"] == 1024
    assert after["requested_bytes.all.current"] - before["requested_bytes.all.current"] == 1000
    assert after["allocation.all.current"] - before["allocation.all.current"] == 1
    assert after["active.all.current"] - before["active.all.current"] == 1
    assert torch.npu.memory_allocated() == after["allocated_bytes.all.current"]
    assert torch.npu.memory_reserved() >= torch.npu.memory_allocated()

    y = torch.empty(16 * MiB, dtype=torch.uint8, device=npu)  # large pool, own 16 MiB segment
    large = torch.npu.memory_stats()
    assert large["allocated_bytes.large_pool.current"] - after["allocated_bytes.large_pool.current"] == 16 * MiB
    assert large["reserved_bytes.large_pool.current"] - after["reserved_bytes.large_pool.current"] == 16 * MiB
    assert torch.npu.max_memory_allocated() >= torch.npu.memory_allocated()

    del x, y
    freed = torch.npu.memory_stats()
    assert freed["allocated_bytes.all.current"] == before["allocated_bytes.all.current"]
    assert freed["allocation.all.freed"] - before["allocation.all.freed"] == 2
    # Freed memory stays cached.
    assert freed["reserved_bytes.all.current"] == large["reserved_bytes.all.current"]


def test_freed_block_is_reused(npu):
    x = torch.empty(4096, device=npu)
    ptr = x.data_ptr()
    segments = stat("num_device_alloc")
    del x
    y = torch.empty(4096, device=npu)
    assert y.data_ptr() == ptr
    assert stat("num_device_alloc") == segments


def test_small_request_splits_a_cached_large_block(npu):
    torch.npu.empty_cache()  # no block cached by an earlier test fits the requests better
    big = torch.empty(16 * MiB, dtype=torch.uint8, device=npu)
    base = big.data_ptr()
    del big
    reserved = torch.npu.memory_reserved()
    device_allocs = stat("num_device_alloc")

    first = torch.empty(2 * MiB, dtype=torch.uint8, device=npu)
    second = torch.empty(3 * MiB, dtype=torch.uint8, device=npu)
    assert first.data_ptr() == base
    assert second.data_ptr() == base + 2 * MiB
    assert stat("num_device_alloc") == device_allocs
    assert torch.npu.memory_reserved() == reserved
    assert stat("inactive_split.large_pool.current") == 1
    assert stat("inactive_split_bytes.large_pool.current") == 11 * MiB

    # Freeing both merges the pieces back into one block.
    del first, second
    assert stat("inactive_split.large_pool.current") == 0
    whole = torch.empty(16 * MiB, dtype=torch.uint8, device=npu)
    assert whole.data_ptr() == base


def test_empty_cache_returns_reserved_memory(npu):
    baseline = torch.npu.memory_reserved()
    tensors = [torch.empty(n, dtype=torch.uint8, device=npu) for n in (100, 5000, 2 * MiB, 30 * MiB)]
    assert torch.npu.memory_reserved() > baseline
    del tensors
    assert torch.npu.memory_reserved() > baseline  # cached
    frees = stat("num_device_free")
    torch.npu.empty_cache()
    assert torch.npu.memory_reserved() == baseline
    assert stat("num_device_free") > frees
    # The allocator keeps working afterwards.
    x = torch.ones(10, device=npu)
    assert x.sum().item() == 10


def test_peak_and_accumulated_resets(npu):
    x = torch.empty(8 * MiB, dtype=torch.uint8, device=npu)
    del x
    assert torch.npu.max_memory_allocated() >= 8 * MiB
    torch.npu.reset_peak_memory_stats()
    assert torch.npu.max_memory_allocated() == torch.npu.memory_allocated()
    assert torch.npu.max_memory_reserved() == torch.npu.memory_reserved()
    torch.npu.reset_accumulated_memory_stats()
    stats = torch.npu.memory_stats()
    assert stats["allocation.all.allocated"] == 0 and stats["allocation.all.freed"] == 0
    assert stats["num_device_alloc"] == 0 and stats["num_ooms"] == 0
    with pytest.warns(FutureWarning):
        torch.npu.reset_max_memory_allocated()
    with pytest.warns(FutureWarning):
        torch.npu.reset_max_memory_cached()
    with pytest.warns(FutureWarning):
        assert torch.npu.memory_cached() == torch.npu.memory_reserved()
    with pytest.warns(FutureWarning):
        assert torch.npu.max_memory_cached() == torch.npu.max_memory_reserved()


def test_device_arguments_and_per_device_stats():
    before = [torch.npu.memory_allocated(i) for i in range(2)]
    x = torch.empty(1024, device="npu:1")
    assert torch.npu.memory_allocated(1) - before[1] == 4096
    assert torch.npu.memory_allocated(0) == before[0]
    for device in (1, "npu:1", torch.device("npu", 1)):
        assert torch.npu.memory_allocated(device) == torch.npu.memory_allocated(1)
    with torch.npu.device(1):
        assert torch.npu.memory_allocated() == torch.npu.memory_allocated(1)
        assert torch.npu.memory_allocated("npu") == torch.npu.memory_allocated(1)
    with pytest.raises(ValueError):
        torch.npu.memory_allocated("cpu")
    del x


def test_accelerator_memory_api_agrees_with_torch_npu(npu):
    baseline = torch.npu.memory_reserved(0)
    x = torch.empty(3 * MiB, dtype=torch.uint8, device=npu)
    y = torch.empty(123, device="npu:1")
    for device in (0, 1):
        npu_stats = torch.npu.memory_stats(device)
        accelerator_stats = torch.accelerator.memory_stats(device)
        assert dict(accelerator_stats) == dict(npu_stats)
        assert torch.accelerator.memory_allocated(device) == torch.npu.memory_allocated(device)
        assert torch.accelerator.memory_reserved(device) == torch.npu.memory_reserved(device)
        assert torch.accelerator.max_memory_allocated(device) == torch.npu.max_memory_allocated(device)
        assert torch.accelerator.max_memory_reserved(device) == torch.npu.max_memory_reserved(device)
    del x, y
    assert torch.npu.memory_reserved(0) > baseline
    torch.accelerator.empty_cache()
    assert torch.npu.memory_reserved(0) == baseline
    torch.accelerator.reset_peak_memory_stats(0)
    assert torch.npu.max_memory_allocated(0) == torch.npu.memory_allocated(0)
    torch.accelerator.reset_accumulated_memory_stats(0)
    assert torch.npu.memory_stats(0)["allocation.all.allocated"] == 0


def test_mem_get_info(npu):
    free, total = torch.npu.mem_get_info()
    assert 0 < free <= total
    assert total == torch.npu.get_device_properties(0).total_memory
    x = torch.empty(64 * MiB, dtype=torch.uint8, device=npu)
    free_after, _ = torch.npu.mem_get_info(npu)
    assert free - free_after >= 64 * MiB
    if _torch_features.ACCELERATOR_MEMORY_INFO:
        assert torch.accelerator.get_memory_info(0) == torch.npu.mem_get_info(0)
    del x


def test_caching_allocator_alloc_and_delete(npu):
    allocated = torch.npu.memory_allocated()
    ptr = torch.npu.caching_allocator_alloc(MiB)
    assert ptr != 0
    assert torch.npu.memory_allocated() - allocated == MiB
    torch.npu.caching_allocator_delete(ptr)
    assert torch.npu.memory_allocated() == allocated

    stream = torch.npu.Stream()
    ptr = torch.npu.caching_allocator_alloc(3 * MiB, device=npu, stream=stream)
    segment = next(s for s in torch.npu.memory_snapshot() if s["address"] <= ptr < s["address"] + s["total_size"])
    assert segment["stream"] == stream.npu_stream
    torch.npu.caching_allocator_delete(ptr)
    with pytest.raises(TypeError):
        torch.npu.caching_allocator_alloc(16, stream="not a stream")
    assert torch.npu.get_allocator_backend() == "native"


def test_memory_snapshot_structure(npu):
    x = torch.empty(1000, dtype=torch.uint8, device=npu)
    y = torch.empty(12 * MiB, dtype=torch.uint8, device=npu)
    snapshot = torch.npu.memory_snapshot()
    assert isinstance(snapshot, list) and snapshot
    for segment in snapshot:
        for key in (
            "device",
            "address",
            "total_size",
            "allocated_size",
            "active_size",
            "requested_size",
            "stream",
            "segment_type",
            "blocks",
        ):
            assert key in segment
        assert segment["segment_type"] in ("small", "large")
        blocks = segment["blocks"]
        assert sum(b["size"] for b in blocks) == segment["total_size"]
        assert sum(b["size"] for b in blocks if b["state"] == "active_allocated") == segment["allocated_size"]
        assert blocks[0]["address"] == segment["address"]
        for block in blocks:
            assert set(block) >= {"address", "size", "requested_size", "state"}
            assert block["state"] in ("active_allocated", "active_pending_free", "inactive")

    def block_of(tensor):
        for segment in snapshot:
            for block in segment["blocks"]:
                if block["address"] == tensor.data_ptr():
                    return segment, block
        raise AssertionError("no block for tensor")

    segment, block = block_of(x)
    assert segment["segment_type"] == "small" and segment["total_size"] == 2 * MiB
    assert block == {**block, "size": 1024, "requested_size": 1000, "state": "active_allocated"}
    segment, block = block_of(y)
    assert segment["segment_type"] == "large" and block["size"] == 12 * MiB
    assert segment["device"] == 0
    full = torch.npu.memory._snapshot()
    assert set(full) >= {"segments", "device_traces", "allocator_settings"}
    del x, y


def test_memory_summary_is_a_readable_table(npu):
    x = torch.empty(5 * MiB, dtype=torch.uint8, device=npu)
    summary = torch.npu.memory_summary()
    for row in (
        "PyTorch NPU memory summary, device ID 0",
        "NPU OOMs",
        "Allocated memory",
        "Active memory",
        "Requested memory",
        "NPU reserved memory",
        "Non-releasable memory",
        "Allocations",
        "Active allocs",
        "NPU reserved segments",
        "Non-releasable allocs",
        "from large pool",
        "from small pool",
        "Oversize allocations",
        "Oversize NPU segments",
    ):
        assert row in summary, row
    lines = summary.splitlines()
    assert len({len(line) for line in lines}) == 1, "every row has the same width"
    allocated_row = next(line for line in lines if "Allocated memory" in line)
    assert "5120 KiB" in allocated_row  # units as torch.cuda.memory_summary picks them
    abbreviated = torch.npu.memory_summary(abbreviated=True)
    assert "from large pool" not in abbreviated and "Allocated memory" in abbreviated
    assert "device ID 1" in torch.npu.memory_summary("npu:1")
    del x


def test_record_stream_defers_reuse_until_the_stream_is_done(npu):
    side = torch.npu.Stream()
    size = 37 * MiB  # a size no other cached block has
    source = torch.ones(8 * MiB, device=npu)
    x = torch.empty(size, dtype=torch.uint8, device=npu)
    ptr = x.data_ptr()
    side.wait_stream(torch.npu.current_stream())
    with torch.npu.stream(side):
        # Queue enough work on the side stream that it is still running below.
        sink = torch.empty_like(source)
        for _ in range(40):
            sink.copy_(source)
        x[: 4 * MiB].copy_(source.view(torch.uint8)[: 4 * MiB])
    x.record_stream(side)
    del x
    y = torch.empty(size, dtype=torch.uint8, device=npu)
    if side.query():
        pytest.skip("the side stream finished before the check (too fast to observe the deferral)")
    # The side stream was still busy when y was allocated, so x's block was not available.
    assert y.data_ptr() != ptr
    states = [b["state"] for s in torch.npu.memory_snapshot() for b in s["blocks"] if b["address"] == ptr]
    assert states == ["active_pending_free"]
    side.synchronize()
    z = torch.empty(size, dtype=torch.uint8, device=npu)
    assert z.data_ptr() == ptr
    del y, z, sink


def test_record_stream_on_another_devices_stream(npu):
    """The free records its event on the stream's own device, as CUDA's allocator does (it aborted)."""
    other = torch.npu.Stream(device=1)
    size = 41 * MiB  # a size no other cached block has
    source = torch.ones(8 * MiB, device="npu:1")
    x = torch.empty(size, dtype=torch.uint8, device=npu)
    ptr = x.data_ptr()
    other.wait_stream(torch.npu.current_stream(1))  # `source` is written on device 1's current stream
    with torch.npu.stream(other):
        sink = torch.empty_like(source)
        for _ in range(40):  # keep the other device's stream busy past the free
            sink.copy_(source)
    x.record_stream(other)
    del x
    y = torch.empty(size, dtype=torch.uint8, device=npu)
    if not other.query():
        assert y.data_ptr() != ptr  # still awaited by device 1's stream
    other.synchronize()
    z = torch.empty(size, dtype=torch.uint8, device=npu)
    assert ptr in (y.data_ptr(), z.data_ptr())  # reusable once that stream is done
    del y, z, sink


def test_freeing_a_tensor_recorded_on_another_device_does_not_end_the_process():
    """The reported abort: `terminate called after throwing c10::Error` from the free path."""
    result = run_python(
        "import torch\n"
        "t = torch.zeros(4, device='npu:0')\n"
        "t.record_stream(torch.npu.Stream(device=1))\n"
        "del t\n"
        "print('alive', torch.zeros(2, device='npu:0').sum().item())\n"
    )
    assert result.returncode == 0, result.stderr
    assert "alive 0.0" in result.stdout


def test_block_freed_on_one_stream_is_not_reused_by_another(npu):
    x = torch.empty(4096, device=npu)
    ptr = x.data_ptr()
    del x
    side = torch.npu.Stream()
    with torch.npu.stream(side):
        y = torch.empty(4096, device=npu)
    assert y.data_ptr() != ptr
    z = torch.empty(4096, device=npu)
    assert z.data_ptr() == ptr


def test_threads_allocating_on_both_devices_keep_stats_consistent():
    baseline = [torch.npu.memory_stats(d) for d in (0, 1)]
    errors = []
    handed_over = []  # tensors that another thread frees

    def worker(seed):
        try:
            device = seed % 2
            rng = random.Random(seed)
            live = []
            for step in range(300):
                size = rng.choice([100, 4096, 300_000, 3 * MiB, 12 * MiB])
                live.append(torch.empty(size, dtype=torch.uint8, device=f"npu:{device}"))
                if len(live) > 8:
                    victim = live.pop(rng.randrange(len(live)))
                    if step % 50 == 0:
                        handed_over.append(victim)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=worker, args=(seed,)) for seed in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    handed_over.clear()  # freed here, on the main thread, whatever device they live on
    for device in (0, 1):
        stats = torch.npu.memory_stats(device)
        for key in (
            "allocated_bytes.all.current",
            "allocation.all.current",
            "active.all.current",
            "requested_bytes.all.current",
        ):
            assert stats[key] == baseline[device][key], key
        assert stats["allocation.all.allocated"] - baseline[device]["allocation.all.allocated"] == 2 * 300
    torch.npu.empty_cache()
    for device in (0, 1):
        assert torch.npu.memory_reserved(device) == baseline[device]["reserved_bytes.all.current"]


# ---------------------------------------------------------------- fresh processes

OOM_SCRIPT = """
import json, torch
t = torch.empty(100 * 1024 * 1024, dtype=torch.uint8, device="npu")
try:
    torch.empty(2 * 1024 ** 3, dtype=torch.uint8, device="npu")
    raise SystemExit("no OOM")
except torch.OutOfMemoryError as error:
    message = str(error)
after = torch.ones(1024, device="npu")
stats = torch.npu.memory_stats()
print(json.dumps({"message": message, "ooms": stats["num_ooms"], "retries": stats["num_alloc_retries"],
                  "sum": after.sum().item(), "allocated": torch.npu.memory_allocated()}))
"""


def test_out_of_memory_error_and_recovery():
    result = run_json(OOM_SCRIPT, env={"TORCH_NPU_SIM_HBM_MB": "256"})
    message = result["message"]
    assert message.startswith("NPU out of memory. Tried to allocate 2.00 GiB (NPU 0; 256.00 MiB total capacity; "), (
        message
    )
    assert "100.00 MiB already allocated" in message
    assert "reserved in total by PyTorch" in message
    assert "max_split_size_mb" in message
    assert result["ooms"] == 1 and result["retries"] == 1
    assert result["sum"] == 1024
    assert result["allocated"] == 100 * MiB + 4096


def test_out_of_memory_frees_cached_blocks_and_retries():
    result = run_json(
        """
import json, torch
for _ in range(3):
    x = torch.empty(60 * 1024 * 1024, dtype=torch.uint8, device="npu")
    y = torch.empty(70 * 1024 * 1024, dtype=torch.uint8, device="npu")
    del x, y
before = torch.npu.memory_reserved()
big = torch.empty(200 * 1024 * 1024, dtype=torch.uint8, device="npu")  # fits only once the cache is released
stats = torch.npu.memory_stats()
print(json.dumps({"before": before, "retries": stats["num_alloc_retries"], "ooms": stats["num_ooms"],
                  "reserved": torch.npu.memory_reserved()}))
""",
        env={"TORCH_NPU_SIM_HBM_MB": "256"},
    )
    assert result["before"] == 130 * MiB
    assert result["retries"] == 1 and result["ooms"] == 0
    assert result["reserved"] == 200 * MiB


def test_per_process_memory_fraction():
    result = run_json(
        """
import json, torch
torch.npu.set_per_process_memory_fraction(0.5)
assert torch.npu.get_per_process_memory_fraction() == 0.5
ok = torch.empty(100 * 1024 * 1024, dtype=torch.uint8, device="npu")
try:
    torch.empty(100 * 1024 * 1024, dtype=torch.uint8, device="npu")
    message = None
except torch.OutOfMemoryError as error:
    message = str(error)
free, total = torch.npu.mem_get_info()
small = torch.empty(20 * 1024 * 1024, dtype=torch.uint8, device="npu")  # still within the limit
other_device = torch.empty(200 * 1024 * 1024, dtype=torch.uint8, device="npu:1")  # not limited
errors = []
for bad in (1.5, -0.1):
    try:
        torch.npu.set_per_process_memory_fraction(bad)
    except ValueError:
        errors.append(bad)
try:
    torch.npu.set_per_process_memory_fraction(1)
except TypeError:
    errors.append("int")
print(json.dumps({"message": message, "free": free, "errors": errors}))
""",
        env={"TORCH_NPU_SIM_HBM_MB": "256"},
    )
    message = result["message"]
    assert message is not None and message.startswith("NPU out of memory. Tried to allocate 100.00 MiB")
    assert "128.00 MiB allowed; " in message
    assert result["free"] > 100 * MiB  # the limit, not the device, refused
    assert result["errors"] == [1.5, -0.1, "int"]


ALLOC_CONF = "max_split_size_mb:64, garbage_collection_threshold:0.6,roundup_power2_divisions:4"


def test_alloc_conf_is_parsed():
    result = run_json(
        """
import json, torch
x = torch.empty(5 * 1024 * 1024 + 512, dtype=torch.uint8, device="npu")  # 4 divisions: rounds to 6 MiB
settings = torch.npu.memory._allocator_settings()
stats = torch.npu.memory_stats()
print(json.dumps({"settings": settings, "allocated": torch.npu.memory_allocated(),
                  "max_split_size": stats["max_split_size"]}))
""",
        env={"PYTORCH_NPU_ALLOC_CONF": ALLOC_CONF},
    )
    settings = result["settings"]
    assert settings["max_split_size"] == 64 * MiB == result["max_split_size"]
    assert settings["garbage_collection_threshold"] == 0.6
    assert set(settings["roundup_power2_divisions"]) == {4}
    assert settings["caching_enabled"] is True
    assert result["allocated"] == 6 * MiB


def test_alloc_conf_roundup_list_form():
    result = run_json(
        "import json, torch; print(json.dumps(torch.npu.memory._allocator_settings()))",
        env={"PYTORCH_NPU_ALLOC_CONF": "roundup_power2_divisions:[1:8,256:2,>:4]"},
    )
    divisions = result["roundup_power2_divisions"]
    # Interval 0 holds sizes below 1 MiB, interval i sizes in [2^(i-1), 2^i) MiB.
    assert divisions[0] == 8
    assert divisions[1:9] == [2] * 8  # 1 MiB .. 255 MiB
    assert divisions[9:] == [4] * (len(divisions) - 9)  # 256 MiB and up


@pytest.mark.parametrize(
    "conf, fragment",
    [
        ("bogus_option:1", "unrecognized option 'bogus_option'"),
        ("max_split_size_mb:abc", "max_split_size_mb"),
        ("max_split_size_mb:4", "max_split_size_mb must be greater than 20"),
        ("garbage_collection_threshold:1.5", "garbage_collection_threshold"),
        ("roundup_power2_divisions:3", "roundup_power2_divisions"),
        ("expandable_segments:maybe", "expandable_segments"),
        ("backend:cudaMallocAsync", "backend"),
    ],
)
def test_bad_alloc_conf_is_a_clear_error(conf, fragment):
    result = run_python(
        """
import torch
try:
    torch.empty(16, device="npu")
except ValueError as error:
    print("ValueError:", error)
    try:
        torch.empty(16, device="npu")
    except ValueError:
        print("raised again")
""",
        env={"PYTORCH_NPU_ALLOC_CONF": conf},
    )
    assert result.returncode == 0, result.stderr
    assert "ValueError: PYTORCH_NPU_ALLOC_CONF" in result.stdout, result.stdout
    assert fragment in result.stdout
    assert "raised again" in result.stdout


def test_garbage_collection_releases_oldest_cached_segments():
    result = run_json(
        """
import json, torch
MiB = 1024 * 1024
keep = torch.empty(100 * MiB, dtype=torch.uint8, device="npu")
old = torch.empty(30 * MiB, dtype=torch.uint8, device="npu"); del old
frees = torch.npu.memory_stats()["num_device_free"]
new = torch.empty(40 * MiB, dtype=torch.uint8, device="npu")  # reserved 130 MiB > 0.5 * 256 MiB: collect first
stats = torch.npu.memory_stats()
print(json.dumps({"freed": stats["num_device_free"] - frees, "reserved": torch.npu.memory_reserved(),
                  "retries": stats["num_alloc_retries"]}))
""",
        env={"TORCH_NPU_SIM_HBM_MB": "256", "PYTORCH_NPU_ALLOC_CONF": "garbage_collection_threshold:0.5"},
    )
    assert result["freed"] == 1
    assert result["reserved"] == 140 * MiB
    assert result["retries"] == 0


def test_max_split_size_keeps_oversize_blocks_whole():
    result = run_json(
        """
import json, torch
MiB = 1024 * 1024
big = torch.empty(100 * MiB, dtype=torch.uint8, device="npu"); ptr = big.data_ptr(); del big
small = torch.empty(30 * MiB, dtype=torch.uint8, device="npu")   # does not split the oversize block
again = torch.empty(90 * MiB, dtype=torch.uint8, device="npu")   # an oversize request may reuse it whole
stats = torch.npu.memory_stats()
print(json.dumps({"small_reused": small.data_ptr() == ptr, "again_reused": again.data_ptr() == ptr,
                  "oversize_segments": stats["oversize_segments.current"],
                  "oversize_allocations": stats["oversize_allocations.current"]}))
""",
        env={"PYTORCH_NPU_ALLOC_CONF": "max_split_size_mb:64"},
    )
    assert result == {"small_reused": False, "again_reused": True, "oversize_segments": 1, "oversize_allocations": 1}


def test_no_caching_mode_returns_every_free_to_the_device():
    result = run_json(
        """
import json, torch
tensors = [torch.empty(n, dtype=torch.uint8, device="npu") for n in (100, 3000, 5 * 1024 * 1024)]
during = (torch.npu.memory_reserved(), torch.npu.memory_allocated())
del tensors
stats = torch.npu.memory_stats()
caching = torch.npu.memory._allocator_settings()["caching_enabled"]
print(json.dumps({"during": during, "after": torch.npu.memory_reserved(), "frees": stats["num_device_free"],
                  "allocs": stats["num_device_alloc"], "caching": caching}))
""",
        env={"PYTORCH_NO_NPU_MEMORY_CACHING": "1"},
    )
    reserved, allocated = result["during"]
    assert reserved == allocated == 512 + 3072 + 5 * MiB
    assert result["after"] == 0
    assert result["allocs"] == result["frees"] == 3
    assert result["caching"] is False


def test_memory_stats_before_initialization_is_empty():
    result = run_json(
        """
import json, torch
print(json.dumps({"stats": len(torch.npu.memory_stats()), "allocated": torch.npu.memory_allocated(),
                  "initialized": torch.npu.is_initialized(), "snapshot": torch.npu.memory_snapshot()}))
""",
    )
    assert result == {"stats": 0, "allocated": 0, "initialized": False, "snapshot": []}


def test_a_simulated_device_larger_than_the_host_fails_with_an_npu_oom_naming_the_host():
    """Device memory is host memory: allocations past what the host can give fail, never the OOM killer."""
    result = run_python(
        "import torch\n"
        "MiB = 1 << 20\n"
        "a = torch.empty(40 * MiB, dtype=torch.uint8, device='npu:0')\n"
        "try:\n"
        "    torch.empty(40 * MiB, dtype=torch.uint8, device='npu:1')\n"
        "except torch.OutOfMemoryError as error:\n"
        "    print('OOM', error)\n"
        "del a\n"
        "torch.npu.empty_cache()\n"
        "b = torch.empty(40 * MiB, dtype=torch.uint8, device='npu:1')\n"
        "print('after freeing', b.numel() // MiB)\n",
        env={"TORCH_NPU_SIM_HBM_MB": "65536", "TORCH_NPU_SIM_HOST_MEMORY_MB": "64"},
    )
    assert result.returncode == 0, result.stderr
    assert "exceed the 64 MiB of host memory they may commit" in result.stderr  # said at startup
    oom = next(line for line in result.stdout.splitlines() if line.startswith("OOM"))
    assert "NPU out of memory. Tried to allocate 40.00 MiB (NPU 1; 64.00 GiB total capacity;" in oom
    assert "The NPU runtime reports: Out of memory: the host, not device 1, is the limit" in oom
    assert "after freeing 40" in result.stdout
