"""Generates the operator layer from ops.yaml.

One table row per aclnn operator yields four things:
  * the C signature the row gives the operator's GetWorkspaceSize
    (`AclnnAddGetWorkspaceSizeFn`, in AclnnSignatures.h), with a static_assert
    that it is the type of the operator's declaration in include/aclnn/ (written
    from CANN's documented prototypes): a row that differs from CANN compiles
    in neither the callers' build nor the simulator's;
  * a typed C++ caller (`torch_npu::ops::aclnn::Add(...)`) that builds the aclnn
    descriptors and runs the two-phase call on the current stream;
  * the ATen kernels listed under `aten`, registered for PrivateUse1, which
    allocate outputs by a named rule and call that caller;
  * the simulator's implementation of the operator (`aclnnAddGetWorkspaceSize`
    + `aclnnAdd`), whose kernel is the row's `cpu` statement run over CPU views
    of device memory; its definitions must match the declarations too (C
    functions cannot be overloaded).

Usage: python gen_ops.py ops.yaml OUT_DIR
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import yaml
from torchgen import local
from torchgen.api import dispatcher
from torchgen.model import FunctionSchema

NATIVE_FUNCTIONS = Path(__import__("torchgen").__file__).parent / "packaged" / "ATen" / "native" / "native_functions.yaml"


@dataclass(frozen=True)
class ParamType:
    """How one kind of aclnn parameter is spelled on each side of the call."""

    c_type: str  # the C type CANN declares for it
    wrapper: str  # C++ type of the typed caller's parameter (ATen's type for plain values)
    descriptor: str | None = None  # function turning it into an owned aclnn descriptor (RAII)
    conversion: str | None = None  # C++ turning the caller's value {} into the C value; None: as is
    simulator: str | None = None  # function turning the C value into what the simulator's kernel sees
    # The simulator's value is a description the kernel turns into ATen's with .view() where it runs.
    viewed: bool = False


# A written tensor is `aclTensor*` (Tensor!) unless CANN declares it const: then
# its row types it `Tensor` (the C type is what must match) and says why.
PARAM_TYPES = {
    "Tensor": ParamType("const aclTensor*", "const at::Tensor&", "toAclTensor", simulator="describe", viewed=True),
    "Tensor?": ParamType("const aclTensor*", "const std::optional<at::Tensor>&", "toAclTensor", simulator="describe", viewed=True),
    "Tensor!": ParamType("aclTensor*", "const at::Tensor&", "toAclTensor", simulator="describe", viewed=True),
    "Tensor!?": ParamType("aclTensor*", "const std::optional<at::Tensor>&", "toAclTensor", simulator="describe", viewed=True),
    "Tensor[]": ParamType("const aclTensorList*", "at::TensorList", "toAclTensorList", simulator="describe", viewed=True),
    # Optional lists are null when absent; the simulator sees them empty.
    "Tensor[]?": ParamType("const aclTensorList*", "const std::optional<at::TensorList>&", "toAclTensorList", simulator="describe", viewed=True),
    "Tensor[]!": ParamType("aclTensorList*", "at::TensorList", "toAclTensorList", simulator="describe", viewed=True),
    "Tensor[]!?": ParamType("aclTensorList*", "const std::optional<at::TensorList>&", "toAclTensorList", simulator="describe", viewed=True),
    "Scalar": ParamType("const aclScalar*", "const at::Scalar&", "toAclScalar", simulator="toAten"),
    "Scalar[]": ParamType("const aclScalarList*", "at::ArrayRef<at::Scalar>", "toAclScalarList", simulator="toAten"),
    "int[]": ParamType("const aclIntArray*", "at::IntArrayRef", "toAclIntArray", simulator="toAten"),
    "bool[]": ParamType("const aclBoolArray*", "at::ArrayRef<bool>", "toAclBoolArray", simulator="toAten"),
    "int": ParamType("int64_t", "int64_t"),
    "int32": ParamType("int32_t", "int64_t", conversion="static_cast<int32_t>({})"),
    "int8": ParamType("int8_t", "int64_t", conversion="static_cast<int8_t>({})"),
    "uint64": ParamType("uint64_t", "int64_t", conversion="static_cast<uint64_t>({})"),
    "double": ParamType("double", "double"),
    "float": ParamType("float", "double", conversion="static_cast<float>({})"),
    "bool": ParamType("bool", "bool"),
    # CANN takes strings as `char*` it does not write; the simulator keeps a copy.
    "str": ParamType("char*", "const std::string&", conversion="const_cast<char*>({}.c_str())", simulator="toAten"),
    "dtype": ParamType("aclDataType", "at::ScalarType", conversion="toAclDataType({})", simulator="toAten"),
}


@dataclass(frozen=True)
class Param:
    kind: str
    name: str

    @property
    def type(self) -> ParamType:
        return PARAM_TYPES[self.kind]


@dataclass(frozen=True)
class AclnnOp:
    name: str  # aclnnAdd
    params: list[Param]
    cpu: str
    aten: dict[str, dict]
    check: str  # ATen's argument checks, run on the host before the launch ("" when the others cover it)
    view_shape: str  # the written tensor whose view shape the operator sets when it runs ("" for none)

    @property
    def caller(self) -> str:
        return self.name[len("aclnn"):]

    @property
    def get_workspace_size_type(self) -> str:
        """The name of the function-pointer type the row gives aclnnXxxGetWorkspaceSize."""
        return f"Aclnn{self.caller}GetWorkspaceSizeFn"


def parse_params(text: str) -> list[Param]:
    params = []
    for item in text.split(","):
        kind, name = item.strip().rsplit(" ", 1)
        if kind not in PARAM_TYPES:
            raise ValueError(f"unknown aclnn parameter type {kind!r} in {text!r}")
        params.append(Param(kind, name))
    return params


def load_ops(path: Path) -> list[AclnnOp]:
    rows = yaml.safe_load(path.read_text())
    return [
        AclnnOp(
            row["aclnn"], parse_params(row["params"]), row["cpu"].strip(), row.get("aten") or {},
            (row.get("check") or "").strip(), row.get("view_shape") or "",
        )  # fmt: skip
        for row in rows
    ]


def load_schemas() -> dict[str, FunctionSchema]:
    schemas = {}
    for entry in yaml.safe_load(NATIVE_FUNCTIONS.read_text()):
        schema = FunctionSchema.parse(entry["func"])
        schemas[str(schema.name)] = schema
    return schemas


# ------------------------------------------------------------- the checked signatures


def signature_check(op: AclnnOp) -> str:
    c_params = ", ".join([p.type.c_type for p in op.params] + ["uint64_t*", "aclOpExecutor**"])
    declared = f"{op.name}GetWorkspaceSize"
    return (
        f"using {op.get_workspace_size_type} = aclnnStatus (*)({c_params});\n"
        f"static_assert(std::is_same_v<decltype(&{declared}), {op.get_workspace_size_type}>,\n"
        f'              "ops.yaml: the params of {op.name} differ from {declared} in include/aclnn/");'
    )


def signatures_header(ops: list[AclnnOp]) -> str:
    """AclnnSignatures.h: each row's C signature, checked against the declarations; needs no ATen."""
    lines = [GENERATED, "#pragma once\n", "#include <type_traits>\n", '#include "aclnn/aclnn_ops.h"\n',
             "namespace torch_npu::ops::aclnn {\n"]
    lines += [signature_check(op) + "\n" for op in ops]
    lines.append("}  // namespace torch_npu::ops::aclnn\n")
    return "\n".join(lines)


