"""torch.npu: the NPU counterpart of torch.cuda.

Every function here means what its torch.cuda namesake means, so code moves
between the two by changing the device name.
"""

import warnings
from functools import lru_cache
from typing import Any, Dict, NamedTuple, Optional, Tuple

import torch
import torch_npu._C as _C

from ._lazy import _device_index, _lazy_init, current_device_index, is_initialized
from .memory import *  # noqa: F401,F403
from .memory import __all__ as _memory_all
from .random import *  # noqa: F401,F403
from .random import __all__ as _random_all
from .streams import *  # noqa: F401,F403
from .streams import __all__ as _streams_all
from .graphs import *  # noqa: F401,F403
from .graphs import __all__ as _graphs_all
from . import amp
from . import mstx
from . import sanitizer
from ._typed import *  # noqa: F401,F403
from ._typed import __all__ as _typed_all
from .amp.common import *  # noqa: F401,F403
from .amp.common import __all__ as _amp_all
from .options import *  # noqa: F401,F403
from .options import __all__ as _options_all
from .sync_debug import *  # noqa: F401,F403
from .sync_debug import __all__ as _sync_debug_all
from .deterministic import *  # noqa: F401,F403
from .deterministic import __all__ as _deterministic_all
from .overflow import *  # noqa: F401,F403
from .overflow import __all__ as _overflow_all
from .resource_limits import *  # noqa: F401,F403
from .resource_limits import __all__ as _resource_limits_all
from .recovery import *  # noqa: F401,F403
from .recovery import __all__ as _recovery_all
from .self_test import *  # noqa: F401,F403
from .self_test import __all__ as _self_test_all
from .ipc import *  # noqa: F401,F403
from .ipc import __all__ as _ipc_all
from .obfuscation import *  # noqa: F401,F403
from .obfuscation import __all__ as _obfuscation_all

__all__ = [
    "is_available",
    "device_count",
    "current_device",
    "set_device",
    "device",
    "device_of",
    "get_device_name",
    "get_device_properties",
    "get_device_capability",
    "synchronize",
    "init",
    "is_initialized",
    "can_device_access_peer",
    "utilization",
    "get_cann_version",
    "NPUDeviceProperties",
    "OutOfMemoryError",
    *_memory_all,
    *_random_all,
    *_streams_all,
    *_graphs_all,
    "amp",
    "mstx",
    "sanitizer",
    *_amp_all,
    *_typed_all,
    *_options_all,
    *_sync_debug_all,
    *_deterministic_all,
    *_overflow_all,
    *_resource_limits_all,
    *_recovery_all,
    *_self_test_all,
    *_ipc_all,
    *_obfuscation_all,
    "current_blas_handle",
    "npurt",
]

# What an allocation beyond the device's memory raises, as for CUDA.
OutOfMemoryError = torch.OutOfMemoryError


def is_available() -> bool:
    """True when at least one NPU (real or simulated) is visible."""
    return device_count() > 0


def device_count() -> int:
    """Number of visible NPUs; 0 when no runtime can be loaded. Does not initialize the runtime."""
    return _C._npu_getDeviceCount()


def init() -> None:
    """Initializes the NPU runtime now instead of on first use."""
    _lazy_init()


def current_device() -> int:
    """Index of the calling thread's current NPU."""
    return current_device_index()


def set_device(device: "torch.types.Device") -> None:
    """Makes `device` the calling thread's current NPU."""
    index = _device_index(device)
    if index >= 0:
        _lazy_init()
        _C._npu_setDevice(index)


class device:
    """Context manager that makes `device` current and restores the previous one on exit."""

    def __init__(self, device: Any) -> None:
        self.idx = _device_index(device) if device is not None else -1
        self.prev_idx = -1

    def __enter__(self) -> None:
        if self.idx >= 0:
            _lazy_init()
            self.prev_idx = _C._npu_exchangeDevice(self.idx)

    def __exit__(self, *exc: Any) -> None:
        if self.idx >= 0:
            _C._npu_setDevice(self.prev_idx)


