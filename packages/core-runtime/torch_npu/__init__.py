"""torch_npu: the Ascend NPU backend for PyTorch.

Importing this package (which ``import torch`` does by itself through the
``torch.backends`` entry point) registers the ``npu`` device: ``torch.npu``,
``Tensor.npu()``, ``Module.npu()``, ``torch.device("npu")`` and the rest. Without
a CANN toolkit on the machine, the bundled NPU simulator provides the devices.
"""


def _autoload() -> None:
    """Entry point of the ``torch.backends`` group: ``import torch`` calls it.

    Importing this module registers everything, so there is nothing left to
    do. It is defined before ``import torch`` because importing torch first
    (``import torch_npu`` in a fresh process) runs the autoload, which finds
    this half-imported module and calls this function.
    """


import importlib  # noqa: E402

import torch  # noqa: E402

from torch_npu._version_check import check_torch_version

check_torch_version()

import torch_npu._C  # noqa: E402  (loads libtorch_npu, which registers the backend)
from torch_npu import npu  # noqa: E402

__all__ = ["npu"]


def _register_backend() -> None:
    torch.utils.rename_privateuse1_backend("npu")
    torch._register_device_module("npu", npu)
    torch.utils.generate_methods_for_privateuse1_backend(for_tensor=True, for_module=True, for_storage=True)


_register_backend()

from torch_npu import _format  # noqa: E402

_format._install()


def _load_operator_layer() -> None:
    # The operator layer is its own wheel (torch-npu-ops); without it every
    # operator beyond the runtime's minimal set runs through the CPU fallback.
    try:
        import torch_npu_ops  # noqa: F401
    except ModuleNotFoundError as error:
        if error.name != "torch_npu_ops":
            raise


_load_operator_layer()


def _load_extra(module: str) -> None:
    # The packages of the extras are wheels of their own; when one is installed,
    # importing it registers it: torch-npu-hccl (`distributed`) the hccl backend of
    # torch.distributed, torch-npu-profiler (`profiler`) the NPU timeline with kineto.
    try:
        importlib.import_module(module)
    except ModuleNotFoundError as error:
        if error.name != module:
            raise


_load_extra("torch_npu_hccl")
_load_extra("torch_npu_profiler")


def _register_with_torch_compile() -> None:
    # torch.compile's dynamo and inductor are costly to import: npu joins them when the
    # program first imports them, not here (torch_npu._after_import).
    from torch_npu import _after_import

    def register_dynamo(module) -> None:
        importlib.import_module("torch_npu._dynamo").register(module)

    def register_inductor(module) -> None:
        importlib.import_module("torch_npu._inductor").register(module)

    _after_import.when_imported("torch._dynamo", register_dynamo)
    _after_import.when_imported("torch._inductor.compile_fx", register_inductor)


_register_with_torch_compile()


def _start_sanitizer() -> None:
    # Last, so that the sanitizer sees every operator the program runs (TORCH_NPU_SANITIZER).
    from torch_npu.npu import sanitizer

    sanitizer._enable_from_environment()


_start_sanitizer()
