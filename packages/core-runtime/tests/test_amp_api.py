"""torch.npu.amp and the torch.npu autocast functions: autocast state, custom_fwd/bwd, GradScaler."""

import copy
import math
import warnings

import pytest
import torch

# Ops on npu tensors inside an npu autocast region dispatch to AutocastPrivateUse1; torch_npu
# must register at least a fallthrough there (the per-op autocast lists come later).
_needs_autocast_kernels = pytest.mark.xfail(
    not torch._C._dispatch_has_backend_fallback(torch._C.DispatchKey.AutocastPrivateUse1),
    reason="torch_npu registers no AutocastPrivateUse1 fallback: every op inside npu autocast raises",
    raises=NotImplementedError,
    strict=True,
)


@pytest.fixture(autouse=True)
def _restore_autocast_state():
    enabled, dtype = torch.is_autocast_enabled("npu"), torch.get_autocast_dtype("npu")
    yield
    torch.set_autocast_enabled("npu", enabled)
    torch.set_autocast_dtype("npu", dtype)


def test_npu_amp_classes_are_the_torch_amp_ones_bound_to_npu():
    assert issubclass(torch.npu.amp.autocast, torch.amp.autocast)
    assert issubclass(torch.npu.amp.GradScaler, torch.amp.GradScaler)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert torch.npu.amp.autocast().device == "npu"
        assert torch.npu.amp.GradScaler()._device == "npu"


def test_amp_dtype_queries():
    assert torch.npu.get_amp_supported_dtype() == [torch.float16, torch.bfloat16]
    assert torch.npu.is_bf16_supported() is True
    assert torch.npu.amp.get_amp_supported_dtype is torch.npu.get_amp_supported_dtype


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
def test_torch_autocast_and_grad_scaler_construct_without_warnings(dtype):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        context = torch.autocast("npu", dtype=dtype)
        scaler = torch.amp.GradScaler("npu")
    assert context._enabled and context.fast_dtype == dtype
    assert scaler.is_enabled()


def test_unsupported_autocast_dtype_is_disabled_with_a_warning():
    with pytest.warns(UserWarning, match="npu Autocast only supports dtypes of torch.float16, torch.bfloat16"):
        context = torch.autocast("npu", dtype=torch.float32)
    assert not context._enabled


def test_autocast_context_sets_and_restores_the_npu_state():
    assert not torch.npu.is_autocast_enabled()
    with torch.npu.amp.autocast():
        assert torch.npu.is_autocast_enabled()
        assert torch.is_autocast_enabled("npu")
        assert torch.npu.get_autocast_dtype() == torch.float16
        with torch.npu.amp.autocast(dtype=torch.bfloat16):
            assert torch.npu.get_autocast_dtype() == torch.bfloat16
            with torch.npu.amp.autocast(enabled=False):
                assert not torch.npu.is_autocast_enabled()
            assert torch.npu.is_autocast_enabled()
        assert torch.npu.get_autocast_dtype() == torch.float16
    assert not torch.npu.is_autocast_enabled()
    # the CPU autocast state is untouched
    assert not torch.is_autocast_enabled("cpu")


def test_autocast_cache_enabled_argument_is_applied():
    with torch.npu.amp.autocast(cache_enabled=False):
        assert not torch.is_autocast_cache_enabled()
    with torch.npu.amp.autocast(cache_enabled=True):
        assert torch.is_autocast_cache_enabled()


def test_autocast_as_a_decorator():
    @torch.npu.amp.autocast(dtype=torch.bfloat16)
    def state():
        return torch.npu.is_autocast_enabled(), torch.npu.get_autocast_dtype()

    assert state() == (True, torch.bfloat16)
    assert not torch.npu.is_autocast_enabled()


def test_set_autocast_enabled_and_dtype():
    torch.npu.set_autocast_enabled(True)
    assert torch.is_autocast_enabled("npu")
    torch.npu.set_autocast_enabled(False)
    assert not torch.is_autocast_enabled("npu")

    torch.npu.set_autocast_dtype(torch.bfloat16)
    assert torch.get_autocast_dtype("npu") == torch.bfloat16
    assert torch.npu.get_autocast_dtype() == torch.bfloat16
    with pytest.raises(ValueError, match="float32"):
        torch.npu.set_autocast_dtype(torch.float32)
    assert torch.npu.get_autocast_dtype() == torch.bfloat16


@_needs_autocast_kernels
def test_ops_run_inside_an_npu_autocast_region(npu):
    x = torch.arange(4.0, device=npu).reshape(2, 2)
    with torch.npu.amp.autocast():
        y = x @ x + 1
    assert y.device.type == "npu"
    assert y.cpu().tolist() == [[3.0, 4.0], [7.0, 12.0]]


