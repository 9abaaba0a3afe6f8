"""``dynamic_profile``: profiling a running job from a polled JSON config (not implemented yet)."""

from typing import NoReturn


def _not_implemented(call: str) -> NoReturn:
    raise NotImplementedError(f"torch_npu.profiler.dynamic_profile.{call} is not implemented yet")


def init(path: str) -> NoReturn:
    """Would start polling ``path``'s profiler_config.json; raises NotImplementedError."""
    _not_implemented("init")


def step() -> NoReturn:
    """Would end a training step for the dynamic profiler; raises NotImplementedError."""
    _not_implemented("step")


def start(config_path: str = "") -> NoReturn:
    """Would profile the next steps as ``config_path`` says; raises NotImplementedError."""
    _not_implemented("start")
