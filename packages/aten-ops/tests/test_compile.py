"""torch.compile on npu: dynamo traces torch.npu without graph breaks; aot_eager and inductor equal eager.

Inductor compiles each kernel with the system C++ compiler, so the models here are small
and each is compiled once per backend; the compile cache of the session lives under its
own temporary directory.
"""

import copy
import os
import pathlib
import subprocess
import sys
import textwrap

import pytest
import torch
import torch.nn.functional as F
import torch_npu

from fallback_guard import no_fallback

EXAMPLES = pathlib.Path(__file__).resolve().parents[3] / "examples"
sys.path.insert(0, str(EXAMPLES))
from quickstart import DigitsNet  # noqa: E402

HOST_WAITS = ("EventSynchronize", "StreamSynchronize", "DeviceSynchronize")


@pytest.fixture(scope="module", autouse=True)
def inductor_cache(tmp_path_factory):
    """A compile cache of this session's own, and compilation in this process (the machine has 2 cores)."""
    import torch._inductor.config as inductor_config

    directory = tmp_path_factory.mktemp("inductor-cache")
    previous = os.environ.get("TORCHINDUCTOR_CACHE_DIR")
    os.environ["TORCHINDUCTOR_CACHE_DIR"] = str(directory)
    with inductor_config.patch(compile_threads=1):
        yield directory
    if previous is None:
        os.environ.pop("TORCHINDUCTOR_CACHE_DIR", None)
    else:
        os.environ["TORCHINDUCTOR_CACHE_DIR"] = previous


@pytest.fixture(autouse=True)
def fresh_dynamo():
    torch._dynamo.reset()
    yield
    torch._dynamo.reset()


def host_waits(function, *args):
    """Runs function(*args) and returns what it returned and how often the host waited for the device."""
    torch_npu._C._trace_set_enabled(True)
    try:
        result = function(*args)
    finally:
        records = torch_npu._C._trace_drain()
        torch_npu._C._trace_set_enabled(False)
    return result, sum(1 for record in records if record[0].name in HOST_WAITS)


# ---------------------------------------------------------------------------------------------
# dynamo


def test_npu_has_a_device_interface():
    from torch._dynamo.device_interface import get_interface_for_device

    interface = get_interface_for_device("npu")
    assert get_interface_for_device("npu:1") is interface
    assert interface.device_count() == torch.npu.device_count() and interface.is_available()
    assert interface.current_device() == torch.npu.current_device()
    assert issubclass(interface.Stream, torch.Stream) and issubclass(interface.Event, torch.Event)
    assert interface.get_raw_stream(0) == torch.npu.current_stream(0).npu_stream
    assert interface.get_compute_capability() == torch.npu.get_device_properties().soc_name
    assert interface.Worker.get_device_properties(0).total_memory == torch.npu.get_device_properties(0).total_memory
    previous = interface.exchange_device(1)
    assert torch.npu.current_device() == 1
    interface.exchange_device(previous)
    assert torch.npu.current_device() == previous
    assert not interface.is_triton_capable()


