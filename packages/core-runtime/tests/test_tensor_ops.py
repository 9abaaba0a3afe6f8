"""The native minimal ops: factories, copies in every direction, views, resize/set, fill, item."""

import pytest
import torch


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.int64, torch.bool, torch.bfloat16, torch.complex64])
def test_round_trip_preserves_values(dtype):
    source = torch.arange(24).reshape(4, 6).to(dtype)
    on_npu = source.npu()
    assert on_npu.device.type == "npu" and on_npu.dtype == dtype
    assert torch.equal(on_npu.cpu(), source)


def test_empty_strided_and_memory_format():
    tensor = torch.empty_strided((2, 3), (1, 2), device="npu")
    assert tensor.stride() == (1, 2)
    channels_last = torch.empty(2, 3, 4, 5, device="npu", memory_format=torch.channels_last)
    assert channels_last.is_contiguous(memory_format=torch.channels_last)


def test_non_contiguous_copies_both_ways():
    source = torch.randn(5, 7)
    transposed = source.npu().t()
    assert torch.equal(transposed.cpu(), source.t())
    target = torch.zeros(7, 5, device="npu")
    target[:, 1:3].copy_(source.t()[:, 1:3])
    expected = torch.zeros(7, 5)
    expected[:, 1:3] = source.t()[:, 1:3]
    assert torch.equal(target.cpu(), expected)


def test_device_to_device_copies():
    source = torch.randn(6, 4, device="npu")
    same = torch.empty(6, 4, device="npu").copy_(source)
    assert torch.equal(same.cpu(), source.cpu())
    strided = torch.empty(4, 6, device="npu").t().copy_(source)
    assert torch.equal(strided.cpu(), source.cpu())
    other_device = source.to("npu:1")
    assert other_device.device.index == 1
    assert torch.equal(other_device.cpu(), source.cpu())


def test_dtype_conversion_during_copy():
    source = torch.arange(10, dtype=torch.int32)
    assert torch.equal(source.npu().to(torch.float64).cpu(), source.to(torch.float64))
    target = torch.empty(10, device="npu", dtype=torch.float16)
    target.copy_(source)
    assert torch.equal(target.cpu(), source.to(torch.float16))


def test_conjugated_and_negated_views_copy_correctly():
    source = torch.randn(4, dtype=torch.complex64)
    on_npu = source.npu()
    assert torch.equal(on_npu.conj().cpu(), source.conj())
    assert torch.equal(on_npu.conj().resolve_conj().cpu(), source.conj())
    negative = torch.randn(4, dtype=torch.complex64).conj().imag
    assert negative.is_neg()
    assert torch.equal(negative.npu().cpu(), negative.resolve_neg())
    into_conj = torch.zeros(4, dtype=torch.complex64, device="npu").conj()
    into_conj.copy_(source)
    assert torch.equal(into_conj.cpu().resolve_conj(), source)


def test_broadcasting_copy():
    target = torch.empty(3, 4, device="npu")
    target.copy_(torch.arange(4.0))
    assert torch.equal(target.cpu(), torch.arange(4.0).expand(3, 4))


def test_views_share_storage():
    base = torch.arange(12.0).npu()
    view = base.view(3, 4)
    strided = base.as_strided((2, 2), (4, 1), 1)
    assert view.data_ptr() == base.data_ptr()
    assert torch.equal(strided.cpu(), torch.arange(12.0).as_strided((2, 2), (4, 1), 1))
    assert torch.equal(base.reshape(4, 3).cpu(), torch.arange(12.0).reshape(4, 3))


def test_resize_keeps_contents_and_grows():
    tensor = torch.arange(4.0).npu()
    tensor.resize_(10)
    assert tensor.shape == (10,)
    assert torch.equal(tensor[:4].cpu(), torch.arange(4.0))
    tensor.resize_(2, 2)
    assert torch.equal(tensor.cpu(), torch.arange(4.0).view(2, 2))


def test_set_shares_storage():
    source = torch.arange(6.0).npu()
    target = torch.empty(0, device="npu")
    target.set_(source)
    assert target.data_ptr() == source.data_ptr()
    target.set_(source.untyped_storage(), 2, (2, 2), (2, 1))
    assert torch.equal(target.cpu(), torch.tensor([[2.0, 3.0], [4.0, 5.0]]))
    target.set_()
    assert target.numel() == 0


def test_fill_zero_and_item():
    tensor = torch.empty(3, 5, device="npu")
    tensor.fill_(2.5)
    assert torch.equal(tensor.cpu(), torch.full((3, 5), 2.5))
    tensor[:, 1].zero_()
    expected = torch.full((3, 5), 2.5)
    expected[:, 1] = 0
    assert torch.equal(tensor.cpu(), expected)
    tensor.zero_()
    assert tensor.abs().sum().item() == 0
    assert torch.tensor(7, device="npu").item() == 7
    assert torch.tensor([True], device="npu").item() is True


def test_factories_and_arithmetic_through_fallback_match_cpu():
    x = torch.randn(3, 4)
    y = torch.randn(4, 2)
    assert torch.allclose((x.npu() @ y.npu()).cpu(), x @ y)
    assert torch.equal(torch.zeros(2, 3, device="npu").cpu(), torch.zeros(2, 3))
    assert torch.equal(torch.ones(2, device="npu").cpu(), torch.ones(2))


def test_autograd_on_npu():
    weight = torch.randn(3, 3, device="npu", requires_grad=True)
    loss = (weight * 2).sum()
    loss.backward()
    assert weight.grad.device.type == "npu"
    assert torch.equal(weight.grad.cpu(), torch.full((3, 3), 2.0))


def test_results_written_back_into_strided_views_keep_the_view():
    base = torch.arange(12.0).reshape(3, 4)
    on_npu = base.npu()
    on_npu[:, 1:3].cosh_()
    expected = base.clone()
    expected[:, 1:3].cosh_()
    assert torch.allclose(on_npu.cpu(), expected)
    view = torch.zeros(3, 4).npu()[:, 1:3]
    view.resize_(3, 2)
    assert view.stride() == (4, 1)


def test_view_ops_share_storage():
    x = torch.zeros(4).npu()
    x.unfold(0, 2, 1).fill_(1)
    assert x.cpu().tolist() == [1.0, 1.0, 1.0, 1.0]
    complex_values = torch.zeros(3, dtype=torch.complex64).npu()
    torch.view_as_real(complex_values).fill_(2)
    assert torch.equal(complex_values.cpu(), torch.full((3,), 2 + 2j, dtype=torch.complex64))
