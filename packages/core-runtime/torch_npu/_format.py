"""NPU memory formats: ``torch_npu.Format``, ``npu_format_cast(_)`` and ``get_npu_format``.

Each npu storage records the format CANN would lay its data out in (ND, NCHW, FRACTAL_NZ, ...).
The simulator keeps every storage in ND order, so a cast records the format and copies the
data unchanged: results of every operator stay those of ND data.
"""

from __future__ import annotations

from enum import IntEnum
from typing import Any

import torch


class Format(IntEnum):
    """CANN's ``aclFormat`` values, by the reference's names."""

    UNDEFINED = -1
    NCHW = 0
    NHWC = 1
    ND = 2
    NC1HWC0 = 3
    FRACTAL_Z = 4
    NC1HWC0_C04 = 12
    HWCN = 16
    NDHWC = 27
    FRACTAL_NZ = 29
    NCDHW = 30
    NDC1HWC0 = 32
    FRACTAL_Z_3D = 33
    NC = 35
    NCL = 47
    FRACTAL_NZ_C0_16 = 50
    FRACTAL_NZ_C0_32 = 51


def get_npu_format(tensor: torch.Tensor) -> Format:
    """The format recorded for ``tensor``'s storage (NCHW for new 4-D tensors, NCDHW for 5-D, else ND)."""
    return Format(torch.ops.npu.get_npu_format(tensor))


def npu_format_cast(tensor: torch.Tensor, acl_format: int, customize_dtype: int | None = None) -> torch.Tensor:
    """``tensor`` in ``acl_format``: itself when already so, else a copy whose storage has that format."""
    return torch.ops.npu.npu_format_cast(tensor, int(acl_format), customize_dtype)


def npu_format_cast_(tensor: torch.Tensor, format_or_tensor: int | torch.Tensor) -> torch.Tensor:
    """Records ``format_or_tensor`` (a format, or a tensor whose format to take) as ``tensor``'s format."""
    if isinstance(format_or_tensor, torch.Tensor):
        return torch.ops.npu.npu_format_cast_(tensor, format_or_tensor)
    return torch.ops.npu.npu_format_cast_.acl_format(tensor, int(format_or_tensor))


@torch.library.register_fake("npu::npu_format_cast")
def _format_cast_shape(self, acl_format, customize_dtype=None):
    return self.new_empty(self.shape)


def _format_cast_context(ctx: Any, inputs: tuple, output: torch.Tensor) -> None:
    pass


def _format_cast_backward(ctx: Any, grad: torch.Tensor) -> tuple:
    # The values are unchanged: the gradient passes through in the gradient's own format.
    return grad, None, None


torch.library.register_autograd("npu::npu_format_cast", _format_cast_backward, setup_context=_format_cast_context)


def _install() -> None:
    import torch_npu

    for function in (get_npu_format, npu_format_cast, npu_format_cast_):
        setattr(torch_npu, function.__name__, function)
    torch_npu.Format = Format
    torch.Tensor.npu_format_cast = npu_format_cast
    torch.Tensor.npu_format_cast_ = npu_format_cast_
