"""The Python wrapper of a graph compiled for npu: allocations on its device, kernels on its stream."""

from typing import Any, Optional

from torch._inductor.codegen.wrapper import PythonWrapperCodegen
from torch._inductor.virtualized import V

from .scheduling import check_supported


class NpuPythonWrapperCodegen(PythonWrapperCodegen):
    """Inductor's Python wrapper, with an async_compile that makes npu kernels NPU stream tasks."""

    def __init__(self) -> None:
        check_supported()
        super().__init__()

    @staticmethod
    def create(
        is_subgraph: bool,
        subgraph_name: Optional[str],
        parent_wrapper: Optional[PythonWrapperCodegen],
        *args: Any,
        **kwargs: Any,
    ) -> PythonWrapperCodegen:
        if is_subgraph:
            # A subgraph's kernels are defined in its root graph's header, which is ours.
            return PythonWrapperCodegen.create(is_subgraph, subgraph_name, parent_wrapper, *args, **kwargs)
        return NpuPythonWrapperCodegen()

    def write_header(self) -> None:
        super().write_header()
        self.header.splice(
            """
                from torch_npu._inductor.host_kernels import NpuAsyncCompile
                from torch_npu._inductor.allocation import empty_strided_npu
                async_compile = NpuAsyncCompile()
            """,
            strip=True,
        )

    def _generate_kernel_call_helper(self, kernel_name: str, call_args: Any, *, device: Any = None,
                                     triton: bool = True, **kwargs: Any) -> None:
        # An npu C++ kernel is called like the CPU's: its _HostKernel finds the current stream itself.
        device = device or V.graph.get_current_device_or_throw()
        if not triton and device.type == "npu":
            self.writeline(self.wrap_kernel_call(kernel_name, call_args))
            return
        super()._generate_kernel_call_helper(kernel_name, call_args, device=device, triton=triton, **kwargs)

    def make_allocation(self, name: str, device: Any, dtype: Any, shape: Any, stride: Any,
                        allocation_shape: Any = None, *args: Any, **kwargs: Any) -> str:
        if device.type != "npu":
            return super().make_allocation(name, device, dtype, shape, stride, allocation_shape, *args, **kwargs)
        shape_tuple = self.codegen_python_shape_tuple(shape)
        allocation_tuple = self.codegen_python_shape_tuple(shape if allocation_shape is None else allocation_shape)
        stride_tuple = self.codegen_python_shape_tuple(stride)
        line = f"{name} = empty_strided_npu({allocation_tuple}, {stride_tuple}, {dtype}, {device.index or 0})"
        if allocation_tuple != shape_tuple:
            line += f".as_strided({shape_tuple}, {stride_tuple})"
        return line


class NpuCppWrapperRefusal:
    """Stands for inductor's C++ wrapper on npu, which does not exist yet."""

    @staticmethod
    def create(*args: Any, **kwargs: Any) -> PythonWrapperCodegen:
        raise RuntimeError(
            "torch.compile with inductor's cpp_wrapper is not supported on npu yet; leave "
            "torch._inductor.config.cpp_wrapper off (the default)."
        )