# ----------------------------------------------------------------- the typed callers


def caller_signature(op: AclnnOp) -> str:
    params = ", ".join(f"{p.type.wrapper} {p.name}" for p in op.params)
    # A row with view_shape returns that output's shape as the operator set it.
    result = "std::vector<int64_t>" if op.view_shape else "void"
    return f"{result} {op.caller}({params})"


def caller_definition(op: AclnnOp) -> str:
    lines = [f"{caller_signature(op)} {{"]
    lines.append(
        f"  static const auto get_workspace_size = TORCH_NPU_RESOLVE_ACLNN({op.name}GetWorkspaceSize);\n"
        f"  static const auto launch = TORCH_NPU_RESOLVE_ACLNN({op.name});"
    )
    arguments = []
    for p in op.params:
        if p.type.descriptor is not None:
            lines.append(f"  const auto {p.name}_acl = {p.type.descriptor}({p.name});")
            arguments.append(f"{p.name}_acl.get()")
        elif p.type.conversion is not None:
            arguments.append(p.type.conversion.format(p.name))
        else:
            arguments.append(p.name)
    lines.append(
        f'  runTwoPhase("{op.name}", [&](uint64_t* workspace_size, aclOpExecutor** executor) {{\n'
        f"    return get_workspace_size({', '.join(arguments)}, workspace_size, executor);\n"
        f"  }}, launch);"
    )
    if op.view_shape:
        lines.append(f'  return viewShapeAfterRun("{op.name}", {op.view_shape}_acl.get());')
    lines.append("}")
    return "\n".join(lines)


# ------------------------------------------------------------------- the ATen kernels


def kernel_name(overload: str) -> str:
    return "aten_" + overload.replace(".", "_")


