"""torch.npu.set_option and the switch objects torch.npu.config, torch.npu.matmul, torch.npu.conv.

Option names and values are the reference's. Those that govern torch-npu's operators take effect
at the next call: ``ALLOW_MATMUL_HF32`` / ``torch.npu.matmul.allow_hf32`` (float32 matmuls in
HFLOAT32, off by default), ``CUBE_MATH_TYPE`` / ``torch.npu.matmul.cube_math_type``, and
``ALLOW_CONV_HF32`` / ``torch.npu.conv.allow_hf32`` (on by default, as in CANN). The ACL_* compile
options configure CANN's operator compiler, which torch-npu's operators (aclnn kernels, shipped
compiled) never use: they are checked and recorded, as ``ALLOW_INTERNAL_FORMAT`` and
``jitCompile`` are (every tensor here keeps its data in ND order).
"""

from enum import IntEnum
from typing import Callable, Dict, Optional, Sequence, Union

import os
import warnings

import torch_npu._C as _C

from ._lazy import _lazy_init, is_initialized

__all__ = [
    "set_option",
    "CubeMathType",
    "config",
    "matmul",
    "conv",
    "set_compile_mode",
    "is_jit_compile_false",
    "set_mm_bmm_format_nd",
    "get_mm_bmm_format_nd",
    "use_compatible_impl",
    "are_compatible_impl_enabled",
    "set_aoe",
    "set_dump",
    "init_dump",
    "finalize_dump",
]


class CubeMathType(IntEnum):
    """aclnn's cubeMathType: the precision of a matmul on the cube unit."""

    KEEP_DTYPE = 0
    ALLOW_FP32_DOWN_PRECISION = 1  # float32 computed in HFLOAT32
    USE_FP16 = 2
    USE_HF32 = 3
    USE_FP32_ADD = 4


# The reference's checks of the compile options: the values allowed, a predicate, or anything.
_COMPILE_OPTIONS: Dict[str, Union[None, Sequence[str], Callable[[str], bool]]] = {
    "ACL_PRECISION_MODE": ("allow_fp32_to_fp16", "must_keep_origin_dtype"),
    "ACL_OP_SELECT_IMPL_MODE": ("high_performance", "high_precision"),
    "ACL_AICORE_NUM": lambda value: value.isdigit() and 1 <= int(value) <= 32,
    "ACL_OPTYPELIST_FOR_IMPLMODE": None,
    "ACL_OP_DEBUG_LEVEL": ("0", "1", "2", "3", "4"),
    "ACL_DEBUG_DIR": None,
    "ACL_OP_COMPILER_CACHE_MODE": ("disable", "enable", "force"),
    "ACL_OP_COMPILER_CACHE_DIR": None,
    "ACL_OP_DEBUG_OPTION": None,
}
_AICORE_NUM_RANGE = "digits from 1 to 32"


def set_option(option: Dict[str, object]) -> None:
    """Sets NPU options by the reference's names, e.g. ``{"ALLOW_MATMUL_HF32": "enable"}``.

    Raises TypeError when ``option`` is not a dict and ValueError for a value outside an option's choices.
    """
    if not isinstance(option, dict):
        raise TypeError("npu option must be a dict.")
    values = {str(name): str(value) for name, value in option.items()}
    for name, value in values.items():
        allowed = _COMPILE_OPTIONS.get(name)
        if allowed is None:
            continue
        if callable(allowed):
            if not allowed(value):
                raise ValueError(f"value of {name} should be {_AICORE_NUM_RANGE} but got {value}")
        elif value not in allowed:
            raise ValueError(f"value of {name} should be in {list(allowed)} but got {value}")
    if "MM_BMM_ND_ENABLE" in values:
        set_mm_bmm_format_nd(values["MM_BMM_ND_ENABLE"] == "enable")
    _C._npu_setOption(values)


def _get_option(name: str) -> Optional[str]:
    value = _C._npu_getOption(name)
    return None if value is None else value.decode()


def _enable(value: object, what: str) -> str:
    if not isinstance(value, bool):
        raise TypeError(f"{what} must be a bool, but got {type(value).__name__}")
    return "enable" if value else "disable"


class _Config:
    """``torch.npu.config``: ``allow_internal_format`` (recorded; every tensor here keeps ND data)."""

    @property
    def allow_internal_format(self) -> bool:
        return _get_option("ALLOW_INTERNAL_FORMAT") == "enable"

    @allow_internal_format.setter
    def allow_internal_format(self, value: bool) -> None:
        _C._npu_setOption({"ALLOW_INTERNAL_FORMAT": _enable(value, "allow_internal_format")})


