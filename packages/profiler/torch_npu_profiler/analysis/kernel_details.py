"""ASCEND_PROFILER_OUTPUT/kernel_details.csv: every device task, one row each."""

from pathlib import Path
from typing import Dict, List, Tuple

from torch_npu_profiler.analysis.csv_table import shapes_text, us_text, write_csv
from torch_npu_profiler.analysis.host_tree import HostTree
from torch_npu_profiler.analysis.raw_data import DeviceTask, ProfileData, TaskKind, relative_us

FILE_NAME = "kernel_details.csv"
HEADER = ["Device_id", "Name", "Type", "Accelerator Core", "Start Time(us)", "Duration(us)", "Wait Time(us)",
          "Block Num", "Input Shapes", "Input Data Types", "Input Formats", "Output Shapes", "Output Data Types",
          "Output Formats"]  # fmt: skip
STEP_COLUMN = "Step Id"
# The simulator runs kernels on the host: no block dimension, no output descriptors.
NOT_SIMULATED = "N/A"


def task_type(task: DeviceTask) -> str:
    """The operator type: the aclnn operator without its prefix, or the task's own name."""
    return task.name[len("aclnn"):] if task.kind == TaskKind.KERNEL and task.name.startswith("aclnn") else task.name


def accelerator_core(task: DeviceTask) -> str:
    """Where the task runs on an Ascend NPU: AI cores for kernels, HCCL for collectives."""
    return {TaskKind.KERNEL: "AI_CORE", TaskKind.COLLECTIVE: "HCCL"}.get(task.kind, NOT_SIMULATED)


def wait_times(tasks: List[DeviceTask]) -> Dict[int, int]:
    """Nanoseconds each task's stream idled before it (0 for a stream's first task)."""
    waits: Dict[int, int] = {}
    previous_end: Dict[Tuple[int, int], int] = {}
    for task in sorted(tasks, key=lambda t: t.start_ns):
        track = (task.device, task.stream)
        waits[id(task)] = max(0, task.start_ns - previous_end.get(track, task.start_ns))
        previous_end[track] = task.end_ns
    return waits


def write(data: ProfileData, directory: Path) -> Path:
    """Writes the file into ``directory``."""
    tree = HostTree(data)
    waits = wait_times(data.device_tasks)
    with_steps = bool(data.steps)
    rows = []
    for task in sorted(data.device_tasks, key=lambda t: (t.start_ns, t.device, t.stream)):
        launcher = tree.launcher_of(task)
        shapes = launcher.input_shapes if launcher else []
        types = launcher.input_types if launcher else []
        row: List[object] = [
            task.device, task.name, task_type(task), accelerator_core(task),
            us_text(relative_us(data, task.start_ns)), us_text((task.end_ns - task.start_ns) / 1000),
            us_text(waits[id(task)] / 1000), NOT_SIMULATED, shapes_text(shapes), ";".join(types),
            ";".join("ND" for _ in shapes), NOT_SIMULATED, NOT_SIMULATED, NOT_SIMULATED,
        ]  # fmt: skip
        if with_steps:
            step = tree.step_of(task)
            row.insert(0, step.number if step else "")
        rows.append(row)
    return write_csv(directory / FILE_NAME, ([STEP_COLUMN] if with_steps else []) + HEADER, rows)
