"""Each aclnn operator's C signature is stated once, in include/aclnn/ (from CANN's prototypes):
an ops.yaml row that gives its operator another signature must not compile.

The check lives in the generated AclnnSignatures.h, which both the typed callers and the
simulator's operators include; it needs no ATen, so compiling it alone here is fast.
"""

import dataclasses
import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ATEN_OPS = Path(__file__).resolve().parents[1]
INCLUDE_DIRS = (ATEN_OPS / "include", ATEN_OPS.parent / "core-runtime" / "include")
COMPILER = os.environ.get("CXX") or shutil.which("c++") or shutil.which("g++")


def load_generator():
    spec = importlib.util.spec_from_file_location("gen_ops", ATEN_OPS / "codegen" / "gen_ops.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


gen_ops = load_generator()
TABLE = gen_ops.load_ops(ATEN_OPS / "ops.yaml")

pytestmark = pytest.mark.skipif(COMPILER is None, reason="no C++ compiler")


def compile_signatures(ops, directory: Path) -> subprocess.CompletedProcess:
    (directory / "AclnnSignatures.h").write_text(gen_ops.signatures_header(ops))
    source = directory / "check.cpp"
    source.write_text('#include "AclnnSignatures.h"\n')
    includes = [f"-I{path}" for path in (directory, *INCLUDE_DIRS)]
    return subprocess.run(
        [COMPILER, "-std=c++20", "-fsyntax-only", *includes, str(source)], capture_output=True, text=True, timeout=120
    )


def with_params(name: str, old: str, new: str) -> list:
    """The table with `old` replaced by `new` in the params of operator `name`."""
    changed = []
    for op in TABLE:
        if op.name == name:
            params = ", ".join(f"{p.kind} {p.name}" for p in op.params)
            assert old in params, f"{name} has no {old!r} in {params!r}"
            op = dataclasses.replace(op, params=gen_ops.parse_params(params.replace(old, new)))
        changed.append(op)
    return changed


def test_every_row_matches_its_declaration(tmp_path):
    result = compile_signatures(TABLE, tmp_path)
    assert result.returncode == 0, result.stderr


# The rows issue 7 found wrong, each put back, and two kinds of slip besides.
WRONG_ROWS = {
    "amp_update_scale_without_its_outputs": (
        "aclnnAmpUpdateScale", ", Tensor updatedScaleOut, Tensor updatedGrowthTrackerOut", ""),
    "normal_with_double_mean_and_std": ("aclnnInplaceNormal", "float mean, float std", "double mean, double std"),
    "convolution_backward_with_an_int_array_mask": ("aclnnConvolutionBackward", "bool[] outputMask", "int[] outputMask"),
    "batch_norm_backward_with_an_int_array_mask": ("aclnnBatchNormBackward", "bool[] outputMask", "int[] outputMask"),
    "convolution_backward_with_int64_groups": ("aclnnConvolutionBackward", "int32 groups", "int groups"),
    "relu_with_a_non_const_out": ("aclnnRelu", "Tensor out", "Tensor! out"),
    # The written and optional tensor lists (CANN writes aclnnGroupedMatmulV4's out lists through non-const pointers).
    "grouped_matmul_with_a_const_out_list": ("aclnnGroupedMatmulV4", "Tensor[]! out", "Tensor[] out"),
    "grouped_matmul_with_a_tensor_group_list_as_a_list": (
        "aclnnGroupedMatmulV4", "Tensor? groupListOptional", "Tensor[]? groupListOptional"),
}


@pytest.mark.parametrize("name, old, new", WRONG_ROWS.values(), ids=WRONG_ROWS.keys())
def test_a_row_that_differs_from_cann_fails_to_compile_naming_the_operator(tmp_path, name, old, new):
    result = compile_signatures(with_params(name, old, new), tmp_path)
    assert result.returncode != 0, "the wrong row compiled"
    assert f"ops.yaml: the params of {name} differ from {name}GetWorkspaceSize" in result.stderr, result.stderr
