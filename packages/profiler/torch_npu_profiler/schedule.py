"""``schedule`` and ``ProfilerAction``: which steps a session records (torch.profiler's own)."""

from typing import Callable

import torch.profiler

ProfilerAction = torch.profiler.ProfilerAction


def schedule(wait: int, active: int, warmup: int = 0, repeat: int = 0, skip_first: int = 0,
             skip_first_wait: int = 0) -> Callable[[int], ProfilerAction]:  # fmt: skip
    """The action of each step, with the reference's signature.

    After ``skip_first`` steps, cycles of ``wait`` idle, ``warmup`` warming and ``active``
    recorded steps, ``repeat`` times (0: for as long as steps come); with ``skip_first_wait``
    the first cycle has no wait.
    """
    return torch.profiler.schedule(wait=wait, warmup=warmup, active=active, repeat=repeat, skip_first=skip_first,
                                   skip_first_wait=skip_first_wait)  # fmt: skip
