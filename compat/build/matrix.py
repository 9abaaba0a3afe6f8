"""Read the compatibility matrices in ``matrices/`` and answer questions about cells.

A *cell* is one (CANN version, PyTorch version) pair of ``matrices/cann-pytorch.yaml``
together with the extension version built for it. This module is the only code that
reads the matrices: the scikit-build-core metadata provider (``metadata_provider.py``),
the ``cell.py`` command line and ``noxfile.py`` all go through it.

Whether a cell is end-of-life depends on the day: a cell is EOL when the maintenance
status of its PyTorch version (``matrices/maintenance.yaml``) is ``eol`` on that day.
The day is today unless ``TORCH_NPU_MATRIX_DATE`` (ISO date) says otherwise.
"""

from __future__ import annotations

import datetime as _dt
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from packaging.version import InvalidVersion, Version

__all__ = [
    "CANN_ENV",
    "DATE_ENV",
    "MATRICES_DIR",
    "MINIMUM_TORCH",
    "TORCH_ENV",
    "Cell",
    "Matrix",
    "MatrixError",
    "UnsupportedCellError",
    "VersionStatus",
    "cann_sort_key",
    "cell_fields",
    "cell_for_build",
    "format_table",
    "installed_torch_version",
    "long_cann",
    "matrix_date",
    "normalize_version",
    "short_cann",
    "strip_local",
    "torch_sort_key",
]

#: Environment variables that choose the cell a build targets.
TORCH_ENV = "TORCH_NPU_TORCH_VERSION"
CANN_ENV = "TORCH_NPU_CANN_VERSION"
#: Environment variable that pins "today" (ISO date) for EOL decisions.
DATE_ENV = "TORCH_NPU_MATRIX_DATE"

#: The repository's ``matrices/`` directory (this file is ``compat/build/matrix.py``).
MATRICES_DIR = Path(__file__).resolve().parents[2] / "matrices"

EOL = "eol"
#: Status of a cell whose PyTorch is older than :data:`MINIMUM_TORCH`.
TOO_OLD = "not built by this tree"

#: The oldest PyTorch this tree builds: compat/ covers the differences from it to the newest
#: cell. Older cells stay listed (they are the reference's) but their sessions refuse.
MINIMUM_TORCH = "2.9.0"

_CANN_RE = re.compile(r"^(\d+)\.(\d+)\.(?:(\d+)|RC(\d+))(?:\.(\d+))?$", re.IGNORECASE)


class MatrixError(Exception):
    """The matrices are malformed, or a question about them has no answer."""


class UnsupportedCellError(MatrixError):
    """A requested cell does not exist or is end-of-life."""


# --------------------------------------------------------------------------- versions


def strip_local(version: str) -> str:
    """Drop a PEP 440 local label: ``"2.13.0+cpu"`` -> ``"2.13.0"``."""
    return version.split("+", 1)[0]


def torch_sort_key(version: str) -> tuple[int, ...]:
    """``2.13.0`` -> ``(2, 13, 0)``, so PyTorch versions compare numerically (local label ignored)."""
    return tuple(int(part) for part in strip_local(version).split("."))


def normalize_version(version: str) -> str:
    """PEP 440-normalize a version string: ``"1.11.0.rc2"`` -> ``"1.11.0rc2"``."""
    try:
        return str(Version(version))
    except InvalidVersion as exc:
        raise MatrixError(f"{version!r} is not a PEP 440 version") from exc


def _parse_cann(version: str) -> re.Match[str]:
    match = _CANN_RE.match(version.strip())
    if match is None:
        raise MatrixError(f"{version!r} is not a CANN version (expected e.g. 8.5.0, 8.5, 8.3.RC1, 6.3.RC3.1)")
    return match


def cann_sort_key(version: str) -> tuple[int, int, int, int, int]:
    """Order CANN versions: ``8.0.RC3 < 8.0.0 < 8.0.1``, ``6.3.RC3 < 6.3.RC3.1``."""
    major, minor, patch, rc, extra = _parse_cann(version).groups()
    release_rank = (1, int(patch)) if patch is not None else (0, int(rc))
    return (int(major), int(minor), *release_rank, int(extra or 0))


def short_cann(version: str) -> str:
    """The short spelling used in session names: a ``.0`` patch is dropped.

    ``8.5.0`` -> ``8.5``; ``8.3.RC1``, ``6.0.1`` and ``6.3.RC3.1`` stay as they are.
    """
    match = _parse_cann(version)
    if match.group(3) == "0" and match.group(5) is None:
        return f"{match.group(1)}.{match.group(2)}"
    return version


