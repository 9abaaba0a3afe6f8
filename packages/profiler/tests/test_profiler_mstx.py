"""torch_npu.npu.mstx marks and ranges appear in the profile as host ranges."""

import threading
import time

import pytest
import torch

import torch_npu
import torch_npu.profiler as npu_profiler
from torch_npu.npu import mstx


def _host_ops(body):
    with npu_profiler.profile(experimental_config=npu_profiler._ExperimentalConfig(mstx=True)) as prof:
        body()
    return prof.data().host_ops


def test_ranges_enclose_the_ops_inside_them():
    a = torch.ones(8, 8, device="npu")

    @mstx.mstx_range("decorated")
    def decorated():
        return a * 3

    def body():
        mstx.mark("begin")
        started = mstx.range_start("started")
        # Its times come from time.time_ns(), the ops' from torch's clock converted to it: the
        # sleeps keep the comparison clear of the microseconds the two may differ by.
        time.sleep(0.002)
        a.add_(1)
        time.sleep(0.002)
        mstx.range_end(started)
        mstx.range_push("pushed")
        decorated()
        mstx.range_pop()

    ops = _host_ops(body)
    by_name = {op.name: op for op in ops}
    assert {"begin", "started", "pushed", "decorated"} <= set(by_name)
    assert by_name["begin"].end_ns - by_name["begin"].start_ns < by_name["started"].end_ns - by_name["started"].start_ns
    add = next(op for op in ops if op.name == "aten::add_")
    assert by_name["started"].start_ns <= add.start_ns and add.end_ns <= by_name["started"].end_ns
    mul = next(op for op in ops if op.name == "aten::mul")
    for outer in ("pushed", "decorated"):
        assert by_name[outer].start_ns <= mul.start_ns and mul.end_ns <= by_name[outer].end_ns
    assert by_name["pushed"].start_ns <= by_name["decorated"].start_ns


def test_a_range_may_end_on_another_thread_and_domains_name_it():
    def body():
        range_id = mstx.range_start("handed over", domain="io")
        worker = threading.Thread(target=mstx.range_end, args=(range_id,))
        worker.start()
        worker.join()

    assert "io::handed over" in {op.name for op in _host_ops(body)}


def test_misuse_is_an_error():
    with pytest.raises(ValueError, match="no open range"):
        mstx.range_end(10**9)
    with pytest.raises(ValueError, match="no pushed range"):
        mstx.range_pop()
    with pytest.raises(NotImplementedError, match="not implemented yet"):
        mstx.mark("on a stream", stream=torch.npu.current_stream())
    assert torch_npu.npu.mstx is mstx
