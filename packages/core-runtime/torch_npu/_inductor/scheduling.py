"""Kernel code generation for npu: inductor's C++ (OpenMP) scheduling, kernels run on the NPU stream."""

from typing import Any

from torch._inductor import config
from torch._inductor.codegen.cpp import CppScheduling
from torch._inductor.utils import Placeholder

import torch_npu._C as _C

from .host_kernels import HOST_KERNEL_MARK


def check_supported() -> None:
    """Raises when the loaded runtime or the requested compile mode cannot be served on npu."""
    if not _C._host_kernels_supported():
        raise RuntimeError(
            "torch.compile's inductor backend on npu is not supported with a real CANN toolkit: inductor device "
            "code generation for Ascend hardware is not shipped (its C++ kernels run only on the NPU simulator). "
            "Use torch.compile(model, backend='aot_eager'), which runs the traced graph with torch_npu's kernels."
        )
    if config.triton.cudagraphs:
        raise RuntimeError(
            "torch.compile with mode='reduce-overhead' (or 'max-autotune', both use CUDA graphs) is not supported "
            "on npu: NPU graphs are not implemented yet. Use mode='default' or 'max-autotune-no-cudagraphs'."
        )
    if config.cpp_wrapper:
        raise RuntimeError(
            "torch.compile with inductor's cpp_wrapper is not supported on npu yet; leave "
            "torch._inductor.config.cpp_wrapper off (the default)."
        )


class NpuCppScheduling(CppScheduling):
    """Inductor's C++ scheduling, whose kernels the compiled graph enqueues on the current NPU stream."""

    def define_kernel(self, src_code: str, nodes: Any, kernel_args: Any = None) -> str:
        # The mark tells the graph's async_compile (host_kernels.NpuAsyncCompile) that this is an
        # npu kernel, not one of the CPU's; inductor puts the kernel's name in place of the placeholder.
        marked = f"{HOST_KERNEL_MARK} {Placeholder.DESCRIPTIVE_NAME}\n{src_code}"
        return super().define_kernel(marked, nodes, kernel_args)
