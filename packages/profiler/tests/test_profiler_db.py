"""export_type=ExportType.Db: ascend_pytorch_profiler.db, the reference's tables, kernels joined to their ops."""

import sqlite3

import pytest
import torch

import torch_npu.profiler as npu_profiler
from profiler_helpers import only_profile, read_csv, train_step  # noqa: F401

TABLES = {"STRING_IDS", "ENUM_API_TYPE", "PYTORCH_API", "PYTORCH_CALLCHAINS", "CONNECTION_IDS", "TASK",
          "COMPUTE_TASK_INFO", "STEP_TIME", "RANK_DEVICE_MAP", "MEMORY_RECORD", "OP_MEMORY"}  # fmt: skip
TASK_COLUMNS = ["startNs", "endNs", "deviceId", "connectionId", "globalTaskId", "globalPid", "taskType",
                "contextId", "streamId", "taskId", "modelId"]  # fmt: skip
# Each kernel, named, with the host op that launched it.
KERNELS_OF_OPS = """
SELECT op_name.value, kernel_name.value, task.startNs, task.endNs
FROM PYTORCH_API api
JOIN CONNECTION_IDS conn ON conn.id = api.connectionId
JOIN TASK task ON task.connectionId = conn.connectionId
JOIN COMPUTE_TASK_INFO info ON info.globalTaskId = task.globalTaskId
JOIN STRING_IDS op_name ON op_name.id = api.name
JOIN STRING_IDS kernel_name ON kernel_name.id = info.name
"""


def _profile(root, step, export_type, **options):
    config = npu_profiler._ExperimentalConfig(export_type=export_type)
    with npu_profiler.profile(schedule=npu_profiler.schedule(wait=0, warmup=1, active=2, repeat=1),
                              on_trace_ready=npu_profiler.tensorboard_trace_handler(str(root)),
                              record_shapes=True, experimental_config=config, **options) as prof:  # fmt: skip
        for _ in range(3):
            step()
            prof.step()
    return only_profile(root) / "ASCEND_PROFILER_OUTPUT"


@pytest.fixture
def both(tmp_path, train_step):  # noqa: F811
    return _profile(tmp_path, train_step, [npu_profiler.ExportType.Text, npu_profiler.ExportType.Db],
                    profile_memory=True)


def test_db_alone_writes_only_the_database(tmp_path, train_step):  # noqa: F811
    output = _profile(tmp_path, train_step, npu_profiler.ExportType.Db)
    assert sorted(path.name for path in output.iterdir()) == ["ascend_pytorch_profiler.db"]


def test_the_database_has_the_reference_tables(both):
    with sqlite3.connect(both / "ascend_pytorch_profiler.db") as db:
        tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        assert tables == TABLES
        assert [row[1] for row in db.execute("PRAGMA table_info(TASK)")] == TASK_COLUMNS
        assert [step for (step,) in db.execute("SELECT id FROM STEP_TIME ORDER BY id")] == [1, 2]


def test_kernels_join_to_the_ops_that_launched_them(both):
    kernels = read_csv(both / "kernel_details.csv")
    with sqlite3.connect(both / "ascend_pytorch_profiler.db") as db:
        joined = db.execute(KERNELS_OF_OPS).fetchall()
        compute_tasks = db.execute("SELECT count(*) FROM COMPUTE_TASK_INFO").fetchone()[0]
        all_tasks = db.execute("SELECT count(*) FROM TASK").fetchone()[0]
    assert all_tasks == len(kernels)
    assert len(joined) == compute_tasks == sum(1 for row in kernels if row["Accelerator Core"] == "AI_CORE")
    assert {(op, kernel) for op, kernel, _, _ in joined} >= {("aten::addmm", "aclnnAddmm"), ("aten::relu", "aclnnRelu")}
    assert all(start <= end for _, _, start, end in joined)


def test_memory_tables_match_the_csv(both):
    rows = read_csv(both / "operator_memory.csv")
    with sqlite3.connect(both / "ascend_pytorch_profiler.db") as db:
        sizes = sorted(size for (size,) in db.execute("SELECT size FROM OP_MEMORY"))
        records = db.execute("SELECT count(*) FROM MEMORY_RECORD").fetchone()[0]
    assert sizes == sorted(round(float(row["Size(KB)"]) * 1024) for row in rows)
    assert records == len(read_csv(both / "memory_record.csv"))
