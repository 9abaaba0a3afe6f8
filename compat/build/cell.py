"""Print a field of a matrix cell, or list the cells.

Examples::

    python compat/build/cell.py --torch 2.13.0 --cann 8.5 --field cann_version   # 8.5.0
    python compat/build/cell.py --field extension_version   # cell of the installed torch
    python compat/build/cell.py --list                      # every cell and its status

Without ``--torch``/``--cann`` the cell is chosen like a build chooses it:
``TORCH_NPU_TORCH_VERSION``/``TORCH_NPU_CANN_VERSION``, else the installed torch and its
newest non-EOL CANN. Exit status 2 means the cell is unknown or end-of-life.
"""

from __future__ import annotations

import argparse
import datetime
import os
import sys
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import matrix

FIELDS = (
    "id",
    "torch_version",
    "cann_version",
    "cann_short",
    "extension_version",
    "extension_published",
    "branch",
    "status",
    "python_versions",
    "ours",
)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--torch", help="PyTorch version (default: the build's choice)")
    parser.add_argument("--cann", help="CANN version, e.g. 8.5.0, 8.5 or 8.3.RC1")
    parser.add_argument("--field", choices=FIELDS, help="print only this field")
    parser.add_argument("--list", action="store_true", help="list every cell with its status")
    parser.add_argument("--allow-eol", action="store_true", help="accept an end-of-life cell")
    parser.add_argument("--date", help="decide EOL as of this ISO date (default: today)")
    return parser


def _choose(table: matrix.Matrix, args: argparse.Namespace, day: datetime.date) -> matrix.Cell:
    if args.torch:
        return table.select(args.torch, args.cann, day=day, allow_eol=args.allow_eol)
    env = dict(os.environ)
    if args.cann:
        env[matrix.CANN_ENV] = args.cann
    return matrix.cell_for_build(table, env, matrix.installed_torch_version(), day, allow_eol=args.allow_eol)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = _parser().parse_args(argv)
    env = dict(os.environ, **({matrix.DATE_ENV: args.date} if args.date else {}))
    try:
        day = matrix.matrix_date(env)
        table = matrix.Matrix.load()
        if args.list:
            print(matrix.format_table(table, table.cells, day))
            return 0
        fields = matrix.cell_fields(table, _choose(table, args, day), day)
    except matrix.MatrixError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.field:
        print(fields[args.field])
    else:
        print("\n".join(f"{k}={v}" for k, v in fields.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
