"""Check one OpInfo on the NPU against the CPU: forward outputs, mutated inputs, views and gradients.

For each sample input the OpInfo generates on the CPU, the op runs twice from
pristine copies of the sample: once on the CPU (the reference) and once with every
tensor moved to the NPU with its exact geometry (sizes, strides, storage offset,
so non-contiguous and overlapping samples stay so). Then, on the CPU:

* the outputs must match (tensors with ``torch.testing.assert_close`` at the
  OpInfo's tolerances, other values with ``==``) and NPU outputs must be on the NPU;
* inputs the op mutates must end up equal on both sides;
* an output that is a view of an input on the CPU must be a view of the same
  input on the NPU (a write through it must reach the input);
* with ``requires_grad``: the gradients of the inputs, for the float outputs
  weighted by fixed random tensors (a plain sum would give zero gradients for
  ops such as softmax, whose outputs sum to a constant).

An op whose outputs are random (the CPU disagrees with itself under another seed)
or that the OpInfo excludes from CPU comparison has only its outputs' metadata
compared. Every aten op that ran through torch_npu's CPU fallback during the NPU
runs is recorded (``torch_npu._C._fallback_counts`` before and after).
"""

from __future__ import annotations

import math
import unittest
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import torch
from torch.testing._internal.common_device_type import precisionOverride, toleranceOverride
from torch.testing._internal.opinfo.core import OpInfo, SampleInput
from torch.utils import _pytree as pytree

NPU = torch.device("npu")
CPU = torch.device("cpu")

# OpInfo decorators of these test classes tune tolerances for other backends or
# compilers (Inductor, MPS, decompositions, JIT, ...), not for eager kernels.
_FOREIGN_TEST_CLASSES = ("Inductor", "Decomp", "Consistency", "Jit", "NNC", "Composite", "Meta", "Fake", "Export")


class Mismatch(AssertionError):
    """The NPU's result differs from the CPU's."""


@dataclass
class DtypeResult:
    """Outcome of one OpInfo at one dtype."""

    dtype: str
    status: str  # pass | fail | error | skipped
    samples: int = 0  # samples compared
    reason: str = ""  # first failure or error, or why skipped
    sample: str = ""  # the sample that failed
    notes: list[str] = field(default_factory=list)
    fallback: dict[str, int] = field(default_factory=dict)  # aten op -> calls through the CPU fallback


def op_key(op: OpInfo) -> str:
    """``name`` or ``name.variant``: unique within op_db."""
    return f"{op.name}.{op.variant_test_name}" if op.variant_test_name else op.name


# ------------------------------------------------------------------ tolerances


def decorators(op: OpInfo) -> Iterable[tuple[Any, Any]]:
    """(DecorateInfo or None, decorator) for every decorator and skip of ``op``."""
    for info in (*op.decorators, *op.skips):
        for decorator in getattr(info, "decorators", [info]):
            yield (info if hasattr(info, "decorators") else None), decorator


# Single precision floor: the rtol = atol = 1e-3 PyTorch's own device-vs-CPU OpInfo test uses. Kernels
# that differ only in vectorization or summation order (a CPU kernel run on a differently aligned
# copy, an NPU kernel) legitimately differ by more than assert_close's float32 defaults.
_SINGLE_PRECISION_FLOOR = {torch.float32: 1e-3, torch.complex64: 1e-3}


def base_tolerances(dtype: torch.dtype) -> tuple[float, float]:
    """(rtol, atol) for values of ``dtype``: assert_close's defaults, float32 and complex64 at least 1e-3."""
    rtol, atol = torch.testing._comparison.default_tolerances(dtype)
    floor = _SINGLE_PRECISION_FLOOR.get(dtype, 0.0)
    return max(rtol, floor), max(atol, floor)


