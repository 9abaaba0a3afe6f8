"""Device memory management for NPUs: the counterpart of ``torch.cuda.memory``.

Every function means what its ``torch.cuda`` namesake means. NPU tensors are
served by a caching allocator: freed memory stays reserved by PyTorch and is
reused by later allocations instead of going back to the device.
``memory_allocated`` counts the bytes held by tensors, ``memory_reserved`` the
bytes the allocator holds in total. ``PYTORCH_NPU_ALLOC_CONF`` tunes the
allocator, and ``PYTORCH_NO_NPU_MEMORY_CACHING=1`` turns caching off.
"""

import collections
import contextlib
import ctypes
import warnings
from typing import Any, Dict, Iterator, List, Optional, Tuple, Union

import torch
import torch_npu._C as _C
from typing_extensions import deprecated

from ._lazy import _device_index, _lazy_init, is_initialized

__all__ = [
    "MemPool",
    "NPUPluggableAllocator",
    "caching_allocator_alloc",
    "caching_allocator_delete",
    "change_current_allocator",
    "empty_cache",
    "empty_virt_addr_cache",
    "get_allocator_backend",
    "get_per_process_memory_fraction",
    "host_empty_cache",
    "host_memory_stats",
    "host_memory_stats_as_nested_dict",
    "max_memory_allocated",
    "max_memory_cached",
    "max_memory_reserved",
    "mem_get_info",
    "memory_allocated",
    "memory_cached",
    "memory_reserved",
    "memory_snapshot",
    "memory_stats",
    "memory_stats_as_nested_dict",
    "memory_summary",
    "reset_accumulated_host_memory_stats",
    "reset_accumulated_memory_stats",
    "reset_max_memory_allocated",
    "reset_max_memory_cached",
    "reset_peak_host_memory_stats",
    "reset_peak_memory_stats",
    "set_per_process_memory_fraction",
    "use_mem_pool",
]

_Device = Union[torch.device, str, int, None]


def caching_allocator_alloc(size: int, device: _Device = None, stream: Any = None) -> int:
    r"""Allocate ``size`` bytes with the NPU caching allocator and return the address.

    Meant for interoperability with other frameworks; release the memory with
    :func:`caching_allocator_delete`.

    Args:
        size (int): number of bytes to allocate.
        device (torch.device, str or int, optional): the device to allocate on;
            the current device if ``None``.
        stream (torch_npu.npu.Stream or int, optional): the stream the memory
            will be used on (a stream object or a raw ``aclrtStream`` handle);
            the device's current stream if ``None``.
    """
    _lazy_init()
    index = _device_index(device)
    if stream is not None and not isinstance(stream, int):
        if not hasattr(stream, "npu_stream"):
            raise TypeError(
                "Invalid type for stream argument, must be `torch_npu.npu.Stream` or `int` "
                "representing a pointer to an existing stream"
            )
        stream = stream.npu_stream
    return _C._npu_cachingAllocator_raw_alloc(size, index, stream)


def caching_allocator_delete(mem_ptr: int) -> None:
    r"""Free memory obtained from :func:`caching_allocator_alloc`.

    The device and stream of the allocation are tracked by the allocator.

    Args:
        mem_ptr (int): the address returned by :func:`caching_allocator_alloc`.
    """
    _C._npu_cachingAllocator_raw_delete(mem_ptr)


def set_per_process_memory_fraction(fraction: float, device: _Device = None) -> None:
    r"""Limit the memory this process may reserve on an NPU to ``fraction`` of its total.

    Allocations that would make the reserved memory exceed
    ``fraction * total memory`` raise :class:`torch.OutOfMemoryError`.

    Args:
        fraction (float): between 0 and 1.
        device (torch.device, str or int, optional): the current device if ``None``.
    """
    _lazy_init()
    index = _device_index(device)
    if not isinstance(fraction, float):
        raise TypeError("Invalid type for fraction argument, must be `float`")
    if fraction < 0 or fraction > 1:
        raise ValueError(f"Invalid fraction value: {fraction}. Allowed range: 0~1")
    _C._npu_setMemoryFraction(fraction, index)


