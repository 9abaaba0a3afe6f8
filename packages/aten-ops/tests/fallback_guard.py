"""A guard for the operator-layer tests: fails when an operator fell back to the CPU."""

from contextlib import contextmanager
from typing import Dict, Iterator

import torch
import torch_npu


@contextmanager
def no_fallback() -> Iterator[None]:
    """Fails the test if any operator inside the block ran through the CPU fallback."""
    before: Dict[str, int] = dict(torch_npu._C._fallback_counts())
    yield
    after = torch_npu._C._fallback_counts()
    fell_back = {op: n - before.get(op, 0) for op, n in after.items() if n > before.get(op, 0)}
    assert not fell_back, f"these operators fell back to the CPU: {fell_back}"
