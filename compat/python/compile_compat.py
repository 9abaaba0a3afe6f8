"""torch.compile internals that torch_npu extends and that differ between PyTorch releases.

Shipped as ``torch_npu._compile_compat``. Importing it imports nothing of dynamo or
inductor: each function imports what it touches when torch_npu registers with them.
"""

import inspect
from typing import Any, Callable, Dict, Iterable


def schedule_like_the_cpu(device_type: str) -> None:
    """Makes inductor's scheduler treat `device_type`'s nodes as CPU nodes.

    Its C++ scheduling (CppScheduling) groups nodes differently from the GPU backends,
    and the scheduler's fusion steps that assume GPU groups skip nodes whose
    ``is_cpu()`` is true. A device whose kernels inductor generates with CppScheduling
    must be skipped the same way. 2.9 and 2.13 both ask ``BaseSchedulerNode.is_cpu``.
    """
    from torch._inductor.scheduler import BaseSchedulerNode

    asks_the_cpu = BaseSchedulerNode.is_cpu

    def is_cpu(node: Any) -> bool:
        device = node.get_device()
        return asks_the_cpu(node) or (device is not None and device.type == device_type)

    BaseSchedulerNode.is_cpu = is_cpu


def generate_cpp_for(device_type: str) -> None:
    """Makes inductor's ``get_current_backend`` name "cpp" for `device_type`.

    Inductor answers config.cuda_backend ("triton") for every device it does not know,
    and its op handlers pick dtype and mask code by that name. Its callers import the
    function by name (``from ..utils import get_current_backend``), so each module
    holding it gets the answer too. 2.9's takes no argument; 2.13's an optional device type.
    """
    import sys

    from torch._inductor import utils
    from torch._inductor.virtualized import V

    answers_for_known_devices = utils.get_current_backend

    def get_current_backend(*args: Any, **kwargs: Any) -> str:
        asked = args[0] if args else kwargs.get("device_type")
        if (asked or V.graph.get_current_device_or_throw().type) == device_type:
            return "cpp"
        return answers_for_known_devices(*args, **kwargs)

    for name, module in list(sys.modules.items()):
        if name.startswith("torch._inductor") and getattr(module, "get_current_backend", None) is answers_for_known_devices:
            module.get_current_backend = get_current_backend


def _cuda_namesake(name: str) -> Callable[..., Any]:
    import torch

    return getattr(torch.cuda, name)


def add_dynamo_rules(
    folded_guarded: Iterable[Callable[..., Any]],
    folded: Iterable[Callable[..., Any]],
    stream_functions: Dict[Callable[..., Any], str],
    graph_classes: Iterable[type],
) -> None:
    """Makes dynamo treat npu functions and classes as it treats their torch.cuda namesakes.

    `stream_functions` maps each npu stream function to the name of the torch.cuda
    function whose handler serves it. Every release from 2.9 to 2.13 keeps the tables
    touched here: trace_rules' name-to-rule maps, variables.torch's constant-folding
    dicts and handler table, and UserDefinedClassVariable's in-graph classes.
    """
    from torch._dynamo import trace_rules
    from torch._dynamo.variables import torch as torch_variables
    from torch._dynamo.variables.torch import TorchInGraphFunctionVariable
    from torch._dynamo.variables.user_defined import UserDefinedClassVariable

    folded_guarded, folded = list(folded_guarded), list(folded)
    # By name, as dynamo's own rules: the object map is rebuilt from these when its cache is cleared.
    trace_rules.torch_name_rule_map.append(
        {f"{f.__module__}.{f.__qualname__}": TorchInGraphFunctionVariable
         for f in [*folded_guarded, *folded, *stream_functions]}
    )
    trace_rules.get_torch_obj_rule_map.cache_clear()
    # Under the function dynamo sees: an lru_cache'd function is seen unwrapped.
    for function in map(inspect.unwrap, folded_guarded):
        torch_variables.constant_fold_functions_need_guards[function] = None
        torch_variables.constant_fold_functions[function] = None
    for function in map(inspect.unwrap, folded):
        torch_variables.constant_fold_functions[function] = None
    handlers = TorchInGraphFunctionVariable._get_handlers()
    for function, cuda_name in stream_functions.items():
        handler = handlers.get(_cuda_namesake(cuda_name))
        if handler is not None:
            handlers[function] = handler
    UserDefinedClassVariable._in_graph_classes().update(graph_classes)
