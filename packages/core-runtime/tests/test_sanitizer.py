"""The stream sanitizer (torch_npu.npu.sanitizer): races found with both sides named, none on correct programs."""

import importlib.util
import os
import pathlib
import subprocess
import sys
import time

import pytest
import torch
import torch_npu
from conftest import run_python
from torch_npu.npu import sanitizer as npu_sanitizer

TESTS = pathlib.Path(__file__).resolve().parent
ROOT = TESTS.parents[2]
N = 2048


@pytest.fixture
def sanitizer():
    """The sanitizer, freshly enabled for one test (and left as it was found)."""
    was_on = npu_sanitizer.is_enabled()
    npu_sanitizer.disable()
    npu_sanitizer.enable()
    yield npu_sanitizer
    npu_sanitizer.disable()
    if was_on:
        npu_sanitizer.enable(raise_on_race=os.environ.get("TORCH_NPU_SANITIZER") == "raise")


def stream_name(stream: torch.npu.Stream) -> str:
    return f"stream {stream.npu_stream:#x}"


def assert_names_both_sides(race, *, tensor, current_op, previous_op, current_stream, previous_stream,
                            current_line, previous_line):  # fmt: skip
    report = race.report()
    assert f"shape {tuple(tensor.shape)}, dtype {tensor.dtype}, data pointer {tensor.data_ptr():#x}" in report
    assert f"This access: {race.current.kind} by {current_op} on npu:0 {stream_name(current_stream)}" in report
    assert f"Previous access: {race.previous.kind} by {previous_op} on npu:0 {stream_name(previous_stream)}" in report
    this_stack, previous_stack = report.split("Stack of this access")[1].split("Stack of the previous access")
    assert __file__ in this_stack and current_line in this_stack
    assert __file__ in previous_stack and previous_line in previous_stack
    assert current_line not in previous_stack and previous_line not in this_stack


# ---- races are found


def test_the_issue_example_is_a_write_after_write(sanitizer):
    side = torch.npu.Stream()
    a = torch.ones(N, N, device="npu")
    with torch.npu.stream(side):
        a.add_(1)
    [race] = sanitizer.races()
    assert race.kind == "write after write"
    assert_names_both_sides(
        race, tensor=a, current_op="aten::add_.Tensor", previous_op="aten::ones",
        current_stream=side, previous_stream=torch.npu.default_stream(),
        current_line="a.add_(1)", previous_line='a = torch.ones(N, N, device="npu")',
    )  # fmt: skip
    assert "(the default stream)" in race.report()


def test_read_after_write_across_streams(sanitizer):
    side = torch.npu.Stream()
    written = torch.zeros(1000, device="npu")
    side.wait_stream(torch.npu.current_stream())  # orders the allocation, not the write below
    written.fill_(3)
    with torch.npu.stream(side):
        read = written * 2
    [race] = sanitizer.races()
    assert (race.kind, race.current.kind, race.previous.kind) == ("read after write", "read", "write")
    assert_names_both_sides(
        race, tensor=written, current_op="aten::mul.Tensor", previous_op="aten::fill_.Scalar",
        current_stream=side, previous_stream=torch.npu.default_stream(),
        current_line="read = written * 2", previous_line="written.fill_(3)",
    )  # fmt: skip
    del read


def test_write_after_read_across_streams(sanitizer):
    side = torch.npu.Stream()
    data = torch.full((1000,), 2.0, device="npu")
    side.wait_stream(torch.npu.current_stream())
    with torch.npu.stream(side):
        total = data.sum()
    data.mul_(0)
    [race] = sanitizer.races()
    assert race.kind == "write after read"
    assert_names_both_sides(
        race, tensor=data, current_op="aten::mul_.Tensor", previous_op="aten::sum",
        current_stream=torch.npu.default_stream(), previous_stream=side,
        current_line="data.mul_(0)", previous_line="total = data.sum()",
    )  # fmt: skip
    del total


def read_on_a_side_stream():
    """A tensor allocated on the default stream, read on another: (side stream, tensor, its address, result)."""
    side = torch.npu.Stream()
    x = torch.ones(N, N, device="npu")
    side.wait_stream(torch.npu.current_stream())
    with torch.npu.stream(side):
        y = x * 2
    return side, x, x.data_ptr(), y


def test_missing_record_stream_before_free_and_reuse(sanitizer):
    side, x, address, y = read_on_a_side_stream()
    del x  # without x.record_stream(side)
    reused = torch.empty(N, N, device="npu")
    assert reused.data_ptr() == address  # the caching allocator handed the block out again
    [race] = sanitizer.races()
    assert race.kind == "reuse without record_stream"
    report = race.report()
    assert "record_stream()" in report
    assert f"{N * N * 4} bytes at {address:#x}" in report
    default = stream_name(torch.npu.default_stream())
    assert f"This access: allocation by aten::empty.memory_format on npu:0 {default}" in report
    assert f"Previous access: read by aten::mul.Tensor on npu:0 {stream_name(side)}" in report
    this_stack, previous_stack = report.split("Stack of this access")[1].split("Stack of the previous access")
    assert "reused = torch.empty(N, N" in this_stack and "y = x * 2" in previous_stack
    del y


