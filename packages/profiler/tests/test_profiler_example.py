"""examples/profile_quickstart.py writes a profile of three quickstart steps."""

import subprocess
import sys
from pathlib import Path

from profiler_helpers import only_profile, read_csv

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "profile_quickstart.py"


def test_the_example_profiles_three_steps(tmp_path):
    result = subprocess.run([sys.executable, str(EXAMPLE), "--out", str(tmp_path)], capture_output=True, text=True,
                            timeout=600)  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    directory = only_profile(tmp_path)
    assert str(directory) in result.stdout and "most device time:" in result.stdout
    steps = read_csv(directory / "ASCEND_PROFILER_OUTPUT" / "step_trace_time.csv")
    assert len(steps) == 3
    kernels = read_csv(directory / "ASCEND_PROFILER_OUTPUT" / "kernel_details.csv")
    assert {"aclnnConvolution", "aclnnConvolutionBackward"} <= {row["Name"] for row in kernels}
