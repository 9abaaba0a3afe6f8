"""PYTORCH_NPU_ALLOC_CONF=expandable_segments:True: the caching allocator grows each stream's pool in one
reservation of device address space (aclrtReserveMemAddress), mapping physical pages (aclrtMallocPhysical,
aclrtMapMem) as blocks need them and unmapping free ones when the cache is emptied.

The allocator reads its configuration once per process, so each test runs its own interpreter.
"""

import json

import pytest
import torch
from conftest import run_python

EXPANDABLE = {"PYTORCH_NPU_ALLOC_CONF": "expandable_segments:True"}
MiB = 1 << 20

# Each step allocates a tensor a little larger than the last while the last is still alive, then frees the last:
# ordinary segments are never large enough for the next request and pile up in the cache; an expandable segment
# merges the freed blocks into one range that serves the next requests.
FRAGMENTING_WORKLOAD = """
import json, torch
torch.npu.reset_peak_memory_stats()
previous = None
for step in range(24):
    current = torch.empty((40 + 2 * step) * 2**20, dtype=torch.uint8, device="npu")
    current[:8] = step
    if previous is not None:
        assert previous[:8].tolist() == [step - 1] * 8
    previous = current
stats = torch.npu.memory_stats()
print(json.dumps({"reserved": stats["reserved_bytes.all.peak"], "allocated": stats["allocated_bytes.all.peak"]}))
"""


def run_ok(code: str, env=None) -> str:
    result = run_python(code, env=env)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_expandable_segments_cut_what_a_fragmenting_workload_reserves():
    ordinary = json.loads(run_ok(FRAGMENTING_WORKLOAD).splitlines()[-1])
    expandable = json.loads(run_ok(FRAGMENTING_WORKLOAD, env=EXPANDABLE).splitlines()[-1])
    assert ordinary["allocated"] == expandable["allocated"]
    # Ordinary segments: most steps' requests need a new segment (1.5 GiB for 170 MiB allocated at the peak).
    assert ordinary["reserved"] > 5 * ordinary["allocated"], ordinary
    # One expandable segment: the free ranges merge and serve the next requests (262 MiB).
    assert expandable["reserved"] < 2 * expandable["allocated"], expandable
    assert expandable["reserved"] * 4 < ordinary["reserved"]


def test_tensors_span_pages_and_keep_their_data_as_the_segment_grows():
    stdout = run_ok(
        """
import torch
torch.manual_seed(0)
keep = [torch.randn(n, device="npu") for n in (3, 300_000, 7_000_000, 12_345)]  # up to 28 MB: several pages
expected = [t.cpu() for t in keep]
grow = [torch.ones(5_000_000, device="npu") for _ in range(8)]  # maps more pages behind them
for t, e in zip(keep, expected):
    assert torch.equal(t.cpu(), e)
big = keep[2]
assert torch.equal((big * 2).cpu(), expected[2] * 2)
assert float(torch.cat(grow).sum()) == 40_000_000.0
segments = torch.npu.memory_snapshot()
assert segments and all(s["is_expandable"] for s in segments), segments
print("ok", len(segments))
""",
        env=EXPANDABLE,
    )
    assert "ok" in stdout


def test_empty_virt_addr_cache_unmaps_but_keeps_the_physical_memory():
    stdout = run_ok(
        """
import gc, torch
free_at_start = torch.npu.mem_get_info()[0]
x = torch.empty((750, 1024, 1024), dtype=torch.uint8, device="npu")
del x
last_reserved = torch.npu.memory_reserved()
assert last_reserved >= 750 * 2**20, last_reserved

torch.npu.empty_virt_addr_cache()
assert torch.npu.memory_reserved() == 0
assert torch.npu.max_memory_reserved() == last_reserved
# Unmapped, the pages stay with the allocator: the device has no more free memory than before.
assert torch.npu.mem_get_info()[0] <= free_at_start - 750 * 2**20

y = torch.empty((750, 1024, 1024), dtype=torch.uint8, device="npu")
y.fill_(3)
assert int(y[-1, -1, -1]) == 3
assert torch.npu.memory_allocated() >= 750 * 2**20
del y
torch.npu.empty_virt_addr_cache()
torch.npu.empty_cache()  # frees the kept pages too
assert torch.npu.memory_reserved() == 0
assert torch.npu.mem_get_info()[0] == free_at_start, (torch.npu.mem_get_info()[0], free_at_start)
stats = torch.npu.memory_stats()
assert stats["segment.all.current"] == 0, stats["segment.all.current"]
print("ok")
""",
        env=EXPANDABLE,
    )
    assert "ok" in stdout


