"""torch.npu device and stream core limits (set_device_limit, set_stream_limit, ...) and set_op_timeout_ms."""

import textwrap

import pytest
import torch
import torch_npu
import torch_npu.npu.resource_limits as resource_limits
from conftest import run_python

# The simulated Ascend910B1's cores: what a device allows before any limit.
ALL_CORES = {"cube_core_num": 24, "vector_core_num": 48}


@pytest.fixture
def fresh_device_limit(npu, monkeypatch):
    """Lets the test call set_device_limit, which the reference allows once a process; undoes the limit after."""
    monkeypatch.setattr(resource_limits, "_device_limit_set", False)
    torch.ones(1, device=npu)  # the device is in use, as set_device_limit requires
    yield
    torch_npu._C._npu_reset_device_res_limit(0)


def test_a_device_allows_all_its_cores_until_limited(npu):
    torch.ones(1, device=npu)
    assert torch.npu.get_device_limit(0) == ALL_CORES
    assert torch.npu.get_stream_limit(torch.npu.current_stream()) == ALL_CORES


def test_device_and_stream_limits(fresh_device_limit):
    torch.npu.set_device_limit(torch.npu.current_device(), 12, 24)
    assert torch.npu.get_device_limit(0) == {"cube_core_num": 12, "vector_core_num": 24}
    first, second = torch.npu.current_stream(), torch.npu.Stream()
    torch.npu.set_stream_limit(first, 13, 25)
    torch.npu.set_stream_limit(second, 14, 26)
    assert torch.npu.get_stream_limit(first) == {"cube_core_num": 13, "vector_core_num": 25}
    assert torch.npu.get_stream_limit(second) == {"cube_core_num": 14, "vector_core_num": 26}
    torch.npu.reset_stream_limit(first)
    assert torch.npu.get_stream_limit(first) == {"cube_core_num": 12, "vector_core_num": 24}
    assert torch.npu.get_stream_limit(second) == {"cube_core_num": 14, "vector_core_num": 26}
    torch.npu.reset_stream_limit(second)
    # Kernels still run on a limited stream.
    with torch.npu.stream(second):
        assert torch.arange(4, device="npu").sum().item() == 6


def test_minus_one_leaves_a_limit_as_it_is(fresh_device_limit):
    torch.npu.set_device_limit(0, cube_num=8)
    assert torch.npu.get_device_limit(0) == {"cube_core_num": 8, "vector_core_num": 48}
    stream = torch.npu.Stream()
    torch.npu.set_stream_limit(stream, vector_num=6)
    assert torch.npu.get_stream_limit(stream) == {"cube_core_num": 8, "vector_core_num": 6}


def test_device_limit_can_be_set_once(fresh_device_limit):
    torch.npu.set_device_limit(0, 20, 40)
    with pytest.raises(RuntimeError, match="You can only set this interface once"):
        torch.npu.set_device_limit(0, 10, 20)
    assert torch.npu.get_device_limit(0) == {"cube_core_num": 20, "vector_core_num": 40}


@pytest.mark.parametrize("device", ["0", 0.0, None, True, False])
def test_device_must_be_an_int(device, fresh_device_limit):
    with pytest.raises(TypeError, match="device must be an int"):
        torch.npu.get_device_limit(device)
    with pytest.raises(TypeError, match="device must be an int"):
        torch.npu.set_device_limit(device)


def test_bad_devices_streams_and_counts(fresh_device_limit):
    with pytest.raises(AssertionError, match="Invalid device id"):
        torch.npu.get_device_limit(torch.npu.device_count())
    with pytest.raises(AssertionError, match="stream cannot be None"):
        torch.npu.get_stream_limit(None)
    with pytest.raises(AssertionError, match="stream should be torch_npu.npu.Stream"):
        torch.npu.set_stream_limit(torch.Stream(device="cpu"), 1, 1)
    stream = torch.npu.Stream()
    for cube in (0, 25):
        with pytest.raises(RuntimeError, match=r"cube cores is outside \[1, 24\]"):
            torch.npu.set_stream_limit(stream, cube_num=cube)
    with pytest.raises(RuntimeError, match=r"vector cores is outside \[1, 48\]"):
        torch.npu.set_device_limit(0, vector_num=49)
    assert torch.npu.get_stream_limit(stream) == ALL_CORES  # nothing was changed
    with pytest.raises(ValueError, match="must be 0 .cube cores. or 1"):
        torch_npu._C._npu_get_device_res_limit(0, 2)


