"""Operator handlers of the NPU graph dispatch mode (``torch.npu.graph(..., auto_dispatch_capture=True)``).

While such a capture runs, every call of an operator that has a handler here is captured as a task group
of its own, and :meth:`torch.npu.NPUGraph.update` later launches the operator again with new arguments to
replace that group in the graph: how a captured decode step takes this step's sequence lengths without a
new capture. A handler says which arguments an update may change (``UPDATE_SPECS``) and may adapt the
call before it is captured (for instance, to an ``out=`` overload, so that the update writes where the
graph's consumers read).
"""

import copy
import logging
from typing import Any, Callable, Dict, List, Sequence, Tuple, Type, Union

import torch

__all__ = ["NpuGraphOpHandler", "register_npu_graph_handler"]

_log = logging.getLogger(__name__)

# An update spec: ("arg", position, key) or ("kwarg", name, key); `key` names the entry of the update's
# dict whose value replaces that argument.
UpdateSpec = Tuple[str, Union[int, str], str]


class NpuGraphOpHandler:
    """Base class of the handlers: class methods only, the registry keeps the classes themselves.

    Subclasses declare ``UPDATE_SPECS`` (operator name, as ``func.__name__`` spells it, e.g.
    ``"add.out"``, to a list of update specs) and override the hooks they need.
    """

    UPDATE_SPECS: Dict[str, List[UpdateSpec]] = {}

    @classmethod
    def should_handle(cls, func: Callable[..., Any], args: Tuple[Any, ...], kwargs: Dict[str, Any]) -> bool:
        """Whether this call is captured as an updatable task group (otherwise it is captured as usual)."""
        return True

    @classmethod
    def prepare_capture(
        cls, func: Callable[..., Any], args: Tuple[Any, ...], kwargs: Dict[str, Any]
    ) -> Tuple[Callable[..., Any], Tuple[Any, ...], Dict[str, Any]]:
        """The call to capture, before its task group begins: ``(func, args, kwargs)``, maybe changed.

        If it returns another operator, that operator's handler must accept its updates.
        """
        return func, args, kwargs

    @classmethod
    def postprocess_result(cls, result: Any, kwargs: Dict[str, Any]) -> Any:
        """What the captured call returns to its caller, from what the operator returned."""
        return result

    @classmethod
    def get_update_specs(cls, op_name: str) -> List[UpdateSpec]:
        """The update specs of `op_name`; empty when it has none."""
        return cls.UPDATE_SPECS.get(op_name, [])

    @classmethod
    def update_args(cls, dispatch_record: Any, update_input: Dict[str, Any]) -> None:
        """Writes the values of `update_input` into the recorded call, as the update specs place them."""
        for place, slot, key in cls.get_update_specs(dispatch_record.op_cache_entry.__name__):
            if key not in update_input:
                continue
            if place == "arg":
                if slot < len(dispatch_record.args):
                    dispatch_record.args[slot] = update_input[key]
            elif place == "kwarg":
                dispatch_record.kwargs[slot] = update_input[key]
            else:
                raise ValueError(f"update spec {(place, slot, key)!r}: the place must be 'arg' or 'kwarg'")

    @classmethod
    def record_wrap_kwarg(cls, key: str, value: Any, tensor_param_names: Sequence[str]) -> Any:
        """How the record of a captured call keeps keyword argument `key`: as `record_argument` keeps a
        positional one, item by item for a list or tuple."""
        if isinstance(value, (list, tuple)):
            return type(value)(record_argument(item) for item in value)
        return record_argument(value)


def record_argument(value: Any) -> Any:
    """An NPU tensor itself (every replay reads its memory, so the record keeps it alive), else a deep copy
    (so that the caller changing it afterwards does not change what an update relaunches)."""
    if isinstance(value, torch.Tensor) and value.device.type == "npu":
        return value
    return copy.deepcopy(value)


_NPU_GRAPH_OP_HANDLERS: Dict[str, Type[NpuGraphOpHandler]] = {}


def register_npu_graph_handler(
    op_names: Union[str, Sequence[str]],
) -> Callable[[Type[NpuGraphOpHandler]], Type[NpuGraphOpHandler]]:
    """Class decorator: the decorated handler serves the operators `op_names` (``func.__name__`` spellings,
    e.g. ``"my_op.default"``). A later registration of a name replaces the earlier one, with a warning."""
    names = [op_names] if isinstance(op_names, str) else list(op_names)

    def register(handler: Type[NpuGraphOpHandler]) -> Type[NpuGraphOpHandler]:
        if not (isinstance(handler, type) and issubclass(handler, NpuGraphOpHandler)):
            raise TypeError(f"register_npu_graph_handler takes a subclass of NpuGraphOpHandler, got {handler!r}")
        for name in names:
            previous = _NPU_GRAPH_OP_HANDLERS.get(name)
            if previous is not None and previous is not handler:
                _log.warning(
                    "NpuGraphOpHandler for '%s' is being overridden: %s -> %s",
                    name, previous.__name__, handler.__name__,
                )
            _NPU_GRAPH_OP_HANDLERS[name] = handler
        return handler

    return register
