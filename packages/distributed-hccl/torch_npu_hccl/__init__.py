"""torch_npu_hccl: torch.distributed's ``hccl`` backend for the npu device.

Importing it loads ProcessGroupHCCL (``torch_npu_hccl._C``) and registers the
``hccl`` backend for ``npu`` with ``torch.distributed``; ``import torch_npu``
does this when this package is installed. The functions users call live in
``torch_npu.distributed``.
"""

import importlib.util

# ProcessGroupHCCL links against torch_npu's runtime; after `pip uninstall torch-npu`
# this package is left behind, and nothing loads it unless asked directly.
if importlib.util.find_spec("torch_npu") is None:
    raise ImportError(
        "torch_npu_hccl is the distributed backend of torch-npu, which is not installed; "
        "install torch-npu (`pip install \"torch-npu[distributed]\"`), or `pip uninstall torch-npu-hccl`"
    )
