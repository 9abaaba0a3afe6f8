"""Pinned host memory and non-blocking copies."""

import torch

from conftest import run_python

BIG = 64 * 1024 * 1024  # 256 MiB of float32: tens of milliseconds to copy


def test_pin_memory():
    pinned = torch.randn(16).pin_memory()
    assert pinned.is_pinned()
    assert not torch.randn(16).is_pinned()


def test_non_blocking_host_to_device_returns_before_the_copy_finished():
    source = torch.ones(BIG).pin_memory()
    stream = torch.npu.current_stream()
    target = torch.empty(BIG, device="npu")
    target.copy_(source, non_blocking=True)
    assert not stream.query(), "a 256 MiB copy finished before copy_ returned: it was not asynchronous"
    stream.synchronize()
    assert target[-1].item() == 1.0


def test_pinned_source_is_not_reused_while_its_copy_is_pending():
    source = torch.ones(BIG).pin_memory()
    source_pointer = source.data_ptr()
    target = torch.empty(BIG, device="npu")
    target.copy_(source, non_blocking=True)
    del source
    replacement = torch.empty(BIG).pin_memory()
    assert replacement.data_ptr() != source_pointer
    replacement.fill_(3.0)
    torch.npu.synchronize()
    assert target.sum().item() == float(BIG)


def test_non_blocking_device_to_host_into_pinned_memory():
    source = torch.full((BIG,), 2.0, device="npu")
    target = torch.empty(BIG).pin_memory()
    target.copy_(source, non_blocking=True)
    torch.npu.current_stream().synchronize()
    assert target[0].item() == 2.0 and target[-1].item() == 2.0


def test_blocking_copy_to_pageable_memory_is_complete_on_return():
    source = torch.full((BIG,), 5.0, device="npu")
    assert source.cpu()[-1].item() == 5.0


def test_launch_blocking_makes_copies_synchronous():
    result = run_python(
        "import torch\n"
        f"source = torch.ones({BIG}).pin_memory()\n"
        f"target = torch.empty({BIG}, device='npu')\n"
        "target.copy_(source, non_blocking=True)\n"
        "print(torch.npu.current_stream().query())\n",
        env={"ASCEND_LAUNCH_BLOCKING": "1"},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"


def test_host_memory_stats_follow_pinned_allocations():
    # This release's names, as torch.cuda.host_memory_stats gives them.
    if "active_requests.current" in torch.npu.host_memory_stats():
        handed_out, owned, owned_bytes = "active_requests", "allocations", "allocated_bytes"
    else:
        handed_out, owned, owned_bytes = "allocation", "segment", "reserved_bytes"
    torch.npu.host_empty_cache()
    torch.npu.reset_peak_host_memory_stats()
    before = torch.npu.host_memory_stats()
    pinned = torch.empty(3 * 1024 * 1024, dtype=torch.uint8).pin_memory()
    during = torch.npu.host_memory_stats()
    assert during[f"{handed_out}.current"] == before[f"{handed_out}.current"] + 1
    assert during[f"{owned}.current"] == before[f"{owned}.current"] + 1
    # Blocks are rounded up to a power of two before aclrtMallocHost.
    assert during[f"{owned_bytes}.current"] - before[f"{owned_bytes}.current"] == 4 * 1024 * 1024
    assert during["num_host_alloc"] == before["num_host_alloc"] + 1
    assert during["host_alloc_time.count"] == before["host_alloc_time.count"] + 1
    del pinned
    torch.npu.host_empty_cache()
    after = torch.npu.host_memory_stats()
    assert after[f"{handed_out}.current"] == before[f"{handed_out}.current"]
    assert after[f"{owned_bytes}.current"] == before[f"{owned_bytes}.current"]
    assert after["num_host_free"] == before["num_host_free"] + 1
    assert after["host_free_time.count"] == before["host_free_time.count"] + 1
    assert after[f"{owned_bytes}.peak"] >= during[f"{owned_bytes}.current"]
    torch.npu.reset_peak_host_memory_stats()
    assert torch.npu.host_memory_stats()[f"{owned_bytes}.peak"] == after[f"{owned_bytes}.current"]
    torch.npu.reset_accumulated_host_memory_stats()
    assert torch.npu.host_memory_stats()[f"{owned_bytes}.allocated"] == 0
    nested = torch.npu.host_memory_stats_as_nested_dict()
    assert nested[handed_out]["current"] == after[f"{handed_out}.current"]
