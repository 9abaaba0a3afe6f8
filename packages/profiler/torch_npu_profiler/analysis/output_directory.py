"""One profile's output directory, in the reference's layout.

    {worker}_{pid}_{timestamp}_ascend_pt/
      profiler_info.json          config, start/end, torch_npu and CANN versions
                                  (profiler_info_{rank}.json under torch.distributed)
      profiler_metadata.json      versions and user metadata (profile.add_metadata)
      FRAMEWORK/profile_raw.json  the raw data (raw_data.py), what `analyse` reads
      logs/analysis.log           what the analysis wrote
      ASCEND_PROFILER_OUTPUT/     the output files of the session's level (memory files with
                                  profile_memory, communication files when collectives ran),
                                  or ascend_pytorch_profiler.db with export_type Db
      analyse.done                written last: the directory is complete
"""

import json
import os
import socket
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Tuple

from torch_npu_profiler.analysis import (communication, communication_matrix, kernel_details, memory_record,
                                         op_statistic, operator_details, operator_memory, pytorch_db,
                                         step_trace_time, trace_view)  # fmt: skip
from torch_npu_profiler.analysis.collectives import has_collectives
from torch_npu_profiler.experimental_config import ExportType
from torch_npu_profiler.analysis.raw_data import ProfileData

OUTPUT_DIR = "ASCEND_PROFILER_OUTPUT"
DONE_FILE = "analyse.done"
SUFFIX = "_ascend_pt"
LEVELS = ["Level_none", "Level0", "Level1", "Level2"]

Writer = Callable[[ProfileData, Path], Path]
# What an output file needs besides its level: steps (a schedule), profile_memory, HCCL collectives.
STEPS, MEMORY, COLLECTIVES = "steps", "memory", "collectives"
# Each output file with the lowest level that writes it, and what else it needs.
_OUTPUTS: List[Tuple[Writer, str, Tuple[str, ...]]] = [
    (trace_view.write, "Level_none", ()),
    (operator_details.write, "Level_none", ()),
    (kernel_details.write, "Level0", ()),
    (step_trace_time.write, "Level0", (STEPS,)),
    (op_statistic.write, "Level1", ()),
    (operator_memory.write, "Level_none", (MEMORY,)),
    (memory_record.write, "Level_none", (MEMORY,)),
    (communication.write, "Level0", (COLLECTIVES,)),
    (communication_matrix.write, "Level0", (COLLECTIVES,)),
]


def directory_name(worker_name: str = "") -> str:
    """``{worker_name or hostname}_{pid}_{timestamp}_ascend_pt``, the timestamp to the millisecond."""
    now = time.time()
    stamp = time.strftime("%Y%m%d%H%M%S", time.localtime(now)) + f"{int(now * 1000) % 1000:03d}"
    return f"{worker_name or socket.gethostname()}_{os.getpid()}_{stamp}{SUFFIX}"


def _write_json(path: Path, document: Dict[str, Any]) -> None:
    path.write_text(json.dumps(document, indent=2, allow_nan=False))


def write_raw(directory: Path, data: ProfileData, info: Dict[str, Any], metadata: Dict[str, Any],
              rank: int = -1) -> None:  # fmt: skip
    """Creates ``directory`` with the session's info, metadata and raw data (no analysis yet)."""
    (directory / "logs").mkdir(parents=True, exist_ok=True)
    _write_json(directory / ("profiler_info.json" if rank < 0 else f"profiler_info_{rank}.json"), info)
    _write_json(directory / "profiler_metadata.json", metadata)
    data.save(directory)


def analyse(directory: Path) -> List[Path]:
    """Writes ASCEND_PROFILER_OUTPUT of the raw data in ``directory``, then analyse.done; returns the files."""
    data = ProfileData.load(directory)
    level = data.config.get("experimental_config", {}).get("profiler_level", "Level0")
    if level not in LEVELS:
        raise ValueError(f"{directory}: unknown profiler_level {level!r}")
    output = directory / OUTPUT_DIR
    output.mkdir(exist_ok=True)
    (directory / DONE_FILE).unlink(missing_ok=True)
    has = {STEPS: bool(data.steps), MEMORY: bool(data.config.get("common_config", {}).get("profile_memory")),
           COLLECTIVES: has_collectives(data)}  # fmt: skip
    export_types = data.config.get("experimental_config", {}).get("export_type", [ExportType.Text])
    export_types = [export_types] if isinstance(export_types, str) else export_types
    written = []
    if ExportType.Text in export_types:
        written = [writer(data, output) for writer, lowest, needs in _OUTPUTS
                   if LEVELS.index(level) >= LEVELS.index(lowest) and all(has[need] for need in needs)]  # fmt: skip
    if ExportType.Db in export_types:
        written.append(pytorch_db.write(data, output))
    log = directory / "logs" / "analysis.log"
    log.parent.mkdir(exist_ok=True)
    log.write_text("".join(f"wrote {path.relative_to(directory)}\n" for path in written))
    (directory / DONE_FILE).write_text("")
    return written


def find_profiles(path: Path) -> List[Path]:
    """``path`` itself when it is an output directory, else the output directories inside it."""
    if not path.is_dir():
        raise FileNotFoundError(f"{path} is no directory (a *{SUFFIX} profile directory, or one holding them)")
    if path.name.endswith(SUFFIX):
        return [path]
    found = sorted(child for child in path.iterdir() if child.is_dir() and child.name.endswith(SUFFIX))
    if not found:
        raise FileNotFoundError(f"{path} is no *{SUFFIX} profile directory and holds none")
    return found
