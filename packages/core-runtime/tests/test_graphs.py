"""NPU graphs: a captured training step replays what eager computes, on NPU and against the CPU;
replays order with other streams through events; graph pools are shared and released; graphed
callables give eager's gradients; the operations CUDA forbids during capture raise as there."""

import copy

import pytest
import torch
import torch_npu  # noqa: F401

STEPS = 5


pytestmark = pytest.mark.usefixtures("release_graphs")


def mlp() -> torch.nn.Module:
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(16, 32), torch.nn.ReLU(), torch.nn.Linear(32, 4))


def batches(count: int) -> list:
    generator = torch.Generator().manual_seed(1)
    return [(torch.randn(8, 16, generator=generator), torch.randn(8, 4, generator=generator)) for _ in range(count)]


def make_optimizer(kind: str, params):
    if kind == "sgd-momentum":
        return torch.optim.SGD(params, lr=0.05, momentum=0.9)
    return torch.optim.SGD(params, lr=0.1)


def mse(prediction: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    return (prediction - target).square().mean()


def eager_training(device: torch.device, kind: str, data) -> tuple:
    model = mlp().to(device)
    optimizer = make_optimizer(kind, model.parameters())
    losses = []
    for x, y in data:
        optimizer.zero_grad(set_to_none=True)
        loss = mse(model(x.to(device)), y.to(device))
        loss.backward()
        optimizer.step()
        losses.append(loss.detach().cpu())
    return torch.stack(losses), [p.detach().cpu() for p in model.parameters()]


def step(model, optimizer, x, y) -> torch.Tensor:
    optimizer.zero_grad(set_to_none=True)
    loss = mse(model(x), y)
    loss.backward()
    optimizer.step()
    return loss


def captured_training(npu: torch.device, kind: str, data) -> tuple:
    """The step of eager_training, captured after one eager warm-up step on a side stream."""
    model = mlp().to(npu)
    optimizer = make_optimizer(kind, model.parameters())
    static_x = data[0][0].to(npu)
    static_y = data[0][1].to(npu)
    side = torch.npu.Stream()
    side.wait_stream(torch.npu.current_stream())
    losses = []
    with torch.npu.stream(side):
        # Warm-up: the first step is eager (the optimizer creates its state here).
        losses.append(step(model, optimizer, static_x, static_y).detach().cpu())
    torch.npu.current_stream().wait_stream(side)
    graph = torch.npu.NPUGraph()
    with torch.npu.graph(graph):
        static_loss = step(model, optimizer, static_x, static_y)
    for x, y in data[1:]:
        static_x.copy_(x)
        static_y.copy_(y)
        graph.replay()
        losses.append(static_loss.detach().cpu())
    return torch.stack(losses), [p.detach().cpu() for p in model.parameters()], graph


@pytest.mark.parametrize("kind", ["sgd", "sgd-momentum"])
def test_captured_training_step_replays_eager(npu, kind):
    data = batches(STEPS)
    cpu_losses, cpu_params = eager_training(torch.device("cpu"), kind, data)
    npu_losses, npu_params = eager_training(npu, kind, data)
    graph_losses, graph_params, graph = captured_training(npu, kind, data)
    torch.testing.assert_close(npu_losses, cpu_losses, rtol=1e-4, atol=1e-5)
    torch.testing.assert_close(graph_losses, npu_losses, rtol=0, atol=0)
    for graph_param, npu_param, cpu_param in zip(graph_params, npu_params, cpu_params):
        torch.testing.assert_close(graph_param, npu_param, rtol=0, atol=0)
        torch.testing.assert_close(graph_param, cpu_param, rtol=1e-4, atol=1e-5)
    # The losses change step after step: the replays really ran the step.
    assert len(set(graph_losses.tolist())) == STEPS
    graph.reset()


def test_replay_on_a_side_stream_is_ordered_with_events(npu):
    static_in = torch.zeros(1 << 16, device=npu)
    graph = torch.npu.NPUGraph()
    with torch.npu.graph(graph):
        static_out = static_in * 2 + 1
    replay_stream = torch.npu.Stream()
    for value in range(1, 6):
        # The producer's write must land before the replay reads; the reader waits for the replay.
        static_in.fill_(float(value))
        ready = torch.npu.Event()
        ready.record()
        replay_stream.wait_event(ready)
        with torch.npu.stream(replay_stream):
            graph.replay()
            done = torch.npu.Event()
            done.record()
        torch.npu.current_stream().wait_event(done)
        assert torch.equal(static_out.cpu(), torch.full((1 << 16,), 2.0 * value + 1))
    graph.reset()


def test_graphs_share_a_pool(npu):
    pool = torch.npu.graph_pool_handle()
    first, second = torch.npu.NPUGraph(), torch.npu.NPUGraph()
    x = torch.ones(1024, device=npu)
    with torch.npu.graph(first, pool=pool):
        first_out = x + 1
    with torch.npu.graph(second, pool=first.pool()):
        second_out = first_out * 3
    assert first.pool() == second.pool() == pool
    x.fill_(2.0)
    first.replay()
    second.replay()
    assert torch.equal(second_out.cpu(), torch.full((1024,), 9.0))
    first.reset()
    second.reset()


def test_reset_releases_the_graphs_memory(npu):
    torch.npu.synchronize()
    torch.npu.empty_cache()
    before = torch.npu.memory_reserved(npu)
    graph = torch.npu.NPUGraph()
    x = torch.ones(1 << 20, device=npu)
    with torch.npu.graph(graph):
        y = (x * 2).sin()  # the intermediate is freed during capture, but stays the graph's
    del y
    torch.npu.empty_cache()
    with_graph = torch.npu.memory_reserved(npu)
    assert with_graph >= before + 2 * (4 << 20)  # the product and the result, 4 MiB each
    graph.replay()
    graph.reset()
    torch.npu.empty_cache()
    assert torch.npu.memory_reserved(npu) <= with_graph - 2 * (4 << 20)
    del x


def test_is_current_stream_capturing(npu):
    assert not torch.npu.is_current_stream_capturing()
    graph = torch.npu.NPUGraph()
    seen = []
    x = torch.ones(4, device=npu)
    with torch.npu.graph(graph):
        seen.append(torch.npu.is_current_stream_capturing())
        x.add_(1)
    seen.append(torch.npu.is_current_stream_capturing())
    assert seen == [True, False]
    graph.replay()
    assert torch.equal(x.cpu(), torch.full((4,), 2.0))  # the capture ran nothing; the replay added once
    graph.reset()


def test_graphed_module_gradients_equal_eager(npu):
    eager = mlp().to(npu)
    graphed = copy.deepcopy(eager)
    sample = torch.randn(8, 16, device=npu, requires_grad=True)
    graphed = torch.npu.make_graphed_callables(graphed, (sample,))
    for x, _ in batches(3):
        x_eager = x.to(npu).requires_grad_()
        x_graphed = x.to(npu).requires_grad_()
        eager(x_eager).square().sum().backward()
        graphed(x_graphed).square().sum().backward()
        torch.testing.assert_close(x_graphed.grad, x_eager.grad)
        for graphed_param, eager_param in zip(graphed.parameters(), eager.parameters()):
            torch.testing.assert_close(graphed_param.grad, eager_param.grad)
    # Out of the captured training mode the module runs eagerly.
    graphed.eval()
    with torch.no_grad():
        torch.testing.assert_close(graphed(x.to(npu)), eager.eval()(x.to(npu)))


def test_graphed_callables_share_a_pool_in_order(npu):
    first = mlp().to(npu)
    second = torch.nn.Linear(4, 2).to(npu)
    sample_first = torch.randn(8, 16, device=npu)
    sample_second = torch.randn(8, 4, device=npu, requires_grad=True)
    eager_first, eager_second = copy.deepcopy(first), copy.deepcopy(second)
    graphed_first, graphed_second = torch.npu.make_graphed_callables(
        (first, second), ((sample_first,), (sample_second,))
    )
    x = torch.randn(8, 16, device=npu)
    graphed_second(graphed_first(x)).sum().backward()
    eager_second(eager_first(x)).sum().backward()
    for graphed_param, eager_param in zip(
        [*graphed_first.parameters(), *graphed_second.parameters()],
        [*eager_first.parameters(), *eager_second.parameters()],
    ):
        torch.testing.assert_close(graphed_param.grad, eager_param.grad)


CAPTURE_ERROR = "operation not permitted when stream is capturing"


@pytest.mark.parametrize(
    "operation",
    [
        pytest.param(lambda x: torch.npu.synchronize(), id="device-synchronize"),
        pytest.param(lambda x: torch.npu.current_stream().synchronize(), id="stream-synchronize"),
        pytest.param(lambda x: x.sum().item(), id="item"),
        pytest.param(lambda x: x.cpu(), id="cpu"),
        pytest.param(lambda x: torch.tensor([1.0, 2.0]).to(x.device), id="pageable-copy"),
    ],
)
def test_operations_not_permitted_during_capture_raise(npu, operation):
    x = torch.ones(16, device=npu)
    graph = torch.npu.NPUGraph()
    with pytest.raises(RuntimeError, match=CAPTURE_ERROR):
        with torch.npu.graph(graph):
            operation(x)
    assert not torch.npu.is_current_stream_capturing()
    # The failed capture left nothing behind: a new capture works.
    graph = torch.npu.NPUGraph()
    with torch.npu.graph(graph):
        y = x + 1
    graph.replay()
    assert torch.equal(y.cpu(), torch.full((16,), 2.0))
    graph.reset()


def test_new_memory_outside_the_graphs_pool_raises_in_global_mode(npu):
    other = torch.npu.Stream()
    graph = torch.npu.NPUGraph()
    torch.npu.empty_cache()
    with pytest.raises(RuntimeError, match=CAPTURE_ERROR):
        with torch.npu.graph(graph):
            with torch.npu.stream(other):
                torch.empty(1 << 22, device=npu)
    # "relaxed" permits it.
    graph = torch.npu.NPUGraph()
    with torch.npu.graph(graph, capture_error_mode="relaxed"):
        with torch.npu.stream(other):
            outside = torch.empty(1 << 22, device=npu)
    assert outside.numel() == 1 << 22
    graph.reset()


def test_random_numbers_during_capture_are_not_supported_yet(npu):
    graph = torch.npu.NPUGraph()
    with pytest.raises(NotImplementedError, match="not supported yet"):
        with torch.npu.graph(graph):
            torch.rand(4, device=npu)


def test_bad_usage_raises_clearly(npu):
    graph = torch.npu.NPUGraph()
    with pytest.raises(RuntimeError, match="without a preceding successful capture"):
        graph.replay()
    with pytest.raises(RuntimeError, match="without a preceding successful capture"):
        graph.pool()
    with pytest.raises(ValueError, match="capture_error_mode"):
        graph.capture_begin(capture_error_mode="strict")
    with pytest.raises(RuntimeError, match="non-default stream"):
        with torch.npu.stream(torch.npu.default_stream()):
            graph.capture_begin()
    x = torch.ones(2, device=npu)
    with torch.npu.graph(graph):
        x.add_(1)
    with pytest.raises(RuntimeError, match="already owns a captured graph"):
        graph.capture_begin()
    graph.reset()


def test_super_kernel_scopes_are_refused_naming_the_cann_they_need():
    with pytest.raises(RuntimeError, match="scope_name must not be empty or blank"):
        torch.npu.super_kernel_scope_begin("   ")
    for call in (torch.npu.super_kernel_scope_begin, torch.npu.super_kernel_scope_end):
        with pytest.raises(RuntimeError, match=r"needs CANN's super kernel API \(aclskScopeBegin/aclskScopeEnd\)"):
            call("scope")
