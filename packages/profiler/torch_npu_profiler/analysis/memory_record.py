"""ASCEND_PROFILER_OUTPUT/memory_record.csv (profile_memory): the NPU allocator's totals over time.

One row per allocation or free the NPU caching allocator reported (Component ``PTA``, the
reference's name for the framework's allocator), with its allocated and reserved totals after
it. The report carries no active total and no stream (``N/A``); the reference's ``APP`` rows
(the whole process's device memory, from CANN's msprof data) are not simulated.
"""

from pathlib import Path

from torch_npu_profiler.analysis.csv_table import us_text, write_csv
from torch_npu_profiler.analysis.operator_memory import NOT_REPORTED, device_type, mb_text
from torch_npu_profiler.analysis.raw_data import ProfileData, relative_us

FILE_NAME = "memory_record.csv"
HEADER = ["Component", "Timestamp(us)", "Total Allocated(MB)", "Total Reserved(MB)", "Total Active(MB)",
          "Stream Ptr", "Device Type"]  # fmt: skip
COMPONENT = "PTA"


def write(data: ProfileData, directory: Path) -> Path:
    """Writes the file into ``directory``: one row per report, by time."""
    rows = [[COMPONENT, us_text(relative_us(data, record.time_ns)), mb_text(record.total_allocated),
             mb_text(record.total_reserved), NOT_REPORTED, NOT_REPORTED, device_type(record)]
            for record in data.memory_records]  # fmt: skip
    return write_csv(directory / FILE_NAME, HEADER, rows)
