"""ASCEND_PROFILER_OUTPUT/ascend_pytorch_profiler[_{rank}].db (``export_type=ExportType.Db``): the profile in sqlite.

A faithful subset of the reference's database, with its table and column names: strings
in STRING_IDS (other tables hold their ids), times in epoch nanoseconds, sizes in bytes.

    STRING_IDS(id, value)                ENUM_API_TYPE(id, name)
    PYTORCH_API(startNs, endNs, globalTid, connectionId, name, sequenceNumber, fwdThreadId,
                inputDtypes, inputShapes, callchainId, type)      host ops (type 50001)
    PYTORCH_CALLCHAINS(id, stack, stackDepth)                    with_stack frames
    CONNECTION_IDS(id, connectionId)     PYTORCH_API.connectionId -> the tasks' TASK.connectionId
    TASK(startNs, endNs, deviceId, connectionId, globalTaskId, globalPid, taskType, contextId,
         streamId, taskId, modelId)      every device task
    COMPUTE_TASK_INFO(name, globalTaskId, blockDim, mixBlockDim, taskType, opType, inputFormats,
                      inputDataTypes, inputShapes, outputFormats, outputDataTypes, outputShapes,
                      attrInfo)          kernels
    STEP_TIME(id, startNs, endNs)        RANK_DEVICE_MAP(rankId, deviceId)
    MEMORY_RECORD, OP_MEMORY             with profile_memory (as memory_record/operator_memory.csv)

What the simulator does not have is the reference's invalid value (4294967295: block
dimensions, context and model ids) or NULL (sequence numbers, active memory, streams,
attributes); output descriptors are "N/A". Not written: CANN_API, COMMUNICATION_OP,
COMMUNICATION_TASK_INFO, MSTX_EVENTS, GC_RECORD, META_DATA, HOST_INFO, and analysis.db.
"""

import sqlite3
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence

from torch_npu_profiler.analysis.csv_table import shapes_text
from torch_npu_profiler.analysis.host_tree import HostTree
from torch_npu_profiler.analysis.kernel_details import NOT_SIMULATED, accelerator_core, task_type
from torch_npu_profiler.analysis.operator_memory import allocations
from torch_npu_profiler.analysis.raw_data import ProfileData, TaskKind

FILE_NAME = "ascend_pytorch_profiler.db"
INVALID = 4294967295  # the reference's DB_INVALID_VALUE
API_TYPES = [(50001, "op"), (50002, "queue"), (50003, "trace"), (50004, "mstx")]
TORCH_OP = 50001
MEMORY_COMPONENT = "PTA"

_SCHEMA = {
    "STRING_IDS": "id INTEGER PRIMARY KEY, value TEXT",
    "ENUM_API_TYPE": "id INTEGER PRIMARY KEY, name TEXT",
    "PYTORCH_API": "startNs TEXT, endNs TEXT, globalTid INTEGER, connectionId INTEGER, name INTEGER, "
                   "sequenceNumber INTEGER, fwdThreadId INTEGER, inputDtypes INTEGER, inputShapes INTEGER, "
                   "callchainId INTEGER, type INTEGER",
    "PYTORCH_CALLCHAINS": "id INTEGER, stack INTEGER, stackDepth INTEGER",
    "CONNECTION_IDS": "id INTEGER, connectionId INTEGER",
    "TASK": "startNs INTEGER, endNs INTEGER, deviceId INTEGER, connectionId INTEGER, globalTaskId INTEGER, "
            "globalPid INTEGER, taskType INTEGER, contextId INTEGER, streamId INTEGER, taskId INTEGER, "
            "modelId INTEGER",
    "COMPUTE_TASK_INFO": "name INTEGER, globalTaskId INTEGER PRIMARY KEY, blockDim INTEGER, mixBlockDim INTEGER, "
                         "taskType INTEGER, opType INTEGER, inputFormats INTEGER, inputDataTypes INTEGER, "
                         "inputShapes INTEGER, outputFormats INTEGER, outputDataTypes INTEGER, "
                         "outputShapes INTEGER, attrInfo INTEGER",
    "STEP_TIME": "id INTEGER, startNs INTEGER, endNs INTEGER",
    "RANK_DEVICE_MAP": "rankId INTEGER, deviceId INTEGER",
    "MEMORY_RECORD": "component INTEGER, timestamp INTEGER, totalAllocated INTEGER, totalReserved INTEGER, "
                     "totalActive INTEGER, streamPtr INTEGER, deviceId INTEGER",
    "OP_MEMORY": "name INTEGER, size INTEGER, allocationTime INTEGER, releaseTime INTEGER, "
                 "activeReleaseTime INTEGER, duration INTEGER, activeDuration INTEGER, "
                 "allocationTotalAllocated INTEGER, allocationTotalReserved INTEGER, allocationTotalActive INTEGER, "
                 "releaseTotalAllocated INTEGER, releaseTotalReserved INTEGER, releaseTotalActive INTEGER, "
                 "streamPtr INTEGER, deviceId INTEGER",
}  # fmt: skip


