"""torch_npu_ops: the NPU operator layer.

Loading the native library registers its ATen kernels for the npu device,
taking those operators off the CPU fallback. ``import torch_npu`` loads it.
"""

import ctypes
import importlib.util
import pathlib

# The kernels link against torch_npu's runtime; after `pip uninstall torch-npu` this
# package is left behind, and nothing loads it unless asked directly.
if importlib.util.find_spec("torch_npu") is None:
    raise ImportError(
        "torch_npu_ops is the operator layer of torch-npu, which is not installed; "
        "install torch-npu (it pulls this package), or `pip uninstall torch-npu-ops`"
    )

_LIBRARY = ctypes.CDLL(str(pathlib.Path(__file__).parent / "lib" / "libtorch_npu_ops.so"))