def get_per_process_memory_fraction(device: _Device = None) -> float:
    r"""Return the fraction of an NPU's memory this process may reserve (1.0 unless limited).

    Args:
        device (torch.device, str or int, optional): the current device if ``None``.
    """
    _lazy_init()
    return _C._npu_getMemoryFraction(_device_index(device))


def empty_cache() -> None:
    r"""Release all unoccupied cached memory held by the caching allocator.

    The memory goes back to the device, where other processes can use it.
    Memory held by tensors is not affected.
    """
    if is_initialized():
        _C._npu_emptyCache()


def empty_virt_addr_cache() -> None:
    r"""Unmap the free pages of the caching allocator's expandable segments.

    A lighter :func:`empty_cache`: ``memory_reserved()`` drops as it would, but
    the physical memory stays with the allocator, which maps it again for its
    next allocations instead of asking the device. :func:`empty_cache` returns
    it to the device. Needs ``PYTORCH_NPU_ALLOC_CONF=expandable_segments:True``.
    """
    if is_initialized():
        _C._npu_emptyVirtAddrCache()


def memory_stats(device: _Device = None) -> Dict[str, Any]:
    r"""Return a dictionary of NPU memory allocator statistics for a device.

    The keys are those of :func:`torch.cuda.memory_stats`; each value is an
    integer.

    Core statistics, each as
    ``"<name>.{all,large_pool,small_pool}.{current,peak,allocated,freed}"``:

    - ``allocation``: number of allocation requests received by the allocator.
    - ``allocated_bytes``: amount of allocated memory.
    - ``segment``: number of segments obtained from ``aclrtMalloc``.
    - ``reserved_bytes``: amount of reserved memory.
    - ``active``: number of active memory blocks.
    - ``active_bytes``: amount of active memory.
    - ``inactive_split``: number of inactive, non-releasable memory blocks.
    - ``inactive_split_bytes``: amount of inactive, non-releasable memory.
    - ``requested_bytes``: memory requested by client code (before rounding).

    The small pool serves requests of at most 1 MiB, the large pool the rest.
    ``current`` is the present value, ``peak`` its maximum, ``allocated`` the
    historical total increase and ``freed`` the historical total decrease.

    Event counters: ``num_alloc_retries`` (failed ``aclrtMalloc`` calls that
    led to a cache flush and retry), ``num_ooms`` (out-of-memory errors
    raised), ``num_sync_all_streams``, ``num_device_alloc``,
    ``num_device_free``; ``oversize_allocations`` and ``oversize_segments``
    count blocks of at least ``max_split_size`` bytes (``-1``: no limit).

    Args:
        device (torch.device, str or int, optional): the current device if ``None``.
    """
    result = []

    def flatten(prefix: str, obj: Any) -> None:
        if isinstance(obj, dict):
            for key, value in obj.items():
                flatten(f"{prefix}.{key}" if prefix else str(key), value)
        else:
            result.append((prefix, obj))

    flatten("", memory_stats_as_nested_dict(device=device))
    result.sort()
    return collections.OrderedDict(result)


def memory_stats_as_nested_dict(device: _Device = None) -> Dict[str, Any]:
    r"""Return the result of :func:`memory_stats` as a nested dictionary."""
    if not is_initialized():
        return {}
    return _C._npu_memoryStats(_device_index(device))


def reset_accumulated_memory_stats(device: _Device = None) -> None:
    r"""Reset the "accumulated" (historical) statistics of the NPU allocator.

    These are the ``allocated`` and ``freed`` entries of every statistic and
    the event counters (``num_alloc_retries``, ``num_ooms``, ...).

    Args:
        device (torch.device, str or int, optional): the current device if ``None``.
    """
    _C._npu_resetAccumulatedMemoryStats(_device_index(device))


