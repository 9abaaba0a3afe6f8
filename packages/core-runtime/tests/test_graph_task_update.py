"""Updatable NPU graphs: ExternalEvent is a flag a stream may wait for before its record; a capture with
auto_dispatch_capture=True captures each call of an operator with a graph handler as a task group, and
NPUGraph.update relaunches it with new arguments, which every later replay computes with."""

import threading
from types import SimpleNamespace

import pytest
import torch
import torch_npu  # noqa: F401
from torch_npu.npu import NpuGraphOpHandler, register_npu_graph_handler
from torch_npu.npu.graph_handlers import _NPU_GRAPH_OP_HANDLERS


pytestmark = pytest.mark.usefixtures("release_graphs")


@pytest.fixture
def add_out_handler():
    """A handler that lets an update change the alpha of torch.add(..., out=...)."""

    class AddAlpha(NpuGraphOpHandler):
        UPDATE_SPECS = {"add.out": [("kwarg", "alpha", "alpha")]}

    register_npu_graph_handler("add.out")(AddAlpha)
    yield AddAlpha
    del _NPU_GRAPH_OP_HANDLERS["add.out"]


def test_external_event_wait_before_record_holds_the_stream_until_the_record():
    waiter, recorder = torch.npu.Stream(), torch.npu.Stream()
    flag = torch.npu.ExternalEvent()
    source = torch.arange(4.0, device="npu")
    target = torch.zeros(4, device="npu")
    flag.wait(waiter)
    with torch.npu.stream(waiter):
        target.copy_(source)
        target.mul_(2)
    # The waiter holds until the record: nothing of its work ran.
    assert not flag.query()
    assert not waiter.query()
    source.fill_(5.0)  # on the current stream, before the record
    torch.npu.current_stream().synchronize()
    flag.record(recorder)
    waiter.synchronize()
    assert flag.query()
    assert target.cpu().tolist() == [10.0] * 4
    # A reset lowers the flag in its stream's order; a later wait waits for a new record.
    flag.reset(waiter)
    waiter.synchronize()
    assert not flag.query()
    flag.wait(waiter)
    with torch.npu.stream(waiter):
        target.add_(1)
    releaser = threading.Timer(0.05, lambda: flag.record(recorder))
    releaser.start()
    flag.synchronize()
    releaser.join()
    waiter.synchronize()
    assert target.cpu().tolist() == [11.0] * 4


def test_update_gives_a_captured_operator_new_arguments_for_every_later_replay(add_out_handler):
    x = torch.randn(64, device="npu")
    y = torch.randn(64, device="npu")
    out = torch.empty(64, device="npu")
    g = torch.npu.NPUGraph()
    with torch.npu.graph(g, auto_dispatch_capture=True):
        scaled = x * 2  # captured as usual
        torch.add(scaled, y, alpha=1.0, out=out)
        result = out + 1
    assert len(g.graph_dispatch_mode.graph_dispatch_records) == 1
    for alpha in (0.5, -3.0, 7.25):
        x.copy_(torch.randn(64))
        g.update(cpu_update_input=[{"alpha": alpha}])
        g.replay()
        expected = (x.cpu() * 2 + alpha * y.cpu()) + 1
        torch.testing.assert_close(result.cpu(), expected)
        torch.testing.assert_close(out.cpu(), expected - 1)


def test_one_update_dict_serves_every_captured_call_and_counts_must_match(add_out_handler):
    x = torch.ones(8, device="npu")
    outs = [torch.empty(8, device="npu") for _ in range(3)]
    g = torch.npu.NPUGraph()
    with torch.npu.graph(g, auto_dispatch_capture=True):
        for out in outs:
            torch.add(x, x, alpha=1.0, out=out)
    g.update([{"alpha": 4.0}])
    g.replay()
    torch.npu.synchronize()
    assert all(out.cpu().tolist() == [5.0] * 8 for out in outs)
    g.update([{"alpha": 1.0}, {"alpha": 2.0}, {"alpha": 3.0}])
    g.replay()
    assert [out.cpu()[0].item() for out in outs] == [2.0, 3.0, 4.0]
    with pytest.raises(RuntimeError, match="there are 3 operators that need to be updated by capture, and there "
                                           "are only 2 elements"):
        g.update([{"alpha": 1.0}, {"alpha": 2.0}])


