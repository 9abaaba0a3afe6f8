"""The NPU stream sanitizer: finds data races between streams while a program runs.

``TORCH_NPU_SANITIZER=1`` (read at ``import torch_npu``; ``raise`` makes the first race
an exception) or :func:`enable` turns it on. While on, every operator that touches NPU
tensors is seen by a dispatch mode, which notes what the operator reads and writes (from
its schema) on the current stream of each tensor's device, with the operator's name and
Python stack. The runtime reports, from C++, what orders work between streams and the
host: event records and waits (so ``wait_stream``, ``torch.npu.Event``, ``torch.Event``
and internal users all count), stream/event/device synchronizations, blocking copies,
and what the caching allocator hands out again. Happens-before is a vector clock per
stream; an access that is not ordered after a conflicting access of another stream is a
race, reported once (on stderr) and kept in :func:`races`.

Limits: operators run by threads other than the one that called :func:`enable` (and the
autograd threads working for it) are not seen; their synchronizations and allocations
are. Accesses are tracked per byte range of each tensor's storage.
"""

from __future__ import annotations

import itertools
import os
import sys
import threading
import traceback
from bisect import bisect_left, insort
from dataclasses import dataclass
from typing import Any, Dict, Iterable, Iterator, List, Optional, Tuple

import torch
import torch_npu._C as _C
from torch.utils._python_dispatch import TorchDispatchMode, _get_current_dispatch_mode

__all__ = ["Access", "DataRace", "DataRaceError", "enable", "disable", "is_enabled", "races"]

ENVIRONMENT_VARIABLE = "TORCH_NPU_SANITIZER"

# Operators that only hand out memory: their output holds nothing yet, so they write nothing.
_ALLOCATING_ONLY = frozenset(
    {"aten::empty", "aten::empty_strided", "aten::empty_like", "aten::new_empty", "aten::new_empty_strided",
     "aten::empty_permuted"}
)  # fmt: skip
# Operators that touch no tensor data at all.
_NO_DATA = frozenset({"aten::record_stream", "aten::is_pinned", "aten::set_"})

_Clock = Dict[int, int]  # stream handle -> the last of its operations known to be ordered before


@dataclass(eq=False)
class Access:
    """One use of device memory by one operator on one stream.

    ``kind`` is ``"read"``, ``"write"`` or ``"allocation"`` (the caching allocator
    handing a block out for ``stream``); ``shape``, ``dtype`` and ``data_ptr`` describe
    the tensor as the operator saw it (``shape`` and ``dtype`` are None for an allocation).
    """

    kind: str
    operator: str
    device: int
    stream: int
    shape: Optional[Tuple[int, ...]]
    dtype: Optional[torch.dtype]
    data_ptr: int
    stack: traceback.StackSummary
    _tick: int = 0
    _first: int = 0  # byte range [first, last) of the storage
    _last: int = 0

    def tensor_description(self) -> str:
        """The tensor (or block) accessed, as a report names it."""
        if self.shape is None:
            return f"{self._last - self._first} bytes at {self.data_ptr:#x}"
        return f"shape {tuple(self.shape)}, dtype {self.dtype}, data pointer {self.data_ptr:#x}"


def _stream_label(device: int, stream: int) -> str:
    label = f"npu:{device} stream {stream:#x}"
    try:
        default = _C._npu_streamHandle(*_C._npu_getDefaultStream(device))
    except RuntimeError:
        return label
    return label + (" (the default stream)" if default == stream else "")


def _format_stack(stack: traceback.StackSummary) -> str:
    if not stack:
        return "  (no Python frames: run by an autograd engine thread, or from C++)\n"
    return "".join(stack.format())


