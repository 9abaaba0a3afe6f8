"""What the installed PyTorch offers that not every supported release has.

Lives in compat/ with the C++ shims (compat/include/torch_npu/compat/); the torch-npu
wheel ships it as ``torch_npu._torch_features``. Each flag is detected, not inferred from
a version number, and says in one line which releases have it.
"""

import torch

#: torch.accelerator.get_memory_info (c10::DeviceAllocator::getMemoryInfo): PyTorch 2.10+.
ACCELERATOR_MEMORY_INFO: bool = hasattr(torch.accelerator, "get_memory_info")

#: torch._C._autograd._KinetoEvent.is_python_function (tells the python tracer's frames from
#: operators): in PyTorch 2.13, not in 2.9, where only the frames' names tell them apart.
KINETO_EVENT_IS_PYTHON_FUNCTION: bool = hasattr(torch._C._autograd._KinetoEvent, "is_python_function")
