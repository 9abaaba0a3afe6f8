"""Streams and events: ordering and cross-stream waits under real concurrency."""

import ctypes
import pathlib
import threading

import pytest
import torch
import torch_npu

BIG = 8 * 1024 * 1024  # 32 MiB of float32: long enough that a missing wait shows


def test_current_default_and_pool_streams():
    default = torch.npu.default_stream()
    assert torch.npu.current_stream() == default
    side = torch.npu.Stream()
    assert side != default and side.device_index == 0
    with torch.npu.stream(side):
        assert torch.npu.current_stream() == side
    assert torch.npu.current_stream() == default
    assert torch.npu.Stream(priority=-1).priority == -1
    other = torch.npu.Stream(device=1)
    with torch.npu.stream(other):
        assert torch.npu.current_device() == 1
        assert torch.npu.current_stream() == other
    assert torch.npu.current_device() == 0


def test_generic_torch_stream_and_event_work_for_npu():
    stream = torch.Stream(device="npu")
    assert stream.device.type == "npu"
    event = torch.Event(device="npu", enable_timing=True)
    event.record(stream)
    event.synchronize()
    assert event.query()
    assert torch.accelerator.current_stream().device.type == "npu"
    torch.accelerator.synchronize()


def test_work_on_one_stream_is_ordered():
    stream = torch.npu.Stream()
    host = torch.randn(BIG)
    with torch.npu.stream(stream):
        first = host.npu()
        for _ in range(5):
            second = torch.empty_like(first).copy_(first)
            first = torch.empty_like(second).copy_(second)
    stream.synchronize()
    assert stream.query()
    assert torch.equal(first.cpu(), host)


def test_event_wait_orders_work_across_streams():
    producer = torch.npu.Stream()
    consumer = torch.npu.Stream()
    host = torch.randn(BIG).pin_memory()
    produced = torch.empty(BIG, device="npu")
    copied = torch.empty(BIG, device="npu")
    for _ in range(3):
        with torch.npu.stream(producer):
            produced.copy_(host, non_blocking=True)
            ready = torch.npu.Event()
            ready.record(producer)
        with torch.npu.stream(consumer):
            ready.wait(consumer)
            copied.copy_(produced)
        consumer.synchronize()
        assert torch.equal(copied.cpu(), host)
        host.add_(1)


def test_wait_stream_and_elapsed_time():
    first = torch.npu.Stream()
    second = torch.npu.Stream()
    start = torch.npu.Event(enable_timing=True)
    end = torch.npu.Event(enable_timing=True)
    data = torch.randn(BIG).npu()
    start.record(first)
    with torch.npu.stream(first):
        moved = torch.empty_like(data).copy_(data)
    end.record(first)
    second.wait_stream(first)
    with torch.npu.stream(second):
        final = torch.empty_like(moved).copy_(moved)
    second.synchronize()
    assert end.query()
    assert start.elapsed_time(end) > 0
    assert torch.equal(final.cpu(), data.cpu())


def test_elapsed_time_needs_timing_events():
    start = torch.npu.Event()
    end = torch.npu.Event()
    start.record()
    end.record()
    end.synchronize()
    with pytest.raises(RuntimeError):
        start.elapsed_time(end)


