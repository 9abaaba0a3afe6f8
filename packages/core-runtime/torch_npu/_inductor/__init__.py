"""torch.compile's inductor backend for npu, registered when inductor is first imported.

On the NPU simulator inductor generates C++ kernels (its CPU scheduling) that run as
tasks of the current NPU stream, ordered with every other kind of NPU work; operators it
does not generate run as torch_npu's native kernels. With a real CANN toolkit inductor
refuses, naming backend='aot_eager': its device code for Ascend hardware is not shipped.
"""

from types import ModuleType


def register(_compile_fx: ModuleType) -> None:
    """Registers the npu backend with inductor (``torch._inductor.compile_fx`` has just been imported)."""
    from torch._inductor.codegen import common

    from torch_npu import _compile_compat

    from .device_op_overrides import NpuDeviceOpOverrides
    from .scheduling import NpuCppScheduling
    from .wrapper import NpuCppWrapperRefusal, NpuPythonWrapperCodegen

    common.register_device_op_overrides("npu", NpuDeviceOpOverrides())
    common.register_backend_for_device("npu", NpuCppScheduling, NpuPythonWrapperCodegen, NpuCppWrapperRefusal)
    _compile_compat.schedule_like_the_cpu("npu")
    _compile_compat.generate_cpp_for("npu")
