"""ASCEND_PROFILER_OUTPUT/operator_details.csv: every host op with its host and device time.

Python frames of torch.profiler's tracer (with_stack) are not operators and have no row.

Device time is what the simulator's records say the op's kernels took: "self" counts the
tasks the op launched itself, "total" those of the op and every op nested in it; the "With
AICore" columns count kernels (AI Core tasks) only.
"""

from pathlib import Path
from typing import Iterable, List

from torch_npu_profiler.analysis.csv_table import shapes_text, us_text, write_csv
from torch_npu_profiler.analysis.host_tree import HostTree
from torch_npu_profiler.analysis.raw_data import DeviceTask, ProfileData, TaskKind

FILE_NAME = "operator_details.csv"
HEADER = ["Name", "Input Shapes", "Call Stack", "Host Self Duration(us)", "Host Total Duration(us)",
          "Device Self Duration(us)", "Device Total Duration(us)", "Device Self Duration With AICore(us)",
          "Device Total Duration With AICore(us)"]  # fmt: skip


def _device_ns(tasks: Iterable[DeviceTask], kernels_only: bool) -> int:
    return sum(t.end_ns - t.start_ns for t in tasks if not kernels_only or t.kind == TaskKind.KERNEL)


def write(data: ProfileData, directory: Path) -> Path:
    """Writes the file into ``directory``."""
    tree = HostTree(data)
    rows: List[List[object]] = []
    for index, op in enumerate(data.host_ops):
        if op.is_python:
            continue
        total_ns = op.end_ns - op.start_ns
        children_ns = sum(data.host_ops[c].end_ns - data.host_ops[c].start_ns for c in tree.children.get(index, ()))
        own = tree.launched.get(index, [])
        nested = [task for member in tree.subtree(index) for task in tree.launched.get(member, [])]
        rows.append([
            op.name, shapes_text(op.input_shapes), "\n".join(op.stack),
            us_text(max(0, total_ns - children_ns) / 1000), us_text(total_ns / 1000),
            us_text(_device_ns(own, False) / 1000), us_text(_device_ns(nested, False) / 1000),
            us_text(_device_ns(own, True) / 1000), us_text(_device_ns(nested, True) / 1000),
        ])  # fmt: skip
    return write_csv(directory / FILE_NAME, HEADER, rows)