def test_replay_without_an_update_is_refused_and_plain_graphs_cannot_update(add_out_handler):
    x = torch.ones(8, device="npu")
    out = torch.empty(8, device="npu")
    g = torch.npu.NPUGraph()
    with torch.npu.graph(g, auto_dispatch_capture=True):
        torch.add(x, x, out=out)
    with pytest.raises(RuntimeError, match=r"call update\(cpu_update_input\) before replay\(\)"):
        g.replay()
    g.update([{"alpha": 2.0}])
    g.replay()
    with pytest.raises(RuntimeError, match="each replay waits for an update"):
        g.replay()
    torch.npu.synchronize()
    assert out.cpu().tolist() == [3.0] * 8

    plain = torch.npu.NPUGraph()
    with torch.npu.graph(plain):
        torch.add(x, x, alpha=2.0, out=out)
    with pytest.raises(RuntimeError, match="does not support update"):
        plain.update([{"alpha": 1.0}])
    plain.replay()
    plain.replay()  # without handlers nothing waits
    torch.npu.synchronize()
    assert out.cpu().tolist() == [3.0] * 8


def test_an_update_that_launches_other_work_than_the_group_is_refused_and_changes_nothing():
    side = torch.npu.Stream()
    updater = torch.npu.Stream()
    x = torch.ones(16, device="npu")
    out = torch.zeros(16, device="npu")
    g = torch.npu.NPUGraph()
    with torch.npu.graph(g, stream=side):
        torch.npu.graph_task_group_begin(side)
        torch.add(x, x, out=out)
        handle = torch.npu.graph_task_group_end(side)
        with pytest.raises(RuntimeError, match="no task group is open"):
            torch.npu.graph_task_group_end(side)
    torch.npu.graph_task_update_begin(updater, handle)
    with torch.npu.stream(updater):
        torch.add(x, x, alpha=3.0, out=out)
        torch.add(x, x, alpha=5.0, out=out)
    with pytest.raises(RuntimeError, match="the update launched 2 tasks, the task group holds 1"):
        torch.npu.graph_task_update_end(updater)
    g.replay()
    torch.npu.synchronize()
    assert out.cpu().tolist() == [2.0] * 16
    # The raw API: the replacement takes effect in the updating stream's order.
    torch.npu.graph_task_update_begin(updater, handle)
    with torch.npu.stream(updater):
        torch.add(x, x, alpha=9.0, out=out)
    torch.npu.graph_task_update_end(updater)
    torch.npu.current_stream().wait_stream(updater)
    g.replay()
    torch.npu.synchronize()
    assert out.cpu().tolist() == [10.0] * 16
    with pytest.raises(RuntimeError, match="not capturing a model"):
        torch.npu.graph_task_group_begin(updater)


def test_handlers_register_by_name_and_apply_positional_specs():
    class Positional(NpuGraphOpHandler):
        UPDATE_SPECS = {"my_op.default": [("arg", 1, "length"), ("kwarg", "scale", "scale")]}

    try:
        assert register_npu_graph_handler(["my_op.default"])(Positional) is Positional
        assert _NPU_GRAPH_OP_HANDLERS["my_op.default"] is Positional

        record = SimpleNamespace(
            op_cache_entry=SimpleNamespace(__name__="my_op.default"), args=["query", [3, 4]], kwargs={"scale": 1.0}
        )
        Positional.update_args(record, {"length": [7, 8], "scale": 0.5, "other": 1})
        assert record.args == ["query", [7, 8]] and record.kwargs == {"scale": 0.5}
        with pytest.raises(TypeError, match="subclass of NpuGraphOpHandler"):
            register_npu_graph_handler("x")(object)
    finally:
        _NPU_GRAPH_OP_HANDLERS.pop("my_op.default", None)
