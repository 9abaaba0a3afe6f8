"""NPU graphs: capture the work of a stream once, replay it many times (the torch.cuda.graphs API for NPUs).

Between ``capture_begin`` and ``capture_end`` the operators enqueued on the capturing stream are recorded
by the runtime (CANN's ``aclmdlRICapture*``) instead of running; ``replay`` enqueues all of them as one
submission, so a replay costs the host one launch. A replay reads and writes the memory the capture used:
feed new inputs by copying into the captured input tensors, and read the captured output tensors.
"""

import dataclasses
import typing
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, Type, Union

import torch
import torch_npu._C as _C
from torch.utils._python_dispatch import TorchDispatchMode

from .graph_handlers import _NPU_GRAPH_OP_HANDLERS, NpuGraphOpHandler, record_argument, register_npu_graph_handler
from .streams import ExternalEvent, Stream, current_stream, stream as _stream_context

__all__ = [
    "is_current_stream_capturing",
    "graph_pool_handle",
    "graph_task_group_begin",
    "graph_task_group_end",
    "graph_task_update_begin",
    "graph_task_update_end",
    "NPUGraph",
    "graph",
    "make_graphed_callables",
    "NpuGraphOpHandler",
    "register_npu_graph_handler",
    "super_kernel_scope_begin",
    "super_kernel_scope_end",
]

_CAPTURE_ERROR_MODES = ("global", "thread_local", "relaxed")


def is_current_stream_capturing() -> bool:
    """True while an NPU graph capture is under way on the current NPU stream.

    Without a capture under way this returns False without initializing the NPU runtime.
    """
    return _C._npu_isCurrentStreamCapturing()


def graph_pool_handle() -> Tuple[int, int]:
    """An opaque token naming a new graph memory pool, for captures that should share memory.

    Pass it as ``pool`` to :meth:`NPUGraph.capture_begin` or :class:`graph`.
    """
    return _C._graph_pool_handle()


def graph_task_group_begin(stream: torch.Stream) -> None:
    """Start a task group on capturing `stream`: the work it enqueues until :func:`graph_task_group_end`."""
    _C._graph_task_group_begin(stream)


def graph_task_group_end(stream: torch.Stream) -> Any:
    """End the task group of `stream`; returns its handle, for :func:`graph_task_update_begin`."""
    return _C._graph_task_group_end(stream)


def graph_task_update_begin(stream: torch.Stream, handle: Any) -> None:
    """Start replacing the task group `handle` of a captured graph with the work `stream` enqueues next.

    The work is recorded, not run, until :func:`graph_task_update_end`; it must launch as many tasks as the
    group holds (the same operators, with new host-side arguments).
    """
    _C._graph_task_update_begin(stream, handle)


def graph_task_update_end(stream: torch.Stream) -> None:
    """End the update on `stream`: the group's new work replaces the old once `stream` reaches this point,
    for every later replay; record an event here for replays to wait on."""
    _C._graph_task_update_end(stream)


@dataclasses.dataclass
class _GraphDispatchRecord:
    """One operator call captured as an updatable task group."""

    event: ExternalEvent
    handle: Any
    op_cache_entry: Callable[..., Any]
    args: List[Any]
    kwargs: Dict[str, Any]
    handler: Type[NpuGraphOpHandler]


