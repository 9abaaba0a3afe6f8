"""NPU streams and events: torch.Stream / torch.Event for device 'npu', plus the torch.cuda-style helpers."""

from typing import Any, Optional

import torch
import torch_npu._C as _C

from ._lazy import _device_index, _lazy_init

__all__ = [
    "Stream",
    "Event",
    "ExternalEvent",
    "ExternalStream",
    "SyncLaunchStream",
    "StreamContext",
    "stream",
    "set_stream",
    "current_stream",
    "default_stream",
]


class Stream(torch.Stream):
    """An NPU stream: an ordered queue of device work.

    ``Stream(device=None, priority=0)`` hands out a stream of the device's
    pool; a negative priority takes the high-priority pool.
    """

    def __new__(cls, device: Any = None, priority: int = 0, **kwargs: Any) -> "Stream":
        if kwargs.get("stream_id") is not None:
            return super().__new__(cls, **kwargs)
        _lazy_init()
        stream_id, device_index, device_type = _C._npu_getStreamFromPool(priority < 0, _device_index(device))
        return super().__new__(cls, stream_id=stream_id, device_index=device_index, device_type=device_type)

    @property
    def npu_stream(self) -> int:
        """The runtime's handle of this stream (an aclrtStream), as an integer."""
        return _C._npu_streamHandle(self.stream_id, self.device_index, self.device_type)

    @property
    def priority(self) -> int:
        """-1 for a high-priority stream, 0 otherwise."""
        return _C._npu_streamPriority(self.stream_id, self.device_index, self.device_type)

    def __repr__(self) -> str:
        return f"<torch_npu.npu.Stream device=npu:{self.device_index} npu_stream={self.npu_stream:#x}>"


class SyncLaunchStream(Stream):
    """A stream whose work completes before each launch returns to the caller.

    Every method that enqueues work through this object waits for it, which is
    what debugging a suspected race needs. Work enqueued by operators while it
    is current is synchronized when the context made by ``torch.npu.stream``
    exits.
    """

    def __new__(cls, device: Any = None, **kwargs: Any) -> "SyncLaunchStream":
        return super().__new__(cls, device, 0, **kwargs)

    def wait_event(self, event: torch.Event) -> None:
        super().wait_event(event)
        self.synchronize()

    def wait_stream(self, stream: torch.Stream) -> None:
        super().wait_stream(stream)
        self.synchronize()

    def record_event(self, event: Optional[torch.Event] = None) -> torch.Event:
        recorded = super().record_event(event)
        self.synchronize()
        return recorded


class ExternalStream(Stream):
    """A stream that another library created (an ``aclrtStream`` handle as an integer).

    It works as any NPU stream: operators run on it under ``torch.npu.stream``, and it
    synchronizes, records and waits for events. Its owner keeps it alive while it is in use and
    destroys it; ``device`` is the device it was created on (default: the current one).
    """

    def __new__(cls, stream_ptr: int, device: Any = None, **kwargs: Any) -> "ExternalStream":
        _lazy_init()
        stream_id, device_index, device_type = _C._npu_getStreamFromExternal(stream_ptr, _device_index(device))
        return super().__new__(cls, stream_id=stream_id, device_index=device_index, device_type=device_type)


def _wrap(triple: "tuple[int, int, int]") -> Stream:
    stream_id, device_index, device_type = triple
    return Stream(stream_id=stream_id, device_index=device_index, device_type=device_type)


class Event(torch.Event):
    """An NPU event: a marker in a stream to wait on, query or time."""

    def __new__(
        cls, enable_timing: bool = False, blocking: bool = False, interprocess: bool = False
    ) -> "Event":
        if interprocess:
            raise NotImplementedError("Interprocess NPU events are not supported yet.")
        event = super().__new__(cls, device="npu", enable_timing=enable_timing, blocking=blocking)
        event._enable_timing = enable_timing
        return event

    def record(self, stream: Optional[torch.Stream] = None) -> None:
        """Records the event on `stream` (default: the current stream)."""
        super().record(current_stream() if stream is None else stream)

    def wait(self, stream: Optional[torch.Stream] = None) -> None:
        """Makes `stream` (default: the current stream) wait for this event."""
        super().wait(current_stream() if stream is None else stream)

    def elapsed_time(self, end_event: "Event") -> float:
        """Milliseconds between this event and `end_event`, both recorded with enable_timing=True."""
        if not (self._enable_timing and getattr(end_event, "_enable_timing", False)):
            raise RuntimeError("Both events must be created with argument 'enable_timing=True'.")
        return _C._npu_eventElapsedTime(self.event_id, end_event.event_id)

    def __repr__(self) -> str:
        return f"<torch_npu.npu.Event device=npu:{self.device.index}>"


