"""Build and test torch-npu for every cell of matrices/ (a CANN x PyTorch pair).

    nox -s matrix                      # the cells and their status today (also the default)
    nox -s build-2.13.0-cann8.5        # every wheel of the cell -> dist/2.13.0-cann8.5/
    nox -s test-2.13.0-cann8.5         # install those wheels in a fresh venv, run the tests
    nox -s conformance                 # ... and run conformance/ (OpInfo ops, NPU vs CPU) on our cell
    nox -t build                       # build every supported cell

The CANN part of a name drops a ".0" patch (8.5.0 -> 8.5; 8.3.RC1 stays); the full
spelling (build-2.13.0-cann8.5.0) is accepted as an alias. EOL cells have sessions too:
they refuse, naming the supported cells. TORCH_NPU_MATRIX_DATE=YYYY-MM-DD decides EOL as
of another day.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import nox

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT / "compat" / "build"))

import matrix  # noqa: E402  (compat/build/matrix.py)


@dataclass(frozen=True)
class Package:
    """A distribution built from this tree."""

    dist: str  # distribution name
    path: str  # source directory, relative to ROOT
    native: bool  # has a CMake build (a persistent build dir, maybe ctest tests)

    @property
    def build_name(self) -> str:
        return Path(self.path).name


# Build order: a package comes after those it depends on. New packages are one line each.
PACKAGES: tuple[Package, ...] = (
    Package("torch-npu-runtime", "packages/core-runtime", native=True),
    Package("torch-npu-ops", "packages/aten-ops", native=True),
    Package("torch-npu", "packages/torch-npu", native=False),
)
# Test directories run by `test-*`, relative to ROOT.
TEST_PATHS: tuple[str, ...] = ("packages/core-runtime/tests", "packages/aten-ops/tests")

BUILD_REQUIREMENTS: tuple[str, ...] = ("scikit-build-core>=1.1", "ninja", "cmake", "pyyaml")
TEST_REQUIREMENTS: tuple[str, ...] = ("pytest", "expecttest", "hypothesis", "numpy", "scikit-learn")
CONFORMANCE_REQUIREMENTS: tuple[str, ...] = ("expecttest", "hypothesis", "numpy")  # for torch's OpInfo database

MATRIX = matrix.Matrix.load()
DAY = matrix.matrix_date()

nox.options.sessions = ["matrix"]


# ------------------------------------------------------------------------ helpers


def present_packages() -> list[Package]:
    """The packages of PACKAGES whose source directory exists."""
    return [p for p in PACKAGES if (ROOT / p.path / "pyproject.toml").is_file()]


def dist_dir(cell: matrix.Cell) -> Path:
    """Where the wheels of ``cell`` go."""
    return ROOT / "dist" / cell.id


def build_root(cell: matrix.Cell) -> Path:
    """The persistent CMake build trees of ``cell`` (one per wheel tag and package)."""
    return ROOT / "build" / cell.id


def session_python(cell: matrix.Cell) -> str | None:
    """The newest Python the cell's torch supports (None: the one running nox)."""
    versions = MATRIX.python_versions(cell.torch)
    return max(versions, key=lambda v: tuple(map(int, v.split(".")))) if versions else None


def cell_env(cell: matrix.Cell) -> dict[str, str]:
    """Environment every build of ``cell`` runs with."""
    env = {
        matrix.TORCH_ENV: cell.torch,
        matrix.CANN_ENV: cell.cann,
        "CMAKE_BUILD_PARALLEL_LEVEL": os.environ.get("CMAKE_BUILD_PARALLEL_LEVEL", "2"),
    }
    if shutil.which("ccache"):
        env["CMAKE_C_COMPILER_LAUNCHER"] = "ccache"
        env["CMAKE_CXX_COMPILER_LAUNCHER"] = "ccache"
    return env


def native_build_settings(cell: matrix.Cell, package: Package) -> list[str]:
    """Config settings of a CMake build: a persistent build tree per cell, and the cell's CANN.

    The native packages of a cell share one tree (one CMake project builds them all, each
    wheel installs its own component), so no target is compiled twice.
    """
    if not package.native:
        return []
    build_dir = build_root(cell) / "{wheel_tag}"  # {wheel_tag}: scikit-build-core's
    return [f"-Cbuild-dir={build_dir}", f"-Ccmake.define.TORCH_NPU_CANN_VERSION={cell.cann}"]


def describe(cell: matrix.Cell, what: str) -> str:
    """One line for `nox -l`."""
    status = MATRIX.status(cell, DAY)
    refused = ", refused" if status == "eol" else ""
    ours = ", ours" if cell.ours else ""
    return f"{what} torch {cell.torch} + CANN {cell.cann} -> {cell.version} [{status}{refused}{ours}]"


# ------------------------------------------------------------------------ session bodies


def build(session: nox.Session, cell: matrix.Cell) -> None:
    """Build every present package of ``cell`` into dist/<cell>/, against torch==<cell torch>."""
    session.install(f"torch=={cell.torch}", *BUILD_REQUIREMENTS)
    out = dist_dir(cell)
    out.mkdir(parents=True, exist_ok=True)
    for package in present_packages():
        session.log(f"building {package.dist} {cell.version} for {cell.id}")
        session.run(
            "python", "-m", "pip", "wheel",
            "--no-build-isolation", "--no-deps",
            "-w", str(out),
            *native_build_settings(cell, package),
            str(ROOT / package.path),
            env=cell_env(cell),
        )  # fmt: skip
    session.log(f"wheels of {cell.id}: {', '.join(sorted(p.name for p in out.glob('*.whl')))}")


