"""torch_npu_profiler: the profiler of torch-npu (the ``torch-npu-profiler`` wheel).

Importing it registers the NPU's device timeline with kineto (``_C``), so that
``torch.profiler`` with ``ProfilerActivity.PrivateUse1`` shows NPU kernels;
``import torch_npu`` does this when the package is installed. Users call the
reference's API through ``torch_npu.profiler``.
"""

import importlib.util

# The kineto child profiler links against torch_npu's runtime; after `pip uninstall
# torch-npu` this package is left behind, and nothing loads it unless asked directly.
if importlib.util.find_spec("torch_npu") is None:
    raise ImportError(
        "torch_npu_profiler is the profiler of torch-npu, which is not installed; "
        'install torch-npu (`pip install "torch-npu[profiler]"`), or `pip uninstall torch-npu-profiler`'
    )

import torch_npu  # noqa: E402,F401  (loads libtorch_npu, which _C links)
from torch_npu_profiler import _C  # noqa: E402

_C._register_with_torch_profiler()
