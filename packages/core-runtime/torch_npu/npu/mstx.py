"""torch_npu.npu.mstx: marks and ranges in the profile, the reference's mstx API.

On the simulator a mark, a pushed range and a decorated call are user ranges of
torch.profiler (RecordFunction's user scope): torch_npu.profiler and torch.profiler show
them on the host thread that made them, in the trace and in operator_details.csv. A
``range_start``/``range_end`` range may end on another thread, which RecordFunction does
not allow: torch_npu.profiler collects those itself (torch.profiler alone does not show
them). Outside a profiler session they cost what an inactive RecordFunction costs.
Markers placed on a stream (device-side timestamps) are not implemented yet.
"""

import functools
import itertools
import threading
import time
from typing import Any, Callable, Dict, List, NamedTuple, Optional, Tuple, TypeVar

import torch

__all__ = ["mark", "range_start", "range_end", "range_push", "range_pop", "mstx_range"]

_Function = TypeVar("_Function", bound=Callable[..., Any])
_DEFAULT_DOMAIN = "default"



class Range(NamedTuple):
    """A range_start/range_end range: its name, the thread that opened it, and its times."""

    name: str
    thread: int
    start_ns: int  # time.time_ns()
    end_ns: int


_ids = itertools.count(1)
_lock = threading.Lock()
_open_ranges: Dict[int, Tuple[str, int, int]] = {}  # range_start's id -> (name, thread, start_ns)
_collected: Optional[List[Range]] = None  # while a torch_npu.profiler session collects
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
    """Opens a range named ``message``; returns the id that ``range_end`` (on any thread) closes."""
    _host_only(stream)
    with _lock:
        range_id = next(_ids)
        _open_ranges[range_id] = (_name(message, domain), threading.get_native_id(), time.time_ns())
    return range_id


def range_end(range_id: int, domain: str = _DEFAULT_DOMAIN) -> None:
    """Closes the range ``range_start`` returned ``range_id`` for."""
    end_ns = time.time_ns()
    with _lock:
        opened = _open_ranges.pop(range_id, None)
        if opened is not None and _collected is not None:
            _collected.append(Range(*opened, end_ns))
    if opened is None:
        raise ValueError(f"mstx.range_end: no open range has id {range_id}")


def _start_collecting() -> None:
    """From now on range_end keeps each closed range for ``_take_collected`` (torch_npu.profiler)."""
    global _collected
    with _lock:
        _collected = []


def _take_collected(stop: bool = False) -> List[Range]:
    """The ranges closed since collecting started or was last taken; ``stop`` ends collecting."""
    global _collected
    with _lock:
        taken = _collected or []
        _collected = None if stop or _collected is None else []
    return taken


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