def test_a_device_this_process_never_used_has_no_limits():
    result = run_python(textwrap.dedent("""
        import torch, torch_npu
        torch.ones(1, device="npu:0")
        try:
            torch.npu.get_device_limit(1)
        except RuntimeError as error:
            print(error)
    """))
    assert result.returncode == 0, result.stderr
    assert "NPU device 1 has not been initialized! Can not get device resource limit" in result.stdout


@pytest.fixture
def no_op_timeout_after():
    """Restores the default op timeout (none on the simulator) whatever the test did."""
    yield
    torch.npu.set_op_timeout_ms(0)


def test_a_kernel_past_the_op_timeout_fails_at_the_next_synchronize(npu, no_op_timeout_after):
    a = torch.randn(1024, 1024, device=npu)
    b = torch.randn(1024, 1024, device=npu)
    expected = a.cpu() @ b.cpu()
    torch.npu.synchronize()
    torch.npu.set_op_timeout_ms(1)  # a 1024^3 matmul on the simulator's host threads takes far longer
    product = a @ b  # the launch only enqueues, as on the device
    with pytest.raises(RuntimeError, match=r"error code is 507014\n\[Error\]: The aicore execution times out") as error:
        torch.npu.synchronize()
    assert "aclnnMm ran for" in str(error.value)
    assert "past the op execute timeout of 1000 us" in str(error.value)
    # Reported once; with the timeout lifted the same kernel completes.
    torch.npu.synchronize()
    torch.npu.set_op_timeout_ms(0)
    torch.testing.assert_close((a @ b).cpu(), expected)
    del product


def test_an_op_timeout_a_kernel_stays_within(npu, no_op_timeout_after):
    torch.npu.set_op_timeout_ms(600_000)
    x = torch.arange(6.0, device=npu)
    assert (x * 2).sum().item() == 30.0


@pytest.mark.parametrize(
    ("timeout", "message"),
    [(-1, "can't convert negative value to unsigned int"), (2**32, "Overflow when unpacking")],
)
def test_op_timeout_is_a_uint32_of_milliseconds(timeout, message, no_op_timeout_after):
    with pytest.raises(OverflowError, match=message):
        torch.npu.set_op_timeout_ms(timeout)


def _slow_matmul_completes(device: torch.device) -> bool:
    """Whether a 1024^3 matmul (far longer than 1 ms on the simulator) passes the next synchronize."""
    a = torch.ones(1024, 1024, device=device)
    torch.npu.synchronize()
    a @ a
    try:
        torch.npu.synchronize()
    except RuntimeError as error:
        assert "507014" in str(error)
        return False
    return True


def test_set_op_timeout_ms_is_an_operator_torch_compile_keeps(npu, no_op_timeout_after):
    @torch.compile(backend="eager", fullgraph=True)
    def step(x):
        y = x + 1
        torch.npu.set_op_timeout_ms(1)
        return y

    assert step(torch.ones(2, device=npu)).tolist() == [2.0, 2.0]
    assert not _slow_matmul_completes(npu)


def test_set_op_timeout_ms_under_fake_tensors_changes_nothing(npu, no_op_timeout_after):
    from torch._subclasses.fake_tensor import FakeTensorMode

    torch.npu.set_op_timeout_ms(600_000)
    with FakeTensorMode():
        torch.ops.npu.set_op_timeout_ms(1)
    assert _slow_matmul_completes(npu)
