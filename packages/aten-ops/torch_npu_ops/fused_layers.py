"""The fused layers (npu_rms_norm, npu_add_rms_norm, npu_swiglu, npu_fast_gelu, npu_gelu_mul,
npu_linear): shapes for tracing and their autograd formulas over the reference's backward
operators."""

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


@torch.library.register_fake("npu::npu_add_rms_norm")
def _add_rms_norm_shapes(x1, x2, gamma, epsilon=1e-6):
    y, rstd = _rms_norm_shapes(x1, gamma, epsilon)
    return y, rstd, x1.new_empty(x1.shape)


def _add_rms_norm_context(ctx: Any, inputs: tuple, output: tuple) -> None:
    _, _, gamma, _ = inputs
    _, rstd, x = output
    ctx.save_for_backward(x, gamma, rstd)


def _add_rms_norm_backward(ctx: Any, dy: torch.Tensor, unused_rstd_grad: Any, dx_sum: torch.Tensor | None) -> tuple:
    # x = x1 + x2 feeds y and is an output itself: both gradients reach x1 and x2 alike.
    x, gamma, rstd = ctx.saved_tensors
    dx, dgamma = torch.ops.npu.npu_rms_norm_backward(dy.contiguous(), x, gamma, rstd)
    if dx_sum is not None:
        dx = dx + dx_sum
    return dx, dx, dgamma, None


@torch.library.register_fake("npu::npu_fast_gelu")
def _fast_gelu_shapes(self):
    return self.new_empty(self.shape)


@torch.library.register_fake("npu::fast_gelu")
def _fast_gelu_alias_shapes(self):
    return self.new_empty(self.shape)


@torch.library.register_fake("npu::npu_fast_gelu_backward")
def _fast_gelu_backward_shapes(grad, self):
    return self.new_empty(self.shape)


def _fast_gelu_context(ctx: Any, inputs: tuple, output: torch.Tensor) -> None:
    ctx.save_for_backward(inputs[0])


def _fast_gelu_backward(ctx: Any, grad: torch.Tensor) -> torch.Tensor:
    (self,) = ctx.saved_tensors
    return torch.ops.npu.npu_fast_gelu_backward(grad.contiguous(), self)


@torch.library.register_fake("npu::npu_gelu_mul")
def _gelu_mul_shapes(input, *, approximate="none"):
    return input.new_empty((*input.shape[:-1], input.shape[-1] // 2))


@torch.library.register_fake("npu::npu_linear")
def _linear_shapes(input, weight, bias=None):
    return input.new_empty((input.shape[0], weight.shape[0]))


@torch.library.register_fake("npu::npu_linear_backward")
def _linear_backward_shapes(grad, input, weight):
    return input.new_empty(input.shape), weight.new_empty(weight.shape)


def _linear_context(ctx: Any, inputs: tuple, output: torch.Tensor) -> None:
    input, weight, bias = inputs
    ctx.save_for_backward(input, weight)
    ctx.has_bias = bias is not None


def _linear_backward(ctx: Any, grad: torch.Tensor) -> tuple:
    input, weight = ctx.saved_tensors
    input_grad, weight_grad = torch.ops.npu.npu_linear_backward(grad, input, weight)
    return input_grad, weight_grad, grad.sum(0) if ctx.has_bias else None


torch.library.register_autograd("npu::npu_add_rms_norm", _add_rms_norm_backward, setup_context=_add_rms_norm_context)
for _name in ("npu::npu_fast_gelu", "npu::fast_gelu"):
    torch.library.register_autograd(_name, _fast_gelu_backward, setup_context=_fast_gelu_context)
torch.library.register_autograd("npu::npu_linear", _linear_backward, setup_context=_linear_context)