@dataclass(eq=False)
class DataRace:
    """Two accesses to the same device memory on different streams with nothing ordering them.

    ``kind`` is ``"read after write"``, ``"write after read"``, ``"write after write"``
    or ``"reuse without record_stream"`` (memory handed out again while another stream's
    use of it may still be running); ``current`` is the later access, ``previous`` the
    earlier one.
    """

    kind: str
    current: Access
    previous: Access

    def report(self) -> str:
        """The full text of the report: the tensor, both streams, both operators, both stacks."""
        current, previous = self.current, self.previous
        if self.kind == "reuse without record_stream":
            head = (
                f"NPU stream sanitizer: data race ({self.kind}): {current.tensor_description()} handed out again on "
                f"{_stream_label(current.device, current.stream)} while "
                f"{_stream_label(previous.device, previous.stream)} may still use it.\n"
                f"  Call tensor.record_stream() with that stream for every tensor it uses that was allocated on "
                f"another stream, or make the allocating stream wait for it before the tensor is freed.\n"
            )
        else:
            head = (
                f"NPU stream sanitizer: data race ({self.kind}) on a tensor of {current.tensor_description()}.\n"
                f"  Nothing (an event, wait_stream, a synchronize) orders the previous access before this one.\n"
            )
        return (
            head
            + f"  This access: {current.kind} by {current.operator} on {_stream_label(current.device, current.stream)}"
            + f"\n  Previous access: {previous.kind} by {previous.operator} on "
            + f"{_stream_label(previous.device, previous.stream)}"
            + (f", on a tensor of {previous.tensor_description()}" if current.shape is None else "")
            + "\n"
            + "Stack of this access (most recent call last):\n"
            + _format_stack(current.stack)
            + "Stack of the previous access (most recent call last):\n"
            + _format_stack(previous.stack)
        )

    def __str__(self) -> str:
        return self.report()


class DataRaceError(RuntimeError):
    """Raised at the first race when the sanitizer runs with ``raise_on_race``; ``race`` is that race."""

    def __init__(self, race: DataRace) -> None:
        super().__init__(race.report())
        self.race = race


def _merge(into: _Clock, other: _Clock) -> None:
    for stream, tick in other.items():
        if into.get(stream, 0) < tick:
            into[stream] = tick


class _Storage:
    """What is known about the accesses to one storage (keyed by its base address)."""

    __slots__ = ("nbytes", "accesses")

    def __init__(self, nbytes: int) -> None:
        self.nbytes = nbytes
        self.accesses: List[Access] = []


def _race_kind(previous: str, current: str) -> str:
    return "write after write" if previous == current == "write" else f"{current} after {previous}"


