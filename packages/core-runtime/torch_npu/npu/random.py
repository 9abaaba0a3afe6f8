"""Seeding and RNG state of the per-device NPU generators, as torch.cuda.random."""

from typing import Any, Iterable, List, Tuple

import torch
import torch_npu._C as _C

from ._lazy import _device_index, _lazy_call, _lazy_init

__all__ = [
    "manual_seed",
    "manual_seed_all",
    "seed",
    "seed_all",
    "initial_seed",
    "get_rng_state",
    "set_rng_state",
    "get_rng_state_all",
    "set_rng_state_all",
]


def _generator(device: Any = None) -> torch.Generator:
    _lazy_init()
    return _C._npu_defaultGenerator(_device_index(device))


def _device_count() -> int:
    return _C._npu_getDeviceCount()


def __getattr__(name: str) -> Any:
    if name == "default_generators":
        return tuple(_generator(index) for index in range(_device_count()))
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def manual_seed(seed: int) -> None:
    """Seeds the current device's generator (deferred until the runtime starts)."""
    seed = int(seed)

    def apply() -> None:
        _generator().manual_seed(seed)

    _lazy_call(apply)


def manual_seed_all(seed: int) -> None:
    """Seeds the generator of every device (deferred until the runtime starts)."""
    seed = int(seed)

    def apply() -> None:
        for index in range(_device_count()):
            _generator(index).manual_seed(seed)

    _lazy_call(apply)


def seed() -> None:
    """Seeds the current device's generator with a non-deterministic number."""
    _lazy_call(lambda: _generator().seed())


def seed_all() -> None:
    """Seeds every device's generator with one non-deterministic number."""

    def apply() -> None:
        chosen = _generator(0).seed()
        for index in range(1, _device_count()):
            _generator(index).manual_seed(chosen)

    _lazy_call(apply)


def initial_seed() -> int:
    """The current seed of the current device's generator."""
    return _generator().initial_seed()


def get_rng_state(device: Any = "npu") -> torch.Tensor:
    """The RNG state of `device` as a uint8 CPU tensor (seed and offset)."""
    return _generator(device).get_state()


def set_rng_state(new_state: torch.Tensor, device: Any = "npu") -> None:
    """Restores the RNG state of `device` from get_rng_state()'s tensor."""
    state = new_state.clone(memory_format=torch.contiguous_format)
    _generator(device).set_state(state)


def get_rng_state_all() -> List[torch.Tensor]:
    """The RNG state of every device."""
    return [get_rng_state(index) for index in range(_device_count())]


def set_rng_state_all(new_states: Iterable[torch.Tensor]) -> None:
    """Restores the RNG state of every device, in device order."""
    for index, state in enumerate(new_states):
        set_rng_state(state, index)
