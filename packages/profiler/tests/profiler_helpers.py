"""Shared helpers of the profiler tests (imported by name: pytest's conftest.py is core-runtime's)."""

import csv
from pathlib import Path
from typing import Dict, List

import pytest
import torch

import torch_npu  # noqa: F401


class TinyModel(torch.nn.Module):
    """A linear layer and a ReLU: kernels of several aclnn operators in each step."""

    def __init__(self) -> None:
        super().__init__()
        self.linear = torch.nn.Linear(32, 16)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.relu(self.linear(x))


@pytest.fixture
def train_step():
    """One forward, backward and SGD step on npu:0 per call."""
    torch.manual_seed(0)
    model = TinyModel().npu()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    x = torch.randn(8, 32, device="npu")

    def step() -> None:
        model(x).sum().backward()
        optimizer.step()
        optimizer.zero_grad()

    return step


def read_csv(path: Path) -> List[Dict[str, str]]:
    """The rows of a CSV output file, by header."""
    with path.open(newline="") as stream:
        return list(csv.DictReader(stream))


def csv_header(path: Path) -> List[str]:
    """The first line of a CSV output file, split."""
    with path.open(newline="") as stream:
        return next(csv.reader(stream))


def only_profile(root: Path) -> Path:
    """The one *_ascend_pt directory under ``root``."""
    found = sorted(root.glob("*_ascend_pt"))
    assert len(found) == 1, f"expected one profile directory under {root}, found {found}"
    return found[0]