class _Tracker:
    """Vector clocks of the streams and the host, and the accesses to each storage."""

    def __init__(self, raise_on_race: bool) -> None:
        self.raise_on_race = raise_on_race
        self.lock = threading.RLock()
        self.clocks: Dict[int, _Clock] = {}
        self.stream_devices: Dict[int, int] = {}
        # What the host has waited for; merged lazily into a stream's clock when it next works.
        self.host: _Clock = {}
        self.host_version = 0
        self.merged_version: Dict[int, int] = {}
        self.events: Dict[int, _Clock] = {}
        self.storages: Dict[int, _Storage] = {}
        self.bases: List[int] = []  # sorted keys of storages, for address-range lookups
        self.races: List[DataRace] = []
        self.reported: set = set()

    # ---- clocks

    def clock(self, stream: int) -> _Clock:
        clock = self.clocks.get(stream)
        if clock is None:
            clock = self.clocks[stream] = {}
            self.merged_version[stream] = -1
        if self.merged_version[stream] != self.host_version:
            _merge(clock, self.host)
            self.merged_version[stream] = self.host_version
        return clock

    def tick(self, stream: int) -> int:
        clock = self.clock(stream)
        clock[stream] = clock.get(stream, 0) + 1
        return clock[stream]

    def host_waited_for(self, clock: _Clock) -> None:
        _merge(self.host, clock)
        self.host_version += 1

    # ---- runtime records

    def apply(self, record: Tuple[Any, int, int, int, int], context: Optional[Tuple[str, Any]]) -> None:
        kind, device, handle, stream, size = record
        Kind = _C._TraceKind
        if stream:
            self.stream_devices.setdefault(stream, device)
        if kind == Kind.EventRecord:
            self.events[handle] = dict(self.clock(stream))
        elif kind == Kind.EventWait:
            recorded = self.events.get(handle)
            if recorded is not None:
                _merge(self.clock(stream), recorded)
        elif kind == Kind.EventSynchronize:
            recorded = self.events.get(handle)
            if recorded is not None:
                self.host_waited_for(recorded)
        elif kind == Kind.StreamSynchronize:
            self.host_waited_for(self.clock(stream))
        elif kind == Kind.DeviceSynchronize:
            for known, on_device in self.stream_devices.items():
                if on_device == device:
                    _merge(self.host, self.clocks.get(known, {}))
            self.host_version += 1
        elif kind == Kind.BlockAllocated:
            self.allocated(device, handle, stream, size, context)
        elif kind == Kind.BlockFreeDeferred:
            # Reuse of this block now waits for `stream`'s work so far: its accesses are ordered before it.
            for storage in self.storages_in(handle, size):
                storage.accesses = [a for a in storage.accesses if a.stream != stream]

    def storages_in(self, address: int, size: int) -> Iterator[_Storage]:
        start = bisect_left(self.bases, address)
        end = bisect_left(self.bases, address + size)
        for base in self.bases[start:end]:
            yield self.storages[base]

    def allocated(self, device: int, address: int, stream: int, size: int, context: Optional[Tuple[str, Any]]) -> None:
        start = bisect_left(self.bases, address)
        end = bisect_left(self.bases, address + size)
        stale = self.bases[start:end]
        if not stale:
            return
        clock = self.clock(stream)
        unordered = [
            previous
            for base in stale
            for previous in self.storages.pop(base).accesses
            if previous.stream != stream and clock.get(previous.stream, 0) < previous._tick
        ]
        del self.bases[start:end]  # the block's earlier life is over, reported or not
        if unordered:
            operator, stack = context or ("an allocation outside any operator", traceback.StackSummary())
            allocation = Access("allocation", operator, device, stream, None, None, address, stack,
                                _first=address, _last=address + size)  # fmt: skip
            for previous in unordered:
                self.found(DataRace("reuse without record_stream", allocation, previous))

    # ---- accesses

    def access(self, access: Access, base: int, nbytes: int) -> None:
        storage = self.storages.get(base)
        if storage is None:
            storage = self.storages[base] = _Storage(nbytes)
            insort(self.bases, base)
        clock = self.clock(access.stream)
        writing = access.kind == "write"
        kept = []
        races = []
        for previous in storage.accesses:
            overlaps = previous._first < access._last and access._first < previous._last
            if (
                overlaps
                and previous.stream != access.stream
                and (writing or previous.kind == "write")
                and clock.get(previous.stream, 0) < previous._tick
            ):
                races.append(DataRace(_race_kind(previous.kind, access.kind), access, previous))
            covered = access._first <= previous._first and previous._last <= access._last
            # A write supersedes what it covers; a read supersedes its stream's earlier reads.
            if covered and (writing or (previous.kind == "read" and previous.stream == access.stream)):
                continue
            kept.append(previous)
        kept.append(access)
        storage.accesses = kept
        for race in races:  # after the update, so that raising leaves a consistent record
            self.found(race)

    def found(self, race: DataRace) -> None:
        current, previous = race.current, race.previous
        key = (
            race.kind, current.operator, current.stream, previous.operator, previous.stream,
            tuple((f.filename, f.lineno) for f in current.stack),
            tuple((f.filename, f.lineno) for f in previous.stack),
        )  # fmt: skip
        if key in self.reported:
            return
        self.reported.add(key)
        self.races.append(race)
        if self.raise_on_race:
            raise DataRaceError(race)
        print(race.report(), file=sys.stderr, flush=True)

    def catch_up(self, context: Optional[Tuple[str, Any]] = None) -> None:
        """Applies every runtime record not applied yet, in order."""
        for record in _C._trace_drain():
            self.apply(record, context)


# ---- the dispatch mode

_SchemaInfo = Tuple[Tuple[Tuple[int, str, bool, bool], ...], Tuple[bool, ...]]
_PLAIN_DISPATCH = torch.Tensor.__torch_dispatch__
_HOST_WAITS = (_C._TraceKind.EventSynchronize, _C._TraceKind.StreamSynchronize, _C._TraceKind.DeviceSynchronize)


