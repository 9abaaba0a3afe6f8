"""The boxed CPU fallback: warning in the reference's wording, counters, the disable switch."""

import torch
import torch_npu

from conftest import run_python


def test_fallback_warns_once_per_op_and_counts():
    result = run_python(
        "import warnings, torch, torch_npu\n"
        "x = torch.randn(4).npu()\n"
        "with warnings.catch_warnings(record=True) as caught:\n"
        "    warnings.simplefilter('always')\n"
        "    for _ in range(3):\n"
        "        y = torch.cosh(x)\n"
        "messages = [str(w.message) for w in caught if 'aten::cosh' in str(w.message)]\n"
        "print(len(messages))\n"
        "print(messages[0])\n"
        "print(sum(n for op, n in torch_npu._C._fallback_counts().items() if op.startswith('aten::cosh')))\n"
        "print(torch.allclose(y.cpu(), torch.cosh(x.cpu())))\n"
    )
    assert result.returncode == 0, result.stderr
    count, message, calls, correct = result.stdout.strip().splitlines()
    assert count == "1"
    assert message.startswith("CAUTION: The operator 'aten::cosh")
    assert message.split("'", 2)[2].startswith(
        " is not currently supported on the NPU backend and will fall back "
        "to run on the CPU. This may have performance implications."
    )
    assert calls == "3"
    assert correct == "True"


def test_fallback_counts_can_be_reset():
    x = torch.randn(4).npu()
    torch.sinh(x)
    assert any(op.startswith("aten::sinh") for op in torch_npu._C._fallback_counts())
    torch_npu._C._reset_fallback_counts()
    assert not any(op.startswith("aten::sinh") for op in torch_npu._C._fallback_counts())


def test_disabling_the_fallback_turns_it_into_an_error():
    result = run_python(
        "import torch\n"
        "x = torch.randn(4).npu()\n"
        "try:\n"
        "    torch.cosh(x)\n"
        "except NotImplementedError as error:\n"
        "    print('raised:', error)\n",
        env={"TORCH_NPU_FALLBACK_CPU_DISABLE": "1"},
    )
    assert result.returncode == 0, result.stderr
    assert "raised: The operator 'aten::cosh" in result.stdout
    assert "is not currently supported on the NPU backend" in result.stdout
    assert "TORCH_NPU_FALLBACK_CPU_DISABLE=1" in result.stdout


def _same_outcome(call, *cpu_tensors):
    """`call` on NPU copies of `cpu_tensors` raises what the CPU raises, or leaves what the CPU leaves."""
    npu_tensors = [t.npu() for t in cpu_tensors]
    try:
        expected = call(*cpu_tensors)
    except RuntimeError as cpu_error:
        try:
            call(*npu_tensors)
        except RuntimeError as npu_error:
            assert str(npu_error) == str(cpu_error)
            return
        raise AssertionError(f"the NPU accepted what the CPU refuses: {cpu_error}")
    result = call(*npu_tensors)
    for on_npu, on_cpu in zip(npu_tensors, cpu_tensors):  # what the call wrote, aliases included
        assert torch.equal(on_npu.cpu(), on_cpu)
    assert torch.equal(result.cpu(), expected)


def test_arguments_that_alias_behave_as_on_the_cpu():
    """The fallback's CPU copies alias as the NPU tensors do: overlap checks and aliasing semantics hold."""
    index = torch.tensor([2, 0, 1])
    _same_outcome(lambda x, i: torch.index_select(x, 0, i, out=x), torch.randn(3), index)  # refused
    _same_outcome(lambda x, i: torch.gather(x, 0, i, out=x), torch.randn(3), index)  # refused
    _same_outcome(lambda x: torch.cosh(x, out=x), torch.randn(5))  # full overlap is fine
    _same_outcome(lambda x: torch.sinh(x[:4], out=x[1:]), torch.randn(5))  # partial overlap is refused
    _same_outcome(lambda x: x[:, :3].cosh_().add_(x[:, 1:4]), torch.randn(2, 5))  # views of one storage
    # an out= tensor that overlaps itself (expanded) is refused
    _same_outcome(lambda x, i, out: torch.index_select(x, 0, i, out=out.expand(2, 3)),
                  torch.randn(3, 3), torch.tensor([0, 2]), torch.zeros(1, 3))  # fmt: skip
    # one tensor passed twice is one tensor to the CPU kernel, even when empty
    _same_outcome(lambda x, y: torch.cat((x, y), out=x), torch.randn(0), torch.randn(4, 6))
    # bool diff runs through out= calls whose outputs the CPU kernel resizes
    _same_outcome(torch.diff, torch.tensor([True, False, False, True, True]))


def test_a_cpu_tensor_beside_npu_tensors_is_refused_by_the_fallback():
    x = torch.randn(3)
    try:
        torch.dot(x.npu(), x)
    except RuntimeError as error:
        assert "Expected all tensors to be on the same device, but found at least two devices, npu:0 and cpu!" in str(
            error
        )
    else:
        raise AssertionError("a CPU operand was accepted")
    # A 0-dim CPU tensor is a scalar, as ATen accepts it beside device tensors.
    assert torch.allclose(torch.atan2(x.npu(), torch.tensor(2.0)).cpu(), torch.atan2(x, torch.tensor(2.0)))
