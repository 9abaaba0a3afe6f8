"""``torch.npu.amp.GradScaler``: ``torch.amp.GradScaler`` for the npu device."""

import warnings

import torch

from .common import amp_definitely_not_available

__all__ = ["GradScaler"]


class GradScaler(torch.amp.GradScaler):
    """``torch.amp.GradScaler("npu", ...)`` with the ``torch.cuda.amp.GradScaler`` signature.

    Scales the loss so float16 gradients do not underflow, unscales them
    before the optimizer step, skips steps whose gradients hold inf/NaN and
    adapts the scale. When no NPU is visible it warns and disables itself
    (every method then passes through), as its CUDA counterpart does.
    """

    def __init__(
        self,
        init_scale: float = 2.0**16,
        growth_factor: float = 2.0,
        backoff_factor: float = 0.5,
        growth_interval: int = 2000,
        enabled: bool = True,
    ) -> None:
        if enabled and amp_definitely_not_available():
            warnings.warn("torch.npu.amp.GradScaler is enabled, but no NPU is available. Disabling.", stacklevel=2)
            enabled = False
        super().__init__(
            "npu",
            init_scale=init_scale,
            growth_factor=growth_factor,
            backoff_factor=backoff_factor,
            growth_interval=growth_interval,
            enabled=enabled,
        )