def _schema_info(func: Any) -> _SchemaInfo:
    """Per tensor argument (position, name, written, aliased without write); per return: is it a new tensor."""
    arguments = []
    for position, argument in enumerate(func._schema.arguments):
        if "Tensor" not in str(argument.type):
            continue
        alias = argument.alias_info
        written = alias is not None and alias.is_write
        index = -1 if argument.kwarg_only else position
        arguments.append((index, argument.name, written, alias is not None and not written))
    returns = tuple(r.alias_info is None for r in func._schema.returns)
    return tuple(arguments), returns


def _tensors(value: Any) -> Iterator[torch.Tensor]:
    if isinstance(value, torch.Tensor):
        yield value
    elif isinstance(value, (list, tuple)):
        for item in value:
            if isinstance(item, torch.Tensor):
                yield item


def _tracked(tensor: torch.Tensor) -> bool:
    # Fake, meta and subclass tensors have no device memory of their own to race on.
    return (
        tensor.device.type == "npu"
        and tensor.layout == torch.strided
        and type(tensor).__torch_dispatch__ is _PLAIN_DISPATCH
        and tensor.numel() > 0
    )


_STACK_DEPTH = 48  # innermost frames kept per access
_TORCH_DIR = os.path.dirname(torch.__file__)
# Frames between the program and the mode that only forward the call (dynamo's disable wrappers, OpOverload).
_FORWARDING_FILES = frozenset(
    [os.path.join(_TORCH_DIR, *parts)
     for parts in (("_compile.py",), ("_dynamo", "eval_frame.py"), ("_ops.py",), ("utils", "_python_dispatch.py"))]
    + [__file__]
)  # fmt: skip


def _stack() -> traceback.StackSummary:
    # Operators run by autograd's threads are called from C++: there may be no frame below the mode's.
    walk = (entry for entry in traceback.walk_stack(sys._getframe(1))
            if entry[0].f_code.co_filename not in _FORWARDING_FILES)  # fmt: skip
    frames = list(itertools.islice(walk, _STACK_DEPTH))
    frames.reverse()
    return traceback.StackSummary.extract(iter(frames), lookup_lines=False)


class _SanitizerMode(TorchDispatchMode):
    """Sees every operator; records its reads and writes of NPU tensors with the tracker."""

    def __init__(self, tracker: _Tracker) -> None:
        super().__init__()
        self.tracker = tracker
        self.schemas: Dict[Any, _SchemaInfo] = {}

    def __torch_dispatch__(
        self, func: Any, types: Iterable[type], args: tuple = (), kwargs: Optional[dict] = None
    ) -> Any:
        kwargs = kwargs or {}
        tracker = self.tracker
        with tracker.lock:
            tracker.catch_up()
        result = func(*args, **kwargs)
        name = func._schema.name
        if name in _NO_DATA:
            return result
        info = self.schemas.get(func)
        if info is None:
            info = self.schemas[func] = _schema_info(func)
        uses: Dict[Tuple[int, int, int], Tuple[torch.Tensor, bool]] = {}
        host_tensors = [False]  # set when a CPU tensor takes part: the operator copies to or from the host
        arguments, returns = info
        if name not in _ALLOCATING_ONLY:
            for index, argument_name, written, view_only in arguments:
                if view_only:
                    continue
                value = args[index] if 0 <= index < len(args) else kwargs.get(argument_name)
                for tensor in _tensors(value):
                    self._use(uses, tensor, written, host_tensors)
            values = [result] if len(returns) == 1 else list(result) if isinstance(result, (tuple, list)) else []
            for new, value in zip(returns, values):
                if new:
                    for tensor in _tensors(value):
                        self._use(uses, tensor, True, host_tensors)
        with tracker.lock:
            self._record(tracker, func, uses, host_tensors[0])
        return result

    @staticmethod
    def _use(uses: dict, tensor: torch.Tensor, written: bool, host_tensors: List[bool]) -> None:
        if not _tracked(tensor):
            host_tensors[0] = host_tensors[0] or tensor.device.type == "cpu"
            return
        storage = tensor.untyped_storage()
        base = storage.data_ptr()
        if base == 0:
            return
        size = tensor.element_size()
        first = tensor.data_ptr()
        extent = 1 + sum((n - 1) * s for n, s in zip(tensor.shape, tensor.stride()))
        key = (base, first, first + extent * size)
        seen = uses.get(key)
        uses[key] = (tensor, written or (seen is not None and seen[1]))

    def _record(self, tracker: _Tracker, func: Any, uses: dict, host_tensors: bool) -> None:
        records = _C._trace_drain()
        if not uses and not records:
            return
        operator = func._schema.name + ("" if func._overloadname == "default" else "." + func._overloadname)
        stack = _stack()
        context = (operator, stack)
        # What the operator did on the runtime (orderings it set up, memory it took) applies
        # before its accesses, in order. A host wait inside a copy between host and device
        # (.cpu(), .npu(), copy_) or an operator that only reads NPU tensors (.item()) waits
        # for that work, so it applies after the accesses; in any other operator it precedes
        # its kernel (staging a Python scalar), and the host has not waited for the operator.
        to_host = bool(uses) and (host_tensors or not any(written for _, written in uses.values()))
        host_waits = []
        for record in records:
            if to_host and record[0] in _HOST_WAITS:
                host_waits.append(record)
            else:
                tracker.apply(record, context)
        ticks: Dict[int, int] = {}
        streams: Dict[int, int] = {}
        for (base, first, last), (tensor, written) in uses.items():
            device = tensor.device.index
            stream = streams.get(device)
            if stream is None:
                stream = streams[device] = _C._trace_current_stream(device)
                tracker.stream_devices.setdefault(stream, device)
                ticks[stream] = tracker.tick(stream)
            access = Access("write" if written else "read", operator, device, stream, tuple(tensor.shape),
                            tensor.dtype, first, stack, ticks[stream], first, last)  # fmt: skip
            tracker.access(access, base, tensor.untyped_storage().nbytes())
        for record in host_waits:
            tracker.apply(record, context)


