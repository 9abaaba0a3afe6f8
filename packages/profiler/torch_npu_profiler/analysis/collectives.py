"""The HCCL collectives of a profile, by step, as communication.json and communication_matrix.json see them.

Each collective task the simulator recorded is one communication op, named as the
reference names HCCL's (``hcom_allReduce__{n}_0_1``: its type, then its index in the
profile), in the step its launching host op ran in (``step{N}``, or ``step`` without a
schedule), as ``p2p`` (send/receive) or ``collective``.
"""

from collections import defaultdict
from dataclasses import dataclass
from typing import Dict, List

from torch_npu_profiler.analysis.host_tree import HostTree
from torch_npu_profiler.analysis.raw_data import DeviceTask, ProfileData, TaskKind

COLLECTIVE, P2P = "collective", "p2p"
# The simulated HCCL's task names and the reference's op types.
_OP_TYPES = {
    "HcclAllReduce": "allReduce", "HcclBroadcast": "broadcast", "HcclReduce": "reduce",
    "HcclAllGather": "allGather", "HcclReduceScatter": "reduceScatter", "HcclAlltoAllV": "alltoallv",
    "HcclBatchSendRecv": "batchSendRecv", "HcclBarrier": "barrier",
}  # fmt: skip
_P2P_TYPES = {"batchSendRecv"}
BYTES_PER_MB = 1024 * 1024


@dataclass
class CommunicationOp:
    """One collective as the communication files show it."""

    name: str  # hcom_{type}__{index}_0_1
    op_type: str
    step: str
    kind: str  # COLLECTIVE or P2P
    task: DeviceTask

    @property
    def size_mb(self) -> float:
        """The payload of this rank's buffers, in MB."""
        return self.task.bytes / BYTES_PER_MB

    @property
    def elapse_ms(self) -> float:
        """How long the collective's task ran on its stream."""
        return (self.task.end_ns - self.task.start_ns) / 1e6


def op_type(task: DeviceTask) -> str:
    """The reference's type of the collective ``task`` (its task name without ``Hccl``, lowercased first)."""
    return _OP_TYPES.get(task.name, task.name[len("Hccl"):][:1].lower() + task.name[len("Hccl") + 1:])


def communication_ops(data: ProfileData) -> Dict[str, Dict[str, List[CommunicationOp]]]:
    """step -> kind -> its communication ops, by start."""
    tree = HostTree(data)
    by_step: Dict[str, Dict[str, List[CommunicationOp]]] = defaultdict(lambda: {P2P: [], COLLECTIVE: []})
    tasks = sorted((t for t in data.device_tasks if t.kind == TaskKind.COLLECTIVE), key=lambda t: t.start_ns)
    for index, task in enumerate(tasks):
        kind_of_op = op_type(task)
        step = tree.step_of(task)
        step_name = f"step{step.number}" if step is not None else "step"
        kind = P2P if kind_of_op in _P2P_TYPES else COLLECTIVE
        by_step[step_name][kind].append(CommunicationOp(f"hcom_{kind_of_op}__{index}_0_1", kind_of_op, step_name,
                                                        kind, task))  # fmt: skip
    return dict(by_step)


def ratio(dividend: float, divisor: float) -> float:
    """``dividend / divisor`` to 4 places, 0 when the divisor is 0 (the reference's rule)."""
    return 0 if abs(divisor) < 1e-15 else round(dividend / divisor, 4)


def has_collectives(data: ProfileData) -> bool:
    """Whether some HCCL collective ran in the profile."""
    return any(task.kind == TaskKind.COLLECTIVE for task in data.device_tasks)
