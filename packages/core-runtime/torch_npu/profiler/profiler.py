"""torch_npu.profiler.profiler: where the reference keeps ``profile`` and offline ``analyse``."""

from torch_npu.profiler import analyse, profile  # noqa: F401

__all__ = ["analyse", "profile"]
