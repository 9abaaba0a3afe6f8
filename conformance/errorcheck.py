"""Check one OpInfo's error inputs on one device: each must raise the error PyTorch expects.

This is what PyTorch's ``test_ops.py::TestCommon::test_errors`` asserts, per device:
for every ``ErrorInput`` that ``op.error_inputs(device)`` yields, calling
``op(sample.input, *sample.args, **sample.kwargs)`` must raise ``error_type`` (or a
subclass) with a message in which ``re.search(error_regex, ...)`` finds a match; a
call that returns fails. The error inputs are generated for the device itself, so
their tensors are created there.

A call returning NotImplemented fails test_errors's assertion inside the block that
expects the error, so that AssertionError is what gets matched: an error input
expecting any ``Exception`` with an empty regex (the reflected operators') passes
that way. This check does the same, and notes each such pass.

On the NPU every call is followed by ``torch.npu.synchronize()``, so an error that
surfaces asynchronously is attributed to the error input that caused it (and does
not leak into the next one). Ops with only ``error_inputs_sparse`` are not checked.
"""

from __future__ import annotations

import re
import unittest
from dataclasses import dataclass, field
from typing import Any

import torch
from opcheck import decorators, describe_sample, first_lines  # conformance/opcheck.py
from torch.testing._internal.opinfo.core import ErrorInput, OpInfo

# How an error input can fail, in the order the checks find them.
ASYNC_ERROR = "async error at synchronize"
NO_ERROR = "no error raised"
NOT_IMPLEMENTED = "returned NotImplemented (test_errors's assertion error is not the expected error either)"
PASSED_AS_NOT_IMPLEMENTED = (
    "passed as in test_errors: returned NotImplemented, whose assertion error is the expected one"
)
WRONG_TYPE = "wrong type"
WRONG_MESSAGE = "wrong message"
UNAVAILABLE = "error inputs could not be generated"


@dataclass
class ErrorInputFailure:
    """One error input that did not raise what the OpInfo expects."""

    kind: str  # one of the constants above
    detail: str  # what the op raised or returned
    expected: str  # "RuntimeError matching '...'"
    sample: str  # the error input's sample


@dataclass
class ErrorInputsResult:
    """Outcome of one OpInfo's error inputs on one device."""

    device: str
    status: str = "pass"  # pass | fail
    inputs: int = 0  # error inputs run
    passed: int = 0
    failures: list[ErrorInputFailure] = field(default_factory=list)
    opinfo_marks: str = ""  # what the OpInfo declares for test_errors on this device type (xfail, skip)
    notes: list[str] = field(default_factory=list)


def describe_error(error: BaseException, lines: int = 2) -> str:
    return f"{type(error).__name__}: {first_lines(str(error), lines)}"


def expectation(error_input: ErrorInput) -> str:
    error_type = error_input.error_type
    names = "/".join(t.__name__ for t in error_type) if isinstance(error_type, tuple) else error_type.__name__
    return f"{names} matching {error_input.error_regex!r}"


def synchronize(device: str) -> BaseException | None:
    """Wait for ``device``'s queued work; the error it reports, if any."""
    if torch.device(device).type == "cpu":
        return None
    try:
        torch.npu.synchronize()
    except Exception as error:  # noqa: BLE001 - an asynchronous device error of the last call
        return error
    return None


def run_error_input(op: OpInfo, error_input: ErrorInput, device: str) -> tuple[ErrorInputFailure | None, str]:
    """Call ``op`` on one error input: (None when it raised the expected error, else what went wrong; a note)."""
    sample = error_input.sample_input
    raised: Exception | None = None
    returned: Any = None
    try:
        returned = op(sample.input, *sample.args, **sample.kwargs)
    except Exception as error:  # noqa: BLE001 - raising is what an error input is for
        raised = error
    late = synchronize(device)

    def failure(kind: str, detail: str) -> ErrorInputFailure:
        return ErrorInputFailure(kind, detail, expectation(error_input), describe_sample(sample))

    if late is not None:
        matches = isinstance(late, error_input.error_type) and re.search(error_input.error_regex, str(late))
        raised_first = f"the call raised {describe_error(raised)}; " if raised is not None else ""
        return failure(
            ASYNC_ERROR,
            f"{raised_first}synchronize raised {describe_error(late, lines=4)}"
            + (" (the expected error, but asynchronously)" if matches else ""),
        ), ""
    if raised is None and returned is NotImplemented:
        assertion = AssertionError("the op returned NotImplemented")
        if isinstance(assertion, error_input.error_type) and re.search(error_input.error_regex, str(assertion)):
            return None, PASSED_AS_NOT_IMPLEMENTED
        return failure(NOT_IMPLEMENTED, ""), ""
    if raised is None:
        return failure(NO_ERROR, f"returned {type(returned).__name__}"), ""
    if not isinstance(raised, error_input.error_type):
        return failure(WRONG_TYPE, describe_error(raised)), ""
    if not re.search(error_input.error_regex, str(raised)):
        return failure(WRONG_MESSAGE, describe_error(raised)), ""
    return None, ""


def opinfo_marks(op: OpInfo, device_type: str) -> str:
    """What ``op`` declares for test_errors on ``device_type``: expected failures, skips, device limits."""
    marks: list[str] = []
    for info, decorator in decorators(op):
        if info is None or not info.is_active("TestCommon", "test_errors", device_type, None, {}):
            continue
        if decorator is unittest.expectedFailure:
            mark = "expected failure"
        else:
            try:
                decorator(lambda: None)()
                mark = f"decorated with {getattr(decorator, '__name__', decorator)}"
            except unittest.SkipTest as skip:
                mark = f"skipped ({skip})" if str(skip) else "skipped"
            except Exception:  # noqa: BLE001 - a decorator for test methods (onlyCUDA, ...), named instead
                mark = f"decorated with {getattr(decorator, '__name__', decorator)}"
        if mark not in marks:
            marks.append(mark)
    return "; ".join(marks)


def check_error_inputs(op: OpInfo, device: str) -> ErrorInputsResult:
    """Run every error input of ``op`` on ``device`` (``cpu`` or ``npu``)."""
    result = ErrorInputsResult(device=device, opinfo_marks=opinfo_marks(op, torch.device(device).type))
    try:
        for error_input in op.error_inputs(device):
            result.inputs += 1
            failure, note = run_error_input(op, error_input, device)
            if failure is None:
                result.passed += 1
            else:
                result.failures.append(failure)
            if note and note not in result.notes:
                result.notes.append(note)
    except Exception as error:  # noqa: BLE001 - the OpInfo's generator failed on this device
        synchronize(device)
        result.failures.append(ErrorInputFailure(UNAVAILABLE, describe_error(error), "", ""))
    if result.failures:
        result.status = "fail"
    return result
