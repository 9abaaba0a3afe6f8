"""Tests of the matrix module, the metadata provider and the cell CLI (run: pytest compat/build/tests)."""

from __future__ import annotations

import datetime
import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import cell as cell_cli
import matrix
import metadata_provider

DAY = datetime.date(2026, 11, 24)


@pytest.fixture(scope="module")
def table() -> matrix.Matrix:
    return matrix.Matrix.load()


# ---------------------------------------------------------------- fidelity to the seed


def test_every_seed_row_is_a_cell_plus_ours(table: matrix.Matrix) -> None:
    assert len(table.cells) == 54 + 1
    assert [c.id for c in table.cells if c.ours] == ["2.13.0-cann8.5"]


@pytest.mark.parametrize(
    ("cann", "torch", "extension", "branch"),
    [
        ("8.5.0", "2.9.0", "2.9.0", "v2.9.0-7.3.0"),
        ("8.3.RC1", "2.1.0", "2.1.0.post17", "v2.1.0-7.2.0"),
        ("6.3.RC3.1", "1.11.0", "1.11.0.post3", "v1.11.0-5.0.rc2.2"),
        ("5.0.3", "1.8.1", "1.5.0.post3", "2.0.3.tr5"),
        ("5.0.2", "1.5.0", "1.5.0.post2", "2.0.2.tr5"),
    ],
)
def test_cells_match_the_seed(
    table: matrix.Matrix, cann: str, torch: str, extension: str, branch: str
) -> None:
    found = table.find(torch, cann)
    assert found is not None
    assert (found.extension, found.branch) == (extension, branch)


def test_beta_versions_are_flagged_and_normalized(table: matrix.Matrix) -> None:
    beta = table.find("1.11.0", "6.0.1")
    assert beta is not None and beta.beta
    assert beta.extension == "1.11.0.rc2"
    assert beta.version == "1.11.0rc2"


def test_maintenance_rows_and_python_support(table: matrix.Matrix) -> None:
    assert table.maintenance["2.2.0"].eol == datetime.date(2025, 10, 14)
    assert table.maintenance["2.7.1"].policy == "long-term"
    assert table.python_versions("1.11.0") == ("3.7", "3.8", "3.9", "3.10")
    assert table.python_versions("2.13.0+cpu") == ("3.11",)


# ---------------------------------------------------------------- versions


def test_extension_versions_are_pep440_normalized(table: matrix.Matrix) -> None:
    found = table.find("2.1.0", "8.3.RC1")
    assert found is not None and found.version == "2.1.0.post17"
    assert matrix.normalize_version("2.1.0.rc1") == "2.1.0rc1"


def test_cann_ordering() -> None:
    ordered = ["6.3.RC3", "6.3.RC3.1", "7.0.RC1", "8.0.RC3", "8.0.0", "8.3.RC1", "8.5.0"]
    assert sorted(reversed(ordered), key=matrix.cann_sort_key) == ordered


@pytest.mark.parametrize(
    ("long", "short"),
    [
        ("8.5.0", "8.5"),
        ("8.0.0", "8.0"),
        ("8.3.RC1", "8.3.RC1"),
        ("6.0.1", "6.0.1"),
        ("6.3.RC3.1", "6.3.RC3.1"),
    ],
)
def test_short_cann_spelling_round_trips(long: str, short: str) -> None:
    assert matrix.short_cann(long) == short
    assert matrix.long_cann(short) == long


def test_a_malformed_cann_version_is_rejected() -> None:
    with pytest.raises(matrix.MatrixError, match="not a CANN version"):
        matrix.cann_sort_key("eight")


def test_both_cann_spellings_find_the_same_cell(table: matrix.Matrix) -> None:
    assert table.find("2.13.0", "8.5") == table.find("2.13.0", "8.5.0") is not None
    assert table.find_id("2.13.0-cann8.5.0") == table.find_id("2.13.0-cann8.5")
    assert table.find_id("2.1.0-cann8.3.rc1") == table.find("2.1.0", "8.3.RC1")


# ---------------------------------------------------------------- EOL


@pytest.mark.parametrize(
    ("torch", "cann", "status"),
    [
        ("2.13.0", "8.5.0", "development"),
        ("2.9.0", "8.5.0", "maintenance"),  # development until 2026-03-15
        ("2.1.0", "8.3.RC1", "maintenance"),  # EOL from 2026-12-30
        ("2.5.1", "8.2.RC1", "eol"),  # EOL from 2026-08-08
        ("2.2.0", "8.0.RC1", "eol"),  # EOL 2025-10-14
        ("1.11.0", "6.0.1", "eol"),
    ],
)
def test_status_on_the_day(table: matrix.Matrix, torch: str, cann: str, status: str) -> None:
    found = table.find(torch, cann)
    assert found is not None
    assert table.status(found, DAY) == status


def test_scheduled_transitions_follow_the_date(table: matrix.Matrix) -> None:
    torch_210 = table.find("2.1.0", "8.3.RC1")
    torch_290 = table.find("2.9.0", "8.5.0")
    assert torch_210 is not None and torch_290 is not None
    assert not table.is_eol(torch_210, datetime.date(2026, 12, 29))
    assert table.is_eol(torch_210, datetime.date(2026, 12, 30))
    assert table.status(torch_290, datetime.date(2026, 1, 1)) == "development"


