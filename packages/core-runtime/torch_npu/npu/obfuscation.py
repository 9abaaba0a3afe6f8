"""PMCC model obfuscation (the reference's obfuscation_initialize / _calculate / _finalize): not supported.

These talk to Huawei's PMCC (Privacy and Model Confidential Computing) engine, a service in the
device's trusted execution environment deployed with its own SDK and certificates; torch-npu has no
binding to its operators, and the simulator has no trusted environment. Each call raises saying so.
"""

from typing import Any

__all__ = ["obfuscation_initialize", "obfuscation_finalize", "obfuscation_calculate"]


def _needs_pmcc(what: str) -> RuntimeError:
    return RuntimeError(
        f"torch.npu.{what} needs Ascend hardware with Huawei's PMCC model-obfuscation engine deployed; "
        "torch-npu does not support PMCC (on the simulator or on hardware)"
    )


def obfuscation_initialize(hidden_size: int, tp_rank: int, cmd: int, *, data_type: Any = None,
                           model_obf_seed_id: int = 0, data_obf_seed_id: int = 0, thread_num: int = 4,
                           obf_coefficient: float = 1.0) -> Any:  # fmt: skip
    """Connects to the PMCC engine: not supported (raises RuntimeError)."""
    raise _needs_pmcc("obfuscation_initialize")


def obfuscation_finalize(fd_to_close: Any) -> Any:
    """Disconnects from the PMCC engine: not supported (raises RuntimeError)."""
    raise _needs_pmcc("obfuscation_finalize")


def obfuscation_calculate(fd: Any, x: Any, param: Any, *, obf_coefficient: float = 1.0) -> Any:
    """Obfuscates `x` in the PMCC engine: not supported (raises RuntimeError)."""
    raise _needs_pmcc("obfuscation_calculate")
