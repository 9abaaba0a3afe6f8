"""Every Tier 1 name of the torch.npu API (design/api-surface.md) exists and is usable."""

import pytest
import torch

TIER1 = {
    "device": [
        "is_available", "device_count", "current_device", "set_device", "device", "device_of",
        "get_device_name", "get_device_properties", "get_device_capability", "mem_get_info",
        "synchronize", "init", "is_initialized", "can_device_access_peer", "utilization",
    ],
    "streams": [
        "Stream", "Event", "StreamContext", "stream", "set_stream", "current_stream", "default_stream",
        "ExternalEvent", "SyncLaunchStream",
    ],
    "memory": [
        "memory_allocated", "max_memory_allocated", "memory_reserved", "max_memory_reserved",
        "memory_cached", "max_memory_cached", "memory_stats", "memory_stats_as_nested_dict",
        "memory_summary", "memory_snapshot", "reset_peak_memory_stats", "reset_accumulated_memory_stats",
        "reset_max_memory_allocated", "reset_max_memory_cached", "empty_cache",
        "set_per_process_memory_fraction", "caching_allocator_alloc", "caching_allocator_delete",
        "get_allocator_backend",
    ],
    "random": [
        "manual_seed", "manual_seed_all", "seed", "seed_all", "initial_seed", "get_rng_state",
        "set_rng_state", "get_rng_state_all", "set_rng_state_all",
    ],
    "amp": [
        "get_amp_supported_dtype", "is_bf16_supported", "is_autocast_enabled", "set_autocast_enabled",
        "get_autocast_dtype", "set_autocast_dtype",
    ],
    "typed": [
        "FloatTensor", "DoubleTensor", "HalfTensor", "BFloat16Tensor", "ByteTensor", "CharTensor",
        "ShortTensor", "IntTensor", "LongTensor", "BoolTensor", "FloatStorage",
    ],
}


@pytest.mark.parametrize("name", [name for names in TIER1.values() for name in names])
def test_tier1_name_exists(name):
    assert hasattr(torch.npu, name), f"torch.npu.{name} is missing"
    assert name in torch.npu.__all__


def test_amp_namespace():
    for name in ("autocast", "GradScaler", "custom_fwd", "custom_bwd"):
        assert hasattr(torch.npu.amp, name)


def test_out_of_memory_error_is_torchs():
    assert torch.npu.OutOfMemoryError is torch.OutOfMemoryError
