"""Deterministic algorithms for a region of the forward pass and for the same region of its backward.

``y = enable_deterministic_with_backward(x)`` ... ``z = disable_deterministic_with_backward(z)``:
``torch.use_deterministic_algorithms`` is on between the two calls, and autograd, running the
graph backwards, turns it on when it reaches the gradient of ``z`` and off again at that of ``x``.
"""

import torch

__all__ = ["enable_deterministic_with_backward", "disable_deterministic_with_backward"]


class _RegionStart(torch.autograd.Function):
    @staticmethod
    def forward(ctx, tensor: torch.Tensor) -> torch.Tensor:
        torch.use_deterministic_algorithms(True)
        return tensor.view_as(tensor)

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> torch.Tensor:
        torch.use_deterministic_algorithms(False)  # the backward has left the region
        return grad


class _RegionEnd(torch.autograd.Function):
    @staticmethod
    def forward(ctx, tensor: torch.Tensor) -> torch.Tensor:
        torch.use_deterministic_algorithms(False)
        return tensor.view_as(tensor)

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> torch.Tensor:
        torch.use_deterministic_algorithms(True)  # the backward enters the region
        return grad


def enable_deterministic_with_backward(tensor: torch.Tensor) -> torch.Tensor:
    """Turns deterministic algorithms on from here, and in the backward until the gradient reaches ``tensor``."""
    return _RegionStart.apply(tensor)


def disable_deterministic_with_backward(tensor: torch.Tensor) -> torch.Tensor:
    """Turns deterministic algorithms off from here; the backward turns them on at this point's gradient."""
    return _RegionEnd.apply(tensor)


# Dynamo must not trace into them: they change global state at run time.
enable_deterministic_with_backward._dynamo_forbidden = True  # type: ignore[attr-defined]
disable_deterministic_with_backward._dynamo_forbidden = True  # type: ignore[attr-defined]
