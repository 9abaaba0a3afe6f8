"""NPUPluggableAllocator and change_current_allocator: device memory from the user's own library.

The allocator under test is a small C library built here, which takes its memory from the
runtime's aclrtMalloc and counts its calls. Each case runs in a fresh interpreter: the swap
must happen before the first NPU allocation and lasts for the process.
"""

import pathlib
import shutil
import subprocess
import textwrap

import pytest
import torch_npu

from conftest import run_python

SIMULATOR = pathlib.Path(torch_npu.__file__).parent / "lib" / "libascendcl_sim.so"

ALLOCATOR_SOURCE = r"""
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

typedef void* aclrtStream;
extern int aclrtMalloc(void** ptr, size_t size, int policy);
extern int aclrtFree(void* ptr);

int alloc_calls = 0;
int free_calls = 0;
int64_t live_bytes = 0;
int64_t limit_bytes = INT64_MAX;
int last_device = -1;
aclrtStream last_stream = NULL;

void* counting_alloc(ssize_t size, int device, aclrtStream stream) {
  void* ptr = NULL;
  if (live_bytes + size > limit_bytes || aclrtMalloc(&ptr, (size_t)size, 0) != 0) {
    return NULL;
  }
  alloc_calls += 1;
  live_bytes += size;
  last_device = device;
  last_stream = stream;
  return ptr;
}

void counting_free(void* ptr, size_t size, int device, aclrtStream stream) {
  (void)device;
  (void)stream;
  aclrtFree(ptr);
  free_calls += 1;
  live_bytes -= (int64_t)size;
}
"""


@pytest.fixture(scope="module")
def allocator_library(tmp_path_factory) -> pathlib.Path:
    compiler = shutil.which("cc") or shutil.which("gcc")
    if compiler is None:
        pytest.fail("a C compiler (cc) is needed to build the test allocator")
    if not SIMULATOR.exists():
        pytest.skip("the test allocator takes its memory from the simulator's runtime")
    directory = tmp_path_factory.mktemp("allocator")
    source = directory / "counting_allocator.c"
    source.write_text(ALLOCATOR_SOURCE)
    library = directory / "libcounting_allocator.so"
    subprocess.run(
        [compiler, "-shared", "-fPIC", "-o", str(library), str(source), f"-L{SIMULATOR.parent}",
         f"-l:{SIMULATOR.name}", f"-Wl,-rpath,{SIMULATOR.parent}"],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    return library


def run_with_allocator(library: pathlib.Path, body: str):
    code = textwrap.dedent(
        f"""
        import ctypes
        import torch
        import torch_npu
        library = ctypes.CDLL({str(library)!r})
        def counter(name, kind=ctypes.c_int):
            return kind.in_dll(library, name).value
        allocator = torch.npu.memory.NPUPluggableAllocator({str(library)!r}, "counting_alloc", "counting_free")
        torch.npu.memory.change_current_allocator(allocator)
        """
    ) + textwrap.dedent(body)
    result = run_python(code)
    assert result.returncode == 0, result.stderr
    return result


def test_tensors_are_served_by_the_library_and_compute_right(allocator_library):
    run_with_allocator(
        allocator_library,
        """
        x = torch.randn(256, 256)
        y = torch.randn(256, 256)
        z = (x.npu() @ y.npu()).relu()
        assert counter("alloc_calls") >= 3, counter("alloc_calls")
        assert counter("last_stream", ctypes.c_void_p) == torch.npu.current_stream().npu_stream
        torch.testing.assert_close(z.cpu(), (x @ y).relu())
        assert torch.npu.get_allocator_backend() == "pluggable"
        """,
    )


def test_freed_tensors_go_back_to_the_library_with_their_size(allocator_library):
    run_with_allocator(
        allocator_library,
        """
        t = torch.empty(1000, device="npu")
        torch.npu.synchronize()
        live = counter("live_bytes", ctypes.c_int64)
        frees = counter("free_calls")
        assert live >= 4000
        del t
        assert counter("free_calls") == frees + 1
        assert counter("live_bytes", ctypes.c_int64) == live - 4000
        address = torch.npu.caching_allocator_alloc(512)
        assert counter("live_bytes", ctypes.c_int64) == live - 4000 + 512
        torch.npu.caching_allocator_delete(address)
        assert counter("live_bytes", ctypes.c_int64) == live - 4000
        """,
    )


def test_a_null_from_the_library_is_an_out_of_memory_error(allocator_library):
    run_with_allocator(
        allocator_library,
        """
        ctypes.c_int64.in_dll(library, "limit_bytes").value = 1 << 20
        try:
            torch.empty(1 << 20, device="npu")
        except torch.OutOfMemoryError as error:
            assert "NPU out of memory. Tried to allocate 4.00 MiB" in str(error), str(error)
        else:
            raise AssertionError("no OutOfMemoryError")
        small = torch.ones(10, device="npu")
        assert small.sum().item() == 10
        """,
    )


def test_what_the_library_does_not_provide_raises(allocator_library):
    run_with_allocator(
        allocator_library,
        """
        torch.ones(10, device="npu")
        for call in (torch.npu.memory_allocated, torch.npu.memory_stats, torch.npu.MemPool,
                     torch.npu.memory_snapshot, lambda: torch.npu.set_per_process_memory_fraction(0.5)):
            try:
                call()
            except RuntimeError as error:
                assert "NPUPluggableAllocator does not yet support" in str(error), str(error)
            else:
                raise AssertionError(f"{call} did not raise")
        """,
    )


def test_the_allocator_cannot_be_swapped_once_used(allocator_library):
    code = textwrap.dedent(
        f"""
        import torch
        import torch_npu
        torch.ones(1, device="npu")
        allocator = torch.npu.memory.NPUPluggableAllocator({str(allocator_library)!r}, "counting_alloc", "counting_free")
        try:
            torch.npu.memory.change_current_allocator(allocator)
        except RuntimeError as error:
            assert "Can't swap an already initialized allocator" in str(error), str(error)
        else:
            raise AssertionError("the swap succeeded")
        assert torch.npu.get_allocator_backend() == "native"
        """
    )
    result = run_python(code)
    assert result.returncode == 0, result.stderr


def test_a_missing_function_is_named(allocator_library):
    with pytest.raises(AttributeError, match="no_such_alloc"):
        torch_npu.npu.memory.NPUPluggableAllocator(str(allocator_library), "no_such_alloc", "counting_free")