def tolerances(op: OpInfo, dtype: torch.dtype) -> tuple[float, float]:
    """(rtol, atol) for samples of ``dtype``: base_tolerances, loosened to ``op``'s largest eager override."""
    rtol, atol = base_tolerances(dtype)
    for info, decorator in decorators(op):
        cls_name = getattr(info, "cls_name", None) or ""
        if any(word in cls_name for word in _FOREIGN_TEST_CLASSES):
            continue
        if isinstance(decorator, toleranceOverride) and dtype in decorator.d:
            rtol, atol = max(rtol, decorator.d[dtype].rtol), max(atol, decorator.d[dtype].atol)
        elif isinstance(decorator, precisionOverride) and dtype in decorator.d:
            atol = max(atol, decorator.d[dtype])
    return rtol, atol


def cpu_comparison_skipped(op: OpInfo) -> str | None:
    """The OpInfo's reason for skipping its CPU-comparison test (random or uninitialized outputs), if any."""
    for info, decorator in decorators(op):
        if getattr(info, "test_name", None) != "test_compare_cpu":
            continue
        if getattr(info, "device_type", None) not in (None, "cpu", "privateuse1", "npu"):
            continue
        try:
            decorator(lambda: None)()
        except unittest.SkipTest as skip:
            return str(skip) or "skipped"
    return None


# ------------------------------------------------------------------ moving samples


def copy_tensor(tensor: torch.Tensor, device: torch.device) -> torch.Tensor:
    """A copy of ``tensor`` on ``device`` with the same sizes, strides and storage offset (and requires_grad)."""
    source = tensor.detach()
    if source.layout != torch.strided or source.is_conj() or source.is_neg() or source.numel() == 0:
        copy = source.clone().to(device)
    else:
        end = source.storage_offset() + sum((n - 1) * s for n, s in zip(source.shape, source.stride())) + 1
        storage = source.as_strided((end,), (1,), 0).to(device, copy=True)
        copy = storage.as_strided(source.shape, source.stride(), source.storage_offset())
    return copy.requires_grad_(tensor.requires_grad)


def copy_value(value: Any, device: torch.device) -> Any:
    """``value`` (any pytree) with its tensors copied to ``device`` and CPU device arguments retargeted."""

    def leaf(item: Any) -> Any:
        if isinstance(item, torch.Tensor):
            return copy_tensor(item, device)
        if isinstance(item, torch.device) and item.type == "cpu":
            return device
        return item

    return pytree.tree_map(leaf, value)


# Positional arguments that must stay on the host whatever the input's device (as on CUDA).
HOST_ARGUMENTS: dict[str, frozenset[int]] = {
    "tensor_split": frozenset({0}),  # tensor_indices_or_sections: a CPU int64 tensor
}


@dataclass
class Call:
    """One sample ready to run on one device."""

    input: Any
    args: tuple
    kwargs: dict
    placed: bool  # some tensor or device argument was put on the device

    @classmethod
    def of(cls, sample: SampleInput, device: torch.device, op: OpInfo | None = None) -> Call:
        """``sample`` copied for ``device`` (arguments HOST_ARGUMENTS names stay on the CPU)."""
        host = HOST_ARGUMENTS.get(op.name, frozenset()) if op is not None else frozenset()
        args = tuple(copy_value(a, CPU if i in host else device) for i, a in enumerate(sample.args))
        kwargs = copy_value(dict(sample.kwargs), device)
        if kwargs.get("device") == "cpu":
            kwargs["device"] = str(device)
        placed = "device" in sample.kwargs or any(
            isinstance(leaf, torch.Tensor) for leaf in pytree.tree_leaves((sample.input, sample.args, sample.kwargs))
        )
        return cls(copy_value(sample.input, device), args, kwargs, placed)

    def leaves(self) -> list[Any]:
        return pytree.tree_leaves((self.input, self.args, self.kwargs))

    def tensors(self) -> list[torch.Tensor]:
        return [leaf for leaf in self.leaves() if isinstance(leaf, torch.Tensor)]

    def run(self, op: OpInfo, seed: int) -> Any:
        torch.manual_seed(seed)
        return op(self.input, *self.args, **self.kwargs)


# ------------------------------------------------------------------ comparing


