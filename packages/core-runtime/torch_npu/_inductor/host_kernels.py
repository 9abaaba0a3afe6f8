"""Inductor's C++ kernels as tasks of the NPU stream (the simulator's device memory is host memory).

Inductor's CPU backend wraps each kernel in Python bindings that run it on the calling
thread at once. An npu kernel must instead run where the simulator's own kernels run: on
the worker of the current NPU stream, after the work enqueued before it (aclnn kernels,
copies, collectives) and before the work enqueued after it, reading device memory through
the simulator's view of it. So the kernel's library exports one more entry point, over an
array of 64-bit argument slots, and the compiled graph calls a ``torch_npu._C._HostKernel``
that fills the slots and enqueues the entry on the current stream.
"""

import ctypes
from typing import Any, Callable, Dict, List, Sequence

from torch._inductor.async_compile import AsyncCompile
from torch._inductor.codecache import CppCodeCache

import torch_npu._C as _C

#: The first line of every npu kernel's source; the kernel's name follows it.
HOST_KERNEL_MARK = "// torch_npu host kernel:"

_ENTRY = "torch_npu_host_kernel_entry"

_INTEGER_TYPES = {"int64_t", "int32_t", "int16_t", "int8_t", "uint64_t", "uint32_t", "uint8_t", "long", "int",
                  "bool", "uintptr_t", "size_t"}
_FLOATING_TYPES = {"float", "double"}


def _argument_kind(c_type: str) -> str:
    """'p' for a pointer, 'i' for an integer, 'f' for a floating-point argument."""
    bare = c_type.replace("const ", "").strip()
    if bare.endswith("*"):
        return "p"
    if bare in _INTEGER_TYPES:
        return "i"
    if bare in _FLOATING_TYPES:
        return "f"
    raise NotImplementedError(f"npu kernels do not take arguments of C++ type {c_type!r} yet")


def _entry_source(argtypes: Sequence[str]) -> str:
    """The entry point that unpacks the slots into the arguments of inductor's ``kernel``."""
    arguments = []
    for index, c_type in enumerate(argtypes):
        kind = _argument_kind(c_type)
        if kind == "p":
            arguments.append(f"reinterpret_cast<{c_type}>(slots[{index}])")
        elif kind == "i":
            arguments.append(f"static_cast<{c_type}>(static_cast<int64_t>(slots[{index}]))")
        else:
            arguments.append(f"static_cast<{c_type}>(torch_npu_slot_as_double(slots[{index}]))")
    return f"""
#include <cstdint>
#include <cstring>
#include <exception>
#include <string>

static double torch_npu_slot_as_double(uint64_t slot) {{
  double value;
  std::memcpy(&value, &slot, sizeof(value));
  return value;
}}

// Runs on the stream's worker, where nothing may throw: a failure comes back as its message.
extern "C" __attribute__((visibility("default"))) const char* {_ENTRY}(const uint64_t* slots) {{
  static thread_local std::string failure;
  try {{
    kernel({", ".join(arguments)});
    return nullptr;
  }} catch (const std::exception& error) {{
    failure = error.what();
  }} catch (...) {{
    failure = "an exception that is no std::exception";
  }}
  return failure.c_str();
}}
"""


class HostKernelCodeCache(CppCodeCache):
    """Builds and caches npu kernel libraries: inductor's kernel source plus the slot entry point."""

    cache: Dict[str, Callable[[], Any]] = {}
    # As inductor's CPU kernels: no libtorch, a shared library.
    cpp_compile_command_flags = {"include_pytorch": False, "shared": True}

    @classmethod
    def load_host_kernel(cls, argtypes: Sequence[str], source_code: str) -> Any:
        """Compiles (or finds in the cache) the kernel in `source_code`; returns its ``_HostKernel``."""
        name = source_code.lstrip().split("\n", 1)[0][len(HOST_KERNEL_MARK):].strip()
        kinds = "".join(_argument_kind(c_type) for c_type in argtypes)
        library = cls.load(source_code + _entry_source(argtypes), "cpu")
        entry = ctypes.cast(getattr(library, _ENTRY), ctypes.c_void_p).value
        return _C._HostKernel(entry, name, kinds)


class NpuAsyncCompile(AsyncCompile):
    """The compiled graph's ``async_compile``: npu kernels become host kernels of the NPU stream."""

    def cpp_pybinding(self, argtypes: List[str], source_code: str) -> Any:
        # The source starts on the line after the wrapper's opening quotes.
        if source_code.lstrip().startswith(HOST_KERNEL_MARK):
            return HostKernelCodeCache.load_host_kernel(argtypes, source_code)
        return super().cpp_pybinding(argtypes, source_code)