# ---- the public switch

_lock = threading.Lock()
_mode: Optional[_SanitizerMode] = None
_last_races: List[DataRace] = []


def enable(raise_on_race: bool = False) -> None:
    """Starts the sanitizer on the calling thread (a fresh record; no-op but for ``raise_on_race`` if on).

    With ``raise_on_race`` the first race raises :class:`DataRaceError` from the
    operator that found it; otherwise each race is printed once to stderr and kept
    in :func:`races`.
    """
    global _mode, _last_races
    with _lock:
        if _mode is not None:
            _mode.tracker.raise_on_race = raise_on_race
            return
        tracker = _Tracker(raise_on_race)
        _last_races = tracker.races
        _C._trace_set_enabled(True)
        _mode = _SanitizerMode(tracker)
        _mode.__enter__()


def disable() -> None:
    """Stops the sanitizer; :func:`races` keeps what it found. No-op when off.

    Raises RuntimeError if another dispatch mode entered after :func:`enable` is still
    active on this thread (leave it first).
    """
    global _mode
    with _lock:
        if _mode is None:
            return
        if _get_current_dispatch_mode() is not _mode:
            raise RuntimeError(
                "torch_npu.npu.sanitizer.disable(): another TorchDispatchMode entered after enable() is still "
                "active; exit it first"
            )
        mode = _mode
        with mode.tracker.lock:
            try:
                mode.tracker.catch_up()
            finally:
                _C._trace_set_enabled(False)
                mode.__exit__(None, None, None)
                _mode = None


def is_enabled() -> bool:
    """True while the sanitizer tracks accesses."""
    return _mode is not None


def races() -> List[DataRace]:
    """The races found since the last :func:`enable`, in order (each once)."""
    mode = _mode
    if mode is not None:
        with mode.tracker.lock:
            mode.tracker.catch_up()
    return list(_last_races)


def _enable_from_environment() -> None:
    """Honours TORCH_NPU_SANITIZER at import: unset/0 off, 1 on, raise on with raise_on_race."""
    value = os.environ.get(ENVIRONMENT_VARIABLE, "").strip().lower()
    if value in ("", "0"):
        return
    if value not in ("1", "raise"):
        raise ValueError(f"{ENVIRONMENT_VARIABLE}={value!r}: use 1 (report races) or raise (raise at the first race)")
    enable(raise_on_race=value == "raise")