def compare(
    actual: Any, expected: Any, rtol: float, atol: float, where: str, values: bool = True, device: str = "npu"
) -> None:
    """Raise Mismatch unless ``actual`` matches ``expected`` (CPU): tensors on ``device``; only metadata when not ``values``."""
    if isinstance(expected, torch.Tensor):
        if not isinstance(actual, torch.Tensor):
            raise Mismatch(f"{where}: expected a tensor, got {type(actual).__name__}")
        if device != "any" and expected.device.type == "cpu" and actual.device.type != device:
            raise Mismatch(f"{where}: result on {actual.device}, expected on {device}")
        if actual.shape != expected.shape or actual.dtype != expected.dtype:
            raise Mismatch(f"{where}: {actual.dtype}{list(actual.shape)} vs CPU {expected.dtype}{list(expected.shape)}")
        if values:
            # An op's outputs may have another dtype than its samples (int64 in, float32 out).
            rtol, atol = (max(pair) for pair in zip((rtol, atol), base_tolerances(expected.dtype)))
            try:
                torch.testing.assert_close(
                    actual.detach().cpu(), expected.detach(), rtol=rtol, atol=atol, equal_nan=True,
                    check_device=False, check_stride=False, check_layout=False,
                )  # fmt: skip
            except AssertionError as error:
                raise Mismatch(f"{where}: {first_lines(str(error), 4)}") from None
        return
    if isinstance(expected, (list, tuple)):
        if not isinstance(actual, (list, tuple)) or len(actual) != len(expected):
            raise Mismatch(f"{where}: expected a sequence of {len(expected)}, got {short(actual)}")
        for i, (a, e) in enumerate(zip(actual, expected)):
            compare(a, e, rtol, atol, f"{where}[{i}]", values, device)
        return
    if isinstance(expected, dict):
        if not isinstance(actual, dict) or actual.keys() != expected.keys():
            raise Mismatch(f"{where}: expected keys {sorted(expected)}, got {short(actual)}")
        for key in expected:
            compare(actual[key], expected[key], rtol, atol, f"{where}[{key!r}]", values, device)
        return
    if not values:
        return
    if isinstance(expected, float) and isinstance(actual, (int, float)):
        if not (
            math.isclose(actual, expected, rel_tol=rtol, abs_tol=atol) or (math.isnan(actual) and math.isnan(expected))
        ):
            raise Mismatch(f"{where}: {actual!r} vs CPU {expected!r}")
        return
    if isinstance(expected, torch.device) or isinstance(actual, torch.device):
        return  # a device-valued result names the device it ran on
    if actual != expected:
        raise Mismatch(f"{where}: {short(actual)} vs CPU {short(expected)}")


def check_views(npu_out: Any, cpu_out: Any, npu_call: Call, cpu_call: Call) -> None:
    """Raise Mismatch if an output viewing an input on the CPU is not a view of that input on the NPU."""
    cpu_storages = {}
    for position, item in enumerate(cpu_call.leaves()):
        if isinstance(item, torch.Tensor) and item.layout == torch.strided and item.untyped_storage().nbytes():
            cpu_storages.setdefault(item.untyped_storage().data_ptr(), position)
    npu_leaves = npu_call.leaves()
    for i, (n, c) in enumerate(zip(pytree.tree_leaves(npu_out), pytree.tree_leaves(cpu_out))):
        if not (isinstance(c, torch.Tensor) and isinstance(n, torch.Tensor) and c.layout == torch.strided):
            continue
        position = cpu_storages.get(c.untyped_storage().data_ptr()) if c.untyped_storage().nbytes() else None
        if position is None:
            continue
        source = npu_leaves[position]
        if n.untyped_storage().data_ptr() != source.untyped_storage().data_ptr():
            raise Mismatch(f"output leaf {i} is a view of input leaf {position} on the CPU but a copy on the NPU")


