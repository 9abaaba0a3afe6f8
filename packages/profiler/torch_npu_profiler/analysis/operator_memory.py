"""ASCEND_PROFILER_OUTPUT/operator_memory.csv (profile_memory): each NPU block an operator allocated.

A row pairs an allocation of the NPU caching allocator with the free of the same address
that follows it; a block still allocated when the profile ended has empty release columns,
and a free without its allocation in the profile has no row. Name is the innermost host op
that made the allocation. The allocator's report to the profiler
(``c10::reportMemoryUsageToProfiler``) carries the allocated and reserved totals only: the
active totals, the active release (the block's reuse after its other streams finished) and
the stream are ``N/A``.
"""

from pathlib import Path
from typing import Dict, List, Optional, Tuple

from torch_npu_profiler.analysis.csv_table import us_text, write_csv
from torch_npu_profiler.analysis.raw_data import MemoryRecord, ProfileData, relative_us

FILE_NAME = "operator_memory.csv"
HEADER = ["Name", "Size(KB)", "Allocation Time(us)", "Release Time(us)", "Active Release Time(us)",
          "Duration(us)", "Active Duration(us)", "Allocation Total Allocated(MB)", "Allocation Total Reserved(MB)",
          "Allocation Total Active(MB)", "Release Total Allocated(MB)", "Release Total Reserved(MB)",
          "Release Total Active(MB)", "Stream Ptr", "Device Type"]  # fmt: skip
# What the allocator's report to the profiler does not carry.
NOT_REPORTED = "N/A"
BYTES_PER_KB = 1024
BYTES_PER_MB = 1024 * 1024


def mb_text(size: int) -> str:
    """Bytes as the memory files show megabytes."""
    return f"{size / BYTES_PER_MB:.6f}"


def device_type(record: MemoryRecord) -> str:
    """The reference's name of the record's device."""
    return f"NPU:{record.device}"


def _row(data: ProfileData, allocation: MemoryRecord, release: Optional[MemoryRecord]) -> List[object]:
    released = release is not None
    return [
        allocation.op, f"{allocation.size / BYTES_PER_KB:.3f}", us_text(relative_us(data, allocation.time_ns)),
        us_text(relative_us(data, release.time_ns)) if released else "", NOT_REPORTED,
        us_text((release.time_ns - allocation.time_ns) / 1000) if released else "", NOT_REPORTED,
        mb_text(allocation.total_allocated), mb_text(allocation.total_reserved), NOT_REPORTED,
        mb_text(release.total_allocated) if released else "", mb_text(release.total_reserved) if released else "",
        NOT_REPORTED if released else "", NOT_REPORTED, device_type(allocation),
    ]  # fmt: skip


def allocations(data: ProfileData) -> List[Tuple[MemoryRecord, Optional[MemoryRecord]]]:
    """Each allocation of the profile with the free that ended it (None: outlived the profile), by time."""
    live: Dict[Tuple[int, int], int] = {}  # (device, ptr) -> index of its allocation, not freed yet
    pairs: List[Tuple[MemoryRecord, Optional[MemoryRecord]]] = []
    for record in data.memory_records:  # by time
        key = (record.device, record.ptr)
        if record.size > 0:
            live[key] = len(pairs)
            pairs.append((record, None))
        elif key in live:
            index = live.pop(key)
            pairs[index] = (pairs[index][0], record)
    return pairs


def write(data: ProfileData, directory: Path) -> Path:
    """Writes the file into ``directory``: one row per allocation, by allocation time."""
    return write_csv(directory / FILE_NAME, HEADER, [_row(data, *pair) for pair in allocations(data)])
