"""``_ExperimentalConfig`` and its option enums, with the reference's names and values."""

import warnings
from typing import List, Sequence, Union


class ProfilerLevel:
    """How much device data a session collects (each level includes the ones before)."""

    Level_none = "Level_none"
    Level0 = "Level0"
    Level1 = "Level1"
    Level2 = "Level2"


class AiCMetrics:
    """AI Core hardware counter groups (not simulated: see _ExperimentalConfig)."""

    AiCoreNone = "AiCoreNone"
    PipeUtilization = "PipeUtilization"
    ArithmeticUtilization = "ArithmeticUtilization"
    Memory = "Memory"
    MemoryL0 = "MemoryL0"
    ResourceConflictRatio = "ResourceConflictRatio"
    MemoryUB = "MemoryUB"
    L2Cache = "L2Cache"
    MemoryAccess = "MemoryAccess"


class ExportType:
    """Formats the analysis writes."""

    Text = "text"
    Db = "db"


class HostSystem:
    """Host system data the reference samples (CPU, memory, disk, network, OS runtime API)."""

    CPU = "cpu"
    MEM = "mem"
    DISK = "disk"
    NETWORK = "network"
    OSRT = "osrt"


def _values(options: type) -> List[str]:
    return [value for name, value in vars(options).items() if not name.startswith("_")]


def supported_profiler_level() -> List[str]:
    """Every ProfilerLevel value."""
    return _values(ProfilerLevel)


def supported_ai_core_metrics() -> List[str]:
    """Every AiCMetrics value (all but AiCoreNone need hardware counters the simulator lacks)."""
    return _values(AiCMetrics)


def supported_export_type() -> List[str]:
    """Every ExportType value this build writes."""
    return [ExportType.Text, ExportType.Db]


class _ExperimentalConfig:
    """Options beyond torch.profiler's, as the reference's ``torch_npu.profiler._ExperimentalConfig``.

    Options that need the hardware's counters (``aic_metrics``, ``l2_cache``) warn that the
    simulator does not provide them; everything else is collected as usual. ``torch_npu.npu.mstx``
    marks and ranges are recorded whether or not ``mstx`` is set (they are torch.profiler user
    ranges).
    """

    def __init__(
        self,
        profiler_level: str = ProfilerLevel.Level0,
        aic_metrics: str = AiCMetrics.AiCoreNone,
        l2_cache: bool = False,
        data_simplification: bool = True,
        record_op_args: bool = False,
        export_type: Union[str, Sequence[str]] = ExportType.Text,
        mstx: bool = False,
    ) -> None:
        _check_choice("profiler_level", profiler_level, supported_profiler_level())
        _check_choice("aic_metrics", aic_metrics, supported_ai_core_metrics())
        export_types = [export_type] if isinstance(export_type, str) else list(dict.fromkeys(export_type))
        if not export_types:
            raise ValueError("export_type must name at least one of ExportType.Text, ExportType.Db")
        for value in export_types:
            _check_choice("export_type", value, supported_export_type())
        if record_op_args:
            raise NotImplementedError(
                "record_op_args=True is not supported on the simulator: the reference has CANN dump each AI Core "
                "kernel's arguments (aclopStartDumpArgs(ACL_OP_DUMP_OP_AICORE_ARGS)) into '{profile dir}_op_args', "
                "and the simulator runs no AI Core kernels, so there are no such arguments to dump")  # fmt: skip
        if aic_metrics != AiCMetrics.AiCoreNone:
            warnings.warn(f"aic_metrics={aic_metrics!r}: AI Core counters are not simulated; "
                          "the profile has everything else, without them", stacklevel=2)  # fmt: skip
        if l2_cache:
            warnings.warn("l2_cache=True: the L2 cache is not simulated; the profile has everything else, "
                          "without L2 cache data", stacklevel=2)  # fmt: skip
        self.profiler_level = profiler_level
        self.aic_metrics = aic_metrics
        self.l2_cache = l2_cache
        self.data_simplification = data_simplification
        self.record_op_args = record_op_args
        self.export_type = export_types  # the reference's: always a list
        self.mstx = mstx

    def to_dict(self) -> dict:
        """The options, for profiler_info.json."""
        return dict(vars(self))


def _check_choice(option: str, value: str, choices: List[str]) -> None:
    if value not in choices:
        raise ValueError(f"{option}={value!r} is not one of {choices}")
