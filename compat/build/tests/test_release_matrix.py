"""Tests of the release workflow's job matrix (release_matrix.py; run: pytest compat/build/tests)."""

from __future__ import annotations

import datetime
import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import matrix
import release_matrix

DAY = datetime.date(2026, 11, 24)
SYNTHETIC_EOL = datetime.date(2027, 6, 1)


@pytest.fixture(scope="module")
def table() -> matrix.Matrix:
    return matrix.Matrix.load()


@pytest.fixture
def synthetic() -> matrix.Matrix:
    """A small matrix whose answers do not move when matrices/ gains cells.

    Tests set ``matrix.MINIMUM_TORCH`` to decide which of its cells are too old. torch 9.2.0 goes EOL on SYNTHETIC_EOL and
    supports Python 3.9 and 3.10: a string comparison would call 3.9 the newest.
    """

    def schedule(torch: str, eol: datetime.date | None = None) -> matrix.VersionStatus:
        return matrix.VersionStatus(torch=torch, policy="regular", status="development", eol=eol)

    return matrix.Matrix(
        cells=(
            matrix.Cell(cann="8.5.0", torch="9.3.0", extension="9.3.0"),
            matrix.Cell(cann="8.5.0", torch="9.2.0", extension="9.2.0.post1"),
            matrix.Cell(cann="8.3.RC1", torch="9.2.0", extension="9.2.0"),
            matrix.Cell(cann="8.5.0", torch="9.1.0", extension="9.1.0"),
        ),
        maintenance={
            "9.3.0": schedule("9.3.0"),
            "9.2.0": schedule("9.2.0", eol=SYNTHETIC_EOL),
            "9.1.0": schedule("9.1.0"),
        },
        python={"9.3.0": ("3.12", "3.13"), "9.2.0": ("3.9", "3.10"), "9.1.0": ("3.11",)},
    )


@pytest.fixture
def minimum(monkeypatch: pytest.MonkeyPatch):
    """Sets the tree's oldest PyTorch for the test."""
    return lambda version: monkeypatch.setattr(matrix, "MINIMUM_TORCH", version)


def jobs_from(table: matrix.Matrix, day: datetime.date, set_minimum, minimum_torch: str) -> list[dict[str, str]]:
    set_minimum(minimum_torch)
    return release_matrix.release_jobs(table, day)


def cell_ids(jobs: list[dict[str, str]]) -> list[str]:
    return [job["cell"] for job in jobs]


# ---------------------------------------------------------------- which cells


def test_eol_cells_are_excluded_from_their_eol_date_on(synthetic: matrix.Matrix, minimum) -> None:
    the_day_before = SYNTHETIC_EOL - datetime.timedelta(days=1)
    assert cell_ids(jobs_from(synthetic, the_day_before, minimum, "9.2.0")) == [
        "9.3.0-cann8.5",
        "9.2.0-cann8.5",
        "9.2.0-cann8.3.RC1",
    ]
    assert cell_ids(jobs_from(synthetic, SYNTHETIC_EOL, minimum, "9.2.0")) == ["9.3.0-cann8.5"]


def test_cells_below_the_minimum_torch_are_excluded(synthetic: matrix.Matrix, minimum) -> None:
    assert "9.1.0-cann8.5" not in cell_ids(jobs_from(synthetic, DAY, minimum, "9.2.0"))
    assert "9.1.0-cann8.5" in cell_ids(jobs_from(synthetic, DAY, minimum, "9.1.0"))
    # Compared as versions: "9.2" is 9.2.0, and 9.10 would be newer than 9.3.
    assert {j["torch"] for j in jobs_from(synthetic, DAY, minimum, "9.2")} == {"9.2.0", "9.3.0"}
    assert jobs_from(synthetic, DAY, minimum, "9.10") == []


