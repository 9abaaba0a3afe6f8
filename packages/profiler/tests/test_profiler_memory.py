"""profile_memory=True: operator_memory.csv and memory_record.csv from the NPU caching allocator's reports."""

import gzip
import json

import pytest
import torch

import torch_npu.profiler as npu_profiler
from profiler_helpers import csv_header, only_profile, read_csv

OPERATOR_MEMORY_HEADER = ["Name", "Size(KB)", "Allocation Time(us)", "Release Time(us)", "Active Release Time(us)",
                          "Duration(us)", "Active Duration(us)", "Allocation Total Allocated(MB)",
                          "Allocation Total Reserved(MB)", "Allocation Total Active(MB)",
                          "Release Total Allocated(MB)", "Release Total Reserved(MB)", "Release Total Active(MB)",
                          "Stream Ptr", "Device Type"]  # fmt: skip
MEMORY_RECORD_HEADER = ["Component", "Timestamp(us)", "Total Allocated(MB)", "Total Reserved(MB)",
                        "Total Active(MB)", "Stream Ptr", "Device Type"]  # fmt: skip
MIB = 1024 * 1024


def _profile(root, **options):
    """Allocates a kept 1 MiB and a freed 2 MiB block inside record_functions; returns the output files' directory."""
    torch.npu.synchronize()
    with npu_profiler.profile(on_trace_ready=npu_profiler.tensorboard_trace_handler(str(root)), profile_memory=True,
                              **options) as prof:  # fmt: skip
        with torch.profiler.record_function("keep_1mib"):
            kept = torch.empty(MIB // 4, dtype=torch.float32, device="npu")
        with torch.profiler.record_function("free_2mib"):
            freed = torch.empty(2 * MIB, dtype=torch.uint8, device="npu")
            del freed
        torch.npu.synchronize()
    del kept
    return prof, only_profile(root) / "ASCEND_PROFILER_OUTPUT"


@pytest.fixture
def output(tmp_path):
    return _profile(tmp_path)[1]


def test_the_memory_files_have_the_reference_headers(output):
    assert csv_header(output / "operator_memory.csv") == OPERATOR_MEMORY_HEADER
    assert csv_header(output / "memory_record.csv") == MEMORY_RECORD_HEADER


def test_without_profile_memory_there_are_no_memory_files(tmp_path):
    with npu_profiler.profile(on_trace_ready=npu_profiler.tensorboard_trace_handler(str(tmp_path))):
        torch.empty(16, device="npu")
    output = only_profile(tmp_path) / "ASCEND_PROFILER_OUTPUT"
    assert not (output / "operator_memory.csv").exists() and not (output / "memory_record.csv").exists()


def test_each_allocation_is_a_row_of_its_op_with_its_size(output):
    rows = read_csv(output / "operator_memory.csv")
    kept = [row for row in rows if float(row["Size(KB)"]) == MIB / 1024]
    freed = [row for row in rows if float(row["Size(KB)"]) == 2 * MIB / 1024]
    assert len(kept) == 1 and len(freed) == 1, rows
    assert kept[0]["Name"] == freed[0]["Name"] == "aten::empty"
    assert kept[0]["Device Type"] == "NPU:0"
    # Kept past the profile: no release; freed inside it: released after its allocation.
    assert kept[0]["Release Time(us)"] == "" and kept[0]["Duration(us)"] == ""
    assert float(freed[0]["Release Time(us)"]) >= float(freed[0]["Allocation Time(us)"])
    assert float(freed[0]["Duration(us)"]) == pytest.approx(
        float(freed[0]["Release Time(us)"]) - float(freed[0]["Allocation Time(us)"]), abs=2e-3)
    # The allocator's totals after each change: 2 MiB more when the second block is handed out, back on its free.
    after_kept = float(kept[0]["Allocation Total Allocated(MB)"])
    assert float(freed[0]["Allocation Total Allocated(MB)"]) == pytest.approx(after_kept + 2)
    assert float(freed[0]["Release Total Allocated(MB)"]) == pytest.approx(after_kept)
    assert float(freed[0]["Allocation Total Reserved(MB)"]) >= float(freed[0]["Allocation Total Allocated(MB)"])


def test_the_records_follow_the_allocators_totals(output):
    records = read_csv(output / "memory_record.csv")
    assert records and {row["Component"] for row in records} == {"PTA"}
    times = [float(row["Timestamp(us)"]) for row in records]
    assert times == sorted(times)
    allocated = [float(row["Total Allocated(MB)"]) for row in records]
    # The kept MiB, then the freed 2 MiB up and down again.
    assert [round(b - a, 6) for a, b in zip(allocated, allocated[1:])] == [2.0, -2.0]
    assert all(float(row["Total Reserved(MB)"]) >= float(row["Total Allocated(MB)"]) for row in records)
    reserved = [float(row["Total Reserved(MB)"]) for row in records]
    assert reserved == sorted(reserved)  # the caching allocator keeps what it reserved


def test_offline_analyse_writes_the_same_memory_files(output):
    before = (output / "operator_memory.csv").read_text()
    npu_profiler.analyse(str(output.parent))
    assert (output / "operator_memory.csv").read_text() == before


def test_export_memory_timeline_delegates_to_torch_profiler(tmp_path):
    prof, _ = _profile(tmp_path / "profile", record_shapes=True, with_stack=True)
    path = tmp_path / "timeline.raw.json.gz"
    prof.export_memory_timeline(str(path), device="npu:0")
    events = json.loads(gzip.decompress(path.read_bytes()))
    sizes = {event[2] for event in events}
    assert MIB in sizes and 2 * MIB in sizes
    with pytest.raises(NotImplementedError, match="not supported yet"):
        prof.export_memory_timeline(str(tmp_path / "timeline.html"))