def reset_peak_memory_stats(device: _Device = None) -> None:
    r"""Reset the "peak" statistics of the NPU allocator to their current values.

    Args:
        device (torch.device, str or int, optional): the current device if ``None``.
    """
    _C._npu_resetPeakMemoryStats(_device_index(device))


def reset_max_memory_allocated(device: _Device = None) -> None:
    r"""Reset the starting point of :func:`max_memory_allocated`.

    .. warning::
        This calls :func:`reset_peak_memory_stats`, which resets /all/ peak
        memory statistics.
    """
    warnings.warn(
        "torch.npu.reset_max_memory_allocated now calls torch.npu.reset_peak_memory_stats, "
        "which resets /all/ peak memory stats.",
        FutureWarning,
        stacklevel=2,
    )
    reset_peak_memory_stats(device=device)


def reset_max_memory_cached(device: _Device = None) -> None:
    r"""Reset the starting point of :func:`max_memory_reserved`.

    .. warning::
        This calls :func:`reset_peak_memory_stats`, which resets /all/ peak
        memory statistics.
    """
    warnings.warn(
        "torch.npu.reset_max_memory_cached now calls torch.npu.reset_peak_memory_stats, "
        "which resets /all/ peak memory stats.",
        FutureWarning,
        stacklevel=2,
    )
    reset_peak_memory_stats(device=device)


def memory_allocated(device: _Device = None) -> int:
    r"""Return the NPU memory occupied by tensors, in bytes, on a device.

    Args:
        device (torch.device, str or int, optional): the current device if ``None``.
    """
    return memory_stats(device=device).get("allocated_bytes.all.current", 0)


def max_memory_allocated(device: _Device = None) -> int:
    r"""Return the peak NPU memory occupied by tensors, in bytes, on a device.

    The peak counts from the start of the program or the last
    :func:`reset_peak_memory_stats`.

    Args:
        device (torch.device, str or int, optional): the current device if ``None``.
    """
    return memory_stats(device=device).get("allocated_bytes.all.peak", 0)


def memory_reserved(device: _Device = None) -> int:
    r"""Return the NPU memory held by the caching allocator, in bytes, on a device.

    Args:
        device (torch.device, str or int, optional): the current device if ``None``.
    """
    return memory_stats(device=device).get("reserved_bytes.all.current", 0)


def max_memory_reserved(device: _Device = None) -> int:
    r"""Return the peak NPU memory held by the caching allocator, in bytes, on a device.

    The peak counts from the start of the program or the last
    :func:`reset_peak_memory_stats`.

    Args:
        device (torch.device, str or int, optional): the current device if ``None``.
    """
    return memory_stats(device=device).get("reserved_bytes.all.peak", 0)


@deprecated(
    "`torch.npu.memory_cached` has been renamed to `torch.npu.memory_reserved`",
    category=FutureWarning,
)
def memory_cached(device: _Device = None) -> int:
    r"""Deprecated; see :func:`memory_reserved`."""
    return memory_reserved(device=device)


@deprecated(
    "`torch.npu.max_memory_cached` has been renamed to `torch.npu.max_memory_reserved`",
    category=FutureWarning,
)
def max_memory_cached(device: _Device = None) -> int:
    r"""Deprecated; see :func:`max_memory_reserved`."""
    return max_memory_reserved(device=device)