class _GraphDispatchMode(TorchDispatchMode):
    """Captures each call of an operator with a graph handler as a task group of its own, preceded by a
    wait for an external event (and its reset), so that each replay waits for the update that
    :meth:`update` makes of the group on a stream of its own."""

    def __init__(self) -> None:
        super().__init__()
        self.graph_dispatch_records: List[_GraphDispatchRecord] = []
        self._update_stream: Optional[Stream] = None

    def __torch_dispatch__(self, func: Any, types: Any, args: Tuple[Any, ...] = (), kwargs: Any = None) -> Any:
        kwargs = kwargs or {}
        handler = _NPU_GRAPH_OP_HANDLERS.get(func.__name__)
        if handler is None or not handler.should_handle(func, args, kwargs):
            return func(*args, **kwargs)
        stream = current_stream()
        updated = ExternalEvent()
        updated.wait(stream)
        updated.reset(stream)
        func, args, kwargs = handler.prepare_capture(func, args, kwargs)
        tensor_params = [argument.name for argument in func._schema.arguments if "Tensor" in str(argument.type)]
        graph_task_group_begin(stream)
        result = func(*args, **kwargs)
        handle = graph_task_group_end(stream)
        self.graph_dispatch_records.append(
            _GraphDispatchRecord(
                event=updated,
                handle=handle,
                op_cache_entry=func,
                args=[record_argument(arg) for arg in args],
                kwargs={key: handler.record_wrap_kwarg(key, value, tensor_params) for key, value in kwargs.items()},
                handler=handler,
            )
        )
        return handler.postprocess_result(result, kwargs)

    def update_capture_record(self, cpu_update_input: Sequence[Dict[str, Any]]) -> None:
        """Relaunch each recorded call with its update (one dict per call, or one for all) into its group."""
        records = self.graph_dispatch_records
        if len(cpu_update_input) == 1:
            cpu_update_input = [dict(cpu_update_input[0]) for _ in records]
        if len(cpu_update_input) != len(records):
            raise RuntimeError(
                f"Currently, there are {len(records)} operators that need to be updated by capture, and there "
                f"are only {len(cpu_update_input)} elements in the incoming cpu_update_input list"
            )
        if self._update_stream is None:
            self._update_stream = Stream()
        update_stream = self._update_stream
        with _stream_context(update_stream):
            for record, update_input in zip(records, cpu_update_input):
                for key, value in update_input.items():
                    if key in record.kwargs:
                        record.kwargs[key] = value
                record.handler.update_args(record, update_input)
                graph_task_update_begin(update_stream, record.handle)
                try:
                    record.op_cache_entry(*record.args, **record.kwargs)
                finally:
                    graph_task_update_end(update_stream)
                record.event.record(update_stream)


class NPUGraph(_C._NPUGraph):
    """One captured NPU graph.

    Usually filled through :class:`graph` or :func:`make_graphed_callables`, which call
    :meth:`capture_begin` and :meth:`capture_end`.
    """

    def __init__(self) -> None:
        super().__init__()
        self.graph_dispatch_mode = _GraphDispatchMode()
        self.auto_dispatch_capture = False
        self._updated_since_replay = False

    def capture_begin(self, pool: Optional[Tuple[int, int]] = None, capture_error_mode: str = "global") -> None:
        """Begin capturing the work enqueued on the current stream (which must not be the default stream).

        Args:
            pool: a token from :func:`graph_pool_handle` or another graph's :meth:`pool`: this capture
                may then share that graph pool's memory. None: a pool of this graph's own.
            capture_error_mode: which threads may make calls that are unsafe during a capture
                (synchronous copies and fills, copies of pageable host memory, new device memory outside
                the graph's pool): "global" (none), "thread_local" (every thread but this one) or
                "relaxed" (all). As CANN's ``aclmdlRICaptureMode``.
        """
        if capture_error_mode not in _CAPTURE_ERROR_MODES:
            raise ValueError(
                f"capture_error_mode must be one of {', '.join(map(repr, _CAPTURE_ERROR_MODES))}, "
                f"got {capture_error_mode!r}"
            )
        super().capture_begin(pool=pool, capture_error_mode=capture_error_mode)

    def capture_end(self) -> None:
        """End the capture; :meth:`replay` may be called afterwards."""
        super().capture_end()

    def replay(self) -> None:
        """Enqueue the captured work on the current stream.

        A graph captured with ``auto_dispatch_capture=True`` that holds updatable operators waits in each
        replay for an :meth:`update`: call one before each replay.
        """
        if self.graph_dispatch_mode.graph_dispatch_records and not self._updated_since_replay:
            # The replay would wait on the device for an update that never comes.
            raise RuntimeError(
                "This NPUGraph was captured with auto_dispatch_capture=True: each replay waits for an update, "
                "call update(cpu_update_input) before replay()"
            )
        super().replay()
        self._updated_since_replay = False

    def update(self, cpu_update_input: Sequence[Dict[str, Any]]) -> None:
        """Give the operators captured with handlers new arguments for the next replay.

        Args:
            cpu_update_input: one dict per captured operator call, in capture order (or a single dict for
                all), mapping the keys of the handlers' ``UPDATE_SPECS`` (and keyword argument names) to
                their new values.
        """
        if not self.auto_dispatch_capture:
            raise RuntimeError(
                "The current graph configuration does not support update,"
                "Try to capture by setting auto_dispatch_capture=True during capture"
            )
        self.graph_dispatch_mode.update_capture_record(cpu_update_input)
        self._updated_since_replay = True

    def reset(self) -> None:
        """Delete the captured graph; its pool's memory returns to the device at the next ``empty_cache``
        once no other graph shares the pool."""
        super().reset()
        self.graph_dispatch_mode.graph_dispatch_records.clear()

    def pool(self) -> Tuple[int, int]:
        """The token of this graph's memory pool, for another capture to share."""
        return super().pool()


