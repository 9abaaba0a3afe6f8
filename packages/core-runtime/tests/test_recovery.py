"""torch.npu.stop_device / restart_device: the queued work is aborted, new work refused with the
reference's "FORCE STOP." until the restart, and the device computes correctly afterwards."""

import pytest
import torch
from conftest import run_python


def test_stopped_device_aborts_queued_work_and_refuses_new_work_until_restarted():
    result = run_python(
        """
import torch
torch.manual_seed(0)
a = torch.randn(512, 512, device="npu")
expected = (a.cpu() @ a.cpu()).sum()
total = torch.zeros(512, 512, device="npu")
torch.npu.synchronize()
# Queue more work than the device finishes at once (each matmul takes milliseconds), then stop it.
for _ in range(40):
    total.add_(a @ a)
print("stop result", torch.npu.stop_device(0))
for attempt in (lambda: a + 1, lambda: torch.ones(3, device="npu"), lambda: a.cpu().npu()):
    try:
        attempt()
        print("ran")
    except RuntimeError as error:
        print("refused:", str(error).splitlines()[0][:11])
try:
    torch.npu.synchronize()
    print("synchronized")
except RuntimeError as error:
    print("synchronize:", "FORCE STOP" in str(error), "107022" in str(error))
torch.npu.restart_device(0)
torch.npu.synchronize()  # reported once
# Some of the queued work was aborted: total is not 40 products.
print("aborted some", not torch.allclose(total.cpu(), 40 * (a.cpu() @ a.cpu()), rtol=1e-3))
result = (a @ a).sum()
print("after restart", torch.allclose(result.cpu(), expected, rtol=1e-4))
""",
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "stop result 0" in out
    assert out.count("refused: FORCE STOP.") == 3, out
    assert "ran" not in out.replace("after restart", "")
    assert "synchronize: True True" in out, out
    assert "aborted some True" in out, out
    assert "after restart True" in out


def test_stop_and_restart_refuse_bad_arguments(npu):
    with pytest.raises(TypeError, match="device must be an int"):
        torch.npu.stop_device("npu:0")
    with pytest.raises(AssertionError, match="Invalid device id"):
        torch.npu.restart_device(99)
    with pytest.raises(NotImplementedError, match="rebuild_all_resources=True"):
        torch.npu.restart_device(0, rebuild_all_resources=True)
    # Nothing was stopped by the refusals.
    assert torch.equal((torch.ones(2, device=npu) + 1).cpu(), torch.full((2,), 2.0))


def test_memory_errors_are_reported_classified_and_repaired():
    result = run_python(
        """
import ctypes, pathlib, torch, torch_npu
simulator = ctypes.CDLL(str(pathlib.Path(torch_npu.__file__).parent / "lib" / "libascendcl_sim.so"))
simulator.npuSimInjectMemoryError.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t]

def hit(address, size):
    assert simulator.npuSimInjectMemoryError(torch.npu.current_stream().npu_stream, address, size) == 0
    try:
        torch.npu.synchronize()
        print("no error")
    except RuntimeError as error:
        print("error:", "UCE ERROR" in str(error), "507053" in str(error))

print("healthy", torch.npu.check_uce_in_memory(0))
live = torch.ones(1 << 20, device="npu")
hit(live.data_ptr() + 4096, 256)
print("live tensor", torch.npu.check_uce_in_memory(0))
torch.npu.restart_device(0)
print("repaired", torch.npu.check_uce_in_memory(0))
assert float(live.sum()) == float(1 << 20)

cached = torch.ones(8 << 20, device="npu")  # 32 MiB: a segment of its own
address = cached.data_ptr()
del cached  # its segment stays cached
hit(address, 256)
reserved = torch.npu.memory_reserved()
print("cached block", torch.npu.check_uce_in_memory(0), torch.npu.memory_reserved() < reserved)
torch.npu.restart_device(0)

raw = ctypes.c_void_p()
assert simulator.aclrtMalloc(ctypes.byref(raw), 4096, 0) == 0  # not the caching allocator's
hit(raw.value, 64)
print("outside the allocator", torch.npu.check_uce_in_memory(0))
torch.npu.restart_device(0)
print("all repaired", torch.npu.check_uce_in_memory(0))
""",
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "healthy 0" in out
    assert out.count("error: True True") == 3, out
    assert "live tensor 3" in out
    assert "repaired 0" in out
    assert "cached block 2 True" in out
    assert "outside the allocator 1" in out
    assert "all repaired 0" in out
