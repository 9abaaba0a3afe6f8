"""torch.npu.amp: automatic mixed precision on the npu device, as torch.cuda.amp.

``autocast`` and ``GradScaler`` are ``torch.autocast("npu")`` and
``torch.amp.GradScaler("npu")`` with the torch.cuda.amp signatures;
``custom_fwd`` / ``custom_bwd`` are the torch.amp decorators bound to npu.
"""

from .autocast_mode import autocast, custom_bwd, custom_fwd
from .common import (
    amp_definitely_not_available,
    get_amp_supported_dtype,
    get_autocast_dtype,
    is_autocast_enabled,
    is_bf16_supported,
    set_autocast_dtype,
    set_autocast_enabled,
)
from .grad_scaler import GradScaler

__all__ = [
    "autocast",
    "custom_fwd",
    "custom_bwd",
    "GradScaler",
    "amp_definitely_not_available",
    "get_amp_supported_dtype",
    "is_bf16_supported",
    "is_autocast_enabled",
    "set_autocast_enabled",
    "get_autocast_dtype",
    "set_autocast_dtype",
]