TYPE_RULES = {"pointwise": "resultType", "pointwise_float": "floatResultType"}


def output_expression(rule, op: AclnnOp, operands: list[str]) -> str:
    """C++ that allocates the output of a functional overload from its (on-device) arguments."""
    listed = "{" + ", ".join(operands) + "}"
    if isinstance(rule, str) and rule in TYPE_RULES:
        return f"pointwiseOutput({listed}, {TYPE_RULES[rule]}({listed}))"
    if rule == "compare":
        return f"pointwiseOutput({listed}, at::kBool)"
    if isinstance(rule, str) and rule.startswith("like:"):
        return f"at::empty_like({rule[5:]}, at::MemoryFormat::Preserve)"
    if isinstance(rule, dict):
        like = rule.get("like", "self")
        dtype = rule.get("dtype", f"{like}.scalar_type()")
        return f"at::empty({rule['shape']}, {like}.options().dtype({dtype}))"
    raise ValueError(f"{op.name}: unknown output rule {rule!r}")


def is_plain_tensor(binding_type: str) -> bool:
    return "Tensor" in binding_type and "TensorList" not in binding_type and "optional" not in binding_type


def kernel_definition(op: AclnnOp, overload: str, spec: dict, schema: FunctionSchema) -> str:
    """The registered kernel (checks devices, places operands) and its body (allocates, calls aclnn)."""
    bindings = dispatcher.arguments(schema, symint=False)
    names = [b.name for b in bindings]
    returns = dispatcher.returns_type(schema.returns, symint=False).cpp_type()
    signature = ", ".join(f"{b.type} {b.name}" for b in bindings)
    rule = spec.get("out", "given")
    out_names = {a.name for a in schema.arguments.out}
    inputs = [b.name for b in bindings if is_plain_tensor(b.type) and b.name not in out_names]
    operands = "{" + ", ".join(inputs) + "}"
    type_rule = TYPE_RULES.get(spec.get("type", "pointwise"))
    call = {name: name for name in names}
    call.update(spec.get("call") or {})
    body = [f"  {op.check}"] if op.check else []
    if rule == "given":
        (out_name,) = out_names
        if "resize" in spec:
            body.append(f"  at::native::resize_output({out_name}, {spec['resize']});")
        else:
            body.append(f"  at::native::resize_output({out_name}, broadcastShape({operands}));")
            if type_rule:
                body.append(f"  checkCast({type_rule}({operands}), {out_name});")
        call.setdefault("out", out_name)
        result = out_name
    elif rule == "none":
        result = "self"
    elif rule == "self":
        if type_rule:
            body.append(f"  checkInPlace(self, broadcastShape({operands}), {type_rule}({operands}));")
        call["out"] = "self"
        result = "self"
    else:
        body.append(f"  at::Tensor out = {output_expression(rule, op, inputs)};")
        call["out"] = "out"
        result = "out"
    arguments = [str(call.get(p.name, p.name)) for p in op.params]
    body.append(f"  aclnn::{op.caller}({', '.join(arguments)});")
    if returns != "void":
        body.append(f"  return {result};")

    tensors = [b.name for b in bindings if is_plain_tensor(b.type)]
    # Read-only operands may be wrapped Python scalars on the CPU; written ones are used as given.
    placed = [
        f"onDevice({b.name}, device)" if is_plain_tensor(b.type) and b.type.startswith("const") else b.name
        for b in bindings
    ]
    name = kernel_name(overload)
    return (
        f"{returns} {name}_body({signature}) {{\n" + "\n".join(body) + "\n}\n\n"
        f"{returns} {name}({signature}) {{\n"
        f"  const c10::Device device = commonDevice({{{', '.join(tensors)}}});\n"
        f"  const torch_npu::npu::NPUGuard guard(device);\n"
        f"  return {name}_body({', '.join(placed)});\n"
        f"}}"
    )


# -------------------------------------------------------------------- the simulator


