"""scikit-build-core dynamic-metadata provider: ``version`` and ``dependencies`` from the matrix.

Used from a package's ``pyproject.toml`` as a local plugin::

    [project]
    dynamic = ["version", "dependencies"]

    [[tool.dynamic-metadata]]
    provider = {path = "../../compat/build", module = "metadata_provider"}
    dependencies = ["torch=={torch_version}"]

The cell is the one :func:`matrix.cell_for_build` picks: ``TORCH_NPU_TORCH_VERSION`` and
``TORCH_NPU_CANN_VERSION`` when set (nox sets both), otherwise the installed torch and its
newest non-EOL CANN. ``version`` is the cell's extension version, PEP 440-normalized.
``dependencies`` are the templates of the ``dependencies`` setting, formatted with
``torch_version``, ``cann_version`` and ``version``; ``optional-dependencies`` likewise, from
the setting of that name (a table of extras, each a list of templates), so an extra pins a
sibling package of the same version. Only fields the project declares in ``project.dynamic``
are returned.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

_HERE = Path(__file__).resolve().parent
if str(_HERE) not in sys.path:
    sys.path.insert(0, str(_HERE))

import matrix  # noqa: E402  (the sibling module, made importable just above)

if Path(matrix.__file__).resolve().parent != _HERE:
    raise ImportError(f"expected the matrix module of {_HERE}, got {matrix.__file__}")

__all__ = ["dynamic_metadata", "get_requires_for_dynamic_metadata", "metadata_for_cell"]

_FIELDS = ("version", "dependencies", "optional-dependencies")


def metadata_for_cell(cell: matrix.Cell, settings: Mapping[str, Any], wanted: set[str]) -> dict[str, Any]:
    """The ``[project]`` fragment for ``cell``, restricted to the fields in ``wanted``."""
    values = {"torch_version": cell.torch, "cann_version": cell.cann, "version": cell.version}
    templates = settings.get("dependencies", [])
    if not isinstance(templates, list) or not all(isinstance(t, str) for t in templates):
        raise TypeError("the 'dependencies' setting must be a list of strings")
    extras = settings.get("optional-dependencies", {})
    if not isinstance(extras, Mapping) or not all(
        isinstance(e, list) and all(isinstance(t, str) for t in e) for e in extras.values()
    ):
        raise TypeError("the 'optional-dependencies' setting must be a table of lists of strings")
    unknown = set(settings) - {"dependencies", "optional-dependencies"}
    if unknown:
        raise KeyError(f"unknown metadata_provider settings: {sorted(unknown)}")
    fragment: dict[str, Any] = {
        "version": cell.version,
        "dependencies": [t.format(**values) for t in templates],
        "optional-dependencies": {extra: [t.format(**values) for t in e] for extra, e in extras.items()},
    }
    return {k: v for k, v in fragment.items() if k in wanted}


def dynamic_metadata(settings: Mapping[str, Any], project: Mapping[str, Any]) -> dict[str, Any]:
    """The dynamic-metadata hook: the fields this package declares dynamic, for its cell."""
    import os

    table = matrix.Matrix.load()
    day = matrix.matrix_date()
    cell = matrix.cell_for_build(table, os.environ, matrix.installed_torch_version(), day)
    wanted = set(project.get("dynamic", [])) & set(_FIELDS)
    return metadata_for_cell(cell, settings, wanted)


def get_requires_for_dynamic_metadata(settings: Mapping[str, Any]) -> list[str]:  # noqa: ARG001
    """What the hook itself imports: the matrices are YAML (``packaging`` comes with the backend)."""
    return ["pyyaml"]
