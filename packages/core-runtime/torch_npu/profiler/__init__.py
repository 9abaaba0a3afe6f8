"""torch_npu.profiler: the reference's profiler API (the ``torch-npu-profiler`` wheel).

``profile``, ``schedule``, ``tensorboard_trace_handler``, ``ProfilerActivity``,
``_ExperimentalConfig`` and the rest live in ``torch_npu_profiler``; this module is
where users reach them, as in the reference.
"""

try:
    import torch_npu_profiler  # noqa: F401
except ModuleNotFoundError as error:
    if error.name != "torch_npu_profiler":
        raise
    raise ImportError(
        "torch_npu.profiler needs the profiler, which is not installed: "
        'pip install "torch-npu[profiler]"'
    ) from error

from torch_npu_profiler.api import *  # noqa: E402,F401,F403
from torch_npu_profiler.api import __all__  # noqa: E402,F401
