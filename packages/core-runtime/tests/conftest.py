"""Shared helpers of the core-runtime tests.

The tests import the *installed* torch_npu (run pytest from outside the
source tree, as the README's test command and nox do).
"""

import gc
import os
import pathlib
import subprocess
import sys
from typing import Dict, Optional

import pytest
import torch
import torch_npu


def run_python(code: str, env: Optional[Dict[str, str]] = None, timeout: float = 120) -> subprocess.CompletedProcess:
    """Runs `code` in a fresh interpreter with extra environment variables."""
    full_env = dict(os.environ)
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-c", code], env=full_env, capture_output=True, text=True, timeout=timeout
    )


def fake_toolkit(root: pathlib.Path, version: str) -> pathlib.Path:
    """A directory laid out like a CANN toolkit (ASCEND_HOME_PATH) whose runtime is the bundled simulator."""
    (root / "lib64").mkdir(parents=True)
    (root / "lib64" / "libascendcl.so").symlink_to(pathlib.Path(torch_npu.__file__).parent / "lib" / "libascendcl_sim.so")
    arch = f"{os.uname().machine}-linux"
    (root / arch).mkdir()
    (root / arch / "ascend_toolkit_install.info").write_text(f"package_name=Ascend-cann-toolkit\nversion={version}\n")
    return root


@pytest.fixture
def npu() -> torch.device:
    return torch.device("npu:0")


@pytest.fixture(autouse=True)
def _synchronize_after_test():
    yield
    if torch.npu.is_initialized():
        for index in range(torch.npu.device_count()):
            torch.npu.synchronize(index)


@pytest.fixture
def release_graphs():
    """Frees a test's graphs before the next test starts.

    A graphed module and its graphs form a reference cycle (module.forward): collect it now,
    so that its memory is not freed in the middle of a later test.
    """
    yield
    gc.collect()
    torch.npu.synchronize()
    torch.npu.empty_cache()
