"""What the fused optimizers share: flat buffers per parameter group, kept across steps."""

from __future__ import annotations

from collections.abc import Iterator

import torch

from torch_npu.optim._flat_buffers import FlatGroup, flat_groups


class FusedOptimizer(torch.optim.Optimizer):
    """An optimizer whose `_update` runs once per (device, dtype) over flat buffers."""

    def _flat(self, index: int) -> Iterator[FlatGroup]:
        cache = getattr(self, "_flat_cache", None)
        if cache is None:
            cache = self._flat_cache = {}
        cache[index] = flat_groups(self.param_groups[index]["params"], cache.get(index, {}))
        return iter(cache[index].values())

    def _update(self, group: dict, flat: FlatGroup) -> None:
        raise NotImplementedError

    @torch.no_grad()
    def step(self, closure=None):
        """Performs one optimization step; `closure` re-evaluates the model and returns the loss."""
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for index, group in enumerate(self.param_groups):
            for flat in self._flat(index):
                self._update(group, flat)
        return loss

    def __setstate__(self, state: dict) -> None:
        super().__setstate__(state)
        self._flat_cache = {}
