"""The output directory: the reference's layout, headers, per-level files and numbers that add up."""

import json
import os
import re
from pathlib import Path

import pytest

import torch_npu.profiler as npu_profiler
from profiler_helpers import csv_header, only_profile, read_csv, train_step  # noqa: F401
from trace_checker import check_trace

KERNEL_HEADER = ["Device_id", "Name", "Type", "Accelerator Core", "Start Time(us)", "Duration(us)", "Wait Time(us)",
                 "Block Num", "Input Shapes", "Input Data Types", "Input Formats", "Output Shapes",
                 "Output Data Types", "Output Formats"]  # fmt: skip
OPERATOR_HEADER = ["Name", "Input Shapes", "Call Stack", "Host Self Duration(us)", "Host Total Duration(us)",
                   "Device Self Duration(us)", "Device Total Duration(us)", "Device Self Duration With AICore(us)",
                   "Device Total Duration With AICore(us)"]  # fmt: skip
STATISTIC_HEADER = ["OP Type", "Core Type", "Count", "Total Time(us)", "Min Time(us)", "Avg Time(us)",
                    "Max Time(us)", "Ratio(%)"]  # fmt: skip
STEP_HEADER = ["Device_id", "Step", "Computing", "Communication(Not Overlapped)", "Overlapped", "Communication",
               "Free", "Stage", "Bubble", "Communication(Not Overlapped and Exclude Receive)", "Preparing"]  # fmt: skip
# The active steps of schedule(wait=1, warmup=1, active=2) over 5 steps.
ACTIVE_STEPS = [2, 3]


def profile_steps(root: Path, step, level: str = "Level1", steps: int = 5, **options) -> Path:
    config = npu_profiler._ExperimentalConfig(profiler_level=level)
    with npu_profiler.profile(schedule=npu_profiler.schedule(wait=1, warmup=1, active=2, repeat=1),
                              on_trace_ready=npu_profiler.tensorboard_trace_handler(str(root), **options),
                              record_shapes=True, experimental_config=config) as prof:  # fmt: skip
        for _ in range(steps):
            step()
            prof.step()
    return only_profile(root)


@pytest.fixture
def level1(tmp_path, train_step):  # noqa: F811
    return profile_steps(tmp_path, train_step)


def test_the_directory_has_the_reference_layout(level1):
    assert re.fullmatch(rf".+_{os.getpid()}_\d{{17}}_ascend_pt", level1.name)
    for name in ["profiler_info.json", "profiler_metadata.json", "logs", "FRAMEWORK", "analyse.done"]:
        assert (level1 / name).exists(), name
    output = level1 / "ASCEND_PROFILER_OUTPUT"
    assert sorted(p.name for p in output.iterdir()) == sorted(
        ["trace_view.json", "kernel_details.csv", "operator_details.csv", "op_statistic.csv", "step_trace_time.csv"])
    done = (level1 / "analyse.done").stat().st_mtime_ns
    assert all(done >= path.stat().st_mtime_ns for path in output.iterdir())
    info = json.loads((level1 / "profiler_info.json").read_text())
    assert info["config"]["experimental_config"]["profiler_level"] == "Level1"
    assert info["cann_version"] and info["torch_npu_version"]
    assert info["start_info"]["time_ns"] <= info["end_info"]["time_ns"]


def test_worker_name_names_the_directory(tmp_path, train_step):  # noqa: F811
    directory = profile_steps(tmp_path, train_step, worker_name="worker7")
    assert directory.name.startswith(f"worker7_{os.getpid()}_")


def test_csv_headers_are_the_reference_ones(level1):
    output = level1 / "ASCEND_PROFILER_OUTPUT"
    assert csv_header(output / "kernel_details.csv") == ["Step Id"] + KERNEL_HEADER
    assert csv_header(output / "operator_details.csv") == OPERATOR_HEADER
    assert csv_header(output / "op_statistic.csv") == STATISTIC_HEADER
    assert csv_header(output / "step_trace_time.csv") == STEP_HEADER


