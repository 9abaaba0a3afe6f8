"""trace_view.json and export_chrome_trace pass the strict checker; the checker catches what breaks Perfetto."""

import json
import re
from pathlib import Path

import pytest
import torch

import torch_npu.profiler as npu_profiler
from profiler_helpers import train_step  # noqa: F401
from trace_checker import check_events, check_trace


@pytest.fixture
def trace(tmp_path, train_step):  # noqa: F811
    side = torch.npu.Stream()
    a = torch.ones(128, 128, device="npu")
    with npu_profiler.profile(record_shapes=True, with_stack=True) as prof:
        train_step()
        side.wait_stream(torch.npu.current_stream())
        with torch.npu.stream(side):
            a.mul_(2)
        torch.npu.current_stream().wait_stream(side)
    path = prof.export_chrome_trace(str(tmp_path / "trace.json"))
    return prof.data(), json.loads(open(path).read()), path


def test_the_trace_is_valid(trace):
    _, _, path = trace
    assert check_trace(Path(path)) == []


def test_one_named_track_per_stream_and_thread(trace):
    data, document, _ = trace
    events = document["traceEvents"]
    names = {(e["pid"], e["tid"]): e["args"]["name"] for e in events if e["ph"] == "M" and e["name"] == "thread_name"}
    streams = {(task.device, task.stream) for task in data.device_tasks}
    assert len(streams) == 2
    device_tracks = {key for key, name in names.items() if name.startswith("Stream ")}
    assert len(device_tracks) == len(streams)
    processes = {e["args"]["name"] for e in events if e["ph"] == "M" and e["name"] == "process_name"}
    assert {"Host", "NPU 0"} <= processes
    slices = [e for e in events if e["ph"] == "X"]
    assert all((e["pid"], e["tid"]) in names for e in slices)


def test_each_launched_task_has_one_flow_from_its_op(trace):
    data, document, _ = trace
    events = document["traceEvents"]
    finishes = [e for e in events if e["ph"] == "f"]
    launched = [task for task in data.device_tasks if task.correlation_id]
    assert len(finishes) == len(launched) > 0
    kernel_starts = {round(e["ts"], 3) for e in events if e["ph"] == "X" and e["cat"] == "kernel"}
    assert kernel_starts <= {round(e["ts"], 3) for e in finishes}
    assert all(isinstance(e["id"], int) and e["id"] < 2**53 for e in finishes)


def _document(*events):
    base = [{"ph": "X", "name": "parent", "pid": 0, "tid": 1, "ts": 0.0, "dur": 10.0}]
    return {"traceEvents": base + list(events)}


@pytest.mark.parametrize("bad, problem", [
    ({"ph": "X", "name": "k", "pid": 0, "tid": 1, "ts": "5", "dur": 1.0}, "ts must be a number"),
    ({"ph": "X", "name": "k", "pid": "0", "tid": 1, "ts": 5.0, "dur": 1.0}, "pid and tid must be integers"),
    ({"ph": "X", "name": "k", "pid": 0, "tid": 1, "ts": 5.0, "dur": 10.0}, "instead of nesting"),
    ({"ph": "s", "name": "f", "pid": 0, "tid": 1, "ts": 1.0, "id": 2**53}, "below 2\\*\\*53"),
    ({"ph": "s", "name": "f", "pid": 0, "tid": 1, "ts": 1.0, "id": 7}, "1 start\\(s\\) and 0 finish"),
])  # fmt: skip
def test_the_checker_rejects_what_breaks_viewers(bad, problem):
    problems = check_events(_document(bad))
    assert any(re.search(problem, p) for p in problems), problems


def test_the_checker_rejects_an_unbound_flow_finish():
    flow = [{"ph": "s", "name": "f", "pid": 0, "tid": 1, "ts": 1.0, "id": 3},
            {"ph": "f", "name": "f", "pid": 0, "tid": 1, "ts": 2.0, "id": 3}]  # fmt: skip
    assert any('"bp": "e"' in p for p in check_events(_document(*flow)))
    flow[1]["bp"] = "e"
    assert check_events(_document(*flow)) == []


def test_the_checker_rejects_invalid_json(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('{"traceEvents": [{"ph": "X", "ts": NaN}]}')
    assert check_trace(path)[0].startswith("not one strict JSON document")
