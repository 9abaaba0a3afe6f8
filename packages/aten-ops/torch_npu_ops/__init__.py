"""torch_npu_ops: the NPU operator layer.

Loading the native library registers its ATen kernels for the npu device,
taking those operators off the CPU fallback, and the reference's custom
operators (``torch.ops.npu.*``, also ``torch_npu.npu_*``). ``import torch_npu``
loads it.
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

import torch  # noqa: E402

# The shapes and autograd of the custom operators.
from torch_npu_ops import fused_layers, fusion_attention, layouts, moe, quantization, rotary_embedding  # noqa: E402,F401

# The reference's custom operators, as torch_npu exposes them.
CUSTOM_OPERATORS: tuple[str, ...] = (
    "npu_fusion_attention", "npu_fusion_attention_grad", "npu_rms_norm", "npu_rms_norm_backward", "npu_swiglu",
    "npu_swiglu_backward", "npu_add_rms_norm", "npu_fast_gelu", "npu_fast_gelu_backward", "fast_gelu", "npu_gelu_mul",
    "npu_linear", "npu_linear_backward", "npu_rotary_mul", "npu_rotary_mul_backward", "npu_confusion_transpose",
    "npu_confusion_transpose_backward", "npu_one_hot", "npu_moe_gating_top_k_softmax", "npu_moe_init_routing",
    "npu_moe_finalize_routing", "npu_grouped_matmul", "npu_dynamic_quant", "npu_quant_matmul",
    "npu_prompt_flash_attention", "npu_incre_flash_attention",
)  # fmt: skip


def _expose_custom_operators() -> None:
    import torch_npu

    for name in CUSTOM_OPERATORS:
        setattr(torch_npu, name, getattr(torch.ops.npu, name))


_expose_custom_operators()
