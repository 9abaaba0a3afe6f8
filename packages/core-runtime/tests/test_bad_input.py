"""Bad input gets a clear error, as on CPU or CUDA, and the process goes on working.

One case per input that was once tried by hand; a case that starts to crash, hang or
pass silently fails here. Invalid device indices, cross-device operands and bad
PYTORCH_NPU_ALLOC_CONF values have their own tests (test_device.py, test_memory.py).
"""

import re

import pytest
import torch

NPU = "npu:0"

CASES = {
    "negative size": (lambda: torch.empty(-1, device=NPU), RuntimeError, r"negative dimension -1"),
    "negative size of a factory": (lambda: torch.zeros((2, -3), device=NPU), RuntimeError, r"must be non-negative"),
    "as_strided past the storage": (
        lambda: torch.zeros(4, device=NPU).as_strided((10,), (1,)),
        RuntimeError,
        r"out of bounds for storage of size 16",
    ),
    "elapsed time of unrecorded events": (
        lambda: torch.npu.Event(enable_timing=True).elapsed_time(torch.npu.Event(enable_timing=True)),
        RuntimeError,
        r"Both events must be recorded",
    ),
    "memory fraction above 1": (
        lambda: torch.npu.set_per_process_memory_fraction(2.0),
        ValueError,
        r"Invalid fraction value: 2\.0\. Allowed range: 0~1",
    ),
    "a 1 TiB allocation": (
        lambda: torch.empty(1 << 40, dtype=torch.uint8, device=NPU),
        torch.OutOfMemoryError,
        r"^NPU out of memory\. Tried to allocate 1024\.00 GiB \(NPU 0; ",
    ),
    "a foreign pointer to caching_allocator_delete": (
        lambda: torch.npu.caching_allocator_delete(0xBC614E),
        RuntimeError,
        r"invalid device pointer 0xbc614e",
    ),
    "a view whose size overflows": (
        lambda: torch.zeros(4, device=NPU).view(2**62, 4),
        RuntimeError,
        r"is invalid for input of size 4",
    ),
    "an allocation whose size overflows": (
        lambda: torch.empty(2**62, 2**62, device=NPU),
        RuntimeError,
        r"Storage size calculation overflowed",
    ),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_bad_input_is_a_clear_error_and_nothing_is_lost(case):
    make, error, message = CASES[case]
    kept = torch.arange(8.0).to(NPU)
    with pytest.raises(error) as raised:
        make()
    assert re.search(message, str(raised.value)), str(raised.value)
    # The device still works and what was on it is intact.
    assert torch.equal((kept + 1).cpu(), torch.arange(8.0) + 1)


def test_synchronizing_an_unrecorded_event_returns_at_once():
    """As with CUDA events: nothing recorded, nothing to wait for."""
    event = torch.npu.Event()
    event.synchronize()
    assert event.query()
