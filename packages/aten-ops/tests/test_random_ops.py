"""Random operators run natively and draw from the NPU generator."""

import pytest
import torch

from fallback_guard import no_fallback


@pytest.mark.parametrize(
    "draw",
    [
        lambda g: torch.empty(2000, device="npu").uniform_(-1, 3, generator=g),
        lambda g: torch.empty(2000, device="npu").normal_(2, 0.5, generator=g),
        lambda g: torch.empty(2000, device="npu").bernoulli_(0.3, generator=g),
        lambda g: torch.randperm(50, device="npu", generator=g),
    ],
    ids=["uniform_", "normal_", "bernoulli_", "randperm"],
)
def test_seeded_draws_repeat_and_successive_draws_differ(draw):
    generator = torch.Generator(device="npu")
    with no_fallback():
        generator.manual_seed(11)
        first = draw(generator).cpu()
        second = draw(generator).cpu()
        generator.manual_seed(11)
        again = draw(generator).cpu()
    assert torch.equal(first, again)
    assert not torch.equal(first, second)


def test_distributions_look_right():
    torch.manual_seed(0)
    with no_fallback():
        uniform = torch.empty(20000, device="npu").uniform_(-1, 3).cpu()
        normal = torch.empty(20000, device="npu").normal_(2, 0.5).cpu()
        coin = torch.empty(20000, device="npu").bernoulli_(0.3).cpu()
        permutation = torch.randperm(100, device="npu").cpu()
    assert uniform.min() >= -1 and uniform.max() < 3 and abs(uniform.mean().item() - 1) < 0.05
    assert abs(normal.mean().item() - 2) < 0.02 and abs(normal.std().item() - 0.5) < 0.02
    assert set(coin.unique().tolist()) == {0.0, 1.0} and abs(coin.mean().item() - 0.3) < 0.02
    assert torch.equal(permutation.sort().values, torch.arange(100))


def test_manual_seed_reaches_the_default_generator():
    with no_fallback():
        torch.manual_seed(5)
        first = torch.empty(100, device="npu").normal_().cpu()
        torch.manual_seed(5)
        second = torch.empty(100, device="npu").normal_().cpu()
    assert torch.equal(first, second)


def test_bad_arguments_are_rejected():
    with pytest.raises(RuntimeError, match="expects std >= 0.0"):
        torch.empty(3, device="npu").normal_(0, -1)
    with pytest.raises(RuntimeError, match="expects p to be in"):
        torch.empty(3, device="npu").bernoulli_(1.5)
    with pytest.raises(RuntimeError, match="Expected an NPU generator"):
        torch.empty(3, device="npu").uniform_(generator=torch.Generator())