def test_empty_virt_addr_cache_needs_expandable_segments(npu):
    torch.empty(4, device=npu)
    with pytest.raises(RuntimeError, match="Unsupported config for empty_virt_addr_cache, please enable expandable"):
        torch.npu.empty_virt_addr_cache()


def test_snapshot_shows_one_segment_per_mapped_run_of_each_stream_and_pool():
    stdout = run_ok(
        """
import torch
side = torch.npu.Stream()
a = torch.empty(30 * 2**20, dtype=torch.uint8, device="npu")
b = torch.empty(30 * 2**20, dtype=torch.uint8, device="npu")
e = torch.empty(30 * 2**20, dtype=torch.uint8, device="npu")
small = torch.empty(1000, device="npu")
with torch.npu.stream(side):
    c = torch.empty(25 * 2**20, dtype=torch.uint8, device="npu")
pool = torch.npu.MemPool()
with torch.npu.use_mem_pool(pool):
    d = torch.empty(22 * 2**20, dtype=torch.uint8, device="npu")
segments = torch.npu.memory_snapshot()
assert all(s["is_expandable"] for s in segments)
assert sum(s["total_size"] for s in segments) == torch.npu.memory_reserved()
assert sum(s["allocated_size"] for s in segments) == torch.npu.memory_allocated()
kinds = sorted((s["segment_type"], s["stream"] == side.npu_stream, tuple(s["segment_pool_id"])) for s in segments)
print("kinds", kinds)
stats = torch.npu.memory_stats()
assert stats["segment.all.current"] == 4, stats["segment.all.current"]  # large, small, side stream, MemPool

del b  # its whole pages, [40, 60) MiB of the segment, go back when the cache is emptied
torch.npu.empty_cache()
large_default = [s for s in segments if s["segment_type"] == "large" and s["stream"] != side.npu_stream
                 and tuple(s["segment_pool_id"]) == (0, 0)]
after = [s for s in torch.npu.memory_snapshot() if s["segment_type"] == "large" and s["stream"] != side.npu_stream
         and tuple(s["segment_pool_id"]) == (0, 0)]
print("runs", len(large_default), len(after))
assert sum(s["total_size"] for s in torch.npu.memory_snapshot()) == torch.npu.memory_reserved()
del a, c, d, e, small
del pool
torch.npu.empty_cache()
assert torch.npu.memory_reserved() == 0 and torch.npu.memory_snapshot() == []
print("ok")
""",
        env=EXPANDABLE,
    )
    assert "ok" in stdout
    kinds = next(line for line in stdout.splitlines() if line.startswith("kinds"))
    assert kinds.count("'large'") == 3 and kinds.count("'small'") == 1, kinds
    assert "True" in kinds  # the side stream's own segment
    runs = next(line for line in stdout.splitlines() if line.startswith("runs")).split()
    assert (runs[1], runs[2]) == ("1", "2"), runs  # a's and e's pages are now two runs