class ExternalEvent:
    """An event for ordering with NPU graphs, as torch_npu's ExternalEvent (CANN's ACL_EVENT_EXTERNAL).

    It is a flag rather than a marker of recorded work: a stream may :meth:`wait` for it before
    it is recorded (the wait holds the stream until the record), and :meth:`reset` lowers it again
    once its stream gets there; reset it before reusing it. A graph capture records its waits and
    resets, so each replay waits for a new record made outside the graph. It does not time.
    """

    def __init__(self) -> None:
        _lazy_init()
        self._event = _C._NPUExternalEvent()

    def record(self, stream: Optional[torch.Stream] = None) -> None:
        """Raises the flag once `stream` (default: the current stream) reaches this point."""
        self._event.record(current_stream() if stream is None else stream)

    def wait(self, stream: Optional[torch.Stream] = None) -> None:
        """Makes `stream`'s later work (default: the current stream's) wait until the flag is raised."""
        self._event.wait(current_stream() if stream is None else stream)

    def reset(self, stream: Optional[torch.Stream] = None) -> None:
        """Lowers the flag once `stream` (default: the current stream) reaches this point."""
        self._event.reset(current_stream() if stream is None else stream)

    def query(self) -> bool:
        """True when the flag is raised (or the event was never used)."""
        return self._event.query()

    def synchronize(self) -> None:
        """Waits on the host until the flag is raised."""
        self._event.synchronize()

    def __repr__(self) -> str:
        return "<torch_npu.npu.ExternalEvent>"


def current_stream(device: Any = None) -> Stream:
    """The calling thread's current stream of `device` (default: current device)."""
    _lazy_init()
    return _wrap(_C._npu_getCurrentStream(_device_index(device)))


def default_stream(device: Any = None) -> Stream:
    """The default stream of `device` (default: current device)."""
    _lazy_init()
    return _wrap(_C._npu_getDefaultStream(_device_index(device)))


def set_stream(stream: Optional[torch.Stream]) -> None:
    """Makes `stream` current on its device for the calling thread (None: no-op)."""
    if stream is None:
        return
    _lazy_init()
    _C._npu_setStream(stream.stream_id, stream.device_index, stream.device_type)


class StreamContext:
    """Context manager that makes `stream` current (and its device current) while inside."""

    def __init__(self, stream: Optional[torch.Stream]) -> None:
        self.stream = stream
        self._previous_stream: Optional[Stream] = None
        self._previous_device_stream: Optional[Stream] = None
        self._previous_device = -1

    def __enter__(self) -> None:
        if self.stream is None:
            return
        _lazy_init()
        self._previous_device = _C._npu_getDevice()
        self._previous_stream = current_stream(self._previous_device)
        if self.stream.device_index != self._previous_device:
            self._previous_device_stream = current_stream(self.stream.device_index)
            _C._npu_setDevice(self.stream.device_index)
        set_stream(self.stream)

    def __exit__(self, *exc: Any) -> None:
        if self.stream is None:
            return
        if isinstance(self.stream, SyncLaunchStream):
            self.stream.synchronize()
        if self._previous_device_stream is not None:
            set_stream(self._previous_device_stream)
        _C._npu_setDevice(self._previous_device)
        set_stream(self._previous_stream)


def stream(stream: Optional[torch.Stream]) -> StreamContext:
    """``with torch.npu.stream(s):`` runs the block with `s` as the current stream."""
    return StreamContext(stream)
