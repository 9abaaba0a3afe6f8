"""What ``torch_npu.distributed`` offers beyond ``torch.distributed``."""

from __future__ import annotations

from typing import List, Optional, Sequence

import torch
import torch.distributed as dist


def is_hccl_available() -> bool:
    """Whether the ``hccl`` backend is registered with ``torch.distributed``."""
    return "hccl" in dist.Backend.backend_list


def reinit_process_group(group: Optional[dist.ProcessGroup] = None, rebuild_link: bool = True) -> None:
    """Rebuild the HCCL communicators of ``group`` (the default group when None).

    Every rank of the group calls it, as it called ``init_process_group``. With
    ``rebuild_link`` each rank waits for its HCCL streams and destroys its
    communicators (their links and shared memory); the next collective creates new
    ones through the group's store, as the first collective did. Without it the group
    keeps its communicators.
    """
    from torch_npu_hccl import ProcessGroupHCCL

    if group is None:
        group = dist.distributed_c10d._get_default_group()
    backend = group._get_backend(torch.device("npu"))
    if not isinstance(backend, ProcessGroupHCCL):
        raise TypeError(
            f"reinit_process_group rebuilds hccl communicators, but the group's npu backend is {type(backend).__name__}"
        )
    if rebuild_link:
        backend._rebuild_communicators()


def _rows(tensor: torch.Tensor) -> int:
    return tensor.size(0) if tensor.dim() > 0 else 1


def _checked_splits(splits: Optional[Sequence[int]], total: int, world: int, what: str) -> List[int]:
    if splits is None:
        if total % world != 0:
            raise ValueError(f"{what} has {total} rows, which do not divide evenly among {world} ranks; pass split sizes")
        return [total // world] * world
    splits = list(splits)
    if len(splits) != world or sum(splits) != total or min(splits) < 0:
        raise ValueError(f"{what} split sizes {splits} must be {world} non-negative row counts summing to {total}")
    return splits


def reduce_scatter_tensor_uneven(
    output: torch.Tensor,
    input: torch.Tensor,
    input_split_sizes: Optional[Sequence[int]] = None,
    op: dist.ReduceOp = dist.ReduceOp.SUM,
    group: Optional[dist.ProcessGroup] = None,
    async_op: bool = False,
):
    """Reduce ``input`` over the group and give rank r the rows ``input_split_sizes[r]`` of the result.

    The rows of each rank may differ in number (dim 0 of ``input`` is split by
    ``input_split_sizes``, evenly when None); ``output`` holds this rank's rows.
    """
    world = dist.get_world_size(group)
    rank = dist.get_rank(group)
    splits = _checked_splits(input_split_sizes, _rows(input), world, "input")
    if _rows(output) != splits[rank]:
        raise ValueError(f"output has {_rows(output)} rows, rank {rank}'s split is {splits[rank]}")
    # Padded to the largest split, so the even collective does the work.
    largest = max(splits)
    padded = input.new_zeros((largest * world, *input.shape[1:]))
    start = 0
    for r, rows in enumerate(splits):
        padded[r * largest : r * largest + rows].copy_(input[start : start + rows])
        start += rows
    chunk = input.new_empty((largest, *input.shape[1:]))
    work = dist.reduce_scatter_tensor(chunk, padded, op=op, group=group, async_op=True)
    work.wait()
    output.copy_(chunk[: splits[rank]])
    return work if async_op else None


def all_gather_into_tensor_uneven(
    output: torch.Tensor,
    input: torch.Tensor,
    output_split_sizes: Optional[Sequence[int]] = None,
    group: Optional[dist.ProcessGroup] = None,
    async_op: bool = False,
):
    """Gather every rank's ``input`` (rank r contributes ``output_split_sizes[r]`` rows) into ``output``."""
    world = dist.get_world_size(group)
    rank = dist.get_rank(group)
    splits = _checked_splits(output_split_sizes, _rows(output), world, "output")
    if _rows(input) != splits[rank]:
        raise ValueError(f"input has {_rows(input)} rows, rank {rank}'s split is {splits[rank]}")
    largest = max(splits)
    padded_in = input.new_zeros((largest, *input.shape[1:]))
    padded_in[: splits[rank]].copy_(input)
    gathered = input.new_empty((largest * world, *input.shape[1:]))
    work = dist.all_gather_into_tensor(gathered, padded_in, group=group, async_op=True)
    work.wait()
    start = 0
    for r, rows in enumerate(splits):
        output[start : start + rows].copy_(gathered[r * largest : r * largest + rows])
        start += rows
    return work if async_op else None
