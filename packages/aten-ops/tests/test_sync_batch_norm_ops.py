"""The operators of torch.nn.SyncBatchNorm on npu (batch_norm_stats, batch_norm_gather_stats(_with_counts),
batch_norm_elemt, batch_norm_backward_reduce, batch_norm_backward_elemt) against plain batch
normalization of the whole batch on the CPU: a batch split into uneven "ranks" whose statistics and
gradient sums are combined as SyncBatchNorm combines them must give the whole batch's results."""

import pytest
import torch
import torch.nn.functional as F

import torch_npu  # noqa: F401
from fallback_guard import no_fallback

EPS, MOMENTUM = 1e-5, 0.1
SPLITS = (3, 1, 4)  # uneven per-rank batches


def whole_batch_reference(x, weight, bias, grad_out):
    """Batch norm over the whole batch on the CPU: output, input/weight/bias gradients, running stats."""
    leaves = [t.clone().requires_grad_() for t in (x, weight, bias)]
    running_mean, running_var = torch.zeros(x.size(1)), torch.ones(x.size(1))
    out = F.batch_norm(leaves[0], running_mean, running_var, leaves[1], leaves[2], True, MOMENTUM, EPS)
    out.backward(grad_out)
    return out.detach(), [t.grad for t in leaves], running_mean, running_var


def synced_on_npu(x, weight, bias, grad_out):
    """SyncBatchNorm's forward and backward by hand, with the collectives done by cat and sum."""
    chunks, grads = x.npu().split(SPLITS), grad_out.npu().split(SPLITS)
    w, b = weight.npu(), bias.npu()
    stats = [torch.batch_norm_stats(chunk, EPS) for chunk in chunks]
    mean_all = torch.stack([m for m, _ in stats])
    invstd_all = torch.stack([i for _, i in stats])
    counts = torch.tensor([chunk.numel() // chunk.size(1) for chunk in chunks], dtype=torch.float32).npu()
    running_mean, running_var = torch.zeros(x.size(1)).npu(), torch.ones(x.size(1)).npu()
    mean, invstd = torch.batch_norm_gather_stats_with_counts(
        chunks[0], mean_all, invstd_all, running_mean, running_var, MOMENTUM, EPS, counts
    )
    outputs = [torch.batch_norm_elemt(chunk, w, b, mean, invstd, EPS) for chunk in chunks]
    reduced = [torch.batch_norm_backward_reduce(g, c, mean, invstd, w, True, True, True) for g, c in zip(grads, chunks)]
    sum_dy = sum(r[0] for r in reduced)
    sum_dy_xmu = sum(r[1] for r in reduced)
    grad_weight = sum(r[2] for r in reduced)
    grad_bias = sum(r[3] for r in reduced)
    grad_inputs = [
        torch.batch_norm_backward_elemt(g, c, mean, invstd, w, sum_dy, sum_dy_xmu, counts.int())
        for g, c in zip(grads, chunks)
    ]
    return (torch.cat(outputs), [torch.cat(grad_inputs), grad_weight, grad_bias], running_mean, running_var)


@pytest.mark.parametrize("shape", [(8, 3), (8, 4, 5), (8, 2, 3, 3), (8, 2, 2, 3, 2)])
def test_split_batches_combined_match_the_whole_batch(shape):
    torch.manual_seed(0)
    x = torch.randn(shape) * 2 + 0.5
    weight, bias = torch.randn(shape[1]), torch.randn(shape[1])
    grad_out = torch.randn(shape)
    expected = whole_batch_reference(x, weight, bias, grad_out)
    with no_fallback():
        got = synced_on_npu(x, weight, bias, grad_out)
    torch.testing.assert_close(got[0].cpu(), expected[0], rtol=1e-4, atol=1e-5)
    for name, g, e in zip(("input", "weight", "bias"), got[1], expected[1]):
        torch.testing.assert_close(g.cpu(), e, rtol=1e-4, atol=1e-4, msg=lambda m: f"grad {name}: {m}")
    torch.testing.assert_close(got[2].cpu(), expected[2], rtol=1e-5, atol=1e-6, msg="running_mean")
    torch.testing.assert_close(got[3].cpu(), expected[3], rtol=1e-5, atol=1e-6, msg="running_var (unbiased)")


def test_stats_are_the_mean_and_inverse_std_over_all_but_the_channels():
    x = torch.randn(5, 3, 4, 2)
    with no_fallback():
        mean, invstd = torch.batch_norm_stats(x.npu(), EPS)
    var, expected_mean = torch.var_mean(x, dim=(0, 2, 3), unbiased=False)
    torch.testing.assert_close(mean.cpu(), expected_mean)
    torch.testing.assert_close(invstd.cpu(), (var + EPS).rsqrt())


def test_half_inputs_keep_float_statistics_and_a_half_output():
    x = torch.randn(6, 4, 3).half()
    with no_fallback():
        mean, invstd = torch.batch_norm_stats(x.npu(), EPS)
        out = torch.batch_norm_elemt(x.npu(), None, None, mean, invstd, EPS)
    assert mean.dtype == invstd.dtype == torch.float32 and out.dtype == torch.float16
    expected = F.batch_norm(x.float(), None, None, training=True, eps=EPS).half()
    torch.testing.assert_close(out.cpu(), expected, rtol=1e-3, atol=1e-3)


def test_gather_stats_with_a_single_count_and_without_running_stats():
    chunks = torch.randn(6, 3, 4).split(3)
    with no_fallback():
        stats = [torch.batch_norm_stats(c.npu(), EPS) for c in chunks]
        mean_all = torch.stack([m for m, _ in stats])
        invstd_all = torch.stack([i for _, i in stats])
        mean, invstd = torch.batch_norm_gather_stats(chunks[0].npu(), mean_all, invstd_all, None, None, MOMENTUM, EPS, 3)
    var, expected = torch.var_mean(torch.cat(chunks), dim=(0, 2), unbiased=False)
    torch.testing.assert_close(mean.cpu(), expected, rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(invstd.cpu(), (var + EPS).rsqrt(), rtol=1e-5, atol=1e-6)


def test_backward_reduce_leaves_out_what_is_not_asked_for():
    x, g = torch.randn(4, 3, 2).npu(), torch.randn(4, 3, 2).npu()
    mean, invstd = torch.batch_norm_stats(x, EPS)
    sum_dy, sum_dy_xmu, grad_weight, grad_bias = torch.batch_norm_backward_reduce(
        g, x, mean, invstd, None, True, False, False
    )
    torch.testing.assert_close(sum_dy.cpu(), g.cpu().sum((0, 2)))
    assert sum_dy_xmu.shape == (3,)
    assert grad_weight is None and grad_bias is None


def test_bad_input_is_refused_as_on_cuda():
    with pytest.raises(RuntimeError, match="not implemented for 'Long'"):
        torch.batch_norm_stats(torch.ones(4, 3, dtype=torch.long).npu(), EPS)
    with pytest.raises(RuntimeError, match="at least 2 dimensions"):
        torch.batch_norm_stats(torch.ones(4).npu(), EPS)
    mean = torch.zeros(2, 3).npu()
    with pytest.raises(RuntimeError, match="one count per rank"):
        torch.batch_norm_gather_stats_with_counts(
            torch.ones(4, 3).npu(), mean, mean, None, None, MOMENTUM, EPS, torch.ones(3).npu()
        )
