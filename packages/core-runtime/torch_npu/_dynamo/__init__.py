"""torch.compile's dynamo for npu, registered when ``torch._dynamo`` is first imported.

With the npu DeviceInterface registered and torch.npu's calls entered into dynamo's
tables, dynamo traces ``torch.npu`` devices, streams and events (``current_stream``,
``Stream()``, ``stream(...)``, ``Event.record``/``wait``, ``synchronize``) without graph
breaks, and inductor queries devices and properties the way it does for CUDA.
"""

from types import ModuleType


def register(_dynamo: ModuleType) -> None:
    """Registers npu with dynamo (``torch._dynamo`` has just been imported)."""
    from torch._dynamo import device_interface

    from torch_npu import npu

    from . import trace_rules
    from .device_interface import NpuInterface

    device_interface.register_interface_for_device("npu", NpuInterface)
    for index in range(npu.device_count()):
        device_interface.register_interface_for_device(f"npu:{index}", NpuInterface)
    trace_rules.register()