def grad_pairs(npu_out: Any, cpu_out: Any, sample: SampleInput) -> tuple[list, list]:
    """Matching (NPU, CPU) float outputs that require grad, after the sample's output processing."""
    npu_outs, cpu_outs = [], []
    process = sample.output_process_fn_grad
    for n, c in zip(pytree.tree_leaves(process(npu_out)), pytree.tree_leaves(process(cpu_out))):
        if (
            isinstance(c, torch.Tensor)
            and c.requires_grad
            and c.dtype.is_floating_point
            and isinstance(n, torch.Tensor)
        ):
            npu_outs.append(n)
            cpu_outs.append(c)
    return npu_outs, cpu_outs


def gradients(outputs: list[torch.Tensor], weights: list[torch.Tensor], call: Call) -> list[torch.Tensor | None]:
    """d(sum(weight * output))/d(input) for every input tensor of ``call`` that requires grad."""
    inputs = [t for t in call.leaves() if isinstance(t, torch.Tensor) and t.requires_grad]
    if not inputs:
        return []
    device = inputs[0].device
    weights = [w.to(device) for w in weights]
    return list(torch.autograd.grad(outputs, inputs, weights, allow_unused=True))


def compare_grads(npu_grads: list, cpu_grads: list, rtol: float, atol: float) -> None:
    for i, (n, c) in enumerate(zip(npu_grads, cpu_grads)):
        if c is None and n is None:
            continue
        if c is None or n is None:
            present = c if c is not None else n
            if bool((present.detach().cpu() != 0).any()):
                raise Mismatch(f"grad of input {i}: {'missing' if n is None else 'unexpected'} on the NPU")
            continue
        compare(n, c, rtol, atol, f"grad of input {i}")


# ------------------------------------------------------------------ running


def fallback_counts() -> dict[str, int]:
    import torch_npu

    return dict(torch_npu._C._fallback_counts())


