"""Reports the environment torch_npu runs in, for bug reports.

    python -m torch_npu.utils.collect_env

prints the torch and torch_npu versions, which NPU runtime is in use (the
bundled simulator or a CANN toolkit, its library and CANN version), the
devices, Python, the OS and the environment variables that steer torch_npu.
When the runtime cannot be loaded, the report says why instead of failing.
"""

import os
import platform
import sys
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any, Dict, List, Optional, Tuple

__all__ = ["DeviceInfo", "EnvInfo", "get_env_info", "get_pretty_env_info", "main"]

# Distributions this tree builds; the first ships the torch_npu package.
_DISTRIBUTIONS: Tuple[str, ...] = ("torch-npu", "torch-npu-ops", "torch-npu-hccl")
# Environment variables read by torch_npu, its runtime or the simulator.
_ENV_PREFIXES: Tuple[str, ...] = ("ASCEND_", "TORCH_NPU_", "PYTORCH_NPU_", "HCCL_")
_ENV_NAMES: Tuple[str, ...] = ("TORCH_DEVICE_BACKEND_AUTOLOAD",)
_NOT_INSTALLED = "not installed"


@dataclass(frozen=True)
class DeviceInfo:
    """One visible NPU."""

    index: int
    name: str
    total_memory: int  # bytes


@dataclass(frozen=True)
class EnvInfo:
    """Everything the report shows; fields are None when unknown."""

    torch_version: str
    torch_npu_versions: Dict[str, str]  # distribution -> version, or "not installed ..."
    torch_npu_path: Optional[str]  # directory of the imported torch_npu package
    torch_npu_build: Optional[str]  # "torch X, CANN Y" the extension was built for
    runtime: Optional[str]  # "simulator" or "CANN toolkit"
    runtime_library: Optional[str]
    cann_version: Optional[str]
    toolkit_home: Optional[str]
    runtime_error: Optional[str]  # why the runtime (or torch_npu) could not be loaded
    device_count: int
    devices: List[DeviceInfo] = field(default_factory=list)
    python_version: str = ""
    os: str = ""
    env_vars: Dict[str, str] = field(default_factory=dict)


def _distribution_versions() -> Dict[str, str]:
    versions = {}
    for name in _DISTRIBUTIONS:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = _NOT_INSTALLED
    if versions[_DISTRIBUTIONS[0]] == _NOT_INSTALLED:
        # No distribution ships the torch_npu being imported: it comes from a source tree.
        versions[_DISTRIBUTIONS[0]] += " (source tree)"
    return versions


def _relevant_env() -> Dict[str, str]:
    return {
        name: value
        for name, value in sorted(os.environ.items())
        if name.startswith(_ENV_PREFIXES) or name in _ENV_NAMES
    }


def _os_description() -> str:
    description = platform.platform()
    try:
        release = platform.freedesktop_os_release()
        description = f"{release.get('PRETTY_NAME', release.get('NAME', 'Linux'))} ({description})"
    except (AttributeError, OSError):
        pass
    return description


def _error_text(error: BaseException) -> str:
    text = str(error).strip() or type(error).__name__
    cause = error.__cause__
    if cause is not None and str(cause).strip() and str(cause).strip() not in text:
        text += f" (caused by {type(cause).__name__}: {str(cause).strip()})"
    return text


def _npu_info() -> Dict[str, Any]:
    """Runtime and device fields; on failure, the reason in 'runtime_error'."""
    info: Dict[str, Any] = {
        "torch_npu_path": None,
        "torch_npu_build": None,
        "runtime": None,
        "runtime_library": None,
        "cann_version": None,
        "toolkit_home": None,
        "runtime_error": None,
        "device_count": 0,
        "devices": [],
    }
    try:
        import torch_npu
        from torch_npu import _build_info
    except Exception as error:  # noqa: BLE001  (any import failure is the report's subject)
        info["runtime_error"] = f"torch_npu could not be imported: {_error_text(error)}"
        return info
    info["torch_npu_path"] = os.path.dirname(os.path.abspath(torch_npu.__file__))
    info["torch_npu_build"] = f"torch {_build_info.TORCH_VERSION}, CANN {_build_info.CANN_VERSION}"
    try:
        runtime = torch_npu._C._npu_runtimeInfo()
    except Exception as error:  # noqa: BLE001
        info["runtime_error"] = f"the NPU runtime could not be loaded: {_error_text(error)}"
        return info
    info["runtime"] = "simulator" if runtime["is_simulator"] else "CANN toolkit"
    info["runtime_library"] = runtime["library"] or None
    info["cann_version"] = runtime["cann_version"] or None
    info["toolkit_home"] = runtime["toolkit_home"] or None
    try:
        info["device_count"] = torch_npu.npu.device_count()
        for index in range(info["device_count"]):
            properties = torch_npu.npu.get_device_properties(index)
            info["devices"].append(DeviceInfo(index, properties.name, properties.total_memory))
    except Exception as error:  # noqa: BLE001
        info["runtime_error"] = f"the NPU devices could not be queried: {_error_text(error)}"
    return info


def get_env_info() -> EnvInfo:
    """Collects the report's facts; never raises because the NPU runtime is missing or broken."""
    import torch

    return EnvInfo(
        torch_version=torch.__version__,
        torch_npu_versions=_distribution_versions(),
        python_version=f"{platform.python_version()} ({sys.executable}, {platform.architecture()[0]})",
        os=_os_description(),
        env_vars=_relevant_env(),
        **_npu_info(),
    )


def _format_memory(size: int) -> str:
    return f"{size / 1024**3:.2f} GiB ({size} bytes)"


def get_pretty_env_info(info: Optional[EnvInfo] = None) -> str:
    """The report as text (collects the facts when `info` is not given)."""
    info = get_env_info() if info is None else info
    unknown = "N/A"
    lines = [f"PyTorch version: {info.torch_version}"]
    for name, version in info.torch_npu_versions.items():
        lines.append(f"{name} version: {version}")
    lines.append(f"torch_npu location: {info.torch_npu_path or unknown}")
    lines.append(f"torch_npu built for: {info.torch_npu_build or unknown}")
    lines.append("")
    lines.append(f"NPU runtime: {info.runtime or unknown}")
    lines.append(f"NPU runtime library: {info.runtime_library or unknown}")
    lines.append(f"CANN version: {info.cann_version or unknown}")
    if info.toolkit_home:
        lines.append(f"CANN toolkit home: {info.toolkit_home}")
    if info.runtime_error:
        lines.append("NPU runtime error: " + info.runtime_error.replace("\n", "\n  "))
    lines.append(f"NPU device count: {info.device_count}")
    for device in info.devices:
        lines.append(f"  npu:{device.index}: {device.name}, total memory {_format_memory(device.total_memory)}")
    lines.append("")
    lines.append(f"Python version: {info.python_version}")
    lines.append(f"OS: {info.os}")
    lines.append("")
    lines.append("Environment variables:")
    if info.env_vars:
        lines.extend(f"  {name}={value}" for name, value in info.env_vars.items())
    else:
        lines.append("  (none of ASCEND_*, TORCH_NPU_*, PYTORCH_NPU_*, HCCL_* set)")
    return "\n".join(lines)


def main() -> None:
    """Prints the report."""
    print("Collecting environment information...")
    print(get_pretty_env_info())


if __name__ == "__main__":
    main()
