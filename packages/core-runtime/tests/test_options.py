"""torch.npu.set_option and the switches torch.npu.config / matmul / conv, with the reference's names."""

import pytest
import torch
import torch_npu._C as _C

from conftest import run_python


@pytest.fixture(autouse=True)
def _restore_switches():
    yield
    torch.npu.matmul.allow_hf32 = False
    torch.npu.conv.allow_hf32 = True
    torch.npu.config.allow_internal_format = False
    torch.npu.set_mm_bmm_format_nd(True)


def test_defaults_are_cann_defaults():
    assert torch.npu.matmul.allow_hf32 is False  # CANN: matmuls keep float32
    assert torch.npu.conv.allow_hf32 is True  # CANN: float32 convolutions run in HFLOAT32
    assert torch.npu.get_mm_bmm_format_nd() is True
    assert torch.npu.is_jit_compile_false() is True


def test_switches_round_trip():
    torch.npu.matmul.allow_hf32 = True
    assert torch.npu.matmul.allow_hf32 is True
    assert _C._npu_getOption("ALLOW_MATMUL_HF32") == b"enable"
    torch.npu.conv.allow_hf32 = False
    assert torch.npu.conv.allow_hf32 is False
    torch.npu.config.allow_internal_format = True
    assert torch.npu.config.allow_internal_format is True


def test_switches_take_bools_only():
    with pytest.raises(TypeError, match="allow_hf32 must be a bool, but got int"):
        torch.npu.matmul.allow_hf32 = 1
    with pytest.raises(TypeError, match="allow_hf32 must be a bool"):
        torch.npu.conv.allow_hf32 = "yes"
    with pytest.raises(TypeError, match="one of Enum CubeMathType"):
        torch.npu.matmul.cube_math_type = 1


def test_cube_math_type_enum_values_are_aclnns():
    assert [int(m) for m in torch.npu.CubeMathType] == [0, 1, 2, 3, 4]
    assert torch.npu.CubeMathType.ALLOW_FP32_DOWN_PRECISION == 1


def test_set_option_records_and_checks():
    torch.npu.set_option({"ACL_OP_COMPILER_CACHE_MODE": "enable", "ACL_AICORE_NUM": 8})
    assert _C._npu_getOption("ACL_OP_COMPILER_CACHE_MODE") == b"enable"
    assert _C._npu_getOption("ACL_AICORE_NUM") == b"8"
    assert _C._npu_getOption("NEVER_SET") is None
    with pytest.raises(TypeError, match="npu option must be a dict"):
        torch.npu.set_option([("ACL_AICORE_NUM", "8")])
    with pytest.raises(ValueError, match="value of ACL_PRECISION_MODE should be in"):
        torch.npu.set_option({"ACL_PRECISION_MODE": "fastest"})
    with pytest.raises(ValueError, match="value of ACL_AICORE_NUM"):
        torch.npu.set_option({"ACL_AICORE_NUM": "40"})
    with pytest.raises(RuntimeError, match="value of ALLOW_MATMUL_HF32 should be in"):
        torch.npu.set_option({"ALLOW_MATMUL_HF32": "on"})
    assert torch.npu.matmul.allow_hf32 is False


def test_set_option_mm_bmm_nd_and_hf32():
    torch.npu.set_option({"MM_BMM_ND_ENABLE": "disable", "ALLOW_MATMUL_HF32": "enable"})
    assert torch.npu.get_mm_bmm_format_nd() is False
    assert torch.npu.matmul.allow_hf32 is True


def test_compile_mode_is_recorded():
    torch.npu.set_compile_mode(jit_compile=True)
    assert torch.npu.is_jit_compile_false() is False
    torch.npu.set_compile_mode(jit_compile=False)
    assert torch.npu.is_jit_compile_false() is True


@pytest.mark.parametrize("call", [
    lambda: torch.npu.set_aoe("/tmp/aoe"),
    lambda: torch.npu.set_dump("/tmp/dump.json"),
    torch.npu.init_dump,
    torch.npu.finalize_dump,
])
def test_cann_tools_not_supported_yet_say_so(call):
    with pytest.raises(NotImplementedError, match="not support yet"):
        call()


@pytest.mark.parametrize("call", [
    lambda: torch.npu.obfuscation_initialize(3584, 0, 1, data_type=torch.bfloat16),
    lambda: torch.npu.obfuscation_calculate(torch.zeros(1, dtype=torch.int32), torch.zeros(2, 3584),
                                            torch.tensor([3584], dtype=torch.int32)),
    lambda: torch.npu.obfuscation_finalize(torch.zeros(1, dtype=torch.int32)),
])  # fmt: skip
def test_pmcc_obfuscation_is_refused_naming_what_it_needs(call):
    with pytest.raises(RuntimeError, match="needs Ascend hardware with Huawei's PMCC model-obfuscation engine"):
        call()


def test_compatible_impl_switch_is_recorded_and_read_from_the_environment():
    assert torch.npu.are_compatible_impl_enabled() is False
    torch.npu.use_compatible_impl(True)
    assert torch.npu.are_compatible_impl_enabled() is True
    with pytest.warns(UserWarning, match="no NPU-specific implementations to switch to"):
        torch.npu.use_compatible_impl(False)
    assert torch.npu.are_compatible_impl_enabled() is False
    with pytest.raises(TypeError, match="is_enable must be a bool"):
        torch.npu.use_compatible_impl("1")
    result = run_python("import torch, torch_npu; print(torch.npu.are_compatible_impl_enabled())",
                        env={"TORCH_NPU_USE_COMPATIBLE_IMPL": "1"})  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"


def test_deterministic_region_covers_its_backward(npu):
    seen = {}

    def record(name):
        def hook(grad):
            seen[name] = torch.are_deterministic_algorithms_enabled()
            return grad
        return hook

    torch.use_deterministic_algorithms(False)
    x = torch.randn(4, device=npu, requires_grad=True)
    before = x * 2
    before.register_hook(record("before the region"))
    inside = torch.npu.enable_deterministic_with_backward(before)
    assert torch.are_deterministic_algorithms_enabled()
    middle = inside.exp()
    middle.register_hook(record("inside the region"))
    out = torch.npu.disable_deterministic_with_backward(middle)
    assert not torch.are_deterministic_algorithms_enabled()
    after = out * 3
    after.register_hook(record("after the region"))
    after.sum().backward()
    assert seen == {"after the region": False, "inside the region": True, "before the region": False}
    assert not torch.are_deterministic_algorithms_enabled()
    torch.testing.assert_close(x.grad, (6 * (2 * x).exp()).detach())


def test_overflow_flags_answer_as_on_ascend910b():
    # INF/NaN mode: no float-status register; the reference refuses and warns.
    with pytest.raises(RuntimeError, match="Unsupported api when soc_version >= Ascend910B1"):
        torch.npu.get_npu_overflow_flag()
    with pytest.warns(UserWarning, match="clear_npu_overflow_flag is useless"):
        torch.npu.clear_npu_overflow_flag()
    overflowed = torch.tensor([60000.0], dtype=torch.float16, device="npu") * 2
    assert torch.isinf(overflowed).item()  # the overflow is in the value itself


def test_current_blas_handle_is_none_with_the_reference_warning():
    with pytest.warns(UserWarning, match="NPU does not use blas handle"):
        assert torch.npu.current_blas_handle() is None
