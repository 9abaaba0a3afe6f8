"""What dynamo does with ``torch.npu`` calls, as it does with their ``torch.cuda`` namesakes.

Dynamo knows the CUDA and XPU device modules by name: which calls it folds to constants
at trace time, which are stream operations, which classes it builds in the graph. These
are the same facts for ``torch.npu``, entered into the tables of the installed PyTorch
(``torch_npu._compile_compat``, where they differ between releases).
"""

from torch_npu import _compile_compat, npu

# Folded to their value at trace time, the graph guarded on it (it can change between calls).
FOLDED_GUARDED = (npu.current_device, npu.is_initialized)
# Folded to their value at trace time (fixed for the life of the process). Not
# get_device_properties: PyTorch 2.9's folding cannot wrap its named tuple.
FOLDED = (
    npu.device_count,
    npu.is_available,
    npu.get_device_capability,
    npu.get_device_name,
    npu.is_bf16_supported,
)
# Stream operations and the torch.cuda function dynamo handles each like.
STREAM_FUNCTIONS = {
    npu.current_stream: "current_stream",
    npu.synchronize: "synchronize",
    npu.stream: "stream",
    npu.set_stream: "set_stream",
}
# Built in the graph like torch.cuda.Stream and torch.cuda.Event.
GRAPH_CLASSES = (npu.Stream, npu.Event)


def register() -> None:
    """Enters the npu rules into dynamo's tables (once its modules are imported)."""
    _compile_compat.add_dynamo_rules(
        folded_guarded=FOLDED_GUARDED,
        folded=FOLDED,
        stream_functions=STREAM_FUNCTIONS,
        graph_classes=GRAPH_CLASSES,
    )
