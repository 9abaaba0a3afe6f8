"""ASCEND_PROFILER_OUTPUT/step_trace_time.csv: how each device spent each step (with a schedule).

A step spans from its host start (``profile.step()``) to the later of its host end and the
end of the last device task it launched. Within it, Computing is the time some compute task
ran, Communication the time some collective ran, Overlapped the time both did, and Free the
rest, so Computing + Communication(Not Overlapped) + Free equals the step's span. The
simulator has no pipeline stages: Stage and Bubble are 0.
"""

from collections import defaultdict
from pathlib import Path
from typing import Callable, Dict, List, Tuple

from torch_npu_profiler.analysis.csv_table import us_text, write_csv
from torch_npu_profiler.analysis.host_tree import HostTree
from torch_npu_profiler.analysis.intervals import Interval, intersection, length, union
from torch_npu_profiler.analysis.raw_data import DeviceTask, ProfileData, TaskKind

FILE_NAME = "step_trace_time.csv"
HEADER = ["Device_id", "Step", "Computing", "Communication(Not Overlapped)", "Overlapped", "Communication", "Free",
          "Stage", "Bubble", "Communication(Not Overlapped and Exclude Receive)", "Preparing"]  # fmt: skip
# Waiting on events is idle time, not work.
_IDLE_KINDS = {TaskKind.EVENT_RECORD, TaskKind.EVENT_WAIT}


def _busy(tasks: List[DeviceTask], span: Interval, keep: Callable[[DeviceTask], bool]) -> List[Interval]:
    """When some task that ``keep`` selects ran, within ``span``."""
    return union((max(t.start_ns, span[0]), min(t.end_ns, span[1])) for t in tasks if keep(t))


def _row(device: int, number: int, span: Interval, tasks: List[DeviceTask]) -> List[object]:
    computing = _busy(tasks, span, lambda t: t.kind not in _IDLE_KINDS and t.kind != TaskKind.COLLECTIVE)
    communication = _busy(tasks, span, lambda t: t.kind == TaskKind.COLLECTIVE)
    sending = _busy(tasks, span, lambda t: t.kind == TaskKind.COLLECTIVE and "Recv" not in t.name)
    overlapped = length(intersection(computing, communication))
    free = span[1] - span[0] - length(union(computing + communication))
    first_start = min((t.start_ns for t in tasks), default=span[0])
    return [device, number, us_text(length(computing) / 1000),
            us_text((length(communication) - overlapped) / 1000), us_text(overlapped / 1000),
            us_text(length(communication) / 1000), us_text(free / 1000), us_text(0), us_text(0),
            us_text((length(sending) - length(intersection(computing, sending))) / 1000),
            us_text(max(0, first_start - span[0]) / 1000)]  # fmt: skip


def write(data: ProfileData, directory: Path) -> Path:
    """Writes the file into ``directory``: one row per device and step."""
    tree = HostTree(data)
    by_step: Dict[Tuple[int, int], List[DeviceTask]] = defaultdict(list)  # (device, step) -> tasks
    for task in data.device_tasks:
        step = tree.step_of(task)
        if step is not None:
            by_step[(task.device, step.number)].append(task)
    devices = sorted({task.device for task in data.device_tasks})
    rows = []
    for device in devices:
        for step in data.steps:
            tasks = by_step.get((device, step.number), [])
            span = (step.start_ns, max([step.end_ns] + [t.end_ns for t in tasks]))
            rows.append(_row(device, step.number, span, tasks))
    return write_csv(directory / FILE_NAME, HEADER, rows)
