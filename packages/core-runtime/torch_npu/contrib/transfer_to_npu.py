"""Importing this module makes an unmodified CUDA script run on npu.

After ``import torch_npu.contrib.transfer_to_npu``: ``torch.cuda.*`` is ``torch.npu.*``;
"cuda" devices (strings, ``torch.device``, indices) given to tensor factories, ``Tensor.to``,
``Module.to``, ``torch.load(map_location=...)``, autocast, ``GradScaler`` and
``torch.Generator`` mean npu; ``Tensor.cuda()``/``Module.cuda()`` move to npu and
``Tensor.is_cuda`` is true for npu tensors; the ``nccl`` backend of ``torch.distributed`` is
``hccl``; ``torch.profiler``'s CUDA activity is the npu's (PrivateUse1). It warns once that it
is active. Importing it twice changes nothing more.
"""

from __future__ import annotations

import functools
import re
import warnings
from typing import Any, Callable

import torch

import torch_npu  # noqa: F401  (the npu device)

_FACTORIES = (
    "tensor", "as_tensor", "asarray", "zeros", "ones", "empty", "full", "rand", "randn", "randint", "randperm",
    "arange", "range", "linspace", "logspace", "eye", "empty_strided", "zeros_like", "ones_like", "empty_like",
    "full_like", "rand_like", "randn_like", "randint_like", "tril_indices", "triu_indices", "load",
)  # fmt: skip
_TENSOR_METHODS = ("to", "new_empty", "new_zeros", "new_ones", "new_full", "new_tensor", "pin_memory")
_DEVICE_KEYWORDS = ("device", "map_location", "device_type", "pin_memory_device")
_CUDA_DEVICE = re.compile(r"cuda(:\d+)?")


def _to_npu(value: Any) -> Any:
    """`value` with a CUDA device spelled as the same npu device; anything else unchanged."""
    if isinstance(value, str) and _CUDA_DEVICE.fullmatch(value):
        return "npu" + value[4:]
    if isinstance(value, torch.device) and value.type == "cuda":
        return torch.device("npu", value.index) if value.index is not None else torch.device("npu")
    return value


def _on_npu(function: Callable) -> Callable:
    """`function` taking CUDA devices (positional or keyword) as npu ones."""

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        args = tuple(_to_npu(a) for a in args)
        for keyword in _DEVICE_KEYWORDS:
            if keyword in kwargs:
                kwargs[keyword] = _to_npu(kwargs[keyword])
        return function(*args, **kwargs)

    wrapper._transfer_to_npu = True
    return wrapper


def _patch(owner: Any, name: str) -> None:
    original = getattr(owner, name, None)
    if original is not None and not getattr(original, "_transfer_to_npu", False):
        setattr(owner, name, _on_npu(original))


def _alias_cuda_module() -> None:
    # torch.cuda's names, and its amp module, answer for the npu.
    for name in dir(torch.npu):
        if not name.startswith("_"):
            setattr(torch.cuda, name, getattr(torch.npu, name))
    torch.cuda.amp = torch.npu.amp


def _patch_tensors_and_modules() -> None:
    for name in _FACTORIES:
        _patch(torch, name)
    for name in _TENSOR_METHODS:
        _patch(torch.Tensor, name)
    _patch(torch.nn.Module, "to")
    torch.Tensor.cuda = _on_npu(torch.Tensor.npu)
    torch.nn.Module.cuda = _on_npu(torch.nn.Module.npu)
    torch.Tensor.is_cuda = property(lambda self: self.device.type in ("npu", "cuda"))


class _Generator(torch.Generator):
    """torch.Generator whose "cuda" device is npu (a subclass: isinstance checks still hold)."""

    def __new__(cls, device: Any = "cpu") -> torch.Generator:
        return super().__new__(cls, _to_npu(device))


def _patch_amp_and_generators() -> None:
    autocast = torch.amp.autocast_mode.autocast
    autocast.__init__ = _on_npu(autocast.__init__)
    _patch(torch.amp.GradScaler, "__init__")
    torch.Generator = _Generator


def _patch_distributed() -> None:
    if not torch.distributed.is_available():
        return

    def hccl_for_nccl(function: Callable) -> Callable:
        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            if args and isinstance(args[0], str):
                args = (args[0].replace("nccl", "hccl"),) + args[1:]
            if isinstance(kwargs.get("backend"), str):
                kwargs["backend"] = kwargs["backend"].replace("nccl", "hccl")
            return function(*args, **kwargs)

        wrapper._transfer_to_npu = True
        return wrapper

    for name in ("init_process_group", "new_group"):
        original = getattr(torch.distributed, name)
        if not getattr(original, "_transfer_to_npu", False):
            setattr(torch.distributed, name, hccl_for_nccl(original))


def _patch_profiler() -> None:
    profile = torch.profiler.profile
    original = profile.__init__
    if getattr(original, "_transfer_to_npu", False):
        return
    activity = torch.profiler.ProfilerActivity

    @functools.wraps(original)
    def init(self, *args, activities=None, **kwargs):
        if activities is not None:
            activities = [activity.PrivateUse1 if a == activity.CUDA else a for a in activities]
        original(self, *args, activities=activities, **kwargs)

    init._transfer_to_npu = True
    profile.__init__ = init


def _activate() -> None:
    if getattr(torch.cuda, "_transfer_to_npu_active", False):
        return
    _alias_cuda_module()
    _patch_tensors_and_modules()
    _patch_amp_and_generators()
    _patch_distributed()
    _patch_profiler()
    torch.cuda._transfer_to_npu_active = True
    warnings.warn(
        "torch_npu.contrib.transfer_to_npu is active: CUDA devices, torch.cuda, the nccl backend and the CUDA "
        "profiler activity now mean npu, torch.npu, hccl and PrivateUse1",
        RuntimeWarning,
        stacklevel=3,
    )


_activate()
