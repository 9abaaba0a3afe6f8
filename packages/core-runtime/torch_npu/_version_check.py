"""Refuses to load against a PyTorch other than the one this build targets."""

import torch

from torch_npu import _build_info


def check_torch_version() -> None:
    """Raises ImportError, naming what to install, when torch does not match the build."""
    installed = torch.__version__.split("+")[0]
    if installed != _build_info.TORCH_VERSION:
        raise ImportError(
            f"torch_npu was built for torch {_build_info.TORCH_VERSION} (CANN {_build_info.CANN_VERSION}), "
            f"but torch {torch.__version__} is installed. Install the matching pair: "
            f"`pip install torch=={_build_info.TORCH_VERSION}`, or install the torch-npu wheel built for "
            f"torch {installed} (see matrices/ for the supported combinations)."
        )
