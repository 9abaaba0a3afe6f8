"""``torch.npu.amp.autocast`` and the custom autograd-function decorators, as in ``torch.cuda.amp``."""

import functools
from typing import Any, Callable, Optional, TypeVar

import torch

__all__ = ["autocast", "custom_fwd", "custom_bwd"]

_F = TypeVar("_F", bound=Callable[..., Any])


class autocast(torch.amp.autocast_mode.autocast):
    """``torch.autocast("npu", ...)`` with the ``torch.cuda.amp.autocast`` signature.

    Usable as a context manager or a decorator::

        with torch.npu.amp.autocast():
            loss = model(x)

    Args:
        enabled: whether autocasting is on in the region.
        dtype: the low-precision dtype, ``torch.float16`` (default) or ``torch.bfloat16``.
        cache_enabled: whether casted weights are cached inside the region.
    """

    def __init__(
        self,
        enabled: bool = True,
        dtype: torch.dtype = torch.float16,
        cache_enabled: bool = True,
    ) -> None:
        super().__init__("npu", dtype=dtype, enabled=enabled, cache_enabled=cache_enabled)


def custom_fwd(fwd: Optional[_F] = None, *, cast_inputs: Optional[torch.dtype] = None) -> Any:
    """Decorates ``forward`` of a custom ``torch.autograd.Function`` for npu autocast.

    ``torch.amp.custom_fwd(..., device_type="npu")``: with `cast_inputs` set,
    floating-point npu inputs are cast to it and the forward runs with autocast
    off; without it, forward runs under the caller's autocast state.
    """
    if fwd is None:
        return functools.partial(custom_fwd, cast_inputs=cast_inputs)
    return torch.amp.custom_fwd(fwd, device_type="npu", cast_inputs=cast_inputs)


def custom_bwd(bwd: Optional[_F] = None) -> Any:
    """Decorates ``backward`` of a custom ``torch.autograd.Function`` for npu autocast.

    ``torch.amp.custom_bwd(..., device_type="npu")``: backward runs with the
    autocast state its forward ran with.
    """
    if bwd is None:
        return custom_bwd
    return torch.amp.custom_bwd(bwd, device_type="npu")
