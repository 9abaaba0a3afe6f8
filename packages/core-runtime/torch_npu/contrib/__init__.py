"""torch_npu.contrib: opt-in helpers; ``import torch_npu.contrib.transfer_to_npu`` runs CUDA scripts on npu."""
