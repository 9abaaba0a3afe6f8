"""torch.npu.amp: automatic mixed precision on the npu device, as torch.cuda.amp.

``autocast`` and ``GradScaler`` are ``torch.autocast("npu")`` and
``torch.amp.GradScaler("npu")`` with the torch.cuda.amp signatures;
``custom_fwd`` / ``custom_bwd`` are the torch.amp decorators bound to npu.
"""

from .autocast_mode import autocast, custom_bwd, custom_fwd
from . import common
from .common import *  # noqa: F401,F403
from .common import amp_definitely_not_available
from .grad_scaler import GradScaler

__all__ = ["autocast", "custom_fwd", "custom_bwd", "GradScaler", "amp_definitely_not_available", *common.__all__]
