"""``torch_npu_run``: torchrun with the NPU's defaults.

``--nproc-per-node`` defaults to the number of visible NPUs (``npu`` and ``auto``
mean the same), so ``torch_npu_run train.py`` starts one rank per device.
Everything else is torchrun's.
"""

from __future__ import annotations

import sys
from typing import List, Optional


def _with_npu_defaults(argv: List[str]) -> List[str]:
    import torch

    import torch_npu  # noqa: F401  (registers torch.npu)

    count = str(max(torch.npu.device_count(), 1))
    args = list(argv)
    for index, arg in enumerate(args):
        for flag in ("--nproc-per-node", "--nproc_per_node"):
            if arg == flag and index + 1 < len(args) and args[index + 1] in ("npu", "auto"):
                args[index + 1] = count
                return args
            if arg in (f"{flag}=npu", f"{flag}=auto"):
                args[index] = f"{flag}={count}"
                return args
            if arg == flag or arg.startswith(f"{flag}="):
                return args
    return [f"--nproc-per-node={count}", *args]


def main(argv: Optional[List[str]] = None) -> None:
    """The console script's entry point."""
    from torch.distributed.run import main as torchrun

    torchrun(_with_npu_defaults(sys.argv[1:] if argv is None else argv))


if __name__ == "__main__":
    main()
