"""torch.npu.stop_device and restart_device: the reference's recovery of a device from an error.

Stopping a device aborts the work queued on its streams (CANN's aclrtDeviceTaskAbort; a kernel
already running finishes) and makes every later launch on it (operators, copies) raise
``FORCE STOP.``, as the reference's do, until ``restart_device``. The next synchronization of a
stream whose work was aborted reports it once (``FORCE STOP, error code is 107022``). The
simulator aborts as the device does: the aborted copies and kernels never run.
"""

import torch_npu._C as _C

from .resource_limits import _check_device

__all__ = ["stop_device", "restart_device"]


def stop_device(device_id: int) -> int:
    """Aborts the work queued on ``device_id`` and refuses new work until :func:`restart_device`.

    Returns 0 when the work was aborted, 1 when CANN could not abort it (the device is
    stopped either way).
    """
    _check_device(device_id)
    return _C._npu_stopDevice(device_id)


def restart_device(device_id: int, rebuild_all_resources: bool = False) -> None:
    """Lets a device stopped by :func:`stop_device` run work again.

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
