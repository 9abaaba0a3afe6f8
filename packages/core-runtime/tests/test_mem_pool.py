"""torch.npu.MemPool and use_mem_pool: allocations routed into a private pool of the caching allocator."""

import threading

import pytest
import torch

MiB = 1024 * 1024


def segments_of(pool_id):
    return torch.npu.memory_snapshot(pool_id)


def owning_segment(pointer, segments):
    for segment in segments:
        if segment["address"] <= pointer < segment["address"] + segment["total_size"]:
            return segment
    return None


def test_allocations_under_use_mem_pool_come_from_the_pool_segments():
    pool = torch.npu.MemPool()
    outside_before = torch.empty(MiB, dtype=torch.uint8, device="npu")
    with torch.npu.use_mem_pool(pool):
        inside = torch.empty(3 * MiB, dtype=torch.uint8, device="npu")
        small = torch.empty(100, device="npu")
    outside_after = torch.empty(MiB, dtype=torch.uint8, device="npu")

    pool_segments = pool.snapshot()
    assert owning_segment(inside.data_ptr(), pool_segments) is not None
    assert owning_segment(small.data_ptr(), pool_segments) is not None
    assert all(tuple(segment["segment_pool_id"]) == pool.id for segment in pool_segments)
    for outside in (outside_before, outside_after):
        assert owning_segment(outside.data_ptr(), pool_segments) is None
        assert owning_segment(outside.data_ptr(), segments_of((0, 0))) is not None
    # What the pool holds, from its snapshot: both tensors' (rounded) bytes are allocated in it.
    allocated = sum(segment["allocated_size"] for segment in pool_segments)
    assert allocated == 3 * MiB + 512
    assert sum(segment["total_size"] for segment in pool_segments) >= allocated


def test_memory_freed_in_the_pool_is_reused_by_the_pool_only():
    pool = torch.npu.MemPool()
    with torch.npu.use_mem_pool(pool):
        first = torch.empty(4 * MiB, dtype=torch.uint8, device="npu")
    address = first.data_ptr()
    del first
    outside = torch.empty(4 * MiB, dtype=torch.uint8, device="npu")
    assert outside.data_ptr() != address, "an allocation outside the pool took the pool's cached block"
    with torch.npu.use_mem_pool(pool):
        again = torch.empty(4 * MiB, dtype=torch.uint8, device="npu")
    assert again.data_ptr() == address


def test_values_computed_in_the_pool_are_right():
    pool = torch.npu.MemPool()
    x = torch.randn(64, 64)
    with torch.npu.use_mem_pool(pool):
        y = (x.npu() @ x.npu()).relu() + 1
    torch.testing.assert_close(y.cpu(), (x @ x).relu() + 1)


def test_use_count_counts_the_object_and_the_routings_under_way():
    pool = torch.npu.MemPool()
    assert pool.use_count() == 1
    with torch.npu.use_mem_pool(pool):
        assert pool.use_count() == 2
    assert pool.use_count() == 1


def test_only_the_routing_thread_allocates_from_the_pool():
    pool = torch.npu.MemPool()
    from_other_thread = []
    with torch.npu.use_mem_pool(pool):
        worker = threading.Thread(target=lambda: from_other_thread.append(torch.empty(MiB, device="npu")))
        worker.start()
        worker.join()
        mine = torch.empty(MiB, device="npu")
    assert owning_segment(mine.data_ptr(), pool.snapshot()) is not None
    assert owning_segment(from_other_thread[0].data_ptr(), pool.snapshot()) is None


def test_a_deleted_pool_keeps_live_tensors_and_returns_its_memory_once_they_are_freed():
    torch.npu.empty_cache()
    reserved_before = torch.npu.memory_reserved()
    pool = torch.npu.MemPool()
    pool_id = pool.id
    with torch.npu.use_mem_pool(pool):
        kept = torch.full((2 * MiB,), 7.0, device="npu")
    del pool
    torch.npu.empty_cache()
    assert kept[-1].item() == 7.0
    assert owning_segment(kept.data_ptr(), segments_of(pool_id)) is not None
    del kept
    torch.npu.empty_cache()
    assert segments_of(pool_id) == []
    assert torch.npu.memory_reserved() == reserved_before


def test_no_split_pool_gives_each_allocation_a_segment_of_its_own():
    def segment_count(no_split):
        pool = torch.npu.MemPool(no_split=no_split)
        with torch.npu.use_mem_pool(pool):
            tensors = [torch.empty(1000, device="npu") for _ in range(3)]
        count = len(pool.snapshot())
        del tensors
        return count

    assert segment_count(no_split=False) == 1
    assert segment_count(no_split=True) == 3


@pytest.mark.parametrize("use_on_oom", [True, False])
def test_use_on_oom_lends_the_pool_cached_blocks_when_the_device_is_out_of_memory(use_on_oom):
    size = 64 * MiB
    pool = torch.npu.MemPool(use_on_oom=use_on_oom)
    with torch.npu.use_mem_pool(pool):
        parked = torch.empty(size, dtype=torch.uint8, device="npu")
    del parked  # cached in the pool
    torch.npu.empty_cache()  # the pool is in use: its segment stays
    assert sum(segment["total_size"] for segment in pool.snapshot()) == size
    total = torch.npu.get_device_properties(0).total_memory
    # Room for what is reserved now (the pool's segment included) and nothing more.
    torch.npu.set_per_process_memory_fraction((torch.npu.memory_reserved() + MiB) / total)
    try:
        if use_on_oom:
            borrowed = torch.empty(size, dtype=torch.uint8, device="npu")
            assert owning_segment(borrowed.data_ptr(), pool.snapshot()) is not None
        else:
            with pytest.raises(torch.OutOfMemoryError, match="NPU out of memory"):
                torch.empty(size, dtype=torch.uint8, device="npu")
    finally:
        torch.npu.set_per_process_memory_fraction(1.0)


def test_a_graph_captures_into_a_mem_pool():
    pool = torch.npu.MemPool()
    static_input = torch.ones(1024, device="npu")
    graph = torch.npu.NPUGraph()
    with torch.npu.graph(graph, pool=pool.id):
        static_output = static_input * 3
    assert owning_segment(static_output.data_ptr(), pool.snapshot()) is not None
    static_input.fill_(2.0)
    graph.replay()
    assert static_output.sum().item() == 6.0 * 1024


def test_bad_use():
    pool = torch.npu.MemPool()
    with pytest.raises(TypeError, match="expected a torch.npu.MemPool"):
        with torch.npu.use_mem_pool(pool.id):
            pass
    with torch.npu.use_mem_pool(pool):
        with pytest.raises(RuntimeError, match="already under way"):
            with torch.npu.use_mem_pool(pool):
                pass
    assert pool.use_count() == 1
    with pytest.raises(NotImplementedError, match="custom allocator is not supported yet"):
        torch.npu.MemPool(allocator=object())