def test_each_race_is_reported_once(sanitizer, capfd):
    side = torch.npu.Stream()
    a = torch.ones(N, N, device="npu")
    for _ in range(5):
        with torch.npu.stream(side):
            a.add_(1)
        a.add_(1)
    # Three pairs of program points race: ones() and side's add_, side's add_ and the
    # default stream's, and (from the second round on) the default stream's and side's.
    assert [race.kind for race in sanitizer.races()] == ["write after write"] * 3
    assert capfd.readouterr().err.count("NPU stream sanitizer: data race") == 3


def test_ranges_of_one_storage_are_told_apart(sanitizer):
    side = torch.npu.Stream()
    whole = torch.zeros(2, 1000, device="npu")
    side.wait_stream(torch.npu.current_stream())
    whole[0].fill_(1)
    with torch.npu.stream(side):
        whole[1].fill_(2)  # another half: no race
    assert sanitizer.races() == []
    with torch.npu.stream(side):
        whole[0, 500:].fill_(3)  # overlaps the default stream's write of row 0
    [race] = sanitizer.races()
    assert race.kind == "write after write"


# ---- correct programs give no report


def test_no_report_with_wait_stream(sanitizer):
    side = torch.npu.Stream()
    a = torch.ones(N, N, device="npu")
    side.wait_stream(torch.npu.current_stream())
    with torch.npu.stream(side):
        a.add_(1)
    torch.npu.current_stream().wait_stream(side)
    assert a[0, 0].item() == 2
    assert sanitizer.races() == []


@pytest.mark.parametrize("api", ["torch.npu", "torch"])
def test_no_report_with_events(sanitizer, api):
    make_stream = torch.npu.Stream if api == "torch.npu" else (lambda: torch.Stream(device="npu"))
    make_event = torch.npu.Event if api == "torch.npu" else (lambda: torch.Event(device="npu"))
    producer, consumer = make_stream(), make_stream()
    data = torch.empty(N, device="npu")
    ready = make_event()
    ready.record(torch.npu.current_stream())
    with torch.npu.stream(producer):
        ready.wait(producer)
        data.fill_(5)
        produced = make_event()
        produced.record(producer)
    with torch.npu.stream(consumer):
        produced.wait(consumer)
        doubled = data * 2
    done = make_event()
    done.record(consumer)
    done.wait(torch.npu.current_stream())
    data.zero_()
    assert doubled[0].item() == 10
    assert sanitizer.races() == []


def test_no_report_with_record_stream(sanitizer):
    side, x, address, y = read_on_a_side_stream()
    x.record_stream(side)
    del x
    # No synchronization the sanitizer could see: the allocator hands the block out again
    # once the event it recorded on `side` at the free has completed.
    held = []
    reused = torch.empty(N, N, device="npu")
    while reused.data_ptr() != address:
        held.append(reused)
        time.sleep(0.001)
        reused = torch.empty(N, N, device="npu")
    reused.fill_(0)
    torch.npu.current_stream().wait_stream(side)
    assert y[0, 0].item() == 2
    assert sanitizer.races() == []


@pytest.mark.parametrize("how", ["stream", "device", "event", "query", "blocking read"])
def test_no_report_after_the_host_waits(sanitizer, how):
    side = torch.npu.Stream()
    a = torch.ones(N, device="npu")
    side.wait_stream(torch.npu.current_stream())
    with torch.npu.stream(side):
        if how == "blocking read":
            assert a.cpu()[0] == 1  # reads a on `side` and waits for that read
        else:
            b = a * 3  # reads a on `side`
        finished = torch.npu.Event()
        finished.record(side)
    if how == "stream":
        side.synchronize()
    elif how == "device":
        torch.npu.synchronize()
    elif how == "event":
        finished.synchronize()
    elif how == "query":
        while not finished.query():
            pass
    a.add_(1)  # the host has waited for `side`, so this write comes after the read
    if how != "blocking read":
        assert b[0].item() == 3
    assert sanitizer.races() == []


def test_no_report_for_copies_between_devices(sanitizer):
    producer = torch.npu.Stream(device=1)
    with torch.npu.stream(producer):
        on_one = torch.full((N,), 7.0, device="npu:1")
        ready = torch.npu.Event()
        ready.record(producer)
    ready.wait(torch.npu.current_stream(0))
    on_zero = on_one.to("npu:0")
    assert on_zero[0].item() == 7
    assert sanitizer.races() == []


def train_on_a_side_stream() -> torch.Tensor:
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(16, 32), torch.nn.ReLU(), torch.nn.Linear(32, 4)).npu()
    optimizer = torch.optim.Adam(model.parameters())
    side = torch.npu.Stream()
    inputs = torch.randn(8, 16).npu()
    side.wait_stream(torch.npu.current_stream())
    with torch.npu.stream(side):
        for _ in range(3):
            optimizer.zero_grad()
            # square() and the isfinite check below run through the CPU fallback
            model(inputs).square().mean().backward()
            optimizer.step()
    torch.npu.current_stream().wait_stream(side)
    assert torch.isfinite(model[0].weight).all().item()
    return model[0].weight.detach().cpu()


