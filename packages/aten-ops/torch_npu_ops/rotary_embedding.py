"""npu_rotary_mul: shapes for tracing and its autograd formula (npu_rotary_mul_backward)."""

from __future__ import annotations

from typing import Any

import torch


@torch.library.register_fake("npu::npu_rotary_mul")
def _rotary_mul_shapes(self, r1, r2, rotary_mode="half", rotate=None):
    return self.new_empty(self.shape)


@torch.library.register_fake("npu::npu_rotary_mul_backward")
def _rotary_mul_backward_shapes(grad, self, r1, r2, rotary_mode="half"):
    return self.new_empty(grad.shape), self.new_empty(r1.shape), self.new_empty(r2.shape)


def _rotary_mul_context(ctx: Any, inputs: tuple, output: torch.Tensor) -> None:
    self, r1, r2, rotary_mode, _ = inputs
    ctx.save_for_backward(self, r1, r2)
    ctx.rotary_mode = rotary_mode


def _rotary_mul_backward(ctx: Any, grad: torch.Tensor) -> tuple:
    self, r1, r2 = ctx.saved_tensors
    dx, dr1, dr2 = torch.ops.npu.npu_rotary_mul_backward(grad.contiguous(), self, r1, r2, ctx.rotary_mode)
    return dx, dr1, dr2, None, None


torch.library.register_autograd("npu::npu_rotary_mul", _rotary_mul_backward, setup_context=_rotary_mul_context)
