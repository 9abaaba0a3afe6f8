"""torch.npu.stress_detect: CANN's online self-test of the hardware (libascend_ml.so), as the reference
runs it between training steps to find a faulty device before it corrupts a result.

``detect_type="aic"`` tests the current device's AI Cores; ``"hccs"`` the HCCS links between the
devices of this node, through an HCCL communicator of the node's ranks (torch.distributed must be
initialized, and RANK, LOCAL_WORLD_SIZE and WORLD_SIZE set, as torchrun sets them). The answer is
the reference's: 0 passed, 1 could not run or failed (a warning says why), 2 found a hardware fault.
On the simulator it raises: there is no hardware to test.
"""

import os
import warnings
from typing import Optional

import torch
import torch_npu._C as _C

from ._lazy import _lazy_init

__all__ = ["stress_detect"]

_DETECT_MODES = {"aic": 0, "hccs": 1}
# The communicator group of this node's ranks, made on the first link test.
_node_group: Optional[torch.distributed.ProcessGroup] = None


def _node_comm() -> Optional[int]:
    """This node's HcclComm (made collectively on first use), or None with a warning why it cannot be."""
    global _node_group
    if not torch.distributed.is_initialized():
        warnings.warn("torch.distributed should be initialized for p2p detection.")
        return None
    rank, local_world, world = (int(os.environ.get(name, -1)) for name in ("RANK", "LOCAL_WORLD_SIZE", "WORLD_SIZE"))
    if -1 in (rank, local_world, world):
        warnings.warn("Environment variables 'RANK', 'LOCAL_WORLD_SIZE' or 'WORLD_SIZE' are not set.")
        return None
    if _node_group is None:
        # new_group is collective over the whole world: every rank makes every node's group, in order.
        for node in range(world // local_world):
            group = torch.distributed.new_group(ranks=list(range(node * local_world, (node + 1) * local_world)))
            if node == rank // local_world:
                _node_group = group
    try:
        return _node_group._get_backend(torch.device("npu")).get_hccl_comm(rank % local_world)
    except Exception as error:  # the reference's answer for any failure to make the communicator
        warnings.warn(f"Failed to create local hccl group for p2p detection: {error}")
        return None


def stress_detect(detect_type: str = "aic") -> int:
    """Runs CANN's self-test of the AI Cores (``"aic"``) or of the HCCS links (``"hccs"``).

    Returns 0 when it passed, 1 when it could not run or failed, 2 when it found a hardware fault.
    Raises RuntimeError on the simulator, and when CANN could not restore the device's voltage.
    """
    if detect_type not in _DETECT_MODES:
        warnings.warn(
            "Detect_type should be `aic` or `hccs`. "
            "For details, `aic` is for `Online aicore detect`, and `hccs` is for `Online p2p detect`."
        )
        return 1
    _lazy_init()
    comm = 0
    if detect_type == "hccs":
        comm = _node_comm()
        if comm is None:
            return 1
    return _C._npu_stress_detect(_DETECT_MODES[detect_type], comm)
