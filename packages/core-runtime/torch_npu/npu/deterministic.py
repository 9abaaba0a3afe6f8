"""Deterministic algorithms for a region of the forward pass and for the same region of its backward.

``y = enable_deterministic_with_backward(x)`` ... ``z = disable_deterministic_with_backward(z)``:
``torch.use_deterministic_algorithms`` is on between the two calls, and autograd, running the
graph backwards, turns it on when it reaches the gradient of ``z`` and off again at that of ``x``.
"""

import torch

__all__ = ["enable_deterministic_with_backward", "disable_deterministic_with_backward"]


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
