"""Sharing NPU memory between processes (CUDA IPC's counterpart): not supported yet.

torch.multiprocessing sends a CUDA tensor to another process as a handle to the same device memory;
torch-npu has no such handle yet, so sending an NPU tensor raises an error that says so (rather than
torch's "_share_fd_: only available on CPU"), and ``ipc_collect`` has nothing to collect.
"""

from multiprocessing.reduction import ForkingPickler

import torch
from torch.multiprocessing import reductions

from ._lazy import _lazy_init

__all__ = ["ipc_collect"]


def ipc_collect() -> None:
    """Frees the NPU memory of tensors sent to other processes once they released them, as
    torch.cuda.ipc_collect does. NPU tensors cannot be sent to other processes (yet), so no memory
    is held for one and there is nothing to free."""
    _lazy_init()


def _reduce_tensor(tensor: torch.Tensor):
    if tensor.device.type == "npu":
        raise RuntimeError(
            "torch-npu cannot share NPU tensors between processes yet (torch.multiprocessing, CUDA IPC's "
            "counterpart): send tensor.cpu() and move it to the NPU in the receiving process"
        )
    return reductions.reduce_tensor(tensor)


def _install_reductions() -> None:
    """Routes every tensor that torch.multiprocessing pickles through _reduce_tensor."""
    for tensor_type in (torch.Tensor, torch.nn.parameter.Parameter):
        ForkingPickler.register(tensor_type, _reduce_tensor)


_install_reductions()
