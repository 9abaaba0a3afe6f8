"""Refuses to load against a PyTorch other than the one this build targets."""

import torch

from torch_npu import _build_info


def check_torch_version() -> None:
    """Raises ImportError, naming what to install, when torch does not match the build."""
    installed = torch.__version__.split("+")[0]
    if installed != _build_info.TORCH_VERSION:
        cann = _build_info.CELL.partition("-cann")[2]
        raise ImportError(
            f"torch_npu was built for the cell {_build_info.CELL} (torch {_build_info.TORCH_VERSION}, "
            f"CANN {_build_info.CANN_VERSION}), but torch {torch.__version__} is installed. Install the "
            f"matching torch (`pip install torch=={_build_info.TORCH_VERSION}`), or the torch-npu of the cell "
            f"{installed}-cann{cann}: `nox -s build-{installed}-cann{cann}` builds it (matrices/ lists the "
            f"supported cells)."
        )
