"""``profile``: the reference's profiler session, on top of torch.profiler.

Host operators, their shapes and stacks come from torch.profiler (PyTorch's RecordFunction
events); the NPU timeline comes from torch_npu_profiler's kineto child profiler, which the
session forces on (torch.profiler itself runs with its CPU activity only: the same path on
every supported PyTorch, see compat/README.md). What one session (or one recorded schedule cycle)
collected becomes a ProfileData, which the trace handler and the exports write out.
"""

import importlib.metadata
import json
import time
import warnings
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, List, Optional, Tuple

import torch
import torch.profiler

import torch_npu
from torch_npu.npu import mstx
from torch_npu_profiler import _C
from torch_npu_profiler.activities import ProfilerActivity, supported_activities
from torch_npu_profiler.analysis import output_directory, trace_view
from torch_npu_profiler.analysis.raw_data import HostOp, ProfileData, from_kineto, memory_records_of
from torch_npu_profiler.experimental_config import ProfilerLevel, _ExperimentalConfig
from torch_npu_profiler.schedule import ProfilerAction

# export_stacks' NPU metric is torch's device metric.
_STACK_METRICS = {"self_npu_time_total": "self_device_time_total"}


def _clock_info() -> Dict[str, int]:
    return {"time_ns": time.time_ns(), "monotonic_ns": time.monotonic_ns()}


def _rank() -> int:
    """This process's rank under torch.distributed, else -1."""
    distributed = torch.distributed
    return distributed.get_rank() if distributed.is_available() and distributed.is_initialized() else -1


def _world_size() -> int:
    """The number of ranks under torch.distributed, else 1."""
    distributed = torch.distributed
    return distributed.get_world_size() if distributed.is_available() and distributed.is_initialized() else 1


def _take_task_bytes() -> Dict[Tuple[int, int], int]:
    """The bytes of the device tasks processed since the last call, by (stream, start_ns)."""
    return {(stream, start_ns): size for _device, stream, start_ns, size in _C._take_task_bytes()}