def test_no_report_for_training_with_autograd_and_the_same_result(sanitizer):
    sanitizer.disable()
    without = train_on_a_side_stream()
    sanitizer.enable()
    assert torch.equal(train_on_a_side_stream(), without)
    assert sanitizer.races() == []


def test_the_stream_tests_run_clean_under_raise():
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--import-mode=append",
         str(TESTS / "test_streams.py")],
        env={**os.environ, "TORCH_NPU_SANITIZER": "raise"}, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "NPU stream sanitizer" not in result.stdout + result.stderr
    assert " passed" in result.stdout


@pytest.mark.skipif(importlib.util.find_spec("torch_npu_ops") is None, reason="the quickstart needs torch-npu-ops")
@pytest.mark.parametrize("flags", [("--epochs", "2"), ("--epochs", "1", "--amp")], ids=["fp32", "amp"])
def test_the_quickstart_trains_clean_under_raise(monkeypatch, flags):
    spec = importlib.util.spec_from_file_location(
        "quickstart_helper", ROOT / "packages" / "aten-ops" / "tests" / "test_quickstart.py"
    )
    helper = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(helper)
    monkeypatch.setenv("TORCH_NPU_SANITIZER", "raise")  # a race would end the run with DataRaceError
    output = helper.run_quickstart(*flags)
    assert "test accuracy" in output


# ---- switching it


def test_raise_on_race_raises_at_the_first_race_with_the_report(sanitizer):
    sanitizer.enable(raise_on_race=True)
    side = torch.npu.Stream()
    a = torch.ones(N, device="npu")
    with torch.npu.stream(side):
        with pytest.raises(sanitizer.DataRaceError, match=r"data race \(write after write\)") as caught:
            a.add_(1)
    assert caught.value.race is sanitizer.races()[0]
    assert str(caught.value) == caught.value.race.report()
    assert "aten::add_.Tensor" in str(caught.value) and "aten::ones" in str(caught.value)


def test_disable_stops_tracking(sanitizer):
    assert torch._C._len_torch_dispatch_stack() == 1 and torch_npu._C._trace_enabled()
    sanitizer.disable()
    assert not sanitizer.is_enabled()
    assert torch._C._len_torch_dispatch_stack() == 0 and not torch_npu._C._trace_enabled()
    side = torch.npu.Stream()
    a = torch.ones(N, device="npu")
    with torch.npu.stream(side):
        a.add_(1)
    torch.npu.synchronize()
    assert sanitizer.races() == []


def test_disable_refuses_while_a_later_mode_is_active(sanitizer):
    from torch.utils._python_dispatch import TorchDispatchMode

    class Passthrough(TorchDispatchMode):
        def __torch_dispatch__(self, func, types, args=(), kwargs=None):
            return func(*args, **(kwargs or {}))

    with Passthrough():
        with pytest.raises(RuntimeError, match="another TorchDispatchMode"):
            sanitizer.disable()
        assert torch.ones(3, device="npu").add(1).sum().item() == 6  # results unchanged under both modes
    sanitizer.disable()


_STATE = (
    "import torch, torch_npu; sanitizer = torch_npu.npu.sanitizer; "
    "print(torch._C._len_torch_dispatch_stack(), torch_npu._C._trace_enabled(), sanitizer.is_enabled())"
)
_RACE = """
import torch, torch_npu
side = torch.npu.Stream()
a = torch.ones(2048, 2048, device="npu")
with torch.npu.stream(side):
    a.add_(1)
torch.npu.synchronize()
print("races:", len(torch_npu.npu.sanitizer.races()))
"""


def test_off_by_default_costs_no_dispatch_mode():
    env = {k: v for k, v in os.environ.items() if k != "TORCH_NPU_SANITIZER"}
    result = subprocess.run([sys.executable, "-c", _STATE], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["0", "False", "False"]


def test_environment_variable():
    on = run_python(_STATE, env={"TORCH_NPU_SANITIZER": "1"})
    assert on.stdout.split() == ["1", "True", "True"], on.stderr
    reported = run_python(_RACE, env={"TORCH_NPU_SANITIZER": "1"})
    assert reported.returncode == 0, reported.stderr
    assert "races: 1" in reported.stdout
    assert reported.stderr.count("NPU stream sanitizer: data race (write after write)") == 1
    raised = run_python(_RACE, env={"TORCH_NPU_SANITIZER": "raise"})
    assert raised.returncode != 0 and "DataRaceError" in raised.stderr and "aten::add_.Tensor" in raised.stderr
    bad = run_python(_STATE, env={"TORCH_NPU_SANITIZER": "yes"})
    assert bad.returncode != 0 and "TORCH_NPU_SANITIZER='yes'" in bad.stderr
