"""torch.npu.set_device_limit and set_stream_limit: how many cube and vector cores kernels may use;
set_op_timeout_ms: how long a kernel may run.

Over CANN's aclrtSetDeviceResLimit / aclrtSetStreamResLimit family, with the reference's API: a
device's limit may be set once per process; a stream's limit overrides its device's for the
kernels launched on it, and a stream without one reports its device's. The simulator keeps, checks
and reports the limits as CANN does; its kernels run on host threads, whose speed a limit does not
change. The op timeout goes through aclrtSetOpExecuteTimeOutV2; the simulator fails the stream of
a kernel that ran past it, as the device does.
"""

from typing import Dict

import torch
import torch_npu._C as _C

from ._lazy import _lazy_init

__all__ = [
    "set_device_limit",
    "get_device_limit",
    "set_stream_limit",
    "reset_stream_limit",
    "get_stream_limit",
    "set_op_timeout_ms",
]

_CUBE_CORE, _VECTOR_CORE = 0, 1  # aclrtDevResLimitType
_UNCHANGED = -1
_device_limit_set = False


def _check_device(device: object) -> None:
    if isinstance(device, bool) or not isinstance(device, int):
        raise TypeError(f"device must be an int, but got {type(device).__name__}")
    if device < 0 or device >= _C._npu_getDeviceCount():
        raise AssertionError("Invalid device id")
    _lazy_init()


def _check_stream(stream: object) -> None:
    from .streams import Stream

    if stream is None:
        raise AssertionError("stream cannot be None")
    if not isinstance(stream, Stream):
        raise AssertionError(f"stream should be torch_npu.npu.Stream, could not be {type(stream)}")
    _lazy_init()


def set_device_limit(device: int, cube_num: int = _UNCHANGED, vector_num: int = _UNCHANGED) -> None:
    """Limits the cube and vector cores the kernels on ``device`` may use (-1: leave as is).

    As the reference's, it may be called once per process ("You can only set this interface once"),
    for a device this process has used.
    """
    global _device_limit_set
    if _device_limit_set:
        raise RuntimeError(
            "Function 'set_device_limit' has already been called, You can only set this interface once."
        )
    _device_limit_set = True
    _check_device(device)
    if cube_num != _UNCHANGED:
        _C._npu_set_device_res_limit(device, _CUBE_CORE, cube_num)
    if vector_num != _UNCHANGED:
        _C._npu_set_device_res_limit(device, _VECTOR_CORE, vector_num)


def get_device_limit(device: int) -> Dict[str, int]:
    """The cube and vector cores the kernels on ``device`` may use: ``{"cube_core_num", "vector_core_num"}``."""
    _check_device(device)
    return {
        "cube_core_num": _C._npu_get_device_res_limit(device, _CUBE_CORE),
        "vector_core_num": _C._npu_get_device_res_limit(device, _VECTOR_CORE),
    }


def _stream_key(stream: torch.Stream) -> Dict[str, int]:
    return {"stream_id": stream.stream_id, "device_index": stream.device_index, "device_type": stream.device_type}


def set_stream_limit(stream: torch.Stream, cube_num: int = _UNCHANGED, vector_num: int = _UNCHANGED) -> None:
    """Limits the cube and vector cores the kernels on ``stream`` may use (-1: leave as is)."""
    _check_stream(stream)
    if cube_num != _UNCHANGED:
        _C._npu_set_stream_res_limit(**_stream_key(stream), type=_CUBE_CORE, value=cube_num)
    if vector_num != _UNCHANGED:
        _C._npu_set_stream_res_limit(**_stream_key(stream), type=_VECTOR_CORE, value=vector_num)


def reset_stream_limit(stream: torch.Stream) -> None:
    """Drops ``stream``'s own limits: its kernels use its device's again."""
    _check_stream(stream)
    _C._npu_reset_stream_res_limit(**_stream_key(stream))


def get_stream_limit(stream: torch.Stream) -> Dict[str, int]:
    """The cube and vector cores the kernels on ``stream`` may use: its own limits, else its device's."""
    _check_stream(stream)
    return {
        "cube_core_num": _C._npu_get_stream_res_limit(**_stream_key(stream), type=_CUBE_CORE),
        "vector_core_num": _C._npu_get_stream_res_limit(**_stream_key(stream), type=_VECTOR_CORE),
    }


_UINT32_MAX = 2**32 - 1


def _set_op_timeout_ms(timeout: int) -> None:
    # The reference takes the value as a C uint32, with CPython's messages.
    if timeout < 0:
        raise OverflowError("can't convert negative value to unsigned int")
    if timeout > _UINT32_MAX:
        raise OverflowError("Overflow when unpacking long")
    _lazy_init()
    _C._npu_set_op_timeout_ms(timeout)


# An operator, as the reference's, so that torch.compile keeps the call in its graph (it has a side
# effect and no outputs) instead of breaking the graph at it. It takes no tensor, so the dispatcher
# reaches it through BackendSelect.
_library = torch.library.Library("npu", "FRAGMENT")
_library.define("set_op_timeout_ms(int timeout) -> ()")
_library.impl("set_op_timeout_ms", _set_op_timeout_ms, "BackendSelect")
torch.library.register_fake("npu::set_op_timeout_ms")(lambda timeout: None)
torch.fx.node.has_side_effect(torch.ops.npu.set_op_timeout_ms.default)


def set_op_timeout_ms(timeout: int) -> None:
    """Kernels launched from now on fail their stream when they run longer than ``timeout`` ms.

    The failure surfaces at the next synchronization covering the kernel, as an error carrying
    ACL_ERROR_RT_AICORE_TIMEOUT (507014). ``0`` selects the longest timeout the device allows (on
    the simulator: none).
    """
    torch.ops.npu.set_op_timeout_ms(timeout)