class profile:  # noqa: N801  (the reference's name)
    """Profiles the code run between ``start()`` and ``stop()`` (or inside ``with``).

    ``schedule`` (see ``torch_npu.profiler.schedule``) picks the recorded steps, counted by
    ``step()``; ``on_trace_ready(prof)`` runs after each recorded cycle, typically a
    ``tensorboard_trace_handler``. Without a schedule the whole session is one cycle.
    """

    def __init__(
        self,
        *,
        activities: Optional[Iterable[ProfilerActivity]] = None,
        schedule: Optional[Callable[[int], ProfilerAction]] = None,
        on_trace_ready: Optional[Callable[["profile"], Any]] = None,
        record_shapes: bool = False,
        profile_memory: bool = False,
        with_stack: bool = False,
        with_flops: bool = False,
        with_modules: bool = False,
        experimental_config: Optional[_ExperimentalConfig] = None,
    ) -> None:
        self.activities = list(activities) if activities is not None else supported_activities()
        for activity in self.activities:
            if not isinstance(activity, ProfilerActivity):
                raise TypeError(f"activities must be torch_npu.profiler.ProfilerActivity members, not {activity!r}")
        self.experimental_config = experimental_config or _ExperimentalConfig()
        if not isinstance(self.experimental_config, _ExperimentalConfig):
            raise TypeError("experimental_config must be a torch_npu.profiler._ExperimentalConfig")
        self.on_trace_ready = on_trace_ready
        self._records_device = (ProfilerActivity.NPU in self.activities
                                and self.experimental_config.profiler_level != ProfilerLevel.Level_none)  # fmt: skip
        if self._records_device and not _C._has_device_records():
            warnings.warn("this runtime hands over no device records (reading CANN's msprof data is not "
                          "implemented yet): the profile has host operators only", stacklevel=2)  # fmt: skip
        self._options = {"record_shapes": record_shapes, "profile_memory": profile_memory, "with_stack": with_stack,
                         "with_flops": with_flops, "with_modules": with_modules}  # fmt: skip
        self._schedule = schedule
        self._torch = torch.profiler.profile(
            activities=[torch.profiler.ProfilerActivity.CPU], schedule=schedule,
            on_trace_ready=self._trace_ready if on_trace_ready else None, **self._options,
            # verbose: each op's python stack (2.9 records none without it)
            experimental_config=torch.profiler._ExperimentalConfig(verbose=True) if with_stack else None,
        )  # fmt: skip
        self._metadata: Dict[str, Any] = {}
        self._start_info: Dict[str, int] = {}
        self._end_info: Dict[str, int] = {}
        self._data: Optional[ProfileData] = None
        self._mstx_ranges: List[mstx.Range] = []  # range_start/range_end ranges of the cycle
        self._task_bytes: Dict[Tuple[int, int], int] = {}  # (stream, start_ns) -> bytes, of the cycle

    # --- the session -------------------------------------------------------------------

    def __enter__(self) -> "profile":
        self.start()
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.stop()

    def start(self) -> None:
        """Starts the session (the schedule's first step begins)."""
        self._start_info = _clock_info()
        _C._force_device_timeline(self._records_device)
        mstx._start_collecting()
        self._torch.start()

    def stop(self) -> None:
        """Ends the session; a cycle still recording is handed to ``on_trace_ready``."""
        try:
            self._torch.stop()
        finally:
            _C._force_device_timeline(False)
            left = mstx._take_collected(stop=True)
            bytes_left = _take_task_bytes()
        if self.on_trace_ready is None:
            self._mstx_ranges += left
            self._task_bytes.update(bytes_left)
        self._end_info = _clock_info()

    def step(self) -> None:
        """Ends the current step and begins the next (what the schedule counts)."""
        self._torch.step()

    @property
    def step_num(self) -> int:
        """The current step's number."""
        return self._torch.step_num

    # --- what it recorded -----------------------------------------------------------------

    def _trace_ready(self, _torch_profile: torch.profiler.profile) -> None:
        self._data = None
        self._mstx_ranges = mstx._take_collected()
        self._task_bytes = _take_task_bytes()
        self.on_trace_ready(self)

    def data(self) -> ProfileData:
        """The raw data of the last recorded cycle."""
        if self._data is None:
            kineto = getattr(self._torch.profiler, "kineto_results", None) if self._torch.profiler else None
            if kineto is None:
                raise RuntimeError("the profiler has recorded nothing yet (use it as a context manager, "
                                   "or call start() and stop())")  # fmt: skip
            ranges = [HostOp(name=r.name, start_ns=r.start_ns, end_ns=r.end_ns, thread=r.thread, correlation_id=0)
                      for r in self._mstx_ranges]  # fmt: skip
            memory = memory_records_of(kineto.experimental_event_tree()) if self._options["profile_memory"] else []
            self._data = from_kineto(kineto.events(), self._config(), with_host=ProfilerActivity.CPU in self.activities,
                                     with_device=self._records_device, extra_host_ops=ranges,
                                     memory_records=memory, task_bytes=self._task_bytes)  # fmt: skip
            self._data.rank, self._data.world_size = _rank(), _world_size()
        return self._data

    def _config(self) -> Dict[str, Any]:
        return {
            "common_config": {"activities": [a.value for a in self.activities], "schedule": repr(self._schedule),
                              **self._options},
            "experimental_config": self.experimental_config.to_dict(),
        }  # fmt: skip

    def _write_raw(self, directory: Path) -> None:
        """Writes the output directory's info, metadata and raw data (tensorboard_trace_handler)."""
        rank = _rank()
        versions = {"torch_version": torch.__version__,
                    "torch_npu_version": importlib.metadata.version("torch-npu"),
                    "cann_version": torch_npu.npu.get_cann_version()}  # fmt: skip
        info = {"config": self._config(), "start_info": self._start_info, "end_info": self._end_info or _clock_info(),
                **versions, "rank_id": rank}  # fmt: skip
        output_directory.write_raw(directory, self.data(), info, {**versions, **self._metadata}, rank)

    # --- exports ----------------------------------------------------------------------------

    def export_chrome_trace(self, path: str) -> str:
        """Writes the timeline (trace_view.json's format) to ``path``."""
        return str(trace_view.write(self.data(), Path(path)))

    def export_stacks(self, path: str, metric: str = "self_cpu_time_total") -> None:
        """Writes the stacks (needs ``with_stack=True``) with ``metric`` per stack, as torch.profiler does."""
        self._torch.export_stacks(path, _STACK_METRICS.get(metric, metric))

    def export_memory_timeline(self, output_path: str, device: Optional[str] = None) -> None:
        """Writes the memory timeline of ``device`` (default ``npu:0``) as torch.profiler does.

        Needs ``record_shapes``, ``profile_memory`` and ``with_stack``. The format follows
        ``output_path``'s suffix: ``.json`` or ``.json.gz`` (times and sizes by category),
        ``.raw.json.gz`` (every memory event); ``.html`` is not supported (torch.profiler's plot
        reads the CUDA allocator's peaks).
        """
        if output_path.endswith(".html"):
            raise NotImplementedError("export_memory_timeline to .html is not supported yet on NPU "
                                      "(use .json, .json.gz or .raw.json.gz)")  # fmt: skip
        self._torch.export_memory_timeline(output_path, device or "npu:0")

    def add_metadata(self, key: str, value: str) -> None:
        """Adds ``key: value`` to profiler_metadata.json."""
        self._metadata[str(key)] = str(value)

    def add_metadata_json(self, key: str, value: str) -> None:
        """Adds ``key`` with the JSON document ``value`` to profiler_metadata.json."""
        self._metadata[str(key)] = json.loads(value)
