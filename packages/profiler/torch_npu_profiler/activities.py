"""What a torch_npu.profiler session records: host operators, the NPU timeline, or both."""

from enum import Enum
from typing import List

import torch


class ProfilerActivity(Enum):
    """The reference's activities; each maps to the torch.profiler activity that records it."""

    CPU = "CPU"
    NPU = "NPU"

    def to_torch(self) -> torch.profiler.ProfilerActivity:
        """torch.profiler's activity for this one (the NPU is torch's PrivateUse1 device)."""
        if self is ProfilerActivity.CPU:
            return torch.profiler.ProfilerActivity.CPU
        return torch.profiler.ProfilerActivity.PrivateUse1


def supported_activities() -> List[ProfilerActivity]:
    """Every activity this build records (both: the simulator records the device timeline)."""
    return [ProfilerActivity.CPU, ProfilerActivity.NPU]