_CHECK_INSTALLED = """
import importlib.util, pathlib, sys, sysconfig
spec = importlib.util.find_spec("torch_npu")  # locates the package without running it
where = pathlib.Path(spec.origin).resolve()
sites = {pathlib.Path(sysconfig.get_paths()[k]).resolve() for k in ("purelib", "platlib")}
if not sites & set(where.parents):
    sys.exit(f"torch_npu resolves to {where}, not to the installed wheel in {sorted(map(str, sites))}")
print(f"testing the installed torch_npu: {where.parent}")
"""


def install_wheels(session: nox.Session, cell: matrix.Cell, requirements: tuple[str, ...]) -> None:
    """Install torch, ``requirements`` and the wheels of ``cell`` from dist/ into the session's venv."""
    wheels = dist_dir(cell)
    packages = present_packages()
    if not any(wheels.glob("*.whl")):
        session.error(f"no wheels in {wheels}; run `nox -s build-{cell.id}` first")
    session.install(f"torch=={cell.torch}", *requirements)
    # Our wheels only from dist/ (never an index: PyPI has an unrelated `torch-npu`), and
    # reinstalled so a reused venv gets the freshly built ones.
    session.install(
        "--no-index", "--find-links", str(wheels), "--no-deps", "--force-reinstall",
        *(f"{p.dist}=={cell.version}" for p in packages),
    )  # fmt: skip
    session.run("python", "-m", "pip", "check")


def test(session: nox.Session, cell: matrix.Cell) -> None:
    """Install the wheels of ``cell`` into a fresh venv and run the tests against them."""
    install_wheels(session, cell, TEST_REQUIREMENTS)
    # Run from a scratch directory with --import-mode=append (test directories go to the END
    # of sys.path, so `from conftest import ...` works but site-packages wins): the installed
    # torch_npu is the one imported, never packages/core-runtime/torch_npu.
    session.chdir(session.create_tmp())
    session.run("python", "-c", _CHECK_INSTALLED)
    tests = [str(ROOT / t) for t in TEST_PATHS if (ROOT / t).is_dir()]
    if tests:
        session.run(
            "python", "-m", "pytest", "--import-mode=append", "-p", "no:cacheprovider",
            f"--rootdir={ROOT}", *tests, *session.posargs,
        )  # fmt: skip
    else:
        session.warn(f"none of {', '.join(TEST_PATHS)} exists: no python tests run")
    run_ctest(session, cell)


def conformance(session: nox.Session, cell: matrix.Cell) -> None:
    """Install the wheels of ``cell`` into a fresh venv and compare its ops with the CPU's (conformance/run.py)."""
    install_wheels(session, cell, CONFORMANCE_REQUIREMENTS)
    session.chdir(session.create_tmp())  # import the installed torch_npu, not the source tree's
    session.run("python", "-c", _CHECK_INSTALLED)
    session.run("python", str(ROOT / "conformance" / "run.py"), *session.posargs)


def run_ctest(session: nox.Session, cell: matrix.Cell) -> None:
    """Run the native tests (ctest) of the cell's CMake tree; skip when it has none."""
    ctest = shutil.which("ctest")
    trees = sorted(d.parent for d in build_root(cell).glob("*/CTestTestfile.cmake"))
    if not trees or ctest is None:
        why = "no ctest on PATH" if trees else f"no build tree with tests under {build_root(cell)}"
        session.log(f"ctest skipped: {why}")
        return
    for tree in trees:
        session.run(ctest, "--test-dir", str(tree), "--output-on-failure", external=True)


def refuse(session: nox.Session, cell: matrix.Cell) -> None:
    """Stop: ``cell`` is end-of-life."""
    session.error(MATRIX.eol_message(cell, DAY))


# ------------------------------------------------------------------------ sessions


@nox.session(name="matrix", venv_backend="none")
def show_matrix(session: nox.Session) -> None:
    """List the matrix cells with their status today (EOL cells are refused by build/test)."""
    session.log(f"matrix cells on {DAY.isoformat()}:\n" + matrix.format_table(MATRIX, MATRIX.cells, DAY))


def _register(kind: str, cell: matrix.Cell, body: Callable[[nox.Session, matrix.Cell], None]) -> str:
    """Register the session ``<kind>-<cell id>`` running ``body`` (or refusing, when EOL)."""
    name = f"{kind}-{cell.id}"

    def run(session: nox.Session) -> None:
        body(session, cell)

    def refused(session: nox.Session) -> None:
        refuse(session, cell)

    if MATRIX.is_eol(cell, DAY):
        refused.__doc__ = describe(cell, kind)
        nox.session(name=name, venv_backend="none", tags=["eol"])(refused)
    else:
        run.__doc__ = describe(cell, kind)
        nox.session(name=name, python=session_python(cell), reuse_venv=kind == "build", tags=[kind])(run)
    return name


def _register_alias(alias: str, target: str) -> None:
    """Register ``alias``: a session that only requires ``target``."""

    def run(session: nox.Session) -> None:
        pass

    run.__doc__ = f"alias of {target}"
    nox.session(name=alias, venv_backend="none", requires=[target])(run)


def _register_cell(cell: matrix.Cell) -> None:
    for kind, body in (("build", build), ("test", test), ("conformance", conformance)):
        name = _register(kind, cell, body)
        if cell.long_id != cell.id:
            _register_alias(f"{kind}-{cell.long_id}", name)


for _cell in MATRIX.cells:
    _register_cell(_cell)
_register_alias("conformance", f"conformance-{next(c for c in MATRIX.cells if c.ours).id}")
