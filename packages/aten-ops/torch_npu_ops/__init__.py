"""torch_npu_ops: the NPU operator layer.

Loading the native library registers its ATen kernels for the npu device,
taking those operators off the CPU fallback. ``import torch_npu`` loads it.
"""

import ctypes
import pathlib

_LIBRARY = ctypes.CDLL(str(pathlib.Path(__file__).parent / "lib" / "libtorch_npu_ops.so"))