def memory_snapshot(mempool_id: Optional[Tuple[int, int]] = None, include_traces: bool = True) -> List[Dict[str, Any]]:
    r"""Return a snapshot of the NPU allocator's segments across all devices.

    Each segment is a dict with ``device``, ``address``, ``total_size``,
    ``allocated_size``, ``active_size``, ``requested_size``, ``stream``,
    ``segment_type`` (``"small"`` or ``"large"``) and ``blocks``; each block
    has ``address``, ``size``, ``requested_size`` and ``state``
    (``"active_allocated"``, ``"active_pending_free"`` or ``"inactive"``), as
    in :func:`torch.cuda.memory_snapshot`.

    Args:
        mempool_id: the id of a private pool (:attr:`MemPool.id`, :func:`graph_pool_handle`):
            only its segments; ``(0, 0)`` the default pools' only; ``None`` every segment.
        include_traces: accepted for compatibility; no traces are recorded.
    """
    if not is_initialized():
        return []
    pool = None if mempool_id is None else tuple(mempool_id)
    return _C._npu_memorySnapshot(pool)["segments"]


def _snapshot(device: _Device = None) -> Dict[str, Any]:
    """The full allocator state (``segments``, ``device_traces``, ``allocator_settings``),
    shaped like ``torch.cuda.memory._snapshot()``."""
    if not is_initialized():
        return {"segments": [], "device_traces": [], "allocator_settings": {}}
    return _C._npu_memorySnapshot()


def _allocator_settings() -> Dict[str, Any]:
    """The parsed PYTORCH_NPU_ALLOC_CONF (raises if it is invalid)."""
    return _C._npu_allocatorSettings()


def _format_size(size: int, reference: int) -> str:
    # The unit follows `reference` (the row's "all" value), so rows line up.
    units = ["B  ", "KiB", "MiB", "GiB", "TiB", "PiB"]
    unit = 0
    while unit + 1 < len(units) and reference >= 768 * 1024:
        size //= 1024
        reference /= 1024
        unit += 1
    return f"{size:6d} {units[unit]}"


def _format_count(count: int, reference: int) -> str:
    units = [" ", "K", "M"]
    unit = 0
    while unit + 1 < len(units) and reference >= 750 * 1000:
        count //= 1000
        reference /= 1000
        unit += 1
    return f"{count:7d} {units[unit]} "


def memory_summary(device: _Device = None, abbreviated: bool = False) -> str:
    r"""Return a human-readable table of the NPU allocator's statistics for a device.

    Useful to print periodically during training or when handling an
    out-of-memory error.

    Args:
        device (torch.device, str or int, optional): the current device if ``None``.
        abbreviated (bool, optional): only the totals, without the per-pool rows.
    """
    index = _device_index(device)
    stats = memory_stats(device=index)
    width = 75

    def stat(key: str) -> int:
        return stats.get(key, 0)

    def row(name: str, values: List[int], references: List[int], formatter: Any) -> str:
        cells = " | ".join(formatter(value, reference) for value, reference in zip(values, references))
        return f" {name:<21} | {cells} "

    fields = ["current", "peak", "allocated", "freed"]
    ooms, retries = stat("num_ooms"), stat("num_alloc_retries")
    lines = [
        "=" * width,
        f" {'':16} PyTorch NPU memory summary, device ID {index}".ljust(width),
        "-" * width,
        f"  {'':9} NPU OOMs: {ooms:<12d} | {'':3} aclrtMalloc retries: {retries}".ljust(width),
        "=" * width,
        "        Metric         | Cur Usage  | Peak Usage | Tot Alloc  | Tot Freed  ",
    ]

    pooled_metrics = [
        ("allocated_bytes", "Allocated memory", _format_size),
        ("active_bytes", "Active memory", _format_size),
        ("requested_bytes", "Requested memory", _format_size),
        ("reserved_bytes", "NPU reserved memory", _format_size),
        ("inactive_split_bytes", "Non-releasable memory", _format_size),
        ("allocation", "Allocations", _format_count),
        ("active", "Active allocs", _format_count),
        ("segment", "NPU reserved segments", _format_count),
        ("inactive_split", "Non-releasable allocs", _format_count),
    ]
    for key, name, formatter in pooled_metrics:
        lines.append("-" * width)
        totals = [stat(f"{key}.all.{field}") for field in fields]
        lines.append(row(name, totals, totals, formatter))
        if not abbreviated:
            for pool, label in (("large_pool", "from large pool"), ("small_pool", "from small pool")):
                values = [stat(f"{key}.{pool}.{field}") for field in fields]
                lines.append(row(f"      {label}", values, totals, formatter))

    for key, name in (("oversize_allocations", "Oversize allocations"), ("oversize_segments", "Oversize NPU segments")):
        lines.append("-" * width)
        values = [stat(f"{key}.{field}") for field in fields]
        lines.append(row(name, values, values, _format_count))

    lines.append("=" * width)
    return "|" + "|\n|".join(lines) + "|\n"