class device_of(device):
    """Context manager that makes the device of tensor `obj` current (no-op for CPU tensors)."""

    def __init__(self, obj: torch.Tensor) -> None:
        super().__init__(obj.get_device() if obj.device.type == "npu" else None)


def synchronize(device: "torch.types.Device" = None) -> None:
    """Waits for every stream of `device` (default: current) to finish its work."""
    _lazy_init()
    _C._npu_synchronize(_device_index(device))


class NPUDeviceProperties(NamedTuple):
    """What get_device_properties() reports for one NPU."""

    name: str
    total_memory: int
    soc_name: str
    is_simulator: bool
    cann_version: str
    major: int
    minor: int


@lru_cache(maxsize=None)
def get_device_properties(device: "torch.types.Device" = None) -> NPUDeviceProperties:
    """Name, total memory and runtime of `device`."""
    _lazy_init()
    index = _device_index(device)
    _C._npu_checkDeviceIndex(index)
    info = _C._npu_runtimeInfo()
    soc = _C._npu_socName(index)
    _, total = _C._npu_memGetInfo(index)
    name = f"{soc} (simulated)" if info["is_simulator"] else soc
    return NPUDeviceProperties(name, total, soc, info["is_simulator"], info["cann_version"], *_capability(soc))


def _capability(soc: str) -> Tuple[int, int]:
    # Ascend 910B-class SoCs are the "A2" generation; the rest report their family digit.
    if soc.startswith("Ascend910B"):
        return (2, 0)
    if soc.startswith("Ascend910_93"):
        return (3, 0)
    return (1, 0)


def current_blas_handle() -> None:
    """None, with the reference's warning: NPU matmuls take no BLAS handle (torch.cuda's returns cuBLAS's)."""
    warnings.warn("NPU does not use blas handle.")
    return None


def get_device_name(device: "torch.types.Device" = None) -> str:
    """Name of `device`, e.g. 'Ascend910B1 (simulated)'."""
    return get_device_properties(device).name


def get_device_capability(device: "torch.types.Device" = None) -> Tuple[int, int]:
    """The (major, minor) generation of `device`."""
    properties = get_device_properties(device)
    return properties.major, properties.minor


def can_device_access_peer(device: "torch.types.Device", peer_device: "torch.types.Device") -> bool:
    """Whether `device` can access the memory of `peer_device` directly."""
    _lazy_init()
    return _C._npu_canAccessPeer(_device_index(device), _device_index(peer_device))


def utilization(device: "torch.types.Device" = None) -> int:
    """Percent of the last sample period `device`'s compute units were busy."""
    _lazy_init()
    return _C._npu_utilization(_device_index(device))["cube"]


def get_cann_version(module: str = "CANN") -> str:
    """Version of CANN (or of one of its modules) in use; the simulator reports the version it emulates."""
    return _C._npu_cannVersion(module)


def npurt() -> Any:
    """CANN runtime calls by raw address, as torch.cuda.cudart() offers CUDA's: ``npuStreamCreate(ptr)``
    (writes a new stream's handle to the address), ``npuStreamDestroy(stream)``, each returning CANN's
    error code; ``npuHostRegister``/``npuHostUnregister`` need a CANN newer than 8.5 and raise."""
    _lazy_init()
    return _C._npurt


def _get_runtime_info() -> Dict[str, Any]:
    """Which CANN implementation is loaded: simulator or toolkit, its library, version and home."""
    return _C._npu_runtimeInfo()


def _is_in_bad_fork() -> bool:
    return _C._npu_isInBadFork()


def __getattr__(name: str) -> Any:
    # Resolved on access so that importing torch_npu does not start the runtime.
    if name == "default_generators":
        from . import random

        return random.default_generators
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
