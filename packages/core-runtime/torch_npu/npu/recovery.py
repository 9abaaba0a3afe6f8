"""torch.npu.stop_device, check_uce_in_memory and restart_device: the reference's recovery of a device
from an error.

Stopping a device aborts the work queued on its streams (CANN's aclrtDeviceTaskAbort; a kernel
already running finishes) and makes every later launch on it (operators, copies) raise
``FORCE STOP.``, as the reference's do, until ``restart_device``. The next synchronization of a
stream whose work was aborted reports it once (``FORCE STOP, error code is 107022``). The
simulator aborts as the device does: the aborted copies and kernels never run.

An uncorrectable memory error (UCE) fails the synchronization after the kernel that hit it
(``UCE ERROR, error code is 507053``); ``check_uce_in_memory`` says what the error's memory
(CANN's aclrtGetMemUceInfo) holds, and ``restart_device`` repairs it (aclrtMemUceRepair). The
simulator injects such errors on request (npuSimInjectMemoryError).
"""

import torch_npu._C as _C

from .resource_limits import _check_device

__all__ = ["stop_device", "check_uce_in_memory", "restart_device"]


def stop_device(device_id: int) -> int:
    """Aborts the work queued on ``device_id`` and refuses new work until :func:`restart_device`.

    Returns 0 when the work was aborted, 1 when CANN could not abort it (the device is
    stopped either way).
    """
    _check_device(device_id)
    return _C._npu_stopDevice(device_id)


def check_uce_in_memory(device_id: int) -> int:
    """What the uncorrectable memory errors of ``device_id`` hit, as the reference answers.

    0: no error. 1: memory the caching allocator does not hold, which it cannot recover.
    2: only cached, unused memory, now released: re-run the step. 3: memory of live tensors:
    restore them (from a checkpoint, or a healthy replica) before going on.
    """
    _check_device(device_id)
    return _C._npu_check_uce_in_memory(device_id)


def restart_device(device_id: int, rebuild_all_resources: bool = False) -> None:
    """Repairs the memory errors of ``device_id`` and lets it run work again after :func:`stop_device`.

    ``rebuild_all_resources=True`` (recreate the device's streams and mark every tensor on it
    unsafe to read) is not supported yet and raises.
    """
    _check_device(device_id)
    if rebuild_all_resources:
        raise NotImplementedError(
            "restart_device(rebuild_all_resources=True) is not supported yet: torch_npu does not track "
            "tensors made unsafe by a device error; restart with rebuild_all_resources=False"
        )
    _C._npu_restartDevice(device_id)