def get_allocator_backend() -> str:
    r"""Return the name of the NPU allocator backend: ``"native"``, the caching allocator."""
    return _C._npu_getAllocatorBackend()


def mem_get_info(device: _Device = None) -> Tuple[int, int]:
    r"""Return ``(free, total)`` NPU memory in bytes for a device, as the runtime reports it.

    Args:
        device (torch.device, str or int, optional): the current device if ``None``.
    """
    _lazy_init()
    return _C._npu_memGetInfo(_device_index(device))


def host_empty_cache() -> None:
    r"""Release the pinned host memory that the host caching allocator holds
    but no tensor uses, as :func:`torch.cuda.host_empty_cache` does."""
    _C._npu_hostEmptyCache()


def host_memory_stats() -> Dict[str, Any]:
    r"""Return the pinned host memory allocator's statistics as a flat dict.

    The keys are those of this PyTorch release's :func:`torch.cuda.host_memory_stats`:
    since 2.13 ``allocations``, ``allocated_bytes`` (blocks the allocator owns, in
    use or cached), ``active_requests``, ``active_bytes`` (blocks handed out); in
    2.9 ``segment``, ``reserved_bytes`` (owned) and ``allocation``,
    ``allocated_bytes`` (handed out); each with ``current``, ``peak``,
    ``allocated`` and ``freed``. Also ``num_host_alloc`` and
    ``num_host_free`` (calls to ``aclrtMallocHost``/``aclrtFreeHost``);
    ``host_alloc_time`` and ``host_free_time`` (``total``, ``max``, ``min``,
    ``count``, ``avg``, in microseconds).
    """
    result: List[Tuple[str, Any]] = []

    def flatten(prefix: str, obj: Any) -> None:
        if isinstance(obj, dict):
            for key, value in obj.items():
                flatten(f"{prefix}.{key}" if prefix else key, value)
        else:
            result.append((prefix, obj))

    flatten("", host_memory_stats_as_nested_dict())
    result.sort()
    return collections.OrderedDict(result)


def host_memory_stats_as_nested_dict() -> Dict[str, Any]:
    r"""Return :func:`host_memory_stats` as a nested dict."""
    return _C._npu_hostMemoryStats()


def reset_accumulated_host_memory_stats() -> None:
    r"""Reset the ``allocated`` and ``freed`` counts of :func:`host_memory_stats`."""
    _C._npu_resetAccumulatedHostMemoryStats()


def reset_peak_host_memory_stats() -> None:
    r"""Reset the ``peak`` values of :func:`host_memory_stats` to the current ones."""
    _C._npu_resetPeakHostMemoryStats()


