"""Fork safety of lazy initialization, and the per-device generators."""

import multiprocessing

import pytest
import torch

from conftest import run_python


def _use_npu(queue):
    try:
        queue.put(torch.ones(2, device="npu").sum().item())
    except RuntimeError as error:
        queue.put(str(error))


def test_fork_before_init_can_use_npu_in_the_child():
    result = run_python(
        "import multiprocessing, torch\n"
        "def child(queue):\n"
        "    queue.put(torch.ones(2, device='npu').sum().item())\n"
        "context = multiprocessing.get_context('fork')\n"
        "queue = context.Queue()\n"
        "process = context.Process(target=child, args=(queue,))\n"
        "process.start(); print(queue.get(timeout=60)); process.join()\n"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "2.0"


def test_fork_after_init_refuses_npu_in_the_child():
    torch.ones(1, device="npu")
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    process = context.Process(target=_use_npu, args=(queue,))
    process.start()
    message = queue.get(timeout=60)
    process.join()
    assert "Cannot re-initialize NPU in forked subprocess" in message
    assert torch.ones(1, device="npu").item() == 1.0


def test_manual_seed_makes_npu_random_reproducible():
    torch.manual_seed(1234)
    first = torch.randn(8, device="npu").cpu()
    torch.manual_seed(1234)
    second = torch.randn(8, device="npu").cpu()
    assert torch.equal(first, second)
    assert not torch.equal(first, torch.randn(8, device="npu").cpu())


def test_rng_state_round_trip_and_per_device_generators():
    torch.npu.manual_seed_all(7)
    state = torch.npu.get_rng_state()
    assert state.dtype == torch.uint8 and state.numel() == 16
    first = torch.rand(5, device="npu").cpu()
    torch.npu.set_rng_state(state)
    assert torch.equal(torch.rand(5, device="npu").cpu(), first)
    assert torch.npu.initial_seed() == 7
    assert len(torch.npu.get_rng_state_all()) == torch.npu.device_count()
    assert len(torch.npu.default_generators) == torch.npu.device_count()


def test_explicit_npu_generator():
    generator = torch.Generator(device="npu")
    generator.manual_seed(99)
    first = torch.randn(4, device="npu", generator=generator).cpu()
    generator.manual_seed(99)
    assert torch.equal(torch.randn(4, device="npu", generator=generator).cpu(), first)
    with pytest.raises(RuntimeError, match="RNG state is wrong size"):
        torch.npu.set_rng_state(torch.zeros(3, dtype=torch.uint8))