def test_out_of_memory_is_clear_and_loses_nothing():
    stdout = run_ok(
        """
import torch
first = torch.ones(100 * 2**20, dtype=torch.uint8, device="npu")
try:
    torch.empty(200 * 2**20, dtype=torch.uint8, device="npu")
except torch.OutOfMemoryError as error:
    print("oom:", str(error).splitlines()[0])
assert int(first.sum()) == 100 * 2**20
del first
# The freed pages are unmapped and the request retried: it now fits.
second = torch.empty(200 * 2**20, dtype=torch.uint8, device="npu")
print("retried", torch.npu.memory_stats()["num_alloc_retries"] >= 1)
del second
torch.npu.empty_cache()
torch.npu.set_per_process_memory_fraction(0.25)
try:
    torch.empty(100 * 2**20, dtype=torch.uint8, device="npu")
except torch.OutOfMemoryError as error:
    print("fraction:", "allowed" in str(error))
""",
        env={**EXPANDABLE, "TORCH_NPU_SIM_HBM_MB": "256"},
    )
    assert "oom: NPU out of memory. Tried to allocate" in stdout, stdout
    assert "retried True" in stdout
    assert "fraction: True" in stdout


def test_training_and_graph_replay_equal_cpu_with_expandable_segments():
    stdout = run_ok(
        """
import copy, torch
torch.manual_seed(0)
model = torch.nn.Sequential(torch.nn.Linear(64, 256), torch.nn.GELU(), torch.nn.Linear(256, 10))
inputs, targets = torch.randn(32, 64), torch.randint(0, 10, (32,))
models = {"cpu": model, "npu": copy.deepcopy(model).npu()}
optimizers = {k: torch.optim.AdamW(m.parameters(), lr=1e-2) for k, m in models.items()}
for step in range(5):
    losses = {}
    for device, m in models.items():
        optimizers[device].zero_grad()
        loss = torch.nn.functional.cross_entropy(m(inputs.to(device)), targets.to(device))
        loss.backward()
        losses[device] = loss.item()
        if device == "npu":
            for (name, p), q in zip(m.named_parameters(), models["cpu"].parameters()):
                torch.testing.assert_close(p.grad.cpu(), q.grad, msg=name)
        optimizers[device].step()
    assert abs(losses["cpu"] - losses["npu"]) < 1e-5, losses

static_input = torch.randn(8, 64, device="npu")
net = models["npu"]
side = torch.npu.Stream()
side.wait_stream(torch.npu.current_stream())
with torch.npu.stream(side):
    net(static_input)
torch.npu.current_stream().wait_stream(side)
graph = torch.npu.NPUGraph()
with torch.npu.graph(graph):
    # A 32 MiB temporary, freed inside the capture: whole free pages of the graph's pool.
    scale = torch.ones(8 << 20, device="npu").mean()
    static_output = net(static_input) * scale
del side
# Emptying the caches leaves the graph's pool alone: the replay writes into its memory.
torch.npu.empty_virt_addr_cache()
torch.npu.empty_cache()
fresh = torch.randn(8, 64)
static_input.copy_(fresh.npu())
graph.replay()
torch.testing.assert_close(static_output.cpu(), models["cpu"](fresh), rtol=1e-5, atol=1e-5)
print("ok", any(s["is_expandable"] for s in torch.npu.memory_snapshot()))
""",
        env=EXPANDABLE,
    )
    assert "ok True" in stdout


def test_page_mappings_count_as_device_calls_and_no_split_pools_keep_own_segments():
    stdout = run_ok(
        """
import torch
x = torch.empty(50 * 2**20, dtype=torch.uint8, device="npu")  # three 20 MiB pages
stats = torch.npu.memory_stats()
print("allocs", stats["num_device_alloc"], "reserved", stats["reserved_bytes.all.current"] // 2**20)
del x
torch.npu.empty_cache()
print("frees", torch.npu.memory_stats()["num_device_free"])
pool = torch.npu.MemPool(no_split=True)
with torch.npu.use_mem_pool(pool):
    kept = [torch.empty(3000, device="npu") for _ in range(3)]
print("no_split", [s["is_expandable"] for s in pool.snapshot()])
""",
        env=EXPANDABLE,
    )
    assert "allocs 3 reserved 60" in stdout, stdout
    assert "frees 3" in stdout, stdout
    assert "no_split [False, False, False]" in stdout, stdout
