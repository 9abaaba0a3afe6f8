"""Tools around torch_npu: ``python -m torch_npu.utils.collect_env`` reports the environment."""

__all__ = ["collect_env"]
