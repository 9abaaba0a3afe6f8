"""Autocast state of the ``npu`` device, as ``torch.npu`` functions.

``torch.autocast("npu")`` asks the registered device module (``torch.npu``)
for :func:`get_amp_supported_dtype`; the other functions are the npu
counterparts of the ``torch.cuda`` / ``torch.xpu`` autocast helpers.
"""

from typing import List

import torch

__all__ = [
    "get_amp_supported_dtype",
    "is_bf16_supported",
    "is_autocast_enabled",
    "set_autocast_enabled",
    "get_autocast_dtype",
    "set_autocast_dtype",
]

_DEVICE_TYPE = "npu"


def get_amp_supported_dtype() -> List[torch.dtype]:
    """The low-precision dtypes ``torch.autocast("npu", dtype=...)`` accepts."""
    return [torch.float16, torch.bfloat16]


def is_bf16_supported(including_emulation: bool = True) -> bool:
    """Whether the NPU supports bfloat16: it does natively (`including_emulation` mirrors torch.cuda)."""
    return True


def is_autocast_enabled() -> bool:
    """Whether autocast is on for the ``npu`` device in the calling thread."""
    return torch.is_autocast_enabled(_DEVICE_TYPE)


def set_autocast_enabled(enabled: bool) -> None:
    """Turns autocast for the ``npu`` device on or off in the calling thread (prefer ``torch.autocast``)."""
    torch.set_autocast_enabled(_DEVICE_TYPE, bool(enabled))


def get_autocast_dtype() -> torch.dtype:
    """The dtype autocast casts to on the ``npu`` device (float16 unless changed)."""
    return torch.get_autocast_dtype(_DEVICE_TYPE)


def set_autocast_dtype(dtype: torch.dtype) -> None:
    """Sets the dtype autocast casts to on the ``npu`` device; must be one of get_amp_supported_dtype()."""
    if dtype not in get_amp_supported_dtype():
        raise ValueError(f"NPU autocast supports {', '.join(map(str, get_amp_supported_dtype()))}, got {dtype}")
    torch.set_autocast_dtype(_DEVICE_TYPE, dtype)


def amp_definitely_not_available() -> bool:
    """True when no NPU is visible, so mixed precision on npu cannot run."""
    return _device_count() == 0


def _device_count() -> int:
    # Imported here: this module is loaded while torch_npu.npu itself is being imported.
    from torch_npu.npu import device_count

    return device_count()
