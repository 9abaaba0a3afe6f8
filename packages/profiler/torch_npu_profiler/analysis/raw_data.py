"""The raw data of one profile: host operators, device tasks and steps, on one clock.

Collected from torch.profiler's kineto results (host ops with their shapes and stacks come
from PyTorch itself; device tasks from torch_npu_profiler's kineto child profiler, linked to
the host op that launched them by correlation id; with ``profile_memory``, the NPU caching
allocator's reports, each attributed to the host op that made it). Saved as FRAMEWORK/profile_raw.json in
the output directory, so that ``analyse`` can write the output files offline. Times are
nanoseconds since the Unix epoch; outputs show them relative to ``origin_ns``.
"""

import json
import os
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

import torch

from torch_npu import _torch_features

RAW_FILE = Path("FRAMEWORK") / "profile_raw.json"
RAW_FORMAT_VERSION = 1
# torch.profiler's name of an allocator report among its kineto events.
MEMORY_EVENT = "[memory]"
_STEP_NAME = re.compile(r"ProfilerStep#(\d+)$")
# How torch.profiler's python tracer names frames: "file.py(12): f", "<built-in ...>", "nn.Module: Linear_0".
_PYTHON_FRAME = re.compile(r".*\.py\(\d+\): |<built-in |nn\.Module: ")


class TaskKind:
    """What a device task is (the simulator's npuSimActivityKind, by its task names)."""

    KERNEL = "kernel"
    MEMCPY = "memcpy"
    MEMSET = "memset"
    EVENT_RECORD = "event_record"
    EVENT_WAIT = "event_wait"
    HOST_CALLBACK = "host_callback"
    COLLECTIVE = "collective"
    HOST_TASK = "host_task"


_KIND_OF_TASK_NAME = {
    "MEMCPY_ASYNC": TaskKind.MEMCPY,
    "MEMSET_ASYNC": TaskKind.MEMSET,
    "EVENT_RECORD": TaskKind.EVENT_RECORD,
    "EVENT_WAIT": TaskKind.EVENT_WAIT,
    "HOST_CALLBACK": TaskKind.HOST_CALLBACK,
    "HOST_TASK": TaskKind.HOST_TASK,
}


def task_kind(name: str) -> str:
    """The kind of the device task named ``name``: HCCL collectives are Hccl*, kernels the rest."""
    if name in _KIND_OF_TASK_NAME:
        return _KIND_OF_TASK_NAME[name]
    return TaskKind.COLLECTIVE if name.startswith("Hccl") else TaskKind.KERNEL


@dataclass
class HostOp:
    """One host operator (or user range) as torch.profiler recorded it."""

    name: str
    start_ns: int
    end_ns: int
    thread: int
    correlation_id: int
    input_shapes: List[Any] = field(default_factory=list)
    input_types: List[str] = field(default_factory=list)
    stack: List[str] = field(default_factory=list)
    # A frame of torch.profiler's python tracer (with_stack), not an operator.
    is_python: bool = False


@dataclass
class DeviceTask:
    """One task an NPU stream executed; ``correlation_id`` is its launching host op's (0: none)."""

    name: str
    kind: str
    device: int
    stream: int
    start_ns: int
    end_ns: int
    correlation_id: int
    bytes: int = 0  # copied or set, or a collective's payload on this rank


@dataclass
class Step:
    """One ``profile.step()`` interval on the host (torch.profiler's ProfilerStep#N)."""

    number: int
    start_ns: int
    end_ns: int


@dataclass
class MemoryRecord:
    """One report of the NPU caching allocator to the profiler (c10::reportMemoryUsageToProfiler).

    ``size`` is the block's size in bytes, positive when it was handed out, negative when it was
    freed; the totals are the allocator's after the change. ``op`` is the innermost host op the
    report happened in ("" outside any).
    """

    ptr: int
    size: int
    time_ns: int
    total_allocated: int
    total_reserved: int
    device: int
    thread: int
    op: str


@dataclass
class ProfileData:
    """Everything one profile recorded, and how it was configured."""

    origin_ns: int
    host_ops: List[HostOp]
    device_tasks: List[DeviceTask]
    steps: List[Step]
    config: Dict[str, Any] = field(default_factory=dict)
    host_pid: int = field(default_factory=os.getpid)  # the recording process
    memory_records: List[MemoryRecord] = field(default_factory=list)  # by time; profile_memory only
    rank: int = -1  # under torch.distributed, else -1
    world_size: int = 1

    def save(self, directory: Path) -> Path:
        """Writes the raw file under ``directory``; returns its path."""
        path = directory / RAW_FILE
        path.parent.mkdir(parents=True, exist_ok=True)
        document = {"format_version": RAW_FORMAT_VERSION, **asdict(self)}
        path.write_text(json.dumps(document, allow_nan=False))
        return path

    @classmethod
    def load(cls, directory: Path) -> "ProfileData":
        """Reads the raw file of the output directory ``directory``."""
        path = directory / RAW_FILE
        if not path.is_file():
            raise FileNotFoundError(f"{directory} holds no raw profile data ({RAW_FILE} is missing)")
        document = json.loads(path.read_text())
        if document.get("format_version") != RAW_FORMAT_VERSION:
            raise ValueError(f"{path}: raw format version {document.get('format_version')!r}, "
                             f"this analysis reads version {RAW_FORMAT_VERSION}")  # fmt: skip
        return cls(
            origin_ns=document["origin_ns"],
            host_ops=[HostOp(**op) for op in document["host_ops"]],
            device_tasks=[DeviceTask(**task) for task in document["device_tasks"]],
            steps=[Step(**step) for step in document["steps"]],
            config=document["config"],
            host_pid=document["host_pid"],
            memory_records=[MemoryRecord(**record) for record in document.get("memory_records", [])],
            rank=document.get("rank", -1),
            world_size=document.get("world_size", 1),
        )