def long_cann(version: str) -> str:
    """Inverse of :func:`short_cann` for a two-part spelling: ``8.5`` -> ``8.5.0``."""
    if re.fullmatch(r"\d+\.\d+", version.strip()):
        return f"{version.strip()}.0"
    return version.strip()


def _same_cann(a: str, b: str) -> bool:
    return long_cann(a).upper() == long_cann(b).upper()


# --------------------------------------------------------------------------- records


@dataclass(frozen=True)
class Cell:
    """One row of ``cann-pytorch.yaml``."""

    cann: str
    torch: str
    extension: str
    branch: str | None = None
    beta: bool = False
    ours: bool = False
    note: str | None = None

    @property
    def id(self) -> str:
        """Identifier used in session names and ``dist/`` folders, e.g. ``2.13.0-cann8.5``."""
        return f"{self.torch}-cann{short_cann(self.cann)}"

    @property
    def long_id(self) -> str:
        """The identifier with the CANN version spelled in full, e.g. ``2.13.0-cann8.5.0``."""
        return f"{self.torch}-cann{self.cann}"

    @property
    def version(self) -> str:
        """The PEP 440-normalized extension version: the version of every wheel of the cell."""
        return normalize_version(self.extension)


@dataclass(frozen=True)
class VersionStatus:
    """One row of ``maintenance.yaml``: the maintenance schedule of a PyTorch version."""

    torch: str
    policy: str
    status: str
    released: _dt.date | None = None
    next_status: str | None = None
    next_date: _dt.date | None = None
    eol: _dt.date | None = None
    ours: bool = False
    note: str | None = None

    def status_on(self, day: _dt.date) -> str:
        """The status on ``day``, following the scheduled transitions."""
        if self.eol is not None and day >= self.eol:
            return EOL
        if self.next_status and self.next_date is not None and day >= self.next_date:
            return self.next_status
        return self.status


def _as_date(value: Any, where: str) -> _dt.date | None:
    if value is None or isinstance(value, _dt.date):
        return value
    try:
        return _dt.date.fromisoformat(str(value))
    except ValueError as exc:
        raise MatrixError(f"{where}: {value!r} is not an ISO date") from exc


def _load_yaml(path: Path, key: str) -> list[dict[str, Any]]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise MatrixError(f"cannot read {path}: {exc}") from exc
    rows = data.get(key) if isinstance(data, dict) else None
    if not isinstance(rows, list):
        raise MatrixError(f"{path}: expected a top-level list {key!r}")
    return rows


def _cell(row: Mapping[str, Any]) -> Cell:
    return Cell(
        cann=str(row["cann"]),
        torch=str(row["torch"]),
        extension=str(row["extension"]),
        branch=row.get("branch"),
        beta=bool(row.get("beta", False)),
        ours=bool(row.get("ours", False)),
        note=row.get("note"),
    )


def _version_status(row: Mapping[str, Any]) -> VersionStatus:
    where = f"maintenance.yaml torch {row.get('torch')}"
    return VersionStatus(
        torch=str(row["torch"]),
        policy=str(row["policy"]),
        status=str(row["status"]),
        released=_as_date(row.get("released"), where),
        next_status=row.get("next_status"),
        next_date=_as_date(row.get("next_date"), where),
        eol=_as_date(row.get("eol"), where),
        ours=bool(row.get("ours", False)),
        note=row.get("note"),
    )


# --------------------------------------------------------------------------- the matrix