def test_steps_are_the_scheduled_active_ones(level1):
    output = level1 / "ASCEND_PROFILER_OUTPUT"
    kernel_steps = {int(row["Step Id"]) for row in read_csv(output / "kernel_details.csv")}
    assert kernel_steps == set(ACTIVE_STEPS)
    assert [int(row["Step"]) for row in read_csv(output / "step_trace_time.csv")] == ACTIVE_STEPS


def test_kernel_durations_are_the_simulators_records(level1):
    raw = json.loads((level1 / "FRAMEWORK" / "profile_raw.json").read_text())
    recorded = sorted(round((t["end_ns"] - t["start_ns"]) / 1000, 3) for t in raw["device_tasks"])
    rows = read_csv(level1 / "ASCEND_PROFILER_OUTPUT" / "kernel_details.csv")
    assert sorted(float(row["Duration(us)"]) for row in rows) == recorded
    assert {"aclnnAddmm", "aclnnRelu"} <= {row["Name"] for row in rows}


def test_op_statistic_sums_the_kernels(level1):
    output = level1 / "ASCEND_PROFILER_OUTPUT"
    kernels = read_csv(output / "kernel_details.csv")
    statistic = read_csv(output / "op_statistic.csv")
    for row in statistic:
        mine = [float(k["Duration(us)"]) for k in kernels if k["Type"] == row["OP Type"]]
        assert int(row["Count"]) == len(mine)
        assert float(row["Total Time(us)"]) == pytest.approx(sum(mine), abs=1e-3 * len(mine))
        assert float(row["Min Time(us)"]) == min(mine) and float(row["Max Time(us)"]) == max(mine)
    assert sum(float(row["Ratio(%)"]) for row in statistic) == pytest.approx(100, abs=0.01 * len(statistic))


def _covered(intervals):
    """Microseconds some interval covers."""
    total, reach = 0.0, float("-inf")
    for start, end in sorted(intervals):
        if end > reach:
            total += end - max(start, reach)
            reach = end
    return total


def test_step_time_adds_up(level1):
    raw = json.loads((level1 / "FRAMEWORK" / "profile_raw.json").read_text())
    kernels = read_csv(level1 / "ASCEND_PROFILER_OUTPUT" / "kernel_details.csv")
    for row in read_csv(level1 / "ASCEND_PROFILER_OUTPUT" / "step_trace_time.csv"):
        step = next(s for s in raw["steps"] if s["number"] == int(row["Step"]))
        tasks = [(float(k["Start Time(us)"]), float(k["Start Time(us)"]) + float(k["Duration(us)"]))
                 for k in kernels if k["Step Id"] == row["Step"] and not k["Name"].startswith("EVENT_")]  # fmt: skip
        start = (step["start_ns"] - raw["origin_ns"]) / 1000
        end = max([(step["end_ns"] - raw["origin_ns"]) / 1000] + [task_end for _, task_end in tasks])
        computing, free = float(row["Computing"]), float(row["Free"])
        assert computing == pytest.approx(_covered(tasks), abs=0.01)
        assert float(row["Communication"]) == 0  # one process: no collectives
        assert computing + free + float(row["Communication(Not Overlapped)"]) == pytest.approx(end - start, abs=0.01)


