"""Legacy typed tensors (torch.npu.FloatTensor, ...) and typed storages (torch.npu.FloatStorage, ...)."""

import pickle

import pytest
import torch

TENSOR_TYPES = {
    "DoubleTensor": torch.float64,
    "FloatTensor": torch.float32,
    "HalfTensor": torch.float16,
    "BFloat16Tensor": torch.bfloat16,
    "ByteTensor": torch.uint8,
    "CharTensor": torch.int8,
    "ShortTensor": torch.int16,
    "IntTensor": torch.int32,
    "LongTensor": torch.int64,
    "BoolTensor": torch.bool,
    "ComplexFloatTensor": torch.complex64,
    "ComplexDoubleTensor": torch.complex128,
}
STORAGE_TYPES = {name.replace("Tensor", "Storage"): dtype for name, dtype in TENSOR_TYPES.items()}

# Typed storages are deprecated by PyTorch itself; their warning is not what these tests check.
pytestmark = pytest.mark.filterwarnings("ignore:TypedStorage is deprecated:UserWarning")


@pytest.mark.parametrize("name, dtype", TENSOR_TYPES.items())
def test_calling_a_tensor_type_makes_an_npu_tensor_of_its_dtype(name, dtype):
    tensor_type = getattr(torch.npu, name)
    tensor = tensor_type(2, 3)
    assert type(tensor) is torch.Tensor
    assert tensor.device.type == "npu"
    assert tensor.dtype == dtype
    assert tensor.shape == (2, 3)
    assert isinstance(tensor, tensor_type)
    assert tensor_type.dtype == dtype


@pytest.mark.parametrize("name, dtype", TENSOR_TYPES.items())
def test_isinstance_checks_device_and_dtype(name, dtype):
    tensor_type = getattr(torch.npu, name)
    assert isinstance(torch.zeros(1, dtype=dtype, device="npu"), tensor_type)
    assert isinstance(torch.zeros(1, dtype=dtype, device="npu:1"), tensor_type)
    assert not isinstance(torch.zeros(1, dtype=dtype), tensor_type)  # CPU
    other = torch.int32 if dtype != torch.int32 else torch.int64
    assert not isinstance(torch.zeros(1, dtype=other, device="npu"), tensor_type)
    assert not isinstance("not a tensor", tensor_type)


def test_parameters_are_instances_too(npu):
    parameter = torch.nn.Parameter(torch.zeros(2, device=npu))
    assert isinstance(parameter, torch.npu.FloatTensor)


def test_construct_from_data():
    floats = torch.npu.FloatTensor([1, 2.5])
    assert floats.device.type == "npu" and floats.dtype == torch.float32
    assert floats.cpu().tolist() == [1.0, 2.5]
    longs = torch.npu.LongTensor([[1, 2], [3, 4]])
    assert longs.dtype == torch.int64 and longs.cpu().tolist() == [[1, 2], [3, 4]]
    assert torch.npu.BoolTensor((True, False)).cpu().tolist() == [True, False]


def test_sizes_size_object_empty_and_device_argument():
    assert torch.npu.FloatTensor(torch.Size([4, 1])).shape == (4, 1)
    assert torch.npu.FloatTensor(5).shape == (5,)
    empty = torch.npu.IntTensor()
    assert empty.shape == (0,) and empty.dtype == torch.int32 and empty.device.type == "npu"
    assert torch.npu.FloatTensor(2, device="npu:1").device == torch.device("npu:1")
    assert torch.npu.FloatTensor([1.0], device=1).device == torch.device("npu:1")
    with pytest.raises(RuntimeError, match="expects an npu device"):
        torch.npu.FloatTensor(2, device="cpu")
    with pytest.raises(TypeError, match="data must be a sequence"):
        torch.npu.FloatTensor(2.5)


def test_construct_from_a_tensor_aliases_it(npu):
    source = torch.zeros(3, device=npu)
    alias = torch.npu.FloatTensor(source)
    assert alias.data_ptr() == source.data_ptr()
    alias.fill_(7.0)
    assert source.cpu().tolist() == [7.0, 7.0, 7.0]
    with pytest.raises(TypeError, match="expected an npu tensor of dtype torch.float32"):
        torch.npu.FloatTensor(torch.zeros(3, dtype=torch.float64, device=npu))
    with pytest.raises(TypeError, match="expected an npu tensor"):
        torch.npu.FloatTensor(torch.zeros(3))


