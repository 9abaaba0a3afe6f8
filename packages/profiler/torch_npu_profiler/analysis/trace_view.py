"""ASCEND_PROFILER_OUTPUT/trace_view.json: the timeline, for Perfetto and chrome://tracing.

Unlike the reference's, it is one JSON document written by a JSON writer: timestamps are
numbers, in microseconds since the profile's origin; pids and tids are integers; each host
thread and each NPU stream is a named track on which complete events nest strictly; each
device task launched by a recorded host op has one flow from the op (``s``) to the task
(``f``, bound to the enclosing slice: ``"bp": "e"``) with an integer id below 2**53.

As in torch.profiler's traces, the host is the recording process's pid and NPU ``d`` is pid
``d``; kernels carry ``"device"`` and, like their ops, ``"External id"`` (the launching op's
correlation id), which TensorBoard's profiler plugin reads to tie kernels to ops.
"""

import json
from pathlib import Path
from typing import Any, Dict, List, Tuple

from torch_npu_profiler.analysis.host_tree import HostTree
from torch_npu_profiler.analysis.raw_data import ProfileData, relative_us

FILE_NAME = "trace_view.json"
FLOW_NAME = "async_npu"
# Where the host's tracks sort: after the NPUs' (sort index = device index).
HOST_SORT_INDEX = 1 << 20


def _metadata(kind: str, pid: int, args: Dict[str, Any], tid: int = 0) -> Dict[str, Any]:
    return {"ph": "M", "name": kind, "pid": pid, "tid": tid, "args": args}


def _nested(slices: List[Tuple[int, int, Dict[str, Any]]]) -> List[Dict[str, Any]]:
    """The complete events of one track, each clipped to end within the one enclosing it.

    Host clocks are read at op entry and exit, so nesting holds to the nanosecond except
    where an op's end and its parent's fall in the same instant; clipping keeps it strict.
    """
    events: List[Dict[str, Any]] = []
    enclosing: List[int] = []  # end_ns of the open slices
    for start, end, event in sorted(slices, key=lambda item: (item[0], -item[1])):
        while enclosing and enclosing[-1] <= start:
            enclosing.pop()
        if enclosing:
            end = min(end, enclosing[-1])
        event["dur"] = (end - start) / 1000
        enclosing.append(end)
        events.append(event)
    return events


def build(data: ProfileData) -> Dict[str, Any]:
    """The trace document of ``data``."""
    tree = HostTree(data)
    host = data.host_pid
    events: List[Dict[str, Any]] = [_metadata("process_name", host, {"name": "Host"}),
                                    _metadata("process_sort_index", host, {"sort_index": HOST_SORT_INDEX})]  # fmt: skip
    host_tracks: Dict[int, List[Tuple[int, int, Dict[str, Any]]]] = {}
    for op in data.host_ops:
        args: Dict[str, Any] = {"External id": op.correlation_id}
        if op.input_shapes:
            args["Input Dims"] = op.input_shapes
        if op.stack:
            args["Call stack"] = ";\n".join(op.stack)
        host_tracks.setdefault(op.thread, []).append((op.start_ns, op.end_ns, {
            "ph": "X", "name": op.name, "pid": host, "tid": op.thread, "ts": relative_us(data, op.start_ns),
            "cat": "python_function" if op.is_python else "cpu_op", "args": args,
        }))  # fmt: skip
    for thread, slices in sorted(host_tracks.items()):
        events.append(_metadata("thread_name", host, {"name": f"Thread {thread}"}, thread))
        events += _nested(slices)

    device_tracks: Dict[Tuple[int, int], List[Tuple[int, int, Dict[str, Any]]]] = {}
    flows: List[Dict[str, Any]] = []
    for task in data.device_tasks:
        ts = relative_us(data, task.start_ns)
        device_tracks.setdefault((task.device, task.stream), []).append((task.start_ns, task.end_ns, {
            "ph": "X", "name": task.name, "pid": task.device, "tid": task.stream, "ts": ts, "cat": task.kind,
            "args": {"device": task.device, "stream": task.stream, "External id": task.correlation_id},
        }))  # fmt: skip
        launcher = tree.launcher_of(task)
        if launcher is not None:
            flow_id = len(flows) // 2 + 1
            common = {"name": FLOW_NAME, "cat": FLOW_NAME, "id": flow_id}
            flows.append({**common, "ph": "s", "pid": host, "tid": launcher.thread,
                          "ts": relative_us(data, launcher.start_ns)})  # fmt: skip
            flows.append({**common, "ph": "f", "bp": "e", "pid": task.device, "tid": task.stream, "ts": ts})
    for device in sorted({device for device, _ in device_tracks}):
        events.append(_metadata("process_name", device, {"name": f"NPU {device}"}))
        events.append(_metadata("process_sort_index", device, {"sort_index": device}))
    for (device, stream), slices in sorted(device_tracks.items()):
        events.append(_metadata("thread_name", device, {"name": f"Stream {stream}"}, stream))
        events += _nested(slices)
    return {"traceEvents": events + flows, "displayTimeUnit": "ms"}


def write(data: ProfileData, output: Path) -> Path:
    """Writes the trace of ``data`` to ``output`` (a directory: FILE_NAME inside it, else the file)."""
    path = output / FILE_NAME if output.is_dir() else output
    with path.open("w") as stream:
        json.dump(build(data), stream, allow_nan=False)
    return path
