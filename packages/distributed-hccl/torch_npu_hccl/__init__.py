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

import torch  # noqa: E402
import torch.distributed as dist  # noqa: E402

import torch_npu  # noqa: E402,F401  (loads libtorch_npu, which ProcessGroupHCCL links)
from torch_npu_hccl._C import ProcessGroupHCCL  # noqa: E402

__all__ = ["ProcessGroupHCCL"]


def _create_backend(backend_options, options=None) -> ProcessGroupHCCL:
    """``torch.distributed``'s creator of the ``hccl`` backend (the extended API).

    ``backend_options`` carries the store, this rank, the group size and the group's
    timeout; ``options`` is a ``ProcessGroupHCCL.Options`` (``pg_options``) or None.
    """
    if options is None:
        options = ProcessGroupHCCL.Options()
        options._timeout = backend_options.timeout
    elif not isinstance(options, ProcessGroupHCCL.Options):
        raise TypeError(f"pg_options of the hccl backend must be ProcessGroupHCCL.Options, got {type(options).__name__}")
    return ProcessGroupHCCL(backend_options.store, backend_options.group_rank, backend_options.group_size, options)


def _register() -> None:
    if "hccl" not in dist.Backend.backend_list:
        dist.Backend.register_backend("hccl", _create_backend, extended_api=True, devices=["npu"])


_register()
