"""torch_npu.npu.mstx: marks and ranges in the profile, the reference's mstx API.

On the simulator a mark or range is a user range of torch.profiler (RecordFunction's user
scope): torch_npu.profiler and torch.profiler show it on the host thread that made it, in
the trace and in operator_details.csv. Outside a profiler session they cost what an
inactive RecordFunction costs.
Markers placed on a stream (device-side timestamps) are not implemented yet.
"""

import functools
import itertools
import threading
from typing import Any, Callable, Dict, List, Optional, TypeVar

import torch

__all__ = ["mark", "range_start", "range_end", "range_push", "range_pop", "mstx_range"]

_Function = TypeVar("_Function", bound=Callable[..., Any])
_DEFAULT_DOMAIN = "default"

_ids = itertools.count(1)
_open_ranges: Dict[int, Any] = {}  # range_start's id -> its RecordFunction
_open_lock = threading.Lock()
_pushed = threading.local()  # .ranges: this thread's range_push stack


def _name(message: str, domain: str) -> str:
    return message if domain == _DEFAULT_DOMAIN else f"{domain}::{message}"


def _host_only(stream: Optional[Any]) -> None:
    if stream is not None:
        raise NotImplementedError("mstx markers on a stream (device-side timestamps) are not implemented yet; "
                                  "call without stream= for a host marker")  # fmt: skip


def _enter(name: str) -> Any:
    return torch.ops.profiler._record_function_enter_new(name, None)


def _exit(record: Any) -> None:
    torch.ops.profiler._record_function_exit._RecordFunction(record)


def mark(message: str = "", stream: Optional[Any] = None, domain: str = _DEFAULT_DOMAIN) -> None:
    """An instant in the profile named ``message`` (a range of no length)."""
    _host_only(stream)
    _exit(_enter(_name(message, domain)))


def range_start(message: str, stream: Optional[Any] = None, domain: str = _DEFAULT_DOMAIN) -> int:
    """Opens a range named ``message``; returns the id that ``range_end`` closes."""
    _host_only(stream)
    record = _enter(_name(message, domain))
    with _open_lock:
        range_id = next(_ids)
        _open_ranges[range_id] = record
    return range_id


def range_end(range_id: int, domain: str = _DEFAULT_DOMAIN) -> None:
    """Closes the range ``range_start`` returned ``range_id`` for."""
    with _open_lock:
        record = _open_ranges.pop(range_id, None)
    if record is None:
        raise ValueError(f"mstx.range_end: no open range has id {range_id}")
    _exit(record)


def range_push(message: str, domain: str = _DEFAULT_DOMAIN) -> None:
    """Opens a range named ``message`` on this thread's stack of ranges."""
    stack: List[Any] = _pushed.__dict__.setdefault("ranges", [])
    stack.append(_enter(_name(message, domain)))


def range_pop(domain: str = _DEFAULT_DOMAIN) -> None:
    """Closes the range this thread pushed last."""
    stack: List[Any] = _pushed.__dict__.setdefault("ranges", [])
    if not stack:
        raise ValueError("mstx.range_pop: this thread has no pushed range")
    _exit(stack.pop())


def mstx_range(message: str, stream: Optional[Any] = None, domain: str = _DEFAULT_DOMAIN) -> Callable[[_Function], _Function]:
    """Decorator: each call of the function is a range named ``message``."""
    _host_only(stream)

    def decorate(function: _Function) -> _Function:
        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            record = _enter(_name(message, domain))
            try:
                return function(*args, **kwargs)
            finally:
                _exit(record)

        return wrapper  # type: ignore[return-value]

    return decorate
