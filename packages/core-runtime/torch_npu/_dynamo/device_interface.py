"""The npu device as torch.compile sees it: dynamo's and inductor's DeviceInterface."""

from typing import Any, List, NamedTuple

import torch
from torch._dynamo.device_interface import (
    DeviceInterface,
    caching_worker_current_devices,
    caching_worker_device_properties,
)

import torch_npu._C as _C
from torch_npu import npu
from torch_npu.npu._lazy import _device_index, _lazy_init


def _raw_stream(device_index: int) -> int:
    """The aclrtStream handle of the current stream of `device_index`, as an integer."""
    return _C._npu_streamHandle(*_C._npu_getCurrentStream(device_index))


def _exchange_device(device: int) -> int:
    """Makes `device` current and returns the previous current device (-1: no change)."""
    if device < 0:
        return -1
    _lazy_init()
    return _C._npu_exchangeDevice(device)


def _set_stream_by_id(stream_id: int, device_index: int, device_type: int) -> None:
    _lazy_init()
    _C._npu_setStream(stream_id, device_index, device_type)


class CompileDeviceProperties(NamedTuple):
    """An NPU as inductor plans kernels for it.

    The C++ kernels inductor generates for npu run on the host's OpenMP threads (on the
    stream's worker), so those threads are the "multiprocessors" its reduction splits
    count, as for the CPU.
    """

    name: str
    total_memory: int
    soc_name: str
    major: int
    minor: int
    multi_processor_count: int


def _compile_properties(index: int) -> CompileDeviceProperties:
    properties = npu.get_device_properties(index)
    return CompileDeviceProperties(
        properties.name, properties.total_memory, properties.soc_name, properties.major, properties.minor,
        torch.get_num_threads(),
    )


class NpuInterface(DeviceInterface):
    """torch.npu behind dynamo's device-generic calls (streams, events, devices, properties)."""

    device = npu.device
    Event = npu.Event
    Stream = npu.Stream

    class Worker:
        """Device queries that inductor's compile workers answer from what the parent recorded."""

        @staticmethod
        def set_device(device: int) -> None:
            caching_worker_current_devices["npu"] = device

        @staticmethod
        def current_device() -> int:
            if "npu" in caching_worker_current_devices:
                return caching_worker_current_devices["npu"]
            return npu.current_device()

        @staticmethod
        def get_device_properties(device: "torch.types.Device" = None) -> Any:
            if device is None:
                index = NpuInterface.Worker.current_device()
            else:
                index = _device_index(device)
            if "npu" not in caching_worker_device_properties:
                properties: List[Any] = [_compile_properties(i) for i in range(npu.device_count())]
                caching_worker_device_properties["npu"] = properties
            return caching_worker_device_properties["npu"][index]

    current_device = staticmethod(npu.current_device)
    set_device = staticmethod(npu.set_device)
    device_count = staticmethod(npu.device_count)
    is_available = staticmethod(npu.is_available)
    stream = staticmethod(npu.stream)
    current_stream = staticmethod(npu.current_stream)
    set_stream = staticmethod(npu.set_stream)
    _set_stream_by_id = staticmethod(_set_stream_by_id)
    get_raw_stream = staticmethod(_raw_stream)
    synchronize = staticmethod(npu.synchronize)
    exchange_device = staticmethod(_exchange_device)
    maybe_exchange_device = staticmethod(_exchange_device)
    memory_allocated = staticmethod(npu.memory_allocated)
    is_bf16_supported = staticmethod(npu.is_bf16_supported)

    @staticmethod
    def get_compute_capability(device: "torch.types.Device" = None) -> str:
        """The SoC name (e.g. 'Ascend910B1'): what compiled code is specific to, as CUDA's capability is."""
        return npu.get_device_properties(device).soc_name

    @staticmethod
    def is_triton_capable(device: "torch.types.Device" = None) -> bool:
        return False

    @staticmethod
    def raise_if_triton_unavailable(device: "torch.types.Device" = None) -> None:
        raise RuntimeError(
            "Triton has no backend for npu: torch.compile's inductor generates C++ kernels for the NPU simulator "
            "(the default), and inductor device code for real Ascend hardware is not shipped."
        )