@dataclass(frozen=True)
class Matrix:
    """The three matrices, loaded."""

    cells: tuple[Cell, ...]
    maintenance: Mapping[str, VersionStatus]
    python: Mapping[str, tuple[str, ...]]

    @classmethod
    def load(cls, directory: Path | str = MATRICES_DIR) -> Matrix:
        """Load and cross-check ``cann-pytorch.yaml``, ``maintenance.yaml`` and
        ``pytorch-python.yaml`` from ``directory``."""
        directory = Path(directory)
        try:
            cells = tuple(_cell(r) for r in _load_yaml(directory / "cann-pytorch.yaml", "cells"))
            maintenance = {
                v.torch: v
                for v in map(_version_status, _load_yaml(directory / "maintenance.yaml", "versions"))
            }
            python = {
                str(r["torch"]): tuple(str(p) for p in r["python"])
                for r in _load_yaml(directory / "pytorch-python.yaml", "versions")
            }
        except KeyError as exc:
            raise MatrixError(f"{directory}: a row lacks the field {exc}") from exc
        matrix = cls(cells=cells, maintenance=maintenance, python=python)
        matrix._check()
        return matrix

    def _check(self) -> None:
        seen: set[tuple[str, str]] = set()
        for cell in self.cells:
            key = (long_cann(cell.cann).upper(), cell.torch)
            if key in seen:
                raise MatrixError(f"cell {cell.id} is listed twice")
            seen.add(key)
            cann_sort_key(cell.cann)
            normalize_version(cell.extension)  # raises on a non-PEP 440 extension version
            if cell.torch not in self.maintenance:
                raise MatrixError(f"cell {cell.id}: torch {cell.torch} has no row in maintenance.yaml")

    # ---- status

    def status(self, cell: Cell, day: _dt.date) -> str:
        """The maintenance status of ``cell`` (that of its PyTorch version) on ``day``."""
        return self.maintenance[cell.torch].status_on(day)

    def is_eol(self, cell: Cell, day: _dt.date) -> bool:
        """Whether ``cell`` is end-of-life on ``day``."""
        return self.status(cell, day) == EOL

    @staticmethod
    def is_too_old(cell: Cell) -> bool:
        """Whether ``cell``'s PyTorch is older than the oldest this tree builds."""
        return torch_sort_key(cell.torch) < torch_sort_key(MINIMUM_TORCH)

    def is_supported(self, cell: Cell, day: _dt.date) -> bool:
        """Whether this tree builds ``cell`` on ``day``: not EOL and not too old."""
        return not self.is_eol(cell, day) and not self.is_too_old(cell)

    def supported_cells(self, day: _dt.date) -> list[Cell]:
        """The cells this tree builds on ``day``, in matrix order."""
        return [c for c in self.cells if self.is_supported(c, day)]

    def python_versions(self, torch: str) -> tuple[str, ...]:
        """The Python versions ``torch`` supports (empty when the seed does not say)."""
        return self.python.get(strip_local(torch), ())

    # ---- lookup

    def find(self, torch: str, cann: str) -> Cell | None:
        """The cell for ``torch`` and ``cann`` (either CANN spelling), or None."""
        torch = strip_local(torch)
        for cell in self.cells:
            if cell.torch == torch and _same_cann(cell.cann, cann):
                return cell
        return None

    def find_id(self, cell_id: str) -> Cell | None:
        """The cell named ``<torch>-cann<cann>`` (either CANN spelling), or None."""
        torch, sep, cann = cell_id.partition("-cann")
        return self.find(torch, cann) if sep else None

    def select(
        self,
        torch: str,
        cann: str | None = None,
        *,
        day: _dt.date,
        allow_eol: bool = False,
    ) -> Cell:
        """The cell to build for ``torch`` (local label ignored).

        With ``cann``, that exact cell; without, the newest CANN whose cell for ``torch`` is
        not EOL on ``day``. Raises :class:`UnsupportedCellError`, naming the supported cells,
        when there is no such cell or it is EOL (unless ``allow_eol``).
        """
        torch = strip_local(torch)
        if cann is not None:
            cell = self.find(torch, cann)
            if cell is None:
                raise UnsupportedCellError(self.refusal(f"no cell for torch {torch} with CANN {cann}", day))
            if self.is_eol(cell, day) and not allow_eol:
                raise UnsupportedCellError(self.eol_message(cell, day))
            if self.is_too_old(cell):
                raise UnsupportedCellError(self.too_old_message(cell, day))
            return cell
        known = [c for c in self.cells if c.torch == torch]
        candidates = [c for c in known if not self.is_too_old(c)]
        if not allow_eol:
            candidates = [c for c in candidates if not self.is_eol(c, day)]
        if not candidates:
            if not known:
                why = f"torch {torch} is not in the matrix"
            elif self.is_too_old(known[0]):
                why = f"torch {torch} is older than the oldest PyTorch this tree builds ({MINIMUM_TORCH})"
            else:
                why = f"torch {torch} is end-of-life"
            raise UnsupportedCellError(self.refusal(why, day))
        return max(candidates, key=lambda c: cann_sort_key(c.cann))

    # ---- messages

    def eol_message(self, cell: Cell, day: _dt.date) -> str:
        """Why ``cell`` is refused, naming the supported cells."""
        row = self.maintenance[cell.torch]
        since = row.eol or row.next_date
        when = f" since {since.isoformat()}" if since else ""
        return self.refusal(f"cell {cell.id} is end-of-life (torch {cell.torch} is EOL{when})", day)

    def too_old_message(self, cell: Cell, day: _dt.date) -> str:
        """Why ``cell`` is refused when its PyTorch predates :data:`MINIMUM_TORCH`."""
        return self.refusal(
            f"cell {cell.id} is not built by this tree: torch {cell.torch} is older than "
            f"the oldest PyTorch it supports, {MINIMUM_TORCH}",
            day,
        )

    def unsupported_message(self, cell: Cell, day: _dt.date) -> str:
        """Why this tree does not build ``cell`` on ``day`` (EOL first)."""
        return self.eol_message(cell, day) if self.is_eol(cell, day) else self.too_old_message(cell, day)

    def refusal(self, why: str, day: _dt.date) -> str:
        """``why``, followed by the cells that are supported on ``day``."""
        supported = ", ".join(c.id for c in self.supported_cells(day)) or "none"
        return f"{why}. Supported cells on {day.isoformat()}: {supported}"


