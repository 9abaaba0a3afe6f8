"""torch_npu.optim: optimizers that update all parameters of a device and dtype at once.

Each keeps the parameters, their gradients and its state as views of flat buffers, so a step
is a few operator launches per parameter group instead of a few per parameter. They compute
what their torch.optim counterparts compute.
"""

from torch_npu.optim.adamw import NpuFusedAdam, NpuFusedAdamW
from torch_npu.optim.sgd import NpuFusedSGD

__all__ = ["NpuFusedAdam", "NpuFusedAdamW", "NpuFusedSGD"]
