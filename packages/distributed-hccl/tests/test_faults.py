"""Faults end in errors that say what happened, on every surviving rank, within the configured
timeouts: never a hang, and nothing of ours left in /dev/shm."""

import time

from hccl_ranks import our_segments, run_ranks


def assert_clean() -> None:
    assert our_segments() == [], f"left in /dev/shm: {our_segments()}"


def test_a_rank_killed_mid_allreduce_fails_the_others_naming_it():
    script = """
    import signal
    dist.init_process_group("hccl")
    x = torch.ones(4 * 2**20, device="npu")
    dist.all_reduce(x)
    torch.npu.synchronize()
    if rank == 1:
        dist.all_reduce(x)  # enqueued, then the process dies under it
        os.kill(os.getpid(), signal.SIGKILL)
    dist.all_reduce(x)
    torch.npu.synchronize()
    print("survived the dead peer", flush=True)
    """
    started = time.monotonic()
    results = run_ranks(script, 2, env={"HCCL_EXEC_TIMEOUT": "20"}, timeout=60)
    assert time.monotonic() - started < 40
    assert results[1].returncode == -9
    survivor = results[0]
    assert survivor.returncode != 0, survivor.describe()
    assert "survived" not in survivor.stdout
    assert "rank 1 (pid" in survivor.stderr and "died" in survivor.stderr, survivor.describe()
    assert_clean()


def test_a_rank_that_never_joins_ends_in_a_connect_timeout():
    script = """
    dist.init_process_group("hccl")
    if rank == 1:
        import time
        time.sleep(8)  # in the job, but never in a collective
        sys.exit(0)
    dist.all_reduce(torch.ones(2, device="npu"))
    """
    started = time.monotonic()
    results = run_ranks(script, 2, env={"HCCL_CONNECT_TIMEOUT": "2"}, timeout=60)
    assert results[0].returncode != 0
    assert "HCCL_CONNECT_TIMEOUT" in results[0].stderr and "rank(s) 1 did not join" in results[0].stderr, (
        results[0].describe()
    )
    assert time.monotonic() - started < 30
    assert_clean()


def test_mismatched_collectives_and_sizes_fail_on_every_rank():
    script = """
    dist.init_process_group("hccl")
    x = torch.ones(8, device="npu")
    dist.all_reduce(x[: 4 if rank == 0 else 8])
    torch.npu.synchronize()
    print("no error", flush=True)
    """
    results = run_ranks(script, 2)
    for result in results:
        assert result.returncode != 0 and "no error" not in result.stdout, result.describe()
        assert "collective mismatch" in result.stderr and "count=4" in result.stderr, result.describe()
    script = """
    dist.init_process_group("hccl")
    x = torch.ones(8, device="npu")
    if rank == 0:
        dist.broadcast(x, 0)
    else:
        dist.all_reduce(x)
    torch.npu.synchronize()
    print("no error", flush=True)
    """
    for result in run_ranks(script, 2):
        assert result.returncode != 0 and "no error" not in result.stdout, result.describe()
        assert "HcclBroadcast" in result.stderr and "HcclAllReduce" in result.stderr, result.describe()
    assert_clean()


def test_the_watchdog_turns_a_collective_past_its_timeout_into_the_reference_message():
    script = """
    import datetime, time
    dist.init_process_group("hccl", timeout=datetime.timedelta(seconds=2))
    x = torch.ones(4, device="npu")
    dist.all_reduce(x)
    torch.npu.synchronize()
    if rank == 1:
        time.sleep(10)
    dist.all_reduce(x)
    time.sleep(30)  # the watchdog ends the process long before
    """
    started = time.monotonic()
    results = run_ranks(script, 2, timeout=60)
    assert time.monotonic() - started < 30
    waiting = results[0]
    assert waiting.returncode != 0
    assert (
        "[Rank 0] Watchdog caught collective operation timeout: WorkHCCL(SeqNum=2, OpType=ALLREDUCE, NumelIn=4, "
        "NumelOut=4, Timeout(ms)=2000) ran for " in waiting.stderr
    ), waiting.describe()
    assert " milliseconds before timing out." in waiting.stderr
    assert_clean()


def test_reinit_process_group_rebuilds_a_failed_group():
    script = """
    import torch_npu.distributed as npu_dist
    dist.init_process_group("hccl")
    x = torch.ones(8, device="npu")
    try:
        dist.all_reduce(x[: 4 if rank == 0 else 8])
        torch.npu.synchronize()
        print("no error", flush=True)
    except RuntimeError as error:
        assert "collective mismatch" in str(error), error
    try:
        dist.all_reduce(torch.ones(2, device="npu"))
        torch.npu.synchronize()
        print("a failed communicator worked", flush=True)
    except RuntimeError:
        pass
    npu_dist.reinit_process_group()
    y = torch.full((3,), rank + 1.0, device="npu")
    dist.all_reduce(y)
    assert y.tolist() == [3.0] * 3, y
    npu_dist.reinit_process_group(rebuild_link=False)
    dist.all_reduce(y)
    assert y.tolist() == [6.0] * 3, y
    print("rebuilt", flush=True)
    dist.destroy_process_group()
    """
    results = run_ranks(script, 2, env={"TORCH_HCCL_ASYNC_ERROR_HANDLING": "0"})
    for result in results:
        assert result.returncode == 0 and "rebuilt" in result.stdout, result.describe()
        assert "no error" not in result.stdout and "a failed communicator worked" not in result.stdout
    assert_clean()