def test_importing_torch_npu_does_not_import_dynamo_or_inductor():
    code = (
        "import sys, torch, torch_npu\n"
        "print(sorted(m for m in sys.modules if m.startswith(('torch._dynamo', 'torch._inductor'))))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


SIDE_STREAM = None


def with_side_stream(x):
    with torch.npu.stream(SIDE_STREAM):
        y = x * 2
    torch.npu.current_stream().wait_stream(SIDE_STREAM)
    return y


def with_events(x):
    start = torch.npu.Event()
    start.record()
    stream = torch.npu.Stream()
    stream.wait_event(start)
    with torch.npu.stream(stream):
        y = x + 1
    done = torch.npu.Event()
    done.record(stream)
    done.wait()
    return y


def with_autocast(x):
    with torch.autocast("npu", dtype=torch.bfloat16):
        return (x @ x).float()


NPU_CALLS = {
    "current_device": lambda x: x + torch.npu.current_device(),
    "device_count": lambda x: x * torch.npu.device_count(),
    "is_available": lambda x: x if torch.npu.is_available() else -x,
    "get_device_capability": lambda x: x + torch.npu.get_device_capability()[0],
    "current_stream": lambda x: x + 1 if torch.npu.current_stream() is not None else x,
    "set_stream": lambda x: (torch.npu.set_stream(torch.npu.current_stream()), x + 1)[1],
    "synchronize": lambda x: (torch.npu.synchronize(), x + 1)[1],
    "stream": with_side_stream,
    "events": with_events,
    "autocast": with_autocast,
}


@pytest.mark.parametrize("name", list(NPU_CALLS))
def test_torch_npu_calls_trace_into_one_graph(name):
    global SIDE_STREAM
    SIDE_STREAM = torch.npu.Stream()
    x = torch.randn(8, 8, device="npu")
    function = NPU_CALLS[name]
    compiled = torch.compile(function, backend="eager", fullgraph=True)
    torch.testing.assert_close(compiled(x), function(x))


def quickstart_forward_loss(model, images, labels):
    with torch.npu.amp.autocast(dtype=torch.bfloat16):
        return F.nll_loss(model(images), labels)


def tiny_llama():
    transformers = pytest.importorskip("transformers")
    config = transformers.LlamaConfig(
        hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
        vocab_size=320, max_position_embeddings=64,
    )  # fmt: skip
    torch.manual_seed(0)
    return transformers.LlamaForCausalLM._from_config(config, attn_implementation="sdpa")


def test_quickstart_step_and_llama_forward_have_no_graph_breaks():
    torch.manual_seed(0)
    model = DigitsNet().npu()
    images, labels = torch.rand(16, 1, 8, 8, device="npu"), torch.randint(0, 10, (16,), device="npu")
    explained = torch._dynamo.explain(quickstart_forward_loss)(model, images, labels)
    assert (explained.graph_count, explained.graph_break_count) == (1, 0), explained.break_reasons
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
    quickstart_forward_loss(model, images, labels).backward()
    explained = torch._dynamo.explain(optimizer.step)()
    assert explained.graph_break_count == 0, explained.break_reasons

    llama = tiny_llama().npu()
    ids = torch.randint(0, 320, (2, 24), device="npu")
    explained = torch._dynamo.explain(lambda ids: llama(input_ids=ids).logits)(ids)
    assert (explained.graph_count, explained.graph_break_count) == (1, 0), explained.break_reasons


# ---------------------------------------------------------------------------------------------
# aot_eager and inductor against eager


BACKENDS = ["aot_eager", "inductor"]


def compare_training(model, inputs, backend, loss_of=lambda out: out.float().pow(2).mean(), **compile_kwargs):
    """Forward and backward of `model` eager and compiled: outputs and every gradient equal."""
    compiled_model = copy.deepcopy(model)
    compiled = torch.compile(compiled_model, backend=backend, **compile_kwargs)
    expected = model(*inputs)
    loss_of(expected).backward()
    with no_fallback():
        actual = compiled(*inputs)
        loss_of(actual).backward()
    torch.testing.assert_close(actual, expected, rtol=1e-4, atol=1e-5)
    for (name, parameter), compiled_parameter in zip(model.named_parameters(), compiled_model.parameters()):
        torch.testing.assert_close(compiled_parameter.grad, parameter.grad, rtol=1e-4, atol=1e-5, msg=name)


@pytest.mark.parametrize("backend", BACKENDS)
def test_quickstart_cnn_compiled_equals_eager(backend):
    torch.manual_seed(0)
    model = DigitsNet().npu().eval()  # dropout off: the same numbers on both sides
    images = torch.rand(16, 1, 8, 8, device="npu")
    compare_training(model, (images,), backend)


class MLP(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.layers = torch.nn.Sequential(
            torch.nn.Linear(32, 64), torch.nn.GELU(), torch.nn.LayerNorm(64), torch.nn.Linear(64, 8)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layers(x).softmax(-1)


@pytest.mark.parametrize("backend", BACKENDS)
def test_mlp_adamw_steps_compiled_equal_eager(backend):
    torch.manual_seed(0)
    eager_model = MLP().npu()
    compiled_model = copy.deepcopy(eager_model)
    eager_optimizer = torch.optim.AdamW(eager_model.parameters(), lr=1e-2)
    compiled_optimizer = torch.optim.AdamW(compiled_model.parameters(), lr=1e-2)
    x, target = torch.randn(16, 32, device="npu"), torch.randn(16, 8, device="npu")

    def step(model, optimizer):
        optimizer.zero_grad(set_to_none=True)
        loss = F.mse_loss(model(x), target)
        loss.backward()
        optimizer.step()
        return loss.detach()

    compiled_forward = torch.compile(compiled_model, backend=backend)
    compiled_step = torch.compile(compiled_optimizer.step, backend=backend)
    for _ in range(3):
        expected = step(eager_model, eager_optimizer)
        compiled_optimizer.zero_grad(set_to_none=True)
        loss = F.mse_loss(compiled_forward(x), target)
        loss.backward()
        compiled_step()
        torch.testing.assert_close(loss.detach(), expected, rtol=1e-4, atol=1e-6)
    # The compiled update decomposes AdamW's foreach kernels: a rounding apart, no more.
    for parameter, compiled_parameter in zip(eager_model.parameters(), compiled_model.parameters()):
        torch.testing.assert_close(compiled_parameter, parameter, rtol=1e-3, atol=1e-4)


@pytest.mark.parametrize("backend", BACKENDS)
def test_llama_block_compiled_equals_eager(backend):
    llama = tiny_llama().npu()
    block = llama.model.layers[0]
    hidden = torch.randn(2, 16, 64, device="npu")
    positions = torch.arange(16, device="npu").unsqueeze(0).expand(2, -1)
    embeddings = llama.model.rotary_emb(hidden, positions)

    class Block(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.block = block

        def forward(self, hidden):
            out = self.block(hidden, position_embeddings=embeddings, attention_mask=None, position_ids=positions)
            return out[0] if isinstance(out, tuple) else out

    compare_training(Block(), (hidden,), backend)


class FusedOpsModel(torch.nn.Module):
    """A pre-norm attention layer on torch_npu's custom operators."""

    def __init__(self) -> None:
        super().__init__()
        self.norm = torch.nn.Parameter(torch.ones(64))
        self.qkv = torch.nn.Linear(64, 3 * 64)
        self.out = torch.nn.Linear(64, 64)

    def forward(self, x):
        normed = torch_npu.npu_rms_norm(x, self.norm, epsilon=1e-6)[0]
        q, k, v = self.qkv(normed).chunk(3, dim=-1)
        attention = torch_npu.npu_fusion_attention(
            q, k, v, head_num=4, input_layout="BSH", scale=0.25, keep_prob=1.0
        )[0]
        return x + self.out(attention)


@pytest.mark.parametrize("backend", BACKENDS)
def test_custom_operators_compiled_equal_eager(backend):
    torch.manual_seed(0)
    model = FusedOpsModel().npu()
    x = torch.randn(2, 16, 64, device="npu")
    compare_training(model, (x,), backend)


# ---------------------------------------------------------------------------------------------
# inductor on the NPU stream


def test_a_compiled_step_never_waits_for_the_device():
    torch.manual_seed(0)
    model = MLP().npu()
    x = torch.randn(16, 32, device="npu")
    compiled = torch.compile(lambda x: model(x).pow(2).mean())
    seed = torch.ones((), device="npu")  # made here: the step is the compiled forward and backward only

    def step():
        loss = compiled(x)
        torch.autograd.backward(loss, seed)
        return loss.detach()

    step()  # compiles
    torch.npu.synchronize()
    _, waits = host_waits(step)
    assert waits == 0
    torch.npu.synchronize()


def test_compiled_kernels_run_in_stream_order_with_eager_work_on_two_streams():
    def scaled_sum(a, b):
        return (a * 3 + b).relu()

    compiled = torch.compile(scaled_sum)
    side = torch.npu.Stream()
    a = torch.randn(1 << 18, device="npu")
    b = torch.randn(1 << 18, device="npu")
    compiled(a, b)  # compiles
    torch.npu.synchronize()
    for _ in range(3):
        with torch.npu.stream(side):
            side.wait_stream(torch.npu.current_stream())
            a.mul_(2)  # eager, on the side stream: the compiled kernel must see it
            produced = compiled(a, b)  # enqueued on the side stream after a.mul_
            produced.add_(1)  # eager again, after the compiled kernel
        torch.npu.current_stream().wait_stream(side)
        expected = (a * 3 + b).relu() + 1
        torch.testing.assert_close(produced, expected)


def test_dynamic_shapes_compile_once_for_several_sizes():
    def normalized(x):
        return (x - x.mean(-1, keepdim=True)) / (x.std(-1, keepdim=True) + 1e-5)

    compiled = torch.compile(normalized, dynamic=True)
    for rows in (3, 7, 12):
        x = torch.randn(rows, 33, device="npu")
        torch.testing.assert_close(compiled(x), normalized(x))


def test_reduce_overhead_is_refused_with_the_reason():
    compiled = torch.compile(lambda x: x.sin() + 1, mode="reduce-overhead")
    with pytest.raises(Exception, match="NPU graphs are not implemented yet"):
        compiled(torch.randn(8, device="npu"))


def test_inductor_on_a_real_toolkit_is_refused_naming_aot_eager(monkeypatch):
    from torch_npu._inductor import scheduling

    monkeypatch.setattr(scheduling._C, "_host_kernels_supported", lambda: False)
    with pytest.raises(RuntimeError, match="aot_eager"):
        scheduling.check_supported()


def test_the_compile_cache_serves_a_second_process(inductor_cache):
    code = textwrap.dedent(
        """
        import torch, torch_npu
        from torch._dynamo.utils import counters
        import torch._inductor.config
        torch._inductor.config.compile_threads = 1
        f = torch.compile(lambda x: (x.cos() * 2).sum(0))
        x = torch.arange(12.0, device="npu").reshape(3, 4)
        torch.testing.assert_close(f(x), (x.cos() * 2).sum(0))
        print("hits", counters["inductor"]["fxgraph_cache_hit"], "misses", counters["inductor"]["fxgraph_cache_miss"])
        """
    )
    env = dict(os.environ, TORCHINDUCTOR_CACHE_DIR=str(inductor_cache / "two-processes"))
    outputs = []
    for _ in range(2):
        result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, result.stderr
        outputs.append(result.stdout.split()[-4:])
    assert outputs == [["hits", "0", "misses", "1"], ["hits", "1", "misses", "0"]]
