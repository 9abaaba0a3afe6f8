"""SGD with momentum over flat buffers (the reference's NpuFusedSGD)."""

from __future__ import annotations

from collections.abc import Iterable

import torch
from torch.optim.optimizer import required

from torch_npu.optim._flat_buffers import FlatGroup
from torch_npu.optim._fused_optimizer import FusedOptimizer


class NpuFusedSGD(FusedOptimizer):
    """SGD (momentum, dampening, Nesterov, weight decay), as torch.optim.SGD, with every
    parameter of a device and dtype updated at once over flat buffers."""

    def __init__(
        self,
        params: Iterable,
        lr: float = required,
        momentum: float = 0.0,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
    ) -> None:
        if lr is not required and lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay, nesterov=nesterov)
        super().__init__(params, defaults)

    def _update(self, group: dict, flat: FlatGroup) -> None:
        param, grad = flat.parameters(), flat.gradients()
        if group["weight_decay"] != 0:
            grad = grad.add(param, alpha=group["weight_decay"])
        momentum = group["momentum"]
        if momentum != 0:
            states = [self.state[p] for p in flat.params]
            first_steps = [i for i, state in enumerate(states) if "momentum_buffer" not in state]
            buffer = flat.state("momentum_buffer", states)
            buffer.mul_(momentum).add_(grad, alpha=1 - group["dampening"])
            for index in first_steps:  # a parameter's first buffer is its gradient, as in torch.optim.SGD
                flat.part(buffer, index).copy_(flat.part(grad, index))
            grad = grad.add(buffer, alpha=momentum) if group["nesterov"] else buffer
        param.add_(grad, alpha=-group["lr"])