@pytest.fixture
def every_torch_built(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests of the EOL rules: no cell is refused for being older than the tree's minimum."""
    monkeypatch.setattr(matrix, "MINIMUM_TORCH", "1.0.0")


@pytest.mark.usefixtures("every_torch_built")
def test_supported_cells_are_the_non_eol_ones(table: matrix.Matrix) -> None:
    supported = {c.torch for c in table.supported_cells(DAY)}
    assert supported == {"2.13.0", "2.9.0", "2.8.0", "2.7.1", "2.6.0", "2.1.0"}


def test_cells_older_than_the_minimum_torch_are_not_supported(
    table: matrix.Matrix, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(matrix, "MINIMUM_TORCH", "2.7.1")
    assert {c.torch for c in table.supported_cells(DAY)} == {"2.13.0", "2.9.0", "2.8.0", "2.7.1"}
    assert table.is_too_old(table.find("2.6.0", "8.5")) and not table.is_too_old(table.find("2.7.1", "8.5"))


def test_a_too_old_cell_is_refused_naming_the_minimum(table: matrix.Matrix, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(matrix, "MINIMUM_TORCH", "2.9.0")
    with pytest.raises(matrix.UnsupportedCellError) as err:
        table.select("2.1.0", "8.3.RC1", day=DAY)
    message = str(err.value)
    assert "2.1.0-cann8.3.RC1 is not built by this tree" in message
    assert "oldest PyTorch it supports, 2.9.0" in message
    assert "Supported cells on 2026-11-24: 2.13.0-cann8.5, 2.9.0-cann8.5" in message
    with pytest.raises(matrix.UnsupportedCellError, match=r"torch 2\.8\.0 is older than the oldest PyTorch"):
        table.select("2.8.0", day=DAY)
    # EOL is named first when both apply.
    assert "end-of-life" in table.unsupported_message(table.find("2.2.0", "8.0.RC1"), DAY)


def test_torch_versions_compare_numerically() -> None:
    assert matrix.torch_sort_key("2.13.0+cpu") > matrix.torch_sort_key("2.9.0")


def test_the_date_comes_from_the_environment() -> None:
    assert matrix.matrix_date({matrix.DATE_ENV: "2026-11-24"}) == DAY


# ---------------------------------------------------------------- selection


@pytest.mark.usefixtures("every_torch_built")
def test_select_picks_the_newest_non_eol_cann(table: matrix.Matrix) -> None:
    assert table.select("2.13.0+cpu", day=DAY).id == "2.13.0-cann8.5"
    assert table.select("2.1.0", day=DAY).cann == "8.3.RC1"
    assert table.select("2.6.0", day=DAY).cann == "8.5.0"


@pytest.mark.usefixtures("every_torch_built")
def test_an_eol_cell_is_refused_naming_the_supported_cells(table: matrix.Matrix) -> None:
    with pytest.raises(matrix.UnsupportedCellError) as err:
        table.select("2.2.0", "8.0.RC1", day=DAY)
    message = str(err.value)
    assert "2.2.0-cann8.0.RC1 is end-of-life" in message
    assert "2.13.0-cann8.5" in message and "2.1.0-cann8.3.RC1" in message
    assert "2.5.1-cann8.2.RC1" not in message
    assert table.select("2.2.0", "8.0.RC1", day=DAY, allow_eol=True).version == "2.2.0"


@pytest.mark.parametrize(("torch", "cann"), [("2.10.0", None), ("2.13.0", "8.3.RC1"), ("2.4.0", None)])
def test_an_unknown_or_eol_torch_is_refused(table: matrix.Matrix, torch: str, cann: str | None) -> None:
    with pytest.raises(
        matrix.UnsupportedCellError, match=re.escape("Supported cells on 2026-11-24: 2.13.0-cann8.5,")
    ):
        table.select(torch, cann, day=DAY)


@pytest.mark.usefixtures("every_torch_built")
def test_build_cell_from_env_or_installed_torch(table: matrix.Matrix) -> None:
    env = {matrix.TORCH_ENV: "2.9.0", matrix.CANN_ENV: "8.5"}
    assert matrix.cell_for_build(table, env, "2.9.0", DAY).id == "2.9.0-cann8.5"
    assert matrix.cell_for_build(table, {}, "2.13.0+cpu", DAY).id == "2.13.0-cann8.5"
    assert matrix.cell_for_build(table, {matrix.CANN_ENV: "8.2.RC1"}, "2.6.0", DAY).version == "2.6.0"


def test_build_against_the_wrong_torch_is_an_error(table: matrix.Matrix) -> None:
    with pytest.raises(matrix.MatrixError, match=r"install torch==2\.9\.0"):
        matrix.cell_for_build(table, {matrix.TORCH_ENV: "2.9.0"}, "2.13.0+cpu", DAY)
    with pytest.raises(matrix.UnsupportedCellError, match="torch is not installed"):
        matrix.cell_for_build(table, {}, None, DAY)


def test_a_matrix_without_maintenance_row_is_rejected(tmp_path: Path) -> None:
    (tmp_path / "cann-pytorch.yaml").write_text(
        'cells:\n  - {cann: "8.5.0", torch: "9.9.9", extension: "9.9.9"}\n'
    )
    (tmp_path / "maintenance.yaml").write_text("versions: []\n")
    (tmp_path / "pytorch-python.yaml").write_text("versions: []\n")
    with pytest.raises(matrix.MatrixError, match=r"no row in maintenance\.yaml"):
        matrix.Matrix.load(tmp_path)


# ---------------------------------------------------------------- provider


@pytest.fixture
def build_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    monkeypatch.setenv(matrix.DATE_ENV, DAY.isoformat())
    monkeypatch.setenv(matrix.TORCH_ENV, "2.13.0")
    monkeypatch.setenv(matrix.CANN_ENV, "8.5.0")
    monkeypatch.setattr(matrix, "installed_torch_version", lambda: "2.13.0+cpu")
    return monkeypatch


@pytest.mark.usefixtures("build_env")
def test_provider_runtime_metadata() -> None:
    project = {"name": "torch-npu-runtime", "dynamic": ["version", "dependencies"]}
    settings = {"dependencies": ["torch=={torch_version}"]}
    assert metadata_provider.dynamic_metadata(settings, project) == {
        "version": "2.13.0",
        "dependencies": ["torch==2.13.0"],
    }


@pytest.mark.usefixtures("every_torch_built")
def test_provider_pins_the_operator_layer_of_the_same_cell(build_env: pytest.MonkeyPatch) -> None:
    build_env.setenv(matrix.TORCH_ENV, "2.1.0")
    build_env.setenv(matrix.CANN_ENV, "8.3.RC1")
    build_env.setattr(matrix, "installed_torch_version", lambda: "2.1.0")
    project = {"name": "torch-npu", "dynamic": ["version", "dependencies"]}
    settings = {"dependencies": ["torch=={torch_version}", "torch-npu-ops=={version}"]}
    assert metadata_provider.dynamic_metadata(settings, project) == {
        "version": "2.1.0.post17",
        "dependencies": ["torch==2.1.0", "torch-npu-ops==2.1.0.post17"],
    }


@pytest.mark.usefixtures("every_torch_built")
def test_provider_pins_each_extra_to_the_same_cell(build_env: pytest.MonkeyPatch) -> None:
    build_env.setenv(matrix.TORCH_ENV, "2.1.0")
    build_env.setenv(matrix.CANN_ENV, "8.3.RC1")
    build_env.setattr(matrix, "installed_torch_version", lambda: "2.1.0")
    project = {"name": "torch-npu", "dynamic": ["optional-dependencies"]}
    settings = {"optional-dependencies": {"distributed": ["torch-npu-hccl=={version}"], "profiler": []}}
    assert metadata_provider.dynamic_metadata(settings, project) == {
        "optional-dependencies": {"distributed": ["torch-npu-hccl==2.1.0.post17"], "profiler": []},
    }
    with pytest.raises(TypeError, match="optional-dependencies"):
        metadata_provider.dynamic_metadata({"optional-dependencies": {"distributed": "x"}}, project)


@pytest.mark.usefixtures("build_env")
def test_provider_returns_only_declared_dynamic_fields() -> None:
    project = {"name": "x", "dynamic": ["version"]}
    assert metadata_provider.dynamic_metadata({}, project) == {"version": "2.13.0"}


def test_provider_refuses_eol_cells(build_env: pytest.MonkeyPatch) -> None:
    build_env.setenv(matrix.TORCH_ENV, "2.2.0")
    build_env.setenv(matrix.CANN_ENV, "8.0.RC1")
    build_env.setattr(matrix, "installed_torch_version", lambda: "2.2.0")
    with pytest.raises(matrix.UnsupportedCellError, match="end-of-life"):
        metadata_provider.dynamic_metadata({}, {"dynamic": ["version"]})


@pytest.mark.usefixtures("build_env")
def test_provider_rejects_unknown_settings() -> None:
    with pytest.raises(KeyError, match="unknown"):
        metadata_provider.dynamic_metadata({"depends": []}, {"dynamic": ["version"]})


def test_provider_build_requirements() -> None:
    assert metadata_provider.get_requires_for_dynamic_metadata({}) == ["pyyaml"]


# ---------------------------------------------------------------- CLI


def test_cli_prints_one_field(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["--torch", "2.13.0", "--cann", "8.5", "--field", "cann_version", "--date", "2026-11-24"]
    assert cell_cli.main(args) == 0
    assert capsys.readouterr().out == "8.5.0\n"


def test_cli_refuses_eol_cells(capsys: pytest.CaptureFixture[str]) -> None:
    assert cell_cli.main(["--torch", "2.2.0", "--cann", "8.0.RC1", "--date", "2026-11-24"]) == 2
    assert "end-of-life" in capsys.readouterr().err
