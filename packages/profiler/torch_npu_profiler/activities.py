"""What a torch_npu.profiler session records: host operators, the NPU timeline, or both."""

from enum import Enum
from typing import List


class ProfilerActivity(Enum):
    """The reference's activities: host operators (CPU) and the NPU's device timeline (NPU)."""

    CPU = "CPU"
    NPU = "NPU"


def supported_activities() -> List[ProfilerActivity]:
    """Every activity this build records (both: the simulator records the device timeline)."""
    return [ProfilerActivity.CPU, ProfilerActivity.NPU]
