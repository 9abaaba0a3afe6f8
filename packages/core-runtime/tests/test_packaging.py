"""What the wheels promise: one distribution to install and uninstall, and a cell check at import."""

import os
import subprocess
import sys
import zipfile
from importlib import metadata
from pathlib import Path

import pytest
import torch

from conftest import run_python


def test_torch_npu_distribution_owns_the_package_and_the_autoload_entry_point():
    """`pip uninstall torch-npu` must turn npu off: nothing else may provide either."""
    owners = {
        dist.metadata["Name"]
        for dist in metadata.distributions()
        if any(path.parts[:1] == ("torch_npu",) for path in (dist.files or ()))
    }
    assert owners == {"torch-npu"}
    autoloaders = {
        entry.dist.metadata["Name"]
        for entry in metadata.entry_points(group="torch.backends")
        if entry.value.startswith("torch_npu")
    }
    assert autoloaders == {"torch-npu"}


def test_extras_are_declared():
    assert {"distributed", "profiler"} <= set(metadata.metadata("torch-npu").get_all("Provides-Extra") or [])


def test_the_operator_layer_alone_is_inert(tmp_path):
    """Left behind by an uninstall of torch-npu, torch_npu_ops refuses to load, saying why."""
    ops = Path(metadata.distribution("torch-npu-ops").locate_file("torch_npu_ops"))
    (tmp_path / "torch_npu_ops").symlink_to(ops)
    # No site-packages (-S): the operator layer is on the path, torch_npu is not.
    result = subprocess.run(
        [sys.executable, "-S", "-c", "import torch_npu_ops"],
        env={"PYTHONPATH": str(tmp_path)}, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode != 0
    assert "torch_npu_ops is the operator layer of torch-npu, which is not installed" in result.stderr


def _other_cell_wheels():
    return [w for w in os.environ.get("TORCH_NPU_OTHER_CELL_WHEELS", "").split(os.pathsep) if w]


@pytest.mark.skipif(not _other_cell_wheels(), reason="no other cell's wheels were built (nox passes them)")
@pytest.mark.parametrize("wheel", _other_cell_wheels())
def test_a_wheel_of_another_cell_refuses_to_import(tmp_path, wheel):
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(tmp_path)
    build_info = (tmp_path / "torch_npu" / "_build_info.py").read_text()
    other_cell = build_info.split('CELL = "')[1].split('"')[0]
    here = os.environ["TORCH_NPU_TEST_CELL"]
    installed = torch.__version__.split("+")[0]
    result = run_python("import torch_npu", env={"PYTHONPATH": str(tmp_path), "TORCH_DEVICE_BACKEND_AUTOLOAD": "0"})
    assert result.returncode != 0
    assert f"torch_npu was built for the cell {other_cell}" in result.stderr
    assert f"but torch {torch.__version__} is installed" in result.stderr
    assert f"`nox -s build-{here}` builds it" in result.stderr
    assert here.startswith(installed)
