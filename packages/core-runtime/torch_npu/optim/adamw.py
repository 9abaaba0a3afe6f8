"""Adam and AdamW over flat buffers (the reference's NpuFusedAdam and NpuFusedAdamW)."""

from __future__ import annotations

import math
from collections.abc import Iterable

import torch

from torch_npu.optim._flat_buffers import FlatGroup
from torch_npu.optim._fused_optimizer import FusedOptimizer


class NpuFusedAdamW(FusedOptimizer):
    """AdamW (decoupled weight decay), as torch.optim.AdamW, with every parameter of a
    device and dtype updated at once over flat buffers.

    Parameters, gradients and the moment estimates become views of those buffers at the
    first step: keep using the parameters as usual (their identity does not change).
    """

    _decoupled_weight_decay = True

    def __init__(
        self,
        params: Iterable,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
    ) -> None:
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if eps < 0.0:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= betas[0] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
        if not 0.0 <= betas[1] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad)
        super().__init__(params, defaults)

    def _update(self, group: dict, flat: FlatGroup) -> None:
        states = [self.state[p] for p in flat.params]
        for state in states:
            state["step"] = state.get("step", torch.tensor(0.0)) + 1
        step = states[0]["step"].item()
        if any(state["step"].item() != step for state in states):
            raise RuntimeError("NpuFusedAdamW: the parameters of a group must have taken the same number of steps")
        lr, (beta1, beta2), eps, weight_decay = group["lr"], group["betas"], group["eps"], group["weight_decay"]
        param, grad = flat.parameters(), flat.gradients()
        exp_avg, exp_avg_sq = flat.state("exp_avg", states), flat.state("exp_avg_sq", states)
        if weight_decay != 0:
            if self._decoupled_weight_decay:
                param.mul_(1 - lr * weight_decay)
            else:
                grad = grad.add(param, alpha=weight_decay)
        exp_avg.lerp_(grad, 1 - beta1)
        exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
        second_moment = exp_avg_sq
        if group["amsgrad"]:
            second_moment = flat.state("max_exp_avg_sq", states)
            torch.maximum(second_moment, exp_avg_sq, out=second_moment)
        bias_correction1 = 1 - beta1**step
        bias_correction2 = 1 - beta2**step
        denom = (second_moment.sqrt() / math.sqrt(bias_correction2)).add_(eps)
        param.addcdiv_(exp_avg, denom, value=-lr / bias_correction1)


class NpuFusedAdam(NpuFusedAdamW):
    """Adam (L2 weight decay added to the gradient), as torch.optim.Adam, over flat buffers."""

    _decoupled_weight_decay = False

    def __init__(
        self,
        params: Iterable,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        amsgrad: bool = False,
    ) -> None:
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad)
