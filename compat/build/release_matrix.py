"""Print the job matrix of the release workflow (``.github/workflows/release.yml``).

Examples::

    python compat/build/release_matrix.py
    python compat/build/release_matrix.py --date 2026-11-24

The output is ``{"include": [...]}`` as compact JSON, one job per cell this tree releases:
not EOL on the day, and with a PyTorch version at least ``matrix.MINIMUM_TORCH``. Each job names the
cell, its versions, the Python it is built for (the newest its PyTorch version supports,
as ``nox -s build-<cell>`` picks it) and that nox session. Exit status 2 means the
matrices cannot answer (e.g. no cell to release).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from packaging.version import Version

sys.path.insert(0, str(Path(__file__).resolve().parent))

import matrix


def newest_python(table: matrix.Matrix, torch: str) -> str:
    """The newest Python version (``X.Y``) that ``torch`` supports.

    Compared as versions, not strings: ``3.10`` is newer than ``3.9``. A release job needs
    an interpreter, so a PyTorch version with no Python list is an error.
    """
    versions = table.python_versions(torch)
    if not versions:
        raise matrix.MatrixError(f"torch {torch} has no Python versions in pytorch-python.yaml")
    return max(versions, key=Version)


def release_jobs(table: matrix.Matrix, day: datetime.date) -> list[dict[str, str]]:
    """One release job per cell built on ``day`` (:meth:`matrix.Matrix.supported_cells`).

    Jobs are in matrix order. Every job's wheels go to the same package index, so two
    cells with the same wheel version would publish clashing files: that is an error.
    """
    jobs: list[dict[str, str]] = []
    released_by: dict[str, str] = {}
    for cell in table.supported_cells(day):
        if cell.version in released_by:
            raise matrix.MatrixError(
                f"cells {released_by[cell.version]} and {cell.id} both have wheel version {cell.version}"
            )
        released_by[cell.version] = cell.id
        jobs.append(
            {
                "cell": cell.id,
                "torch": cell.torch,
                "cann": cell.cann,
                "version": cell.version,
                "python": newest_python(table, cell.torch),
                "session": f"build-{cell.id}",
            }
        )
    return jobs


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--date", help="decide EOL as of this ISO date (default: today)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = _parser().parse_args(argv)
    env = dict(os.environ, **({matrix.DATE_ENV: args.date} if args.date else {}))
    try:
        day = matrix.matrix_date(env)
        jobs = release_jobs(matrix.Matrix.load(), day)
        if not jobs:
            # GitHub rejects an empty matrix with a message that does not say why.
            raise matrix.MatrixError(
                f"no cell to release on {day.isoformat()} with torch >= {matrix.MINIMUM_TORCH}"
            )
    except matrix.MatrixError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(json.dumps({"include": jobs}, separators=(",", ":")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