class graph:
    """Context manager that captures the NPU work of its body into ``npu_graph``.

    Args:
        npu_graph: the :class:`NPUGraph` to capture into.
        pool: a graph pool token to share (see :func:`graph_pool_handle`).
        stream: the stream to capture on (made current in the body); None: a side stream shared by
            every ``graph`` context.
        auto_dispatch_capture: capture each call of an operator that has a graph handler (see
            :func:`register_npu_graph_handler`) so that :meth:`NPUGraph.update` can give it new arguments;
            each replay then waits for an update.
        capture_error_mode: "global", "thread_local" or "relaxed" (see :meth:`NPUGraph.capture_begin`).

    Entering synchronizes the device and empties the caching allocator's cache, so that the capture
    starts from idle memory, as ``torch.cuda.graph`` does.
    """

    default_capture_stream: typing.Optional[Stream] = None

    def __init__(
        self,
        npu_graph: NPUGraph,
        pool: Optional[Tuple[int, int]] = None,
        stream: Optional[torch.Stream] = None,
        auto_dispatch_capture: bool = False,
        capture_error_mode: str = "global",
    ) -> None:
        if stream is None:
            if graph.default_capture_stream is None:
                graph.default_capture_stream = Stream()
            stream = graph.default_capture_stream
        self.npu_graph = npu_graph
        npu_graph.auto_dispatch_capture = auto_dispatch_capture
        self.pool = pool
        self.capture_stream = stream
        self.capture_error_mode = capture_error_mode
        self._stream_context = _stream_context(stream)

    def __enter__(self) -> None:
        torch.npu.synchronize()
        torch.npu.empty_cache()
        self._stream_context.__enter__()
        try:
            self.npu_graph.capture_begin(self.pool, capture_error_mode=self.capture_error_mode)
        except BaseException:
            self._stream_context.__exit__(None, None, None)
            raise
        if self.npu_graph.auto_dispatch_capture:
            self.npu_graph.graph_dispatch_mode.__enter__()

    def __exit__(self, exc_type: Any, exc_value: Any, traceback: Any) -> None:
        if self.npu_graph.auto_dispatch_capture:
            self.npu_graph.graph_dispatch_mode.__exit__(exc_type, exc_value, traceback)
        try:
            self.npu_graph.capture_end()
        except RuntimeError:
            # A failure in the body invalidates the capture; that failure is the one to report.
            if exc_type is None:
                raise
        finally:
            self._stream_context.__exit__(exc_type, exc_value, traceback)


_Callable = Union[torch.nn.Module, Callable[..., Any]]