# --------------------------------------------------------------------------- environment


def matrix_date(env: Mapping[str, str] | None = None) -> _dt.date:
    """Today, or the ISO date in ``TORCH_NPU_MATRIX_DATE``."""
    env = os.environ if env is None else env
    value = env.get(DATE_ENV)
    if not value:
        return _dt.date.today()
    parsed = _as_date(value, DATE_ENV)
    assert parsed is not None
    return parsed


def installed_torch_version() -> str | None:
    """The version of the installed ``torch`` distribution (local label kept), or None."""
    from importlib import metadata

    try:
        return metadata.version("torch")
    except metadata.PackageNotFoundError:
        return None


def cell_for_build(
    matrix: Matrix,
    env: Mapping[str, str],
    installed_torch: str | None,
    day: _dt.date,
    *,
    allow_eol: bool = False,
) -> Cell:
    """The cell a build targets.

    ``TORCH_NPU_TORCH_VERSION`` / ``TORCH_NPU_CANN_VERSION`` choose it; an unset torch
    version falls back to the installed torch, an unset CANN version to the newest
    non-EOL CANN of that torch. A build must run against the cell's own torch, so a
    different installed torch is an error.
    """
    wanted = env.get(TORCH_ENV) or installed_torch
    if not wanted:
        raise UnsupportedCellError(matrix.refusal(f"torch is not installed and {TORCH_ENV} is not set", day))
    cell = matrix.select(wanted, env.get(CANN_ENV) or None, day=day, allow_eol=allow_eol)
    if installed_torch is not None and strip_local(installed_torch) != cell.torch:
        raise MatrixError(
            f"cell {cell.id} builds against torch {cell.torch}, but torch {installed_torch} "
            f"is installed; install torch=={cell.torch} or unset {TORCH_ENV}"
        )
    return cell


def cell_fields(matrix: Matrix, cell: Cell, day: _dt.date) -> dict[str, str]:
    """A flat, printable description of ``cell`` (used by ``cell.py``)."""
    return {
        "id": cell.id,
        "torch_version": cell.torch,
        "cann_version": cell.cann,
        "cann_short": short_cann(cell.cann),
        "extension_version": cell.version,
        "extension_published": cell.extension,
        "branch": cell.branch or "",
        "status": matrix.status(cell, day),
        "python_versions": " ".join(matrix.python_versions(cell.torch)),
        "ours": "true" if cell.ours else "false",
    }


def format_table(matrix: Matrix, cells: Iterable[Cell], day: _dt.date) -> str:
    """A plain-text table of ``cells`` with their status on ``day``."""
    header = ("cell", "torch", "CANN", "extension", "status", "python", "")
    rows = [header] + [
        (
            c.id,
            c.torch,
            c.cann,
            c.version,
            matrix.status(c, day) + (f" ({TOO_OLD})" if matrix.is_too_old(c) else ""),
            ",".join(matrix.python_versions(c.torch)) or "-",
            "ours" if c.ours else (c.branch or ""),
        )
        for c in cells
    ]
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    return "\n".join("  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip() for r in rows)
