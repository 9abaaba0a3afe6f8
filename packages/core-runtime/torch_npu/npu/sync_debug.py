"""torch.npu.set_sync_debug_mode: warn or raise when an operation makes the host wait for the NPU.

As torch.cuda's: an implicit synchronization (a blocking copy to the host, ``.item()``, an
operator whose result size depends on the data, ``Stream.synchronize()``) warns or raises;
``torch.npu.synchronize()``, which asks for the wait, does not.
"""

from typing import Union

import torch_npu._C as _C

__all__ = ["set_sync_debug_mode", "get_sync_debug_mode"]

_MODES = {"default": 0, "warn": 1, "error": 2}


def set_sync_debug_mode(debug_mode: Union[int, str]) -> None:
    """Sets what a synchronizing NPU operation does.

    Args:
        debug_mode: ``"default"`` or 0: nothing; ``"warn"`` or 1: a warning;
            ``"error"`` or 2: a RuntimeError ("called a synchronizing NPU operation").
    """
    if isinstance(debug_mode, str):
        if debug_mode not in _MODES:
            raise RuntimeError("invalid value of debug_mode, expected one of `default`, `warn`, `error`")
        debug_mode = _MODES[debug_mode]
    _C._npu_set_sync_debug_mode(debug_mode)


def get_sync_debug_mode() -> int:
    """The current mode: 0 (default), 1 (warn) or 2 (error)."""
    return _C._npu_get_sync_debug_mode()