class _Recorder(torch.autograd.Function):
    """Records the dtype and npu autocast state its forward and backward saw."""

    seen = {}

    @staticmethod
    @torch.npu.amp.custom_fwd
    def forward(ctx, x):
        _Recorder.seen["forward"] = torch.is_autocast_enabled("npu")
        return x * 2

    @staticmethod
    @torch.npu.amp.custom_bwd
    def backward(ctx, grad):
        _Recorder.seen["backward"] = (torch.is_autocast_enabled("npu"), torch.get_autocast_dtype("npu"))
        return grad * 2


class _CastToHalf(torch.autograd.Function):
    seen = {}

    @staticmethod
    @torch.npu.amp.custom_fwd(cast_inputs=torch.float16)
    def forward(ctx, x):
        _CastToHalf.seen["forward"] = (x.dtype, torch.is_autocast_enabled("npu"))
        return x.clone()

    @staticmethod
    @torch.npu.amp.custom_bwd()
    def backward(ctx, grad):
        return grad


@_needs_autocast_kernels
def test_custom_bwd_runs_backward_under_the_forward_npu_autocast_state(npu):
    x = torch.ones(3, device=npu, requires_grad=True)
    with torch.npu.amp.autocast(dtype=torch.bfloat16):
        y = _Recorder.apply(x)
    assert _Recorder.seen["forward"] is True
    y.sum().backward()  # outside the autocast region
    assert _Recorder.seen["backward"] == (True, torch.bfloat16)
    assert x.grad.cpu().tolist() == [2.0, 2.0, 2.0]


def test_custom_fwd_cast_inputs_casts_npu_inputs_and_disables_autocast(npu):
    x = torch.ones(3, device=npu, requires_grad=True)
    with torch.npu.amp.autocast():
        y = _CastToHalf.apply(x)
    assert _CastToHalf.seen["forward"] == (torch.float16, False)
    assert y.dtype == torch.float16
    _CastToHalf.apply(x)  # outside autocast: no cast
    assert _CastToHalf.seen["forward"] == (torch.float32, False)


# ----------------------------------------------------------------------------- GradScaler


def _model_and_data(npu):
    torch.manual_seed(0)
    cpu_model = torch.nn.Linear(4, 2)
    model = copy.deepcopy(cpu_model).to(npu)
    x = torch.randn(8, 4)
    return cpu_model, model, x


def test_scale_multiplies_by_the_scale_on_npu(npu):
    scaler = torch.npu.amp.GradScaler(init_scale=1024.0)
    scaled = scaler.scale(torch.tensor(3.0, device=npu))
    assert scaled.device.type == "npu"
    assert scaled.item() == 3072.0
    assert scaler.get_scale() == 1024.0


def test_unscale_step_update_matches_an_unscaled_step(npu):
    cpu_model, model, x = _model_and_data(npu)
    reference = torch.optim.SGD(cpu_model.parameters(), lr=0.1)
    cpu_model(x).pow(2).sum().backward()
    reference.step()

    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    scaler = torch.npu.amp.GradScaler(init_scale=2.0**10, growth_interval=1)
    scaler.scale(model(x.to(npu)).pow(2).sum()).backward()
    scaled_grad = model.weight.grad.cpu().clone()
    scaler.unscale_(optimizer)
    torch.testing.assert_close(model.weight.grad.cpu() * 2.0**10, scaled_grad)
    torch.testing.assert_close(model.weight.grad.cpu(), cpu_model.weight.grad)
    scaler.step(optimizer)
    scaler.update()

    torch.testing.assert_close(model.weight.cpu(), cpu_model.weight)
    torch.testing.assert_close(model.bias.cpu(), cpu_model.bias)
    assert scaler.get_scale() == 2.0**11  # grew after one finite step (growth_interval=1)


def test_non_finite_gradients_skip_the_step_and_back_off(npu):
    _, model, x = _model_and_data(npu)
    before = [p.detach().cpu().clone() for p in model.parameters()]
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    scaler = torch.npu.amp.GradScaler(init_scale=2.0**10)
    scaler.scale(model(x.to(npu)).sum()).backward()
    with torch.no_grad():
        model.bias.grad[0] = math.inf
    scaler.step(optimizer)
    scaler.update()

    for old, new in zip(before, model.parameters()):
        assert torch.equal(old, new.detach().cpu())
    assert scaler.get_scale() == 2.0**9


def test_disabled_grad_scaler_passes_through(npu):
    scaler = torch.npu.amp.GradScaler(enabled=False)
    loss = torch.tensor(3.0, device=npu)
    assert scaler.scale(loss) is loss
    assert not scaler.is_enabled()
