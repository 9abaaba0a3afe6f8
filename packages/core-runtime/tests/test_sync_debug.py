"""torch.npu.set_sync_debug_mode: implicit host-device synchronizations warn or raise, as torch.cuda's do."""

import warnings

import pytest
import torch

MESSAGE = "called a synchronizing NPU operation"


@pytest.fixture(autouse=True)
def _restore_mode():
    yield
    torch.npu.set_sync_debug_mode("default")


def test_default_mode_is_silent(npu):
    assert torch.npu.get_sync_debug_mode() == 0
    x = torch.ones(4, device=npu)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert x.sum().item() == 4.0


def test_modes_by_name_and_number():
    for name, number in (("warn", 1), ("error", 2), ("default", 0)):
        torch.npu.set_sync_debug_mode(name)
        assert torch.npu.get_sync_debug_mode() == number
        torch.npu.set_sync_debug_mode(number)
        assert torch.npu.get_sync_debug_mode() == number


def test_invalid_modes_raise():
    with pytest.raises(RuntimeError, match="expected one of `default`, `warn`, `error`"):
        torch.npu.set_sync_debug_mode("loud")
    with pytest.raises(RuntimeError, match="invalid value of debug_mode"):
        torch.npu.set_sync_debug_mode(3)
    assert torch.npu.get_sync_debug_mode() == 0


@pytest.mark.parametrize(
    "synchronizing",
    [
        pytest.param(lambda x: x.cpu(), id="copy_to_host"),
        pytest.param(lambda x: x.sum().item(), id="item"),
        pytest.param(lambda x: torch.nonzero(x), id="nonzero"),
        pytest.param(lambda x: torch.npu.current_stream().synchronize(), id="stream_synchronize"),
    ],
)
def test_warn_mode_warns_on_implicit_synchronization(npu, synchronizing):
    x = torch.ones(8, device=npu)
    torch.npu.set_sync_debug_mode("warn")
    with pytest.warns(UserWarning, match=MESSAGE):
        synchronizing(x)


def test_error_mode_raises_and_keeps_the_data(npu):
    x = torch.arange(6.0, device=npu)
    torch.npu.set_sync_debug_mode("error")
    with pytest.raises(RuntimeError, match=MESSAGE):
        x.cpu()
    torch.npu.set_sync_debug_mode("default")
    assert torch.equal(x.cpu(), torch.arange(6.0))


def test_asynchronous_work_and_explicit_synchronize_do_not_report(npu):
    x = torch.ones(8, device=npu)
    torch.npu.set_sync_debug_mode("error")
    y = (x * 2 + 1).exp()  # launches only
    z = torch.empty(8, device=npu).copy_(y)
    torch.npu.synchronize()  # asked for: as torch.cuda.synchronize, never reported
    torch.npu.set_sync_debug_mode("default")
    assert torch.allclose(z.cpu(), torch.full((8,), 3.0).exp())
