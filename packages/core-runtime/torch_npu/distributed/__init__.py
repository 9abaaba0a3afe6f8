"""torch_npu.distributed: the ``hccl`` backend's extras (the ``torch-npu-hccl`` wheel).

``import torch_npu`` already registers ``hccl`` with ``torch.distributed`` when that
wheel is installed; this module adds the functions of the reference's
``torch_npu.distributed``.
"""

try:
    import torch_npu_hccl  # noqa: F401
except ModuleNotFoundError as error:
    if error.name != "torch_npu_hccl":
        raise
    raise ImportError(
        "torch_npu.distributed needs the HCCL backend, which is not installed: "
        'pip install "torch-npu[distributed]"'
    ) from error

from torch_npu_hccl.distributed import (  # noqa: E402
    all_gather_into_tensor_uneven,
    is_hccl_available,
    reduce_scatter_tensor_uneven,
    reinit_process_group,
)

__all__ = [
    "all_gather_into_tensor_uneven",
    "is_hccl_available",
    "reduce_scatter_tensor_uneven",
    "reinit_process_group",
]
