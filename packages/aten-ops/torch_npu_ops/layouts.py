"""npu_confusion_transpose and npu_one_hot: shapes for tracing, and the transpose's autograd
formula (npu_confusion_transpose_backward)."""

from __future__ import annotations

from typing import Any

import torch


def _confusion_transpose_shape(shape: list[int], perm: list[int], transpose_first: bool) -> list[int]:
    return list(shape) if transpose_first else [shape[dim] for dim in perm]


@torch.library.register_fake("npu::npu_confusion_transpose")
def _confusion_transpose_shapes(self, perm, shape, transpose_first):
    return self.new_empty(_confusion_transpose_shape(shape, perm, transpose_first))


@torch.library.register_fake("npu::npu_confusion_transpose_backward")
def _confusion_transpose_backward_shapes(grad, perm, shape, transpose_first):
    return grad.new_empty(shape)


def _confusion_transpose_context(ctx: Any, inputs: tuple, output: torch.Tensor) -> None:
    self, perm, _, transpose_first = inputs
    ctx.perm, ctx.input_shape, ctx.transpose_first = perm, list(self.shape), transpose_first


def _confusion_transpose_backward(ctx: Any, grad: torch.Tensor) -> tuple:
    dx = torch.ops.npu.npu_confusion_transpose_backward(grad, ctx.perm, ctx.input_shape, ctx.transpose_first)
    return dx, None, None, None


torch.library.register_autograd(
    "npu::npu_confusion_transpose", _confusion_transpose_backward, setup_context=_confusion_transpose_context
)