def fallback_delta(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    return {name: n - before.get(name, 0) for name, n in after.items() if n != before.get(name, 0)}


class SampleUnusable(Exception):
    """The CPU reference cannot run this sample."""


def check_sample(op: OpInfo, sample: SampleInput, rtol: float, atol: float, grads: bool, fallback: dict) -> list[str]:
    """Compare one sample; returns notes (e.g. values not compared). Raises Mismatch, or the NPU's error.

    A sample the CPU itself cannot run raises ``SampleUnusable``.
    """
    notes: list[str] = []
    cpu_call, npu_call = Call.of(sample, CPU, op), Call.of(sample, NPU, op)
    try:
        cpu_out = cpu_call.run(op, seed=0)
    except Exception as error:  # noqa: BLE001 - the reference itself rejects the sample
        raise SampleUnusable(f"CPU: {type(error).__name__}: {first_lines(str(error), 1)}") from None
    before = fallback_counts()
    try:
        npu_out = npu_call.run(op, seed=0)
        values = True
        device = "npu" if npu_call.placed else "cpu"  # a factory without device= makes CPU tensors
        try:
            compare(npu_out, cpu_out, rtol, atol, "output", device=device)
        except Mismatch:
            why_random = random_outputs(op, sample, cpu_out)
            if why_random is None:
                raise
            compare(npu_out, cpu_out, rtol, atol, "output", values=False, device=device)
            notes.append(f"values not compared: {why_random}")
            values = False
        check_views(npu_out, cpu_out, npu_call, cpu_call)
        compare(npu_call.tensors(), cpu_call.tensors(), rtol, atol, "input tensor after the call", values, "any")
        if grads and values:
            npu_outs, cpu_outs = grad_pairs(npu_out, cpu_out, sample)
            if npu_outs:
                generator = torch.Generator().manual_seed(1)
                weights = [torch.randn(c.shape, dtype=c.dtype, generator=generator) for c in cpu_outs]
                try:
                    cpu_grads = gradients(cpu_outs, weights, cpu_call)
                except Exception as error:  # noqa: BLE001 - no reference gradient for this sample
                    notes.append(f"gradients not compared: CPU backward raised {type(error).__name__}")
                else:
                    compare_grads(gradients(npu_outs, weights, npu_call), cpu_grads, rtol, atol)
    finally:
        for name, calls in fallback_delta(before, fallback_counts()).items():
            fallback[name] = fallback.get(name, 0) + calls
    return notes


def random_outputs(op: OpInfo, sample: SampleInput, cpu_out: Any) -> str | None:
    """Why ``op``'s outputs are not comparable across devices (random or uninitialized), or None."""
    reason = cpu_comparison_skipped(op)
    if reason is not None:
        return f"OpInfo skips CPU comparison ({reason})"
    try:
        again = Call.of(sample, CPU, op).run(op, seed=12345)
        compare(again, cpu_out, 0.0, 0.0, "output", device="cpu")
    except Mismatch:
        return "random: the CPU's own result changes with the seed"
    except Exception:  # noqa: BLE001
        return None
    return None


def check_dtype(op: OpInfo, dtype: torch.dtype, grads: bool, max_samples: int | None) -> DtypeResult:
    """Run every sample of ``op`` at ``dtype``; stops at the first failure."""
    result = DtypeResult(dtype=str(dtype).removeprefix("torch."), status="pass")
    rtol, atol = tolerances(op, dtype)
    requires_grad = grads and op.supports_autograd and dtype.is_floating_point
    unusable: list[str] = []
    try:
        samples = list(op.sample_inputs(CPU, dtype, requires_grad=requires_grad))
    except Exception as error:  # noqa: BLE001
        return DtypeResult(
            result.dtype, "skipped", reason=f"no samples: {type(error).__name__}: {first_lines(str(error), 1)}"
        )
    for sample in samples[:max_samples]:
        try:
            notes = check_sample(op, sample, rtol, atol, requires_grad, result.fallback)
        except SampleUnusable as why:
            unusable.append(str(why))
            continue
        except Mismatch as mismatch:
            result.status, result.reason = "fail", str(mismatch)
        except Exception as error:  # noqa: BLE001 - the NPU run raised
            result.status, result.reason = "error", f"{type(error).__name__}: {first_lines(str(error), 3)}"
        if result.status != "pass":
            result.sample = describe_sample(sample)
            break
        result.samples += 1
        result.notes.extend(n for n in notes if n not in result.notes)
    if result.status == "pass" and result.samples == 0:
        result.status = "skipped"
        result.reason = f"no samples the CPU can run ({unusable[0]})" if unusable else "no samples"
    return result


def first_lines(text: str, count: int) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return " | ".join(lines[:count])[:400]


def describe_sample(sample: SampleInput) -> str:
    """A one-line description of ``sample`` for reports."""
    return first_lines(sample.summary(), 1) if hasattr(sample, "summary") else short(sample)


def short(value: Any, limit: int = 120) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def supported_cpu_dtypes(op: OpInfo) -> set[torch.dtype]:
    return set(op.supported_dtypes("cpu"))


def plan_dtypes(op: OpInfo, wanted: list[torch.dtype]) -> list[torch.dtype]:
    """The dtypes of ``wanted`` that ``op`` supports on the CPU; else its one most common dtype."""
    supported = supported_cpu_dtypes(op)
    chosen = [d for d in wanted if d in supported]
    if chosen:
        return chosen
    for dtype in (torch.float32, torch.int64, torch.float64, torch.int32, torch.bool, torch.complex64, torch.uint8):
        if dtype in supported:
            return [dtype]
    return []


def check_op(
    op: OpInfo, dtypes: list[torch.dtype], grad_dtypes: set[torch.dtype], max_samples: int | None
) -> list[DtypeResult]:
    """Check ``op`` at each of ``dtypes`` it supports (gradients at ``grad_dtypes``)."""
    planned = plan_dtypes(op, dtypes)
    if not planned:
        return [DtypeResult("-", "skipped", reason="the OpInfo lists no CPU dtype")]
    return [check_dtype(op, dtype, dtype in grad_dtypes, max_samples) for dtype in planned]
