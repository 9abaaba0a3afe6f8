"""Lazy initialization of the NPU runtime, with fork safety.

The runtime is started on first real use (a tensor on npu, a stream, a
synchronize), not at import, so importing torch stays cheap and a process that
forks before using the device can still use it in the child.
"""

import threading
from typing import Callable, List

import torch
import torch_npu._C as _C
from torch_npu import _build_info

_initialized = False
_lock = threading.Lock()
_queued_calls: List[Callable[[], None]] = []


def is_initialized() -> bool:
    """Whether the NPU runtime has been initialized in this process."""
    return _initialized and not _C._npu_isInBadFork()


def _check_cann_version() -> None:
    info = _C._npu_runtimeInfo()
    wanted = _build_info.CANN_VERSION.split(".")[:2]
    found = info["cann_version"].split(".")[:2]
    if found != wanted:
        where = "the bundled NPU simulator" if info["is_simulator"] else info["toolkit_home"]
        raise RuntimeError(
            f"torch_npu was built for CANN {_build_info.CANN_VERSION}, but {where} provides CANN "
            f"{info['cann_version'] or 'of unknown version'}. Install CANN {_build_info.CANN_VERSION} "
            f"(and source its set_env.sh), or install the torch-npu wheel built for CANN {info['cann_version']}."
        )


def _lazy_init() -> None:
    """Initializes the runtime once; raises in a child forked after initialization."""
    global _initialized
    if is_initialized():
        return
    with _lock:
        if is_initialized():
            return
        if _C._npu_isInBadFork():
            raise RuntimeError(
                "Cannot re-initialize NPU in forked subprocess. To use NPU with multiprocessing, "
                "you must use the 'spawn' start method"
            )
        _C._npu_checkDeviceIndex(0)  # raises with the loader's reason when there is no device
        _check_cann_version()
        _C._npu_init()
        _initialized = True
        for call in _queued_calls:
            call()
        _queued_calls.clear()


def _lazy_call(call: Callable[[], None]) -> None:
    """Runs `call` now when initialized, else right after initialization."""
    if is_initialized():
        call()
    else:
        _queued_calls.append(call)


def _device_index(device: "torch.types.Device", optional: bool = True) -> int:
    """Normalizes an int, 'npu:1', torch.device or None (current device) to an index."""
    if device is None:
        if not optional:
            raise ValueError("Expected an NPU device, got None")
        return current_device_index()
    if isinstance(device, str):
        device = torch.device(device)
    if isinstance(device, torch.device):
        if device.type != "npu":
            raise ValueError(f"Expected an NPU device, got {device}")
        return current_device_index() if device.index is None else device.index
    if isinstance(device, int):
        return device
    raise TypeError(f"Expected an int, str or torch.device for an NPU device, got {type(device).__name__}")


def current_device_index() -> int:
    _lazy_init()
    return _C._npu_getDevice()
