"""ASCEND_PROFILER_OUTPUT/communication.json: each HCCL op's time and bandwidth, by step (Level0 and up).

``{"step2": {"collective": {"hcom_allReduce__0_0_1": {"Communication Time Info": {...},
"Communication Bandwidth Info": {"HCCS": {...}, ...}}, ..., "Total Op Info": {...}}, "p2p": {...}}}``
with the reference's keys. What the simulator measures: each op's start, its elapsed time
(its task's span on the stream) and its payload (the bytes of this rank's buffers). It
runs a collective as one task that exchanges whole buffers through host memory, so the
whole span counts as transit time and the payload as one HCCS transfer (the intra-server
link); the other transports are 0, and Wait, Synchronization and Idle time (which need the
peers' timelines) are 0, as is the Large Packet Ratio (no packets). Start Timestamp(us) is
epoch microseconds, as the reference's, so that ranks compare.
"""

import json
from collections import defaultdict
from pathlib import Path
from typing import Any, Dict, List

from torch_npu_profiler.analysis.collectives import CommunicationOp, communication_ops, ratio
from torch_npu_profiler.analysis.raw_data import ProfileData

FILE_NAME = "communication.json"
TIME_INFO, BANDWIDTH_INFO, TOTAL = "Communication Time Info", "Communication Bandwidth Info", "Total Op Info"
START, ELAPSE, TRANSIT_TIME = "Start Timestamp(us)", "Elapse Time(ms)", "Transit Time(ms)"
WAIT, SYNCHRONIZATION, IDLE = "Wait Time(ms)", "Synchronization Time(ms)", "Idle Time(ms)"
WAIT_RATIO, SYNCHRONIZATION_RATIO = "Wait Time Ratio", "Synchronization Time Ratio"
TRANSIT_SIZE, BANDWIDTH, LARGE_PACKET_RATIO, SIZE_DISTRIBUTION = (
    "Transit Size(MB)", "Bandwidth(GB/s)", "Large Packet Ratio", "Size Distribution")  # fmt: skip
TRANSPORTS = ["RDMA", "HCCS", "PCIE", "SDMA", "SIO"]
# Where the simulator's transfers count: ranks of one host.
SIMULATED_TRANSPORT = "HCCS"


def _time_info(op: CommunicationOp) -> Dict[str, float]:
    elapse = op.elapse_ms
    return {START: op.task.start_ns / 1000, ELAPSE: elapse, TRANSIT_TIME: elapse, WAIT: 0.0, SYNCHRONIZATION: 0.0,
            IDLE: 0.0, WAIT_RATIO: ratio(0.0, elapse), SYNCHRONIZATION_RATIO: ratio(0.0, elapse)}  # fmt: skip


def _transport(size_mb: float, time_ms: float, distribution: Dict[str, List[float]]) -> Dict[str, Any]:
    return {TRANSIT_SIZE: size_mb, TRANSIT_TIME: time_ms, BANDWIDTH: ratio(size_mb, time_ms), LARGE_PACKET_RATIO: 0.0,
            SIZE_DISTRIBUTION: distribution}  # fmt: skip


def _bandwidth_info(op: CommunicationOp) -> Dict[str, Dict[str, Any]]:
    info = {transport: _transport(0.0, 0.0, {}) for transport in TRANSPORTS}
    if op.task.bytes:
        info[SIMULATED_TRANSPORT] = _transport(op.size_mb, op.elapse_ms, {str(op.size_mb): [1, op.elapse_ms]})
    return info


def _total(ops: Dict[str, Dict[str, Any]]) -> Dict[str, Any]:
    """The reference's Total Op Info: times summed (ratios of the sums), transports summed."""
    times: Dict[str, float] = defaultdict(float)
    sizes: Dict[str, Dict[str, float]] = defaultdict(lambda: defaultdict(float))
    distributions: Dict[str, Dict[str, List[float]]] = defaultdict(lambda: defaultdict(lambda: [0, 0.0]))
    for op in ops.values():
        for key, value in op[TIME_INFO].items():
            if key not in (START, WAIT_RATIO, SYNCHRONIZATION_RATIO):
                times[key] += value
        for transport, info in op[BANDWIDTH_INFO].items():
            sizes[transport][TRANSIT_SIZE] += info[TRANSIT_SIZE]
            sizes[transport][TRANSIT_TIME] += info[TRANSIT_TIME]
            for size, (count, time_ms) in info[SIZE_DISTRIBUTION].items():
                distributions[transport][size][0] += count
                distributions[transport][size][1] += time_ms
    times[WAIT_RATIO] = ratio(times[WAIT], times[WAIT] + times[TRANSIT_TIME])
    times[SYNCHRONIZATION_RATIO] = ratio(times[SYNCHRONIZATION], times[SYNCHRONIZATION] + times[TRANSIT_TIME])
    bandwidth = {transport: _transport(total[TRANSIT_SIZE], total[TRANSIT_TIME], dict(distributions[transport]))
                 for transport, total in sizes.items()}  # fmt: skip
    return {TIME_INFO: dict(times), BANDWIDTH_INFO: bandwidth}


def document(data: ProfileData) -> Dict[str, Any]:
    """The file's content."""
    result: Dict[str, Any] = {}
    for step, kinds in communication_ops(data).items():
        result[step] = {}
        for kind, ops in kinds.items():
            entries = {op.name: {TIME_INFO: _time_info(op), BANDWIDTH_INFO: _bandwidth_info(op)} for op in ops}
            if entries:
                entries[TOTAL] = _total(entries)
            result[step][kind] = entries
    return result


def write(data: ProfileData, directory: Path) -> Path:
    """Writes the file into ``directory``."""
    path = directory / FILE_NAME
    path.write_text(json.dumps(document(data), indent=4, allow_nan=False))
    return path
