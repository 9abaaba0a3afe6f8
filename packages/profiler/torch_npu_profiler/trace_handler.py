"""``tensorboard_trace_handler``: writes each recorded cycle as a reference output directory."""

import os
import threading
from pathlib import Path
from typing import Callable, List, Optional

from torch_npu_profiler.analysis import output_directory


def tensorboard_trace_handler(dir_name: Optional[str] = None, worker_name: Optional[str] = None,
                              analyse_flag: bool = True, async_mode: bool = False) -> Callable:  # fmt: skip
    """An ``on_trace_ready`` that writes ``{worker}_{pid}_{timestamp}_ascend_pt/`` under ``dir_name``.

    ``dir_name`` defaults to $ASCEND_WORK_PATH/profiling_data (else ./profiling_data), as in
    the reference. Without ``analyse_flag`` only the raw data is written (analyse later with
    ``torch_npu.profiler.profiler.analyse``); with ``async_mode`` the analysis runs on a
    thread of its own, joined by ``handler.wait()``.
    """
    root = Path(dir_name) if dir_name else Path(os.environ.get("ASCEND_WORK_PATH", ".")) / "profiling_data"
    pending: List[threading.Thread] = []

    def handler(prof) -> Path:
        directory = root / output_directory.directory_name(worker_name or "")
        prof._write_raw(directory)
        if analyse_flag:
            if async_mode:
                worker = threading.Thread(target=output_directory.analyse, args=(directory,), name="npu-profiler")
                worker.start()
                pending.append(worker)
            else:
                output_directory.analyse(directory)
        return directory

    def wait() -> None:
        while pending:
            pending.pop().join()

    handler.wait = wait
    return handler