def _is_python_frame(event: Any) -> bool:
    if _torch_features.KINETO_EVENT_IS_PYTHON_FUNCTION:
        return event.is_python_function()
    return bool(_PYTHON_FRAME.match(event.name()))


def from_kineto(events: List[Any], config: Dict[str, Any], with_host: bool, with_device: bool,
                extra_host_ops: Sequence[HostOp] = (), memory_records: Sequence[MemoryRecord] = (),
                task_bytes: Optional[Dict[Tuple[int, int], int]] = None) -> ProfileData:  # fmt: skip
    """The raw data of torch.profiler's kineto events (``prof.profiler.kineto_results.events()``).

    ``extra_host_ops`` are ranges recorded outside torch.profiler (mstx's range_start/range_end),
    ``memory_records`` the allocator's reports (``memory_records_of``), ``task_bytes`` the
    bytes of device tasks by (stream, start_ns) (``torch_npu_profiler._C._take_task_bytes``).
    Steps are kept without ``with_host`` (they come from host annotations), host ops are not.
    """
    host_ops: List[HostOp] = list(extra_host_ops)
    device_tasks: List[DeviceTask] = []
    for event in events:
        if event.name() == MEMORY_EVENT:
            continue  # allocator reports: see memory_records_of
        start = event.start_ns()
        end = start + event.duration_ns()
        if event.device_type() == torch.autograd.DeviceType.CPU:
            host_ops.append(HostOp(
                name=event.name(), start_ns=start, end_ns=end, thread=event.start_thread_id(),
                correlation_id=event.correlation_id(), input_shapes=list(event.shapes()),
                input_types=list(event.dtypes()), stack=list(event.stack()), is_python=_is_python_frame(event),
            ))  # fmt: skip
        elif with_device and event.device_type() == torch.autograd.DeviceType.PrivateUse1:
            device_tasks.append(DeviceTask(
                name=event.name(), kind=task_kind(event.name()), device=event.device_index(),
                stream=event.device_resource_id(), start_ns=start, end_ns=end,
                correlation_id=event.linked_correlation_id(),
                bytes=(task_bytes or {}).get((event.device_resource_id(), start), 0),
            ))  # fmt: skip
    steps = [Step(int(match.group(1)), op.start_ns, op.end_ns)
             for op in host_ops if (match := _STEP_NAME.match(op.name))]  # fmt: skip
    if not with_host:
        host_ops = []
    starts = ([op.start_ns for op in host_ops] + [task.start_ns for task in device_tasks]
              + [record.time_ns for record in memory_records])  # fmt: skip
    return ProfileData(
        origin_ns=min(starts, default=0),
        host_ops=sorted(host_ops, key=lambda op: (op.start_ns, -op.end_ns)),
        device_tasks=sorted(device_tasks, key=lambda task: (task.device, task.stream, task.start_ns)),
        steps=sorted(steps, key=lambda step: step.number),
        config=config,
        memory_records=list(memory_records),
    )


def memory_records_of(event_tree: List[Any]) -> List[MemoryRecord]:
    """The NPU allocator's reports in torch.profiler's event tree (``kineto_results.experimental_event_tree()``).

    Each report is a leaf of the tree; its op is its nearest ancestor that is an operator
    (torch op or user range), not a python frame.
    """
    from torch._C._profiler import _EventType

    records: List[MemoryRecord] = []
    pending = list(event_tree)
    while pending:
        event = pending.pop()
        pending.extend(event.children)
        if event.tag != _EventType.Allocation:
            continue
        fields = event.extra_fields
        if fields.device.type != "npu":
            continue
        parent = event.parent
        while parent is not None and parent.tag != _EventType.TorchOp:
            parent = parent.parent
        records.append(MemoryRecord(
            ptr=fields.ptr, size=fields.alloc_size, time_ns=event.start_time_ns, total_allocated=fields.total_allocated,
            total_reserved=fields.total_reserved, device=fields.device.index or 0, thread=event.start_tid,
            op=parent.name if parent is not None else "",
        ))  # fmt: skip
    return sorted(records, key=lambda record: record.time_ns)


def relative_us(data: ProfileData, ns: int) -> float:
    """``ns`` as microseconds since the profile's origin (exact to the nanosecond)."""
    return (ns - data.origin_ns) / 1000


def find_step(steps: List[Step], ns: int) -> Optional[Step]:
    """The step whose host interval holds ``ns``, if any."""
    return next((step for step in steps if step.start_ns <= ns <= step.end_ns), None)
