"""ASCEND_PROFILER_OUTPUT/op_statistic.csv: device time per operator type (Level1 and up)."""

from collections import defaultdict
from pathlib import Path
from typing import Dict, List, Tuple

from torch_npu_profiler.analysis.csv_table import us_text, write_csv
from torch_npu_profiler.analysis.kernel_details import accelerator_core, task_type
from torch_npu_profiler.analysis.raw_data import ProfileData

FILE_NAME = "op_statistic.csv"
HEADER = ["OP Type", "Core Type", "Count", "Total Time(us)", "Min Time(us)", "Avg Time(us)", "Max Time(us)",
          "Ratio(%)"]  # fmt: skip


def write(data: ProfileData, directory: Path) -> Path:
    """Writes the file into ``directory``: one row per (type, core), the most time first."""
    durations: Dict[Tuple[str, str], List[int]] = defaultdict(list)
    for task in data.device_tasks:
        durations[(task_type(task), accelerator_core(task))].append(task.end_ns - task.start_ns)
    all_ns = sum(sum(values) for values in durations.values())
    rows = []
    for (op_type, core), values in sorted(durations.items(), key=lambda item: -sum(item[1])):
        total = sum(values)
        rows.append([op_type, core, len(values), us_text(total / 1000), us_text(min(values) / 1000),
                     us_text(total / len(values) / 1000), us_text(max(values) / 1000),
                     f"{100 * total / all_ns:.2f}" if all_ns else "0.00"])  # fmt: skip
    return write_csv(directory / FILE_NAME, HEADER, rows)