def test_operator_device_time_is_its_kernels(level1):
    output = level1 / "ASCEND_PROFILER_OUTPUT"
    kernels = read_csv(output / "kernel_details.csv")
    addmm_kernels = sum(float(k["Duration(us)"]) for k in kernels if k["Name"] == "aclnnAddmm")
    addmm_ops = [r for r in read_csv(output / "operator_details.csv") if r["Name"] == "aten::addmm"]
    assert len(addmm_ops) == len(ACTIVE_STEPS)
    assert sum(float(r["Device Self Duration(us)"]) for r in addmm_ops) == pytest.approx(addmm_kernels, abs=0.01)
    linear = [r for r in read_csv(output / "operator_details.csv") if r["Name"] == "aten::linear"]
    assert all(float(r["Device Self Duration(us)"]) == 0 for r in linear)
    assert sum(float(r["Device Total Duration(us)"]) for r in linear) >= addmm_kernels - 0.01
    for row in addmm_ops:
        assert float(row["Host Self Duration(us)"]) <= float(row["Host Total Duration(us)"])
        assert row["Input Shapes"]


@pytest.mark.parametrize("level, files", [
    ("Level_none", {"trace_view.json", "operator_details.csv"}),
    ("Level0", {"trace_view.json", "operator_details.csv", "kernel_details.csv", "step_trace_time.csv"}),
    ("Level2", {"trace_view.json", "operator_details.csv", "kernel_details.csv", "step_trace_time.csv",
                "op_statistic.csv"}),
])  # fmt: skip
def test_each_level_writes_its_files(tmp_path, train_step, level, files):  # noqa: F811
    directory = profile_steps(tmp_path, train_step, level=level)
    assert {p.name for p in (directory / "ASCEND_PROFILER_OUTPUT").iterdir()} == files
    assert check_trace(directory / "ASCEND_PROFILER_OUTPUT" / "trace_view.json") == []


def test_without_a_schedule_there_are_no_steps(tmp_path, train_step):  # noqa: F811
    with npu_profiler.profile(on_trace_ready=npu_profiler.tensorboard_trace_handler(str(tmp_path))):
        train_step()
    output = only_profile(tmp_path) / "ASCEND_PROFILER_OUTPUT"
    assert not (output / "step_trace_time.csv").exists()
    assert csv_header(output / "kernel_details.csv") == KERNEL_HEADER


def test_offline_analyse_writes_what_the_online_one_would(tmp_path, train_step):  # noqa: F811
    raw_only = profile_steps(tmp_path / "offline", train_step, analyse_flag=False)
    assert not (raw_only / "ASCEND_PROFILER_OUTPUT").exists() and not (raw_only / "analyse.done").exists()
    assert npu_profiler.analyse(str(tmp_path / "offline")) == [raw_only]
    assert (raw_only / "analyse.done").exists()
    names = {p.name for p in (raw_only / "ASCEND_PROFILER_OUTPUT").iterdir()}
    assert names == {"trace_view.json", "kernel_details.csv", "operator_details.csv", "op_statistic.csv",
                     "step_trace_time.csv"}
    (tmp_path / "empty").mkdir()
    for nothing in (tmp_path / "empty", tmp_path / "missing"):
        with pytest.raises(FileNotFoundError, match="ascend_pt"):
            npu_profiler.analyse(str(nothing))


def test_async_mode_finishes_on_wait(tmp_path, train_step):  # noqa: F811
    handler = npu_profiler.tensorboard_trace_handler(str(tmp_path), async_mode=True)
    with npu_profiler.profile(on_trace_ready=handler):
        train_step()
    handler.wait()
    assert (only_profile(tmp_path) / "analyse.done").exists()


def test_with_stack_gives_call_stacks_and_no_python_frame_rows(tmp_path, train_step):  # noqa: F811
    with npu_profiler.profile(with_stack=True, on_trace_ready=npu_profiler.tensorboard_trace_handler(str(tmp_path))):
        train_step()
    rows = read_csv(only_profile(tmp_path) / "ASCEND_PROFILER_OUTPUT" / "operator_details.csv")
    assert rows and not any(".py(" in row["Name"] or row["Name"].startswith("<built-in") for row in rows)
    addmm = next(row for row in rows if row["Name"] == "aten::addmm")
    assert any("profiler_helpers.py" in frame for frame in addmm["Call Stack"].splitlines())  # the step that ran it