class _MatmulSwitches:
    """``torch.npu.matmul``: ``allow_hf32`` (default False) and ``cube_math_type`` (unset: None)."""

    @property
    def allow_hf32(self) -> bool:
        return _get_option("ALLOW_MATMUL_HF32") == "enable"

    @allow_hf32.setter
    def allow_hf32(self, value: bool) -> None:
        _C._npu_setOption({"ALLOW_MATMUL_HF32": _enable(value, "allow_hf32")})

    @property
    def cube_math_type(self) -> Optional[CubeMathType]:
        value = _get_option("CUBE_MATH_TYPE")
        return CubeMathType(int(value)) if value else None

    @cube_math_type.setter
    def cube_math_type(self, value: CubeMathType) -> None:
        if not isinstance(value, CubeMathType):
            raise TypeError(
                f"value should be one of Enum CubeMathType when setting cube_math_type, but got {type(value)}"
            )
        _C._npu_setOption({"CUBE_MATH_TYPE": str(int(value))})


class _ConvSwitches:
    """``torch.npu.conv``: ``allow_hf32`` (default True: CANN computes float32 convolutions in HFLOAT32)."""

    @property
    def allow_hf32(self) -> bool:
        return _get_option("ALLOW_CONV_HF32") in (None, "enable")

    @allow_hf32.setter
    def allow_hf32(self, value: bool) -> None:
        _C._npu_setOption({"ALLOW_CONV_HF32": _enable(value, "allow_hf32")})


config = _Config()
matmul = _MatmulSwitches()
conv = _ConvSwitches()


def set_compile_mode(jit_compile: bool = False) -> None:
    """Chooses online compilation of operators (``jitCompile``); recorded, as our aclnn kernels are compiled."""
    if is_initialized():
        import torch_npu.npu

        torch_npu.npu.synchronize()  # the reference finishes the work launched under the old mode
    _C._npu_setOption({"jitCompile": "enable" if jit_compile else "disable"})


def is_jit_compile_false() -> bool:
    """True unless set_compile_mode(jit_compile=True) was called (the Atlas A2 default)."""
    _lazy_init()
    return _get_option("jitCompile") != "enable"


_mm_bmm_format_nd = True


def set_mm_bmm_format_nd(is_nd: bool = True) -> None:
    """Whether mm and bmm keep ND format (the default); every tensor here keeps ND data."""
    global _mm_bmm_format_nd
    _mm_bmm_format_nd = bool(is_nd)


def get_mm_bmm_format_nd() -> bool:
    """What set_mm_bmm_format_nd last set (default True)."""
    return _mm_bmm_format_nd


_COMPATIBLE_IMPL_OPTION = "TORCH_NPU_USE_COMPATIBLE_IMPL"


def use_compatible_impl(is_enable: bool) -> None:
    """Asks for the operators' implementations aligned with PyTorch's (the reference's gelu, matmul,
    max_pool1d/2d and some collectives have NPU-specific ones, chosen by default).

    torch-npu's operators have only PyTorch-aligned implementations, so they compute the same results
    either way: the switch is recorded (``are_compatible_impl_enabled``), and turning it off warns that
    nothing changes. ``TORCH_NPU_USE_COMPATIBLE_IMPL=1`` in the environment turns it on at start.
    """
    if not isinstance(is_enable, bool):
        raise TypeError(f"is_enable must be a bool, but got {type(is_enable).__name__}")
    if not is_enable:
        warnings.warn(
            "use_compatible_impl(False): torch-npu's operators have no NPU-specific implementations to switch "
            "to; they keep computing PyTorch's results"
        )
    _C._npu_setOption({_COMPATIBLE_IMPL_OPTION: "1" if is_enable else "0"})


def are_compatible_impl_enabled() -> bool:
    """Whether use_compatible_impl (or ``TORCH_NPU_USE_COMPATIBLE_IMPL=1``) turned the switch on."""
    value = _get_option(_COMPATIBLE_IMPL_OPTION)
    if value is None:
        value = os.environ.get(_COMPATIBLE_IMPL_OPTION, "0")
    return value == "1"


def _needs_cann_tool(what: str) -> NotImplementedError:
    return NotImplementedError(
        f"torch.npu.{what} drives a CANN tool (AOE tuning, operator data dump) that torch-npu does not "
        "support yet, on the simulator or on hardware"
    )


def set_aoe(dump_path: str) -> None:
    """AOE operator tuning: not supported yet (raises NotImplementedError)."""
    raise _needs_cann_tool("set_aoe")


def set_dump(cfg_file: str) -> None:
    """Operator data dump by a config file: not supported yet (raises NotImplementedError)."""
    raise _needs_cann_tool("set_dump")


def init_dump() -> None:
    """Operator data dump: not supported yet (raises NotImplementedError)."""
    raise _needs_cann_tool("init_dump")


def finalize_dump() -> None:
    """Operator data dump: not supported yet (raises NotImplementedError)."""
    raise _needs_cann_tool("finalize_dump")
