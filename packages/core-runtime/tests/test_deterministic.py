"""torch.use_deterministic_algorithms reaches CANN (ACL_OPT_DETERMINISTIC), and torch.npu.set_deterministic_level."""

import ctypes
import pathlib
import warnings

import pytest
import torch
import torch_npu

ACL_OPT_DETERMINISTIC = 0


@pytest.fixture
def runtime():
    """The simulated CANN runtime, to read what the operators told it; torch's setting restored after."""
    enabled = torch.are_deterministic_algorithms_enabled()
    yield ctypes.CDLL(str(pathlib.Path(torch_npu.__file__).parent / "lib" / "libascendcl_sim.so"))
    torch.use_deterministic_algorithms(enabled)


def cann_options(runtime) -> "tuple[int, int]":
    """ACL_OPT_DETERMINISTIC of the process and of this thread's current device's context."""
    process, context = ctypes.c_int64(-1), ctypes.c_int64(-1)
    assert runtime.aclrtGetSysParamOpt(ACL_OPT_DETERMINISTIC, ctypes.byref(process)) == 0
    assert runtime.aclrtCtxGetSysParamOpt(ACL_OPT_DETERMINISTIC, ctypes.byref(context)) == 0
    return process.value, context.value


def run_an_operator(device: str = "npu:0") -> None:
    x = torch.arange(4.0, device=device)
    assert (x + x).tolist() == [0.0, 2.0, 4.0, 6.0]


def test_each_operator_passes_torch_deterministic_setting_to_cann(runtime):
    for enabled in (True, False, True):
        torch.use_deterministic_algorithms(enabled)
        run_an_operator()
        assert cann_options(runtime) == (int(enabled), int(enabled))
    # Another device's context gets it at its first operator.
    with torch.npu.device(1):
        run_an_operator("npu:1")
        assert cann_options(runtime) == (1, 1)
        torch.use_deterministic_algorithms(False)
        run_an_operator("npu:1")
        assert cann_options(runtime) == (0, 0)
    # Device 0's context keeps its value until an operator runs there.
    assert cann_options(runtime) == (0, 1)
    run_an_operator()
    assert cann_options(runtime) == (0, 0)


def test_set_deterministic_level_sets_torch_and_cann(runtime):
    torch.use_deterministic_algorithms(False)
    with pytest.warns(UserWarning, match="'torch.use_deterministic_algorithms' has been configured to 'True'"):
        torch.npu.set_deterministic_level(1)
    assert torch.are_deterministic_algorithms_enabled()
    run_an_operator()
    assert cann_options(runtime) == (1, 1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no conflict, no warning
        torch.npu.set_deterministic_level(1)
    with pytest.warns(UserWarning, match="has been configured to 'False'"):
        torch.npu.set_deterministic_level(0)
    assert not torch.are_deterministic_algorithms_enabled()
    run_an_operator()
    assert cann_options(runtime) == (0, 0)


@pytest.mark.parametrize(
    ("level", "error", "message"),
    [
        (-1, OverflowError, "can't convert negative value to unsigned int"),
        (4, RuntimeError, "supports configuring 0/1/2/3"),
        (2, RuntimeError, r"set_deterministic_level\(2\)' requires a CANN runtime with strong consistency"),
        (3, RuntimeError, r"set_deterministic_level\(3\)' requires CANN runtime and operator packages"),
        ("1", TypeError, "level must be an int"),
    ],
)
def test_bad_deterministic_levels_change_nothing(level, error, message, runtime):
    torch.use_deterministic_algorithms(False)
    with pytest.raises(error, match=message):
        torch.npu.set_deterministic_level(level)
    assert not torch.are_deterministic_algorithms_enabled()