class _Strings:
    """STRING_IDS: one id per distinct string."""

    def __init__(self) -> None:
        self.ids: Dict[str, int] = {}

    def __call__(self, value: str) -> int:
        return self.ids.setdefault(value, len(self.ids))


def file_name(data: ProfileData) -> str:
    """The reference's name: ``ascend_pytorch_profiler_{rank}.db`` under torch.distributed."""
    return FILE_NAME if data.rank < 0 else f"ascend_pytorch_profiler_{data.rank}.db"


def _insert(db: sqlite3.Connection, table: str, rows: Iterable[Sequence[object]]) -> None:
    rows = list(rows)
    if rows:
        db.executemany(f"INSERT INTO {table} VALUES ({','.join('?' * len(rows[0]))})", rows)


def _host_rows(data: ProfileData, strings: _Strings, tree: HostTree, db: sqlite3.Connection) -> None:
    api, callchains, connections = [], [], []
    for index, op in enumerate(data.host_ops):
        if op.is_python:
            continue
        connection: Optional[int] = None
        if tree.launched.get(index):
            connection = len(connections)
            connections.append((connection, op.correlation_id))
        callchain: Optional[int] = None
        if op.stack:
            callchain = index
            callchains += [(index, strings(frame), depth) for depth, frame in enumerate(op.stack)]
        global_tid = (data.host_pid << 32) | (op.thread & 0xFFFFFFFF)
        api.append((str(op.start_ns), str(op.end_ns), global_tid, connection, strings(op.name), None, None,
                    strings(";".join(op.input_types)), strings(shapes_text(op.input_shapes)), callchain,
                    TORCH_OP))  # fmt: skip
    _insert(db, "PYTORCH_API", api)
    _insert(db, "PYTORCH_CALLCHAINS", callchains)
    _insert(db, "CONNECTION_IDS", connections)


def _device_rows(data: ProfileData, strings: _Strings, tree: HostTree, db: sqlite3.Connection) -> None:
    tasks, compute = [], []
    per_stream: Dict[tuple, int] = {}
    for global_id, task in enumerate(sorted(data.device_tasks, key=lambda t: (t.start_ns, t.device, t.stream))):
        core = accelerator_core(task)
        kind = strings(core if core != NOT_SIMULATED else task.name)
        task_id = per_stream.get((task.device, task.stream), 0)
        per_stream[(task.device, task.stream)] = task_id + 1
        tasks.append((task.start_ns, task.end_ns, task.device, task.correlation_id or None, global_id, data.host_pid,
                      kind, INVALID, task.stream, task_id, INVALID))  # fmt: skip
        if task.kind == TaskKind.KERNEL:
            launcher = tree.launcher_of(task)
            shapes = launcher.input_shapes if launcher else []
            types = launcher.input_types if launcher else []
            compute.append((strings(task.name), global_id, INVALID, INVALID, kind, strings(task_type(task)),
                            strings(";".join("ND" for _ in shapes)), strings(";".join(types)),
                            strings(shapes_text(shapes)), strings(NOT_SIMULATED), strings(NOT_SIMULATED),
                            strings(NOT_SIMULATED), None))  # fmt: skip
    _insert(db, "TASK", tasks)
    _insert(db, "COMPUTE_TASK_INFO", compute)


def _memory_rows(data: ProfileData, strings: _Strings, db: sqlite3.Connection) -> None:
    _insert(db, "MEMORY_RECORD", [(strings(MEMORY_COMPONENT), r.time_ns, r.total_allocated, r.total_reserved, None,
                                   None, r.device) for r in data.memory_records])  # fmt: skip
    rows: List[Sequence[object]] = []
    for allocation, release in allocations(data):
        released = release is not None
        rows.append((strings(allocation.op), allocation.size, allocation.time_ns,
                     release.time_ns if released else None, None,
                     release.time_ns - allocation.time_ns if released else None, None, allocation.total_allocated,
                     allocation.total_reserved, None, release.total_allocated if released else None,
                     release.total_reserved if released else None, None, None, allocation.device))  # fmt: skip
    _insert(db, "OP_MEMORY", rows)


def write(data: ProfileData, directory: Path) -> Path:
    """Writes the database into ``directory`` (replacing an earlier one)."""
    path = directory / file_name(data)
    path.unlink(missing_ok=True)
    tree = HostTree(data)
    strings = _Strings()
    db = sqlite3.connect(path)
    try:
        with db:
            for table, columns in _SCHEMA.items():
                db.execute(f"CREATE TABLE {table} ({columns})")
            _insert(db, "ENUM_API_TYPE", API_TYPES)
            _host_rows(data, strings, tree, db)
            _device_rows(data, strings, tree, db)
            if data.config.get("common_config", {}).get("profile_memory"):
                _memory_rows(data, strings, db)
            _insert(db, "STEP_TIME", [(step.number, step.start_ns, step.end_ns) for step in data.steps])
            _insert(db, "RANK_DEVICE_MAP", [(data.rank, device)
                                            for device in sorted({t.device for t in data.device_tasks})])  # fmt: skip
            _insert(db, "STRING_IDS", [(index, value) for value, index in strings.ids.items()])
    finally:
        db.close()
    return path
