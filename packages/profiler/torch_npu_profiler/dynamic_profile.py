"""``dynamic_profile``: profile a running job when its JSON config file changes, without a restart.

``init(path)`` makes ``path/profiler_config.json`` (a template, when there is none) and
watches it; every ``step()`` of the training loop checks whether the file changed since, and
if it did, profiles the next ``warmup`` + ``active`` steps as the file says, writing a
``*_ascend_pt`` directory under its ``prof_dir``. ``start(config_path)`` does the same once,
from the file given, at the next step. The file has the reference's keys:

    {"activities": ["CPU", "NPU"], "prof_dir": "./", "analyse": false, "record_shapes": false,
     "with_stack": false, "with_flops": false, "with_modules": false, "active": 1, "warmup": 0,
     "start_step": 0, "experimental_config": {"profiler_level": "Level0", ...}}

``start_step`` (when above 0) holds the profile back until that many steps have run.
"""

import json
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Optional

from torch_npu_profiler.activities import ProfilerActivity
from torch_npu_profiler.experimental_config import _ExperimentalConfig
from torch_npu_profiler.profile import profile
from torch_npu_profiler.schedule import schedule
from torch_npu_profiler.trace_handler import tensorboard_trace_handler

CONFIG_FILE = "profiler_config.json"
TEMPLATE: Dict[str, Any] = {
    "activities": ["CPU", "NPU"], "prof_dir": "./", "analyse": False, "record_shapes": False,
    "profile_memory": False, "with_stack": False, "with_flops": False, "with_modules": False, "active": 1,
    "warmup": 0, "start_step": 0, "is_rank": False, "rank_list": [],
    "experimental_config": {"profiler_level": "Level0", "aic_metrics": "AiCoreNone", "l2_cache": False,
                            "data_simplification": True, "record_op_args": False, "export_type": "text",
                            "msprof_tx": False},
}  # fmt: skip
# Keys of the reference's file this build reads no further than checking they ask for nothing.
_IGNORED_WHEN_DEFAULT = {"is_rank": False, "rank_list": [], "op_attr": False, "gc_detect_threshold": None}
_PROFILE_OPTIONS = ("record_shapes", "profile_memory", "with_stack", "with_flops", "with_modules")
_EXPERIMENTAL_OPTIONS = {"profiler_level": "profiler_level", "aic_metrics": "aic_metrics", "l2_cache": "l2_cache",
                         "data_simplification": "data_simplification", "record_op_args": "record_op_args",
                         "export_type": "export_type", "msprof_tx": "mstx"}  # fmt: skip


@dataclass
class _Watch:
    """What init() watches and what step() has seen of it."""

    config_path: Path
    seen_mtime_ns: int


@dataclass
class _Pending:
    """A profile the config asked for, waiting for its start step."""

    config: Dict[str, Any]
    start_step: int


_watch: Optional[_Watch] = None
_pending: Optional[_Pending] = None
_running: Optional[profile] = None
_steps_left = 0
_step_count = 0


def _mtime_ns(path: Path) -> int:
    try:
        return path.stat().st_mtime_ns
    except FileNotFoundError:
        return 0


def _read_config(path: Path) -> Dict[str, Any]:
    try:
        config = json.loads(path.read_text())
    except (OSError, ValueError) as error:
        raise ValueError(f"dynamic_profile: {path} is no readable JSON profiler config: {error}") from error
    if not isinstance(config, dict):
        raise ValueError(f"dynamic_profile: {path} must hold a JSON object")
    unknown = set(config) - set(TEMPLATE) - set(_IGNORED_WHEN_DEFAULT)
    if unknown:
        raise ValueError(f"dynamic_profile: {path} has unknown keys {sorted(unknown)}")
    for key, default in _IGNORED_WHEN_DEFAULT.items():
        if config.get(key, default) != default:
            warnings.warn(f"dynamic_profile: {key}={config[key]!r} is not supported yet and is ignored", stacklevel=3)
    return config


def _make_profile(config: Dict[str, Any]) -> profile:
    experimental = dict(config.get("experimental_config", {}))
    for key, default in _IGNORED_WHEN_DEFAULT.items():
        if experimental.pop(key, default) != default:
            warnings.warn(f"dynamic_profile: experimental_config {key} is not supported yet and is ignored",
                          stacklevel=4)  # fmt: skip
    unknown = set(experimental) - set(_EXPERIMENTAL_OPTIONS)
    if unknown:
        raise ValueError(f"dynamic_profile: unknown experimental_config keys {sorted(unknown)}")
    warmup, active = int(config.get("warmup", 0)), int(config.get("active", 1))
    if active < 1 or warmup < 0:
        raise ValueError(f"dynamic_profile: active must be at least 1 and warmup not negative "
                         f"(active={active}, warmup={warmup})")  # fmt: skip
    return profile(
        activities=[ProfilerActivity(name) for name in config.get("activities", ["CPU", "NPU"])],
        schedule=schedule(wait=0, warmup=warmup, active=active, repeat=1),
        on_trace_ready=tensorboard_trace_handler(config.get("prof_dir", "./"),
                                                 analyse_flag=bool(config.get("analyse", False))),
        experimental_config=_ExperimentalConfig(**{_EXPERIMENTAL_OPTIONS[k]: v for k, v in experimental.items()}),
        **{key: bool(config.get(key, False)) for key in _PROFILE_OPTIONS},
    )  # fmt: skip


def init(path: str) -> None:
    """Watches ``path``/profiler_config.json (written from TEMPLATE when absent) from now on."""
    global _watch
    directory = Path(path)
    directory.mkdir(parents=True, exist_ok=True)
    config_path = directory / CONFIG_FILE
    if not config_path.exists():
        config_path.write_text(json.dumps(TEMPLATE, indent=4))
    _watch = _Watch(config_path, _mtime_ns(config_path))


def start(config_path: str = "") -> None:
    """Profiles from the next step as ``config_path`` (else init()'s file) says."""
    global _pending
    if not config_path and _watch is None:
        raise ValueError("dynamic_profile.start: give config_path, or call dynamic_profile.init(path) first")
    path = Path(config_path) if config_path else _watch.config_path
    config = _read_config(path)
    _pending = _Pending(config, max(_step_count, int(config.get("start_step", 0))))


def step() -> None:
    """Ends a training step: advances a running profile, or starts one the config asks for."""
    global _running, _steps_left, _step_count, _pending
    _step_count += 1
    if _running is not None:
        _running.step()
        _steps_left -= 1
        if _steps_left == 0:
            _running.stop()
            _running = None
        return
    if _watch is not None and _pending is None:
        mtime = _mtime_ns(_watch.config_path)
        if mtime != _watch.seen_mtime_ns:
            _watch.seen_mtime_ns = mtime
            start(str(_watch.config_path))
    if _pending is not None and _step_count >= _pending.start_step:
        config, _pending = _pending.config, None
        _running = _make_profile(config)
        _steps_left = int(config.get("warmup", 0)) + int(config.get("active", 1))
        _running.start()


def _reset() -> None:
    """Forgets the watch and stops a running profile (for tests and a clean shutdown)."""
    global _watch, _pending, _running, _steps_left, _step_count
    if _running is not None:
        _running.stop()
    _watch, _pending, _running, _steps_left, _step_count = None, None, None, 0, 0
