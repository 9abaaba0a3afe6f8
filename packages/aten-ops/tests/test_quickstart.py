"""The main job: examples/quickstart.py trains the digits CNN natively on the simulated NPU."""

import pathlib
import re
import subprocess
import sys

import pytest

QUICKSTART = pathlib.Path(__file__).resolve().parents[3] / "examples" / "quickstart.py"


def run_quickstart(*flags: str) -> str:
    result = subprocess.run(
        [sys.executable, str(QUICKSTART), "--require-native", *flags], capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "CAUTION" not in result.stderr, "an operator fell back to the CPU"
    return result.stdout


def final_accuracy(output: str) -> float:
    return float(re.findall(r"test accuracy ([0-9.]+)%", output)[-1]) / 100


@pytest.mark.parametrize("flags", [(), ("--amp",), ("--amp", "--amp-dtype", "bfloat16")], ids=["fp32", "fp16", "bf16"])
def test_quickstart_reaches_90_percent_without_fallback(flags):
    output = run_quickstart("--epochs", "6", *flags)
    assert "Ascend910B1 (simulated)" in output
    assert "0 ATen ops fell back to the CPU" in output
    assert final_accuracy(output) >= 0.90