class MemPool(_C._MemPool):
    r"""A private pool of the NPU caching allocator, as :class:`torch.cuda.MemPool`.

    Allocations made under :func:`use_mem_pool` come from the pool's own
    segments, which no other allocation uses, and their memory returns to the
    pool when freed. A graph can capture into it (``torch.npu.graph(g, pool=p.id)``).
    The pool is created on the current device; once the object is gone and its
    tensors are freed, :func:`empty_cache` returns its memory to the device.

    Args:
        allocator: a custom allocator to serve the pool; not supported yet (must be ``None``).
        use_on_oom: when an allocation outside the pool finds the device out of
            memory, it may take a cached block of this pool.
        no_split: the pool hands out whole blocks and never splits them.
    """

    def __init__(self, allocator: Optional[Any] = None, use_on_oom: bool = False, no_split: bool = False) -> None:
        _lazy_init()
        super().__init__(allocator, True, use_on_oom, no_split)

    @property
    def id(self) -> Tuple[int, int]:
        r"""The pool's id, a tuple of two ints."""
        return super().id

    @property
    def allocator(self) -> None:
        r"""The custom allocator serving the pool: always ``None`` (the caching allocator)."""
        return None

    def use_count(self) -> int:
        r"""How many users the pool has: this object, the graphs captured into
        it and the :func:`use_mem_pool` contexts under way."""
        return super().use_count()

    def snapshot(self) -> List[Dict[str, Any]]:
        r"""The pool's segments, as :func:`memory_snapshot` reports them."""
        return memory_snapshot(self.id)


@contextlib.contextmanager
def use_mem_pool(pool: MemPool, device: _Device = None) -> Iterator[None]:
    r"""Route the current thread's allocations on ``device`` to ``pool``, as
    :func:`torch.cuda.use_mem_pool` does.

    Other threads (including threads started inside the context) keep
    allocating from the default pools.

    Args:
        pool: the pool to allocate from.
        device: the device whose allocations are routed; the current device if ``None``.
    """
    if not isinstance(pool, _C._MemPool):
        raise TypeError(f"use_mem_pool: expected a torch.npu.MemPool, got {type(pool).__name__}")
    index = _device_index(device)
    _C._npu_beginAllocateCurrentThreadToPool(index, pool.id)
    try:
        yield
    finally:
        _C._npu_endAllocateToPool(index, pool.id)
        _C._npu_releasePool(index, pool.id)


class _NPUAllocator:
    r"""An NPU device allocator that :func:`change_current_allocator` can install."""

    def __init__(self, allocator: "_C._npu_NPUAllocator") -> None:
        self._allocator = allocator

    def allocator(self) -> "_C._npu_NPUAllocator":
        return self._allocator


class NPUPluggableAllocator(_NPUAllocator):
    r"""Device memory served by two functions of a shared library, as
    :class:`torch.cuda.memory.CUDAPluggableAllocator`.

    Install it with :func:`change_current_allocator` before anything is
    allocated on an NPU. Memory statistics, private pools (graphs,
    :class:`MemPool`) and the memory fraction are the library's business then
    and raise; :func:`empty_cache` warns once and does nothing.

    Args:
        path_to_so_file: path of the shared library.
        alloc_fn_name: its allocation function,
            ``void* alloc(ssize_t size, int device, aclrtStream stream)``; null means out of memory.
        free_fn_name: its release function,
            ``void free(void* ptr, size_t size, int device, aclrtStream stream)``.
    """

    def __init__(self, path_to_so_file: str, alloc_fn_name: str, free_fn_name: str) -> None:
        library = ctypes.CDLL(path_to_so_file)
        alloc_fn = ctypes.cast(getattr(library, alloc_fn_name), ctypes.c_void_p).value
        free_fn = ctypes.cast(getattr(library, free_fn_name), ctypes.c_void_p).value
        if alloc_fn is None:
            raise RuntimeError(f"NPUPluggableAllocator: {alloc_fn_name} is null in {path_to_so_file}")
        if free_fn is None:
            raise RuntimeError(f"NPUPluggableAllocator: {free_fn_name} is null in {path_to_so_file}")
        self._library = library  # keeps the functions loaded
        super().__init__(_C._npu_customAllocator(alloc_fn, free_fn))


def change_current_allocator(allocator: _NPUAllocator) -> None:
    r"""Install ``allocator`` as the NPU device allocator for the rest of the process.

    Raises if the caching allocator (or an allocator installed before) has
    already served anything: call it before the first NPU allocation.
    """
    _C._npu_changeCurrentAllocator(allocator.allocator())
