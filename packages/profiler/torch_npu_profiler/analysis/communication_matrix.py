"""ASCEND_PROFILER_OUTPUT/communication_matrix.json: each HCCL op type's links, by step (Level0 and up).

``{"step2": {"collective": {"allreduce-top1": {"0-1": {"Transport Type": "HCCS", "Transit Size(MB)": ...,
"Transit Time(ms)": ..., "Bandwidth(GB/s)": ..., "Op Name": ...}}, "allreduce-total": {...}}, "p2p": {...}}}``:
as the reference, per op type and link the ops with the highest (``top1``), median (``middle``)
and lowest (``bottom1..3``) bandwidth, and their ``total``. The simulator measures no traffic
per link: each link from this rank to every other carries the op's payload in the op's
elapsed time (see communication.py). The reference suffixes each name with ``@`` and the
communicator's group, which the profile does not record.
"""

import json
from collections import defaultdict
from pathlib import Path
from typing import Any, Dict, List, Tuple

from torch_npu_profiler.analysis.collectives import communication_ops, ratio
from torch_npu_profiler.analysis.communication import BANDWIDTH, SIMULATED_TRANSPORT, TRANSIT_SIZE, TRANSIT_TIME
from torch_npu_profiler.analysis.raw_data import ProfileData

FILE_NAME = "communication_matrix.json"
TRANSPORT_TYPE, OP_NAME = "Transport Type", "Op Name"


def _links(data: ProfileData) -> List[str]:
    rank = max(data.rank, 0)
    return [f"{rank}-{peer}" for peer in range(data.world_size) if peer != rank]


def _ranked(entries: Dict[Tuple[str, str], List[Dict[str, Any]]]) -> Dict[str, Dict[str, Any]]:
    result: Dict[str, Dict[str, Any]] = defaultdict(dict)
    for (kind_of_op, link), found in sorted(entries.items()):
        found.sort(key=lambda entry: entry[BANDWIDTH], reverse=True)
        picks = {"top1": found[0], "middle": found[len(found) // 2], "bottom1": found[-1]}
        picks.update({f"bottom{n}": found[-n] for n in (2, 3) if len(found) >= n})
        for label, entry in picks.items():
            result[f"{kind_of_op}-{label}"][link] = entry
        size = sum(entry[TRANSIT_SIZE] for entry in found)
        time_ms = sum(entry[TRANSIT_TIME] for entry in found)
        result[f"{kind_of_op}-total"][link] = {TRANSPORT_TYPE: found[0][TRANSPORT_TYPE], TRANSIT_SIZE: size,
                                               TRANSIT_TIME: time_ms, BANDWIDTH: ratio(size, time_ms)}  # fmt: skip
    return dict(result)


def document(data: ProfileData) -> Dict[str, Any]:
    """The file's content."""
    result: Dict[str, Any] = {}
    for step, kinds in communication_ops(data).items():
        result[step] = {}
        for kind, ops in kinds.items():
            entries: Dict[Tuple[str, str], List[Dict[str, Any]]] = defaultdict(list)
            for op in ops:
                for link in _links(data):
                    entries[(op.op_type.lower(), link)].append({
                        TRANSPORT_TYPE: SIMULATED_TRANSPORT, TRANSIT_SIZE: op.size_mb, TRANSIT_TIME: op.elapse_ms,
                        BANDWIDTH: ratio(op.size_mb, op.elapse_ms), OP_NAME: op.name,
                    })  # fmt: skip
            result[step][kind] = _ranked(entries)
    return result


def write(data: ProfileData, directory: Path) -> Path:
    """Writes the file into ``directory``."""
    path = directory / FILE_NAME
    path.write_text(json.dumps(document(data), indent=4, allow_nan=False))
    return path
