"""The float-status overflow flags of the reference, as an Atlas A2 (Ascend910B) answers them.

From Ascend910B1 on, NPUs compute in INF/NaN mode: an overflow yields inf or NaN in the result
itself, as on a CPU, and there is no float-status register to read. The reference then refuses
get_npu_overflow_flag (pointing at a check of the values) and warns that clearing is useless;
the simulated Ascend910B1 does the same.
"""

import warnings

__all__ = ["get_npu_overflow_flag", "clear_npu_overflow_flag"]


def _computes_in_inf_nan_mode() -> bool:
    import torch_npu.npu

    return torch_npu.npu.get_device_capability()[0] >= 2  # the A2 generation and later


def get_npu_overflow_flag() -> bool:
    """Raises on Ascend910B1 and later, as the reference does: check the values for inf/NaN instead."""
    if _computes_in_inf_nan_mode():
        raise RuntimeError("Unsupported api when soc_version >= Ascend910B1, please use npu_check_overflow")
    raise NotImplementedError("torch-npu supports Ascend910B1 and later SoCs only, whose overflows are inf/NaN values")


def clear_npu_overflow_flag() -> None:
    """Warns on Ascend910B1 and later, as the reference does: there is no flag to clear."""
    if _computes_in_inf_nan_mode():
        warnings.warn("When soc_version >= Ascend910B1, clear_npu_overflow_flag is useless. Please remove it.")
        return
    raise NotImplementedError("torch-npu supports Ascend910B1 and later SoCs only, whose overflows are inf/NaN values")