def test_npu_tensor_types_are_not_the_cpu_ones(npu):
    assert torch.npu.FloatTensor is not torch.FloatTensor
    assert not isinstance(torch.zeros(1, device=npu), torch.FloatTensor)
    assert repr(torch.npu.FloatTensor) == "<class 'torch.npu.FloatTensor'>"


def test_tensor_type_method_accepts_the_classes(npu):
    tensor = torch.ones(2, device=npu)
    assert tensor.type() == torch.npu.FloatTensor.__name__ == "torch.npu.FloatTensor"
    converted = tensor.type(torch.npu.HalfTensor)
    assert converted.dtype == torch.float16 and converted.device.type == "npu"
    assert isinstance(converted, torch.npu.HalfTensor)
    assert pickle.loads(pickle.dumps(torch.npu.LongTensor)) is torch.npu.LongTensor


def test_all_exports_every_class():
    import torch_npu.npu._typed as typed

    assert set(typed.__all__) == set(TENSOR_TYPES) | set(STORAGE_TYPES)
    for name in typed.__all__:
        assert getattr(torch.npu, name) is getattr(typed, name)


# -------------------------------------------------------------------------------- storages


@pytest.mark.parametrize("name, dtype", STORAGE_TYPES.items())
def test_storage_of_a_size_is_on_npu(name, dtype):
    storage_type = getattr(torch.npu, name)
    storage = storage_type(4)
    assert isinstance(storage, torch.TypedStorage)
    assert isinstance(storage, storage_type)
    assert storage.device.type == "npu"
    assert storage.dtype == dtype
    assert storage.size() == 4
    assert storage.nbytes() == 4 * torch.empty(0, dtype=dtype).element_size()


def test_storage_from_data_and_its_copy_to_cpu():
    storage = torch.npu.FloatStorage([1.0, 2.0, 3.0])
    assert storage.device.type == "npu"
    assert storage.tolist() == [1.0, 2.0, 3.0]
    assert storage.cpu().tolist() == [1.0, 2.0, 3.0]
    assert isinstance(storage.cpu(), torch.FloatStorage)


def test_storage_isinstance_checks_device_and_dtype(npu):
    assert not isinstance(torch.npu.FloatStorage(2), torch.npu.DoubleStorage)
    assert not isinstance(torch.FloatStorage(2), torch.npu.FloatStorage)  # CPU
    assert not isinstance(torch.npu.FloatStorage(2), torch.FloatStorage)
    assert isinstance(torch.zeros(2, device=npu).storage(), torch.npu.FloatStorage)
    assert isinstance(torch.zeros(2, dtype=torch.int64, device=npu).storage(), torch.npu.LongStorage)


def test_wrap_storage_requires_npu_memory(npu):
    untyped = torch.zeros(2, device=npu).untyped_storage()
    wrapped = torch.npu.FloatStorage(wrap_storage=untyped)
    assert wrapped.size() == 2 and wrapped.device.type == "npu"
    with pytest.raises(RuntimeError, match="Device of 'wrap_storage' must be npu"):
        torch.npu.FloatStorage(wrap_storage=torch.UntypedStorage(8))


def test_tensor_type_on_a_storage_shares_its_memory():
    storage = torch.npu.FloatStorage([1.0, 2.0])
    tensor = torch.npu.FloatTensor(storage)
    assert tensor.shape == (2,)
    tensor.mul_(10)
    assert storage.tolist() == [10.0, 20.0]
    with pytest.raises(TypeError, match="dtype torch.float32"):
        torch.npu.FloatTensor(torch.npu.DoubleStorage(2))
    with pytest.raises(TypeError, match="npu storage"):
        torch.npu.FloatTensor(torch.FloatStorage(2))


def test_host_only_storage_constructors_are_refused():
    with pytest.raises(RuntimeError, match="Not available for NPU storage"):
        torch.npu.FloatStorage.from_buffer(b"\0" * 8, "native")
    with pytest.raises(RuntimeError, match="Not available for NPU storage"):
        torch.npu.FloatStorage._new_shared(2)


def test_storage_classes_are_known_to_torch_and_pickle_by_reference():
    assert torch.npu.FloatStorage in torch._storage_classes
    assert pickle.loads(pickle.dumps(torch.npu.HalfStorage)) is torch.npu.HalfStorage


def test_storage_round_trips_through_torch_save(tmp_path):
    storage = torch.npu.IntStorage([4, 5, 6])
    torch.save(storage, tmp_path / "storage.pt")
    loaded = torch.load(tmp_path / "storage.pt")
    assert isinstance(loaded, torch.npu.IntStorage)
    assert loaded.tolist() == [4, 5, 6]