def simulator_definition(op: AclnnOp) -> str:
    c_params = ", ".join(f"{p.type.c_type} {p.name}" for p in op.params)
    tensors = ", ".join(p.name for p in op.params if p.kind in ("Tensor", "Tensor!"))

    def capture(p: Param) -> str:
        if not p.type.simulator:
            return p.name
        held = f"{p.name}_argument" if p.type.viewed else p.name
        return f"{held} = npu_sim::aclnn::{p.type.simulator}({p.name})"

    captures = ", ".join(capture(p) for p in op.params)
    if op.view_shape:
        shaped = next((p for p in op.params if p.name == op.view_shape), None)
        if shaped is None or shaped.kind != "Tensor!":
            raise ValueError(f"{op.name}: view_shape {op.view_shape!r} is not one of its Tensor! params")
        # The kernel writes the caller's descriptor, which outlives the run (see viewShapeAfterRun).
        captures += f", {op.view_shape}_descriptor = {op.view_shape}"
    # Views of device memory are made where the kernel runs (see TensorArgument).
    views = "".join(f"        auto {p.name} = {p.name}_argument.view();\n" for p in op.params if p.type.viewed)
    return (
        f"ACL_FUNC_VISIBILITY aclnnStatus {op.name}GetWorkspaceSize({c_params}, uint64_t* workspaceSize,\n"
        f"    aclOpExecutor** executor) {{\n"
        f'  return npu_sim::aclnn::prepare("{op.name}", workspaceSize, executor,\n'
        f"      [{captures}]() mutable {{\n{views}        npu_sim::aclnn::limitKernelThreads({{{tensors}}});\n"
        f"        {op.cpu}\n      }});\n"
        f"}}\n\n"
        f"ACL_FUNC_VISIBILITY aclnnStatus {op.name}(void* workspace, uint64_t workspaceSize, aclOpExecutor* executor,\n"
        f"    aclrtStream stream) {{\n"
        f"  return npu_sim::aclnn::launch(executor, workspace, workspaceSize, stream);\n"
        f"}}"
    )


# ------------------------------------------------------------------------- files

GENERATED = "// Generated by packages/aten-ops/codegen/gen_ops.py from ops.yaml. Do not edit.\n"


def write_if_changed(path: Path, text: str) -> None:
    """Keeps timestamps of unchanged outputs, so the build recompiles only what changed."""
    if not path.exists() or path.read_text() != text:
        path.write_text(text)


def generate(ops: list[AclnnOp], out_dir: Path) -> None:
    schemas = load_schemas()
    out_dir.mkdir(parents=True, exist_ok=True)
    callers_h = [GENERATED, "#pragma once\n", "#include <ATen/core/Tensor.h>\n\n#include <vector>\n",
                 "namespace torch_npu::ops::aclnn {\n"]
    callers_h += [f"{caller_signature(op)};" for op in ops]
    callers_h.append("\n}  // namespace torch_npu::ops::aclnn\n")
    write_if_changed(out_dir / "AclnnCallers.h", "\n".join(callers_h))

    write_if_changed(out_dir / "AclnnSignatures.h", signatures_header(ops))

    callers_cpp = [GENERATED, '#include "AclnnCallers.h"\n#include "AclnnRuntime.h"\n#include "AclnnSignatures.h"\n',
                   "namespace torch_npu::ops::aclnn {\n"]
    callers_cpp += [caller_definition(op) + "\n" for op in ops]
    callers_cpp.append("}  // namespace torch_npu::ops::aclnn\n")
    write_if_changed(out_dir / "AclnnCallers.cpp", "\n".join(callers_cpp))

    kernels = [GENERATED, '#include <ATen/native/Resize.h>\n#include <torch/library.h>\n',
               '#include "AclnnCallers.h"\n#include "KernelSupport.h"\n#include "npu/NPUGuardImpl.h"\n',
               "namespace torch_npu::ops {\nnamespace {\n"]
    registrations = []
    with local.parametrize(use_const_ref_for_mutable_tensors=False, use_ilistref_for_tensor_lists=False):
        for op in ops:
            for overload, spec in op.aten.items():
                if overload not in schemas:
                    raise ValueError(f"{op.name}: no ATen overload named {overload!r}")
                kernels.append(kernel_definition(op, overload, spec or {}, schemas[overload]) + "\n")
                registrations.append(f'  m.impl("{overload}", TORCH_FN({kernel_name(overload)}));')
    kernels.append("}  // namespace\n\nTORCH_LIBRARY_IMPL(aten, PrivateUse1, m) {")
    kernels += registrations
    kernels.append("}\n\n}  // namespace torch_npu::ops\n")
    write_if_changed(out_dir / "RegisterAtenKernels.cpp", "\n".join(kernels))

    simulator = [GENERATED, '#include <ATen/ATen.h>\n#include "AclnnSignatures.h"\n',
                 '#include "npu_sim_aclnn/kernel_support.h"\n#include "npu_sim_aclnn/kernel_threads.h"\n'
                 '#include "npu_sim_aclnn/random.h"\n', 'extern "C" {\n']
    simulator += [simulator_definition(op) + "\n" for op in ops]
    simulator.append('}  // extern "C"\n')
    write_if_changed(out_dir / "SimulatedAclnnOps.cpp", "\n".join(simulator))


def main() -> None:
    table, out_dir = Path(sys.argv[1]), Path(sys.argv[2])
    generate(load_ops(table), out_dir)


if __name__ == "__main__":
    main()
