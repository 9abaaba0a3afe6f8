"""A fixture for tests that compare NPU convolutions with CPU float32 ones.

CANN computes float32 convolutions in HFLOAT32 by default (torch.npu.conv.allow_hf32), as CUDA
computes them in TF32: like PyTorch's own CUDA tests, these keep float32 while they run.
test_cube_math.py tests the default itself.
"""

import pytest
import torch


@pytest.fixture(autouse=True)
def float32_convolutions():
    torch.npu.conv.allow_hf32 = False
    yield
    torch.npu.conv.allow_hf32 = True
