"""Everything ``torch_npu.profiler`` exports, in one place."""

from torch_npu_profiler import dynamic_profile
from torch_npu_profiler.activities import ProfilerActivity, supported_activities
from torch_npu_profiler.experimental_config import (
    AiCMetrics,
    ExportType,
    HostSystem,
    ProfilerLevel,
    _ExperimentalConfig,
    supported_ai_core_metrics,
    supported_export_type,
    supported_profiler_level,
)
from torch_npu_profiler.offline import analyse
from torch_npu_profiler.profile import profile
from torch_npu_profiler.schedule import ProfilerAction, schedule
from torch_npu_profiler.trace_handler import tensorboard_trace_handler

__all__ = [
    "AiCMetrics", "ExportType", "HostSystem", "ProfilerAction", "ProfilerActivity", "ProfilerLevel",
    "_ExperimentalConfig", "analyse", "dynamic_profile", "profile", "schedule", "supported_activities",
    "supported_ai_core_metrics", "supported_export_type", "supported_profiler_level", "tensorboard_trace_handler",
]  # fmt: skip
