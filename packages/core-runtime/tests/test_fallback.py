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