def test_two_cells_with_one_wheel_version_are_an_error(synthetic: matrix.Matrix, minimum) -> None:
    clash = matrix.Cell(cann="8.2.RC1", torch="9.3.0", extension="9.3.0")
    clashing = matrix.Matrix(synthetic.cells + (clash,), synthetic.maintenance, synthetic.python)
    with pytest.raises(matrix.MatrixError, match=r"9\.3\.0-cann8\.5 and 9\.3\.0-cann8\.2\.RC1 .* 9\.3\.0"):
        jobs_from(clashing, DAY, minimum, "9.1.0")


# ---------------------------------------------------------------- what a job says


def test_a_job_describes_its_cell(synthetic: matrix.Matrix, minimum) -> None:
    jobs = {j["cell"]: j for j in jobs_from(synthetic, DAY, minimum, "9.2.0")}
    assert jobs["9.2.0-cann8.5"] == {
        "cell": "9.2.0-cann8.5",
        "torch": "9.2.0",
        "cann": "8.5.0",
        "version": "9.2.0.post1",
        "python": "3.10",
        "session": "build-9.2.0-cann8.5",
    }


def test_the_python_is_the_newest_of_the_torch(synthetic: matrix.Matrix, table: matrix.Matrix, minimum) -> None:
    assert {j["torch"]: j["python"] for j in jobs_from(synthetic, DAY, minimum, "9.1.0")} == {
        "9.3.0": "3.13",
        "9.2.0": "3.10",
        "9.1.0": "3.11",
    }
    assert table.python_versions("2.1.0") == ("3.8", "3.9", "3.10", "3.11")
    assert release_matrix.newest_python(table, "2.1.0") == "3.11"


def test_a_torch_without_python_versions_is_an_error(synthetic: matrix.Matrix, minimum) -> None:
    silent = matrix.Matrix(synthetic.cells, synthetic.maintenance, {"9.3.0": ("3.13",)})
    with pytest.raises(matrix.MatrixError, match=r"torch 9\.2\.0 has no Python versions"):
        jobs_from(silent, DAY, minimum, "9.2.0")


def test_every_session_is_the_build_session_of_its_cell(table: matrix.Matrix, minimum) -> None:
    jobs = jobs_from(table, DAY, minimum, "2.9.0")
    assert cell_ids(jobs) == ["2.13.0-cann8.5", "2.9.0-cann8.5"]
    for job in jobs:
        cell = table.find_id(job["cell"])
        assert cell is not None and cell.id == job["cell"]
        assert job["session"] == f"build-{cell.id}"  # the name noxfile.py registers
        assert (job["torch"], job["cann"], job["version"]) == (cell.torch, cell.cann, cell.version)


# ---------------------------------------------------------------- command line


def test_cli_prints_the_matrix_as_compact_json(
    capsys: pytest.CaptureFixture[str], table: matrix.Matrix, minimum
) -> None:
    minimum("2.9.0")
    assert release_matrix.main(["--date", DAY.isoformat()]) == 0
    out = capsys.readouterr().out
    assert out.endswith("\n") and out.count("\n") == 1 and " " not in out
    assert json.loads(out) == {"include": jobs_from(table, DAY, minimum, "2.9.0")}


def test_cli_decides_eol_as_of_the_environments_date(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, synthetic: matrix.Matrix, minimum
) -> None:
    monkeypatch.setattr(matrix.Matrix, "load", staticmethod(lambda: synthetic))
    monkeypatch.setenv(matrix.DATE_ENV, SYNTHETIC_EOL.isoformat())
    minimum("9.2.0")
    assert release_matrix.main([]) == 0
    assert cell_ids(json.loads(capsys.readouterr().out)["include"]) == ["9.3.0-cann8.5"]


def test_cli_refuses_an_empty_matrix(capsys: pytest.CaptureFixture[str], minimum) -> None:
    minimum("99.0")
    assert release_matrix.main(["--date", DAY.isoformat()]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "no cell to release on 2026-11-24 with torch >= 99.0" in captured.err
