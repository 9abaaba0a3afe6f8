"""Deterministic algorithms: torch_npu's level switch, and a region of the forward pass with the same
region of its backward.

``torch.use_deterministic_algorithms`` is the one setting: before each aclnn operator the runtime
passes it to CANN as the ACL_OPT_DETERMINISTIC option of the process and of the device's context.

``y = enable_deterministic_with_backward(x)`` ... ``z = disable_deterministic_with_backward(z)``:
``torch.use_deterministic_algorithms`` is on between the two calls, and autograd, running the
graph backwards, turns it on when it reaches the gradient of ``z`` and off again at that of ``x``.
"""

import warnings

import torch

__all__ = ["set_deterministic_level", "enable_deterministic_with_backward", "disable_deterministic_with_backward"]

_MAX_LEVEL = 3


def _conflict_warning(now: bool) -> None:
    warnings.warn(
        "The current configuration value of 'torch_npu.npu.set_deterministic_level' conflicts with "
        f"'torch.use_deterministic_algorithms'. 'torch.use_deterministic_algorithms' has been configured to '{now}'."
    )


def set_deterministic_level(level: int) -> None:
    """0: kernels may be nondeterministic; 1: deterministic (``torch.use_deterministic_algorithms(True)``).

    The reference's levels 2 (strong consistency) and 3 (batch consistency) need options that
    CANN 8.5, which this build declares, does not have: they raise. A level that disagrees with
    ``torch.use_deterministic_algorithms`` changes that setting, with the reference's warning.
    """
    if isinstance(level, bool) or not isinstance(level, int):
        raise TypeError(f"level must be an int, but got {type(level).__name__}")
    if level < 0:
        raise OverflowError("can't convert negative value to unsigned int")
    if level > _MAX_LEVEL:
        raise RuntimeError("'torch_npu.npu.set_deterministic_level' supports configuring 0/1/2/3.")
    if level == 2:
        raise RuntimeError(
            "'torch_npu.npu.set_deterministic_level(2)' requires a CANN runtime with strong consistency "
            "(ACL_OPT_STRONG_CONSISTENCY), which CANN 8.5 does not have. Please upgrade CANN runtime and "
            "operator packages."
        )
    if level == 3:
        raise RuntimeError(
            "'torch_npu.npu.set_deterministic_level(3)' requires CANN runtime and operator packages that "
            "support batch consistency. Please upgrade CANN runtime and operator packages."
        )
    wanted = level == 1
    if torch.are_deterministic_algorithms_enabled() != wanted:
        _conflict_warning(wanted)
        torch.use_deterministic_algorithms(wanted)


class _DeterministicSwitch(torch.autograd.Function):
    """Sets deterministic algorithms to ``enabled`` in the forward and back to ``not enabled`` in the backward."""

    @staticmethod
    def forward(ctx, tensor: torch.Tensor, enabled: bool) -> torch.Tensor:
        torch.use_deterministic_algorithms(enabled)
        ctx.enabled = enabled
        return tensor.view_as(tensor)

    @staticmethod
    def backward(ctx, grad: torch.Tensor):
        torch.use_deterministic_algorithms(not ctx.enabled)  # the backward crosses the same boundary
        return grad, None


def enable_deterministic_with_backward(tensor: torch.Tensor) -> torch.Tensor:
    """Turns deterministic algorithms on from here, and in the backward until the gradient reaches ``tensor``."""
    return _DeterministicSwitch.apply(tensor, True)


def disable_deterministic_with_backward(tensor: torch.Tensor) -> torch.Tensor:
    """Turns deterministic algorithms off from here; the backward turns them on at this point's gradient."""
    return _DeterministicSwitch.apply(tensor, False)


# Dynamo must not trace into them: they change global state at run time.
enable_deterministic_with_backward._dynamo_forbidden = True  # type: ignore[attr-defined]
disable_deterministic_with_backward._dynamo_forbidden = True  # type: ignore[attr-defined]
