"""What a session records: host ops from torch.profiler, device tasks from the simulator, linked."""

import torch

import torch_npu.profiler as npu_profiler
from torch_npu.profiler import ProfilerActivity
from profiler_helpers import train_step  # noqa: F401  (fixture)


def _kernels(data):
    return [task for task in data.device_tasks if task.kind == "kernel"]


def test_each_kernel_links_to_the_aten_op_that_launched_it():
    a = torch.randn(64, 64, device="npu")
    with npu_profiler.profile(record_shapes=True) as prof:
        (a + a).mm(a)
        torch.npu.synchronize()
    data = prof.data()
    by_correlation = {op.correlation_id: op for op in data.host_ops}
    launched = {task.name: by_correlation[task.correlation_id].name for task in _kernels(data)}
    assert launched == {"aclnnAdd": "aten::add", "aclnnMm": "aten::mm"}
    mm = next(op for op in data.host_ops if op.name == "aten::mm")
    assert mm.input_shapes == [[64, 64], [64, 64]]


def test_device_tasks_of_a_stream_follow_one_another_and_lie_in_the_session(train_step):  # noqa: F811
    with npu_profiler.profile() as prof:
        for _ in range(2):
            train_step()
    data = prof.data()
    assert len(_kernels(data)) >= 6
    by_stream = {}
    for task in data.device_tasks:
        assert task.start_ns <= task.end_ns
        by_stream.setdefault((task.device, task.stream), []).append(task)
    for tasks in by_stream.values():
        for earlier, later in zip(tasks, tasks[1:]):
            assert earlier.end_ns <= later.start_ns
    first_op = min(op.start_ns for op in data.host_ops)
    assert all(task.start_ns >= first_op for task in data.device_tasks)


def test_tasks_on_a_side_stream_have_their_own_track():
    a = torch.ones(256, 256, device="npu")
    side = torch.npu.Stream()
    with npu_profiler.profile() as prof:
        side.wait_stream(torch.npu.current_stream())
        with torch.npu.stream(side):
            b = a * 2
        torch.npu.current_stream().wait_stream(side)
        (a + b).sum()
    data = prof.data()
    streams = {task.stream for task in _kernels(data)}
    assert len(streams) == 2
    kinds = {task.kind for task in data.device_tasks}
    assert {"event_record", "event_wait"} <= kinds


def test_cpu_only_records_no_device_tasks_and_level_none_neither(train_step):  # noqa: F811
    with npu_profiler.profile(activities=[ProfilerActivity.CPU]) as cpu_only:
        train_step()
    config = npu_profiler._ExperimentalConfig(profiler_level=npu_profiler.ProfilerLevel.Level_none)
    with npu_profiler.profile(experimental_config=config) as level_none:
        train_step()
    for prof in (cpu_only, level_none):
        assert prof.data().device_tasks == []
        assert any(op.name == "aten::addmm" for op in prof.data().host_ops)


def test_no_records_outside_a_session(train_step):  # noqa: F811
    train_step()
    with npu_profiler.profile() as prof:
        pass
    assert prof.data().device_tasks == []
