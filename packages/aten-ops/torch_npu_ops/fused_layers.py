"""npu_rms_norm and npu_swiglu: shapes for tracing and their autograd formulas (the reference's
backward operators, npu_rms_norm_backward and npu_swiglu_backward)."""

from __future__ import annotations

from typing import Any

import torch


@torch.library.register_fake("npu::npu_rms_norm")
def _rms_norm_shapes(self, gamma, epsilon=1e-6):
    rstd = list(self.shape)
    for dim in range(self.dim() - gamma.dim(), self.dim()):
        rstd[dim] = 1
    return self.new_empty(self.shape), self.new_empty(rstd, dtype=torch.float32)


@torch.library.register_fake("npu::npu_rms_norm_backward")
def _rms_norm_backward_shapes(dy, self, gamma, rstd):
    return self.new_empty(self.shape), gamma.new_empty(gamma.shape)


@torch.library.register_fake("npu::npu_swiglu")
def _swiglu_shapes(self, dim=-1):
    shape = list(self.shape)
    shape[dim] //= 2
    return self.new_empty(shape)


@torch.library.register_fake("npu::npu_swiglu_backward")
def _swiglu_backward_shapes(grad_output, self, dim=-1):
    return self.new_empty(self.shape)


def _rms_norm_context(ctx: Any, inputs: tuple, output: tuple) -> None:
    self, gamma, _ = inputs
    ctx.save_for_backward(self, gamma, output[1])


def _rms_norm_backward(ctx: Any, dy: torch.Tensor, unused_rstd_grad: Any) -> tuple:
    self, gamma, rstd = ctx.saved_tensors
    dx, dgamma = torch.ops.npu.npu_rms_norm_backward(dy.contiguous(), self, gamma, rstd)
    return dx, dgamma, None


def _swiglu_context(ctx: Any, inputs: tuple, output: torch.Tensor) -> None:
    self, dim = inputs
    ctx.save_for_backward(self)
    ctx.dim = dim


def _swiglu_backward(ctx: Any, grad_output: torch.Tensor) -> tuple:
    (self,) = ctx.saved_tensors
    return torch.ops.npu.npu_swiglu_backward(grad_output.contiguous(), self, ctx.dim), None


torch.library.register_autograd("npu::npu_rms_norm", _rms_norm_backward, setup_context=_rms_norm_context)
torch.library.register_autograd("npu::npu_swiglu", _swiglu_backward, setup_context=_swiglu_context)
