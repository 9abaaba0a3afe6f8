"""NPU tensors cannot be sent to another process yet (CUDA IPC's counterpart): torch.multiprocessing
refuses one with an error that says so, CPU tensors still go through shared memory, and ipc_collect
has nothing held to free."""

import multiprocessing.reduction

import pytest
import torch
import torch.multiprocessing as mp


def _double(queue_in, queue_out):
    received = queue_in.get()
    # A list back: a tensor's shared memory would go with this process when it exits.
    queue_out.put((received.is_shared(), (received * 2).tolist()))


def test_sending_an_npu_tensor_to_another_process_is_refused_saying_what_to_send():
    # What a torch.multiprocessing queue does to what it sends (in its feeder thread).
    with pytest.raises(RuntimeError, match=r"cannot share NPU tensors between processes yet.*send tensor.cpu\(\)"):
        multiprocessing.reduction.ForkingPickler.dumps(torch.ones(3, device="npu"))
    with pytest.raises(RuntimeError, match="cannot share NPU tensors"):
        multiprocessing.reduction.ForkingPickler.dumps(torch.nn.Parameter(torch.ones(3, device="npu")))


def test_cpu_tensors_still_travel_through_shared_memory():
    context = mp.get_context("spawn")
    queue_in, queue_out = context.Queue(), context.Queue()
    worker = context.Process(target=_double, args=(queue_in, queue_out))
    worker.start()
    queue_in.put(torch.arange(3.0))
    assert queue_out.get(timeout=120) == (True, [0.0, 2.0, 4.0])
    worker.join(timeout=120)
    assert worker.exitcode == 0


def test_ipc_collect_has_nothing_to_free():
    before = torch.npu.memory_reserved()
    torch.npu.ipc_collect()
    assert torch.npu.memory_reserved() == before