def make_graphed_callables(
    callables: Union[_Callable, Tuple[_Callable, ...]],
    sample_args: Union[Tuple[torch.Tensor, ...], Tuple[Tuple[torch.Tensor, ...], ...]],
    num_warmup_iters: int = 3,
    allow_unused_input: bool = False,
    pool: Optional[Tuple[int, int]] = None,
) -> Union[_Callable, Tuple[_Callable, ...]]:
    """Graphed versions of callables (functions or modules): forward and backward each replay one graph.

    Each returned callable runs its source's forward work as a captured graph inside one autograd node,
    whose backward replays the captured backward graph, so it can replace the source in a training loop.
    Its arguments must have the shapes, dtypes and ``requires_grad`` of ``sample_args``; modules keep
    using their parameters in place. Several callables (a tuple, in the order the workload runs them)
    share one memory pool.

    Args:
        callables: a callable or a tuple of callables to graph.
        sample_args: a tuple of tensors for one callable, or a tuple of such tuples, one per callable.
        num_warmup_iters: eager iterations run on a side stream before capture.
        allow_unused_input: let inputs that do not reach the outputs get None gradients.
        pool: a graph pool token to capture into (see :func:`graph_pool_handle`).
    """
    if torch.is_autocast_enabled() and torch.is_autocast_cache_enabled():
        raise RuntimeError(
            "make_graphed_callables does not support the autocast caching. Please set `cache_enabled=False`."
        )
    single = not isinstance(callables, tuple)
    if single:
        callables = (callables,)
        sample_args = (sample_args,)
    if len(callables) != len(sample_args):
        raise ValueError(f"got {len(callables)} callables but {len(sample_args)} tuples of sample arguments")

    flat_samples: List[Tuple[torch.Tensor, ...]] = []
    for func, args in zip(callables, sample_args):
        if isinstance(func, torch.nn.Module):
            if func._backward_hooks or func._forward_hooks or func._forward_pre_hooks:
                raise RuntimeError(
                    "Modules must not have hooks registered at the time they are passed. However, registering "
                    "hooks on modules after passing them through make_graphed_callables is allowed."
                )
            if any(buffer.requires_grad for buffer in func.buffers()):
                raise RuntimeError("In any module passed to make_graphed_callables, buffers must not require grad.")
        flat = tuple(torch.utils._pytree.tree_leaves(args))
        if not all(isinstance(arg, torch.Tensor) for arg in flat):
            raise TypeError("In the beta API, sample_args for each callable must contain only Tensors.")
        flat_samples.append(flat)

    # Parameters take part as inputs of the captured autograd graph.
    module_params = [tuple(func.parameters()) if isinstance(func, torch.nn.Module) else () for func in callables]
    static_inputs = [samples + params for samples, params in zip(flat_samples, module_params)]
    grad_inputs_of = [
        tuple(index for index, tensor in enumerate(inputs) if tensor.requires_grad) for inputs in static_inputs
    ]

    torch.npu.synchronize()
    side_stream = Stream()
    side_stream.wait_stream(current_stream())
    outputs = None
    with _stream_context(side_stream):
        for func, args, inputs, grad_indices in zip(callables, sample_args, static_inputs, grad_inputs_of):
            for _ in range(num_warmup_iters):
                outputs = [out for out in torch.utils._pytree.tree_leaves(func(*args)) if out.requires_grad]
                if outputs and grad_indices:
                    torch.autograd.grad(
                        outputs,
                        [inputs[index] for index in grad_indices],
                        grad_outputs=[torch.empty_like(out) for out in outputs],
                        allow_unused=allow_unused_input,
                    )
            del outputs
    current_stream().wait_stream(side_stream)
    torch.npu.synchronize()

    mempool = graph_pool_handle() if pool is None else pool
    forward_graphs = [NPUGraph() for _ in callables]
    backward_graphs = [NPUGraph() for _ in callables]
    static_outputs: List[Tuple[torch.Tensor, ...]] = []
    output_specs = []
    for func, args, forward_graph in zip(callables, sample_args, forward_graphs):
        with graph(forward_graph, pool=mempool):
            outputs = func(*args)
        flat_outputs, spec = torch.utils._pytree.tree_flatten(outputs)
        static_outputs.append(tuple(flat_outputs))
        output_specs.append(spec)

    # Backward graphs in reverse order, as the backward pass runs them.
    static_grad_outputs: List[Tuple[Optional[torch.Tensor], ...]] = [()] * len(callables)
    static_grad_inputs: List[Tuple[Optional[torch.Tensor], ...]] = [()] * len(callables)
    for position in reversed(range(len(callables))):
        outputs, inputs = static_outputs[position], static_inputs[position]
        grad_outputs = tuple(torch.empty_like(out) if out.requires_grad else None for out in outputs)
        differentiable = [out for out in outputs if out.requires_grad]
        with graph(backward_graphs[position], pool=mempool):
            grads = (
                torch.autograd.grad(
                    differentiable,
                    [inputs[index] for index in grad_inputs_of[position]],
                    grad_outputs=[grad for grad in grad_outputs if grad is not None],
                    allow_unused=allow_unused_input,
                )
                if differentiable and grad_inputs_of[position]
                else ()
            )
        per_input: List[Optional[torch.Tensor]] = [None] * len(inputs)
        for index, grad in zip(grad_inputs_of[position], grads):
            per_input[index] = grad
        static_grad_outputs[position] = grad_outputs
        static_grad_inputs[position] = tuple(per_input)

    graphed = []
    for position, func in enumerate(callables):
        function = _graphed_autograd_function(
            forward_graphs[position],
            backward_graphs[position],
            len(flat_samples[position]),
            static_inputs[position],
            static_outputs[position],
            static_grad_outputs[position],
            static_grad_inputs[position],
        )
        graphed.append(_functionalize(func, function, output_specs[position]))
    return graphed[0] if single else tuple(graphed)