def test_streams_from_several_threads():
    errors = []

    def worker(seed):
        try:
            stream = torch.npu.Stream()
            with torch.npu.stream(stream):
                host = torch.full((1024, 256), float(seed))
                device = host.npu()
                for _ in range(20):
                    device = torch.empty_like(device).copy_(device)
            stream.synchronize()
            assert torch.equal(device.cpu(), host)
        except Exception as error:  # collected and re-raised in the main thread
            errors.append(error)

    threads = [threading.Thread(target=worker, args=(seed,)) for seed in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors


def test_external_and_sync_launch_streams():
    external = torch.npu.ExternalEvent()
    external.record()
    external.synchronize()
    assert external.query()
    stream = torch.npu.SyncLaunchStream()
    data = torch.randn(BIG).npu()
    with torch.npu.stream(stream):
        moved = torch.empty_like(data).copy_(data)
    assert stream.query()
    assert torch.equal(moved.cpu(), data.cpu())


def test_a_stream_waits_for_an_event_of_another_device():
    host = torch.randn(BIG).pin_memory()
    producer = torch.npu.Stream(device=1)
    with torch.npu.stream(producer):
        on_device_one = torch.empty(BIG, device="npu:1").copy_(host, non_blocking=True)
        ready = torch.npu.Event()
        ready.record(producer)
    consumer = torch.npu.current_stream(0)
    ready.wait(consumer)
    assert torch.npu.current_device() == 0
    assert torch.equal(on_device_one.to("npu:0").cpu(), host)


@pytest.fixture
def runtime_stream():
    """A stream that the runtime library created directly, as another library would; destroyed after."""
    runtime = ctypes.CDLL(str(pathlib.Path(torch_npu.__file__).parent / "lib" / "libascendcl_sim.so"))
    torch.npu.synchronize()  # the device is current on this thread, as aclrtCreateStream needs
    handle = ctypes.c_void_p()
    assert runtime.aclrtCreateStream(ctypes.byref(handle)) == 0
    yield handle.value
    assert runtime.aclrtDestroyStream(handle) == 0


def test_an_external_stream_works_as_any_stream(runtime_stream):
    external = torch.npu.ExternalStream(runtime_stream)
    assert external.npu_stream == runtime_stream
    assert external.device_index == torch.npu.current_device()
    assert external == torch.npu.ExternalStream(runtime_stream, device="npu:0")
    assert external != torch.npu.current_stream()
    data = torch.randn(BIG).npu()
    torch.npu.current_stream().synchronize()
    with torch.npu.stream(external):
        assert torch.npu.current_stream() == external
        doubled = data * 2
    done = torch.npu.Event()
    done.record(external)
    torch.npu.current_stream().wait_event(done)
    summed = doubled + data
    external.synchronize()
    assert external.query()
    torch.testing.assert_close(summed.cpu(), data.cpu() * 3)


def test_external_stream_handles_that_are_no_stream():
    with pytest.raises(RuntimeError, match="needs a stream handle, got null"):
        torch.npu.ExternalStream(0)
    with pytest.raises(RuntimeError, match="is not a stream handle"):
        torch.npu.ExternalStream(0x1001)
    not_a_stream = torch.npu.ExternalStream(0x1000)
    with pytest.raises(RuntimeError, match="is not a live stream"):
        with torch.npu.stream(not_a_stream):
            torch.ones(4, device="npu").add_(1)


def test_npurt_creates_and_destroys_raw_streams_returning_canns_codes():
    npurt = torch.npu.npurt()
    handle = ctypes.c_void_p()
    assert npurt.npuStreamCreate(ctypes.addressof(handle)) == 0
    assert handle.value
    # A stream torch did not make works with torch's streams: wrap it, run on it, synchronize it.
    stream = torch.npu.ExternalStream(handle.value)
    with torch.npu.stream(stream):
        x = torch.arange(4.0, device="npu") * 2
    stream.synchronize()
    assert x.cpu().tolist() == [0.0, 2.0, 4.0, 6.0]
    assert npurt.npuStreamDestroy(handle.value) == 0
    ACL_ERROR_INVALID_PARAM = 100000
    assert npurt.npuStreamCreate(0) == ACL_ERROR_INVALID_PARAM
    assert npurt.npuStreamDestroy(0) == ACL_ERROR_INVALID_PARAM
    with pytest.raises(RuntimeError, match="needs aclrtHostRegisterV2"):
        npurt.npuHostRegister(ctypes.addressof(handle), 8, 0)
    with pytest.raises(RuntimeError, match="needs aclrtHostRegisterV2"):
        npurt.npuHostUnregister(ctypes.addressof(handle))
