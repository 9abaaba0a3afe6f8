"""Writing one CSV output file: a header and rows, microseconds with three decimals."""

import csv
from pathlib import Path
from typing import Iterable, List, Sequence


def us_text(us: float) -> str:
    """A duration or time in microseconds as the CSV files show it."""
    return f"{us:.3f}"


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[object]]) -> Path:
    """Writes ``header`` then ``rows`` to ``path``."""
    with path.open("w", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def shapes_text(shapes: List[object]) -> str:
    """Input shapes as the reference writes them: one shape per input, separated by semicolons."""
    return ";".join(",".join(str(dim) for dim in shape) if isinstance(shape, list) else str(shape) for shape in shapes)