def _graphed_autograd_function(
    forward_graph: NPUGraph,
    backward_graph: NPUGraph,
    user_input_count: int,
    static_inputs: Sequence[torch.Tensor],
    static_outputs: Sequence[torch.Tensor],
    static_grad_outputs: Sequence[Optional[torch.Tensor]],
    static_grad_inputs: Sequence[Optional[torch.Tensor]],
) -> Callable[..., Tuple[torch.Tensor, ...]]:
    class Graphed(torch.autograd.Function):
        @staticmethod
        def forward(ctx: Any, *inputs: torch.Tensor) -> Tuple[torch.Tensor, ...]:
            # Parameters are used in place; user arguments are copied into the captured inputs.
            for static, given in zip(static_inputs[:user_input_count], inputs[:user_input_count]):
                if static.data_ptr() != given.data_ptr():
                    static.copy_(given)
            forward_graph.replay()
            return tuple(out.detach() for out in static_outputs)

        @staticmethod
        @torch.autograd.function.once_differentiable
        def backward(ctx: Any, *grads: Optional[torch.Tensor]) -> Tuple[Optional[torch.Tensor], ...]:
            for static, grad in zip(static_grad_outputs, grads):
                if static is None:
                    continue
                if grad is None:
                    static.zero_()
                elif static.data_ptr() != grad.data_ptr():
                    static.copy_(grad)
            backward_graph.replay()
            # Copies: autograd may keep a gradient it is handed (a parameter's .grad), which the
            # next replay would overwrite in place.
            return tuple(grad.detach().clone() if grad is not None else None for grad in static_grad_inputs)

    def apply(*user_inputs: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        return Graphed.apply(*(tuple(user_inputs) + tuple(static_inputs[user_input_count:])))

    return apply


def _functionalize(func: _Callable, apply: Callable[..., Tuple[torch.Tensor, ...]], output_spec: Any) -> _Callable:
    def graphed_call(*user_args: Any) -> Any:
        flat = torch.utils._pytree.tree_leaves(user_args)
        return torch.utils._pytree.tree_unflatten(list(apply(*flat)), output_spec)

    if not isinstance(func, torch.nn.Module):
        return graphed_call
    # The graphs hold the training mode of the capture; in the other mode the module runs eagerly.
    captured_training = func.training
    eager_forward = func.forward

    def forward(*user_args: Any) -> Any:
        if func.training == captured_training:
            return graphed_call(*user_args)
        return eager_forward(*user_args)

    func.forward = forward
    return func


def _check_super_kernel_scope(scope_name: Optional[str], what: str) -> None:
    if scope_name is not None and not scope_name.strip():
        raise RuntimeError(f"{what}: scope_name must not be empty or blank")
    raise RuntimeError(
        f"{what} needs CANN's super kernel API (aclskScopeBegin/aclskScopeEnd), which CANN 8.5, the release "
        "this torch-npu targets, does not have"
    )


def super_kernel_scope_begin(scope_name: Optional[str] = None) -> None:
    """Opens a super kernel scope in a capture (CANN fuses its kernels into one): needs a CANN newer than
    8.5, so it raises RuntimeError here, as it does for a blank ``scope_name``."""
    _check_super_kernel_scope(scope_name, "super_kernel_scope_begin")


def super_kernel_scope_end(scope_name: Optional[str] = None) -> None:
    """Closes a super kernel scope: needs a CANN newer than 8.5 (raises RuntimeError)."""
    _check_super_kernel_scope(scope_name, "super_kernel_scope_end")
