"""Parameters, gradients and optimizer state as views of one flat buffer per (device, dtype).

A fused optimizer then updates all parameters of a group with a few operators over the
flat buffers instead of a few per parameter. The views are re-established whenever
something replaced a tensor the optimizer did not make (`zero_grad(set_to_none=True)`,
`load_state_dict`, `param.data = ...`): its values are copied into the buffer first, so
nothing is lost and the flat and per-parameter views never disagree.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import torch


def _is_view_of(tensor: torch.Tensor | None, flat: torch.Tensor, offset: int, like: torch.Tensor) -> bool:
    return (
        tensor is not None
        and tensor.device == flat.device
        and tensor.dtype == flat.dtype
        and tensor.shape == like.shape
        and tensor.data_ptr() == flat.data_ptr() + offset * flat.element_size()
        and tensor.is_contiguous()
    )


@dataclass
class FlatGroup:
    """Parameters of one device and dtype and the flat buffers their tensors view."""

    params: list[torch.Tensor]
    offsets: list[int]
    buffers: dict[str, torch.Tensor] = field(default_factory=dict)  # "param", "grad", state names

    @property
    def numel(self) -> int:
        return self.offsets[-1] + self.params[-1].numel() if self.params else 0

    def part(self, flat: torch.Tensor, index: int) -> torch.Tensor:
        """Parameter `index`'s part of a flat tensor, shaped like the parameter."""
        parameter = self.params[index]
        offset = self.offsets[index]
        return flat[offset : offset + parameter.numel()].view_as(parameter)

    def _view(self, name: str, index: int) -> torch.Tensor:
        return self.part(self.buffers[name], index)

    def _flat(self, name: str, tensors: Sequence[torch.Tensor | None]) -> torch.Tensor:
        """The buffer `name`, holding `tensors` (None: zeros), created if missing."""
        flat = self.buffers.get(name)
        if flat is None:
            first = self.params[0]
            flat = self.buffers[name] = torch.zeros(self.numel, dtype=first.dtype, device=first.device)
        for index, tensor in enumerate(tensors):
            if not _is_view_of(tensor, flat, self.offsets[index], self.params[index]):
                view = self._view(name, index)
                view.copy_(tensor) if tensor is not None else view.zero_()
        return flat

    def parameters(self) -> torch.Tensor:
        """The flat parameter buffer; every parameter's data is its view."""
        flat = self._flat("param", [p.data for p in self.params])
        for index, parameter in enumerate(self.params):
            if not _is_view_of(parameter.data, flat, self.offsets[index], parameter):
                parameter.data = self._view("param", index)
        return flat

    def gradients(self) -> torch.Tensor:
        """The flat gradient buffer; every parameter's .grad is its view (sparse ones refused)."""
        for parameter in self.params:
            if parameter.grad is not None and parameter.grad.is_sparse:
                raise RuntimeError("fused NPU optimizers do not support sparse gradients")
        flat = self._flat("grad", [p.grad for p in self.params])
        for index, parameter in enumerate(self.params):
            if not _is_view_of(parameter.grad, flat, self.offsets[index], parameter):
                parameter.grad = self._view("grad", index)
        return flat

    def state(self, name: str, states: Sequence[dict]) -> torch.Tensor:
        """The flat buffer of the state `name`; each parameter's state[name] is its view."""
        flat = self._flat(name, [s.get(name) for s in states])
        for index, state in enumerate(states):
            if not _is_view_of(state.get(name), flat, self.offsets[index], self.params[index]):
                state[name] = self._view(name, index)
        return flat


def flat_groups(params: Iterable[torch.Tensor], previous: dict) -> dict:
    """The flat groups of the `params` that have gradients, by (device, dtype), keyed by
    their members: those of `previous` are reused while the same parameters train together."""
    by_kind: dict[tuple, list[torch.Tensor]] = {}
    for parameter in params:
        if parameter.grad is not None:
            by_kind.setdefault((parameter.device, parameter.dtype), []).append(parameter)
    groups = {}
    for kind, members in by_kind.items():
        key = (kind, tuple(id(p) for p in members))
        group = previous.get(key)
        if group is None or any(a is not b for a, b in zip(group.params, members)):
            offsets, total = [], 0
            for parameter in members:
                offsets.append(total)
                total += parameter.numel()
            group = FlatGroup(members, offsets)
        groups[key] = group
    return groups
