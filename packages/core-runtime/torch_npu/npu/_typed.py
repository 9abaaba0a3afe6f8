"""Legacy typed tensor and storage classes of the npu device, as in torch.cuda.

``torch.npu.FloatTensor`` and friends are type objects, not tensor
subclasses: calling one builds an ordinary ``torch.Tensor`` on npu with the
class's dtype, and ``isinstance(t, torch.npu.FloatTensor)`` holds for any
strided npu tensor of that dtype::

    torch.npu.FloatTensor(2, 3)           # uninitialized, shape (2, 3)
    torch.npu.LongTensor([1, 2, 3])       # from data
    torch.npu.FloatTensor(storage)        # viewing an npu storage

``torch.npu.FloatStorage`` and friends are the legacy ``TypedStorage``
classes of the device (deprecated by PyTorch like every typed storage).
"""

import collections.abc
import numbers
from typing import Any, Tuple, Type

import torch
from torch._utils import classproperty
from torch.storage import _LegacyStorage, _LegacyStorageMeta, _warn_typed_storage_removal

_DEVICE_TYPE = "npu"
# The classes live in torch_npu.npu (== torch.npu); TypedStorage derives a
# legacy storage class's device from the last component of its __module__.
_MODULE = "torch_npu.npu"

__all__ = [
    "DoubleTensor",
    "FloatTensor",
    "HalfTensor",
    "BFloat16Tensor",
    "ByteTensor",
    "CharTensor",
    "ShortTensor",
    "IntTensor",
    "LongTensor",
    "BoolTensor",
    "ComplexFloatTensor",
    "ComplexDoubleTensor",
    "DoubleStorage",
    "FloatStorage",
    "HalfStorage",
    "BFloat16Storage",
    "ByteStorage",
    "CharStorage",
    "ShortStorage",
    "IntStorage",
    "LongStorage",
    "BoolStorage",
    "ComplexFloatStorage",
    "ComplexDoubleStorage",
]


# --------------------------------------------------------------------------- tensors


class _NPUTensorType(type):
    """Metaclass of the typed tensor classes: isinstance by device and dtype, calls build tensors."""

    dtype: torch.dtype

    def __instancecheck__(cls, instance: Any) -> bool:
        return (
            isinstance(instance, torch.Tensor)
            and instance.layout == torch.strided
            and instance.device.type == _DEVICE_TYPE
            and instance.dtype == cls.dtype
        )

    def __call__(cls, *args: Any, device: "torch.types.Device" = None) -> torch.Tensor:  # type: ignore[override]
        return _new_tensor(cls, args, _check_device(cls, device))

    def __repr__(cls) -> str:
        return f"<class '{cls.__name__}'>"


def _check_device(cls: _NPUTensorType, device: "torch.types.Device") -> torch.device:
    if device is None:
        return torch.device(_DEVICE_TYPE)
    device = torch.device(device) if not isinstance(device, int) else torch.device(_DEVICE_TYPE, device)
    if device.type != _DEVICE_TYPE:
        raise RuntimeError(f"{cls.__name__} expects an {_DEVICE_TYPE} device, but got device {device}")
    return device


def _is_size(args: Tuple[Any, ...]) -> bool:
    if len(args) == 1 and isinstance(args[0], torch.Size):
        return True
    return len(args) > 0 and all(isinstance(a, numbers.Integral) and not isinstance(a, bool) for a in args)


def _new_tensor(cls: _NPUTensorType, args: Tuple[Any, ...], device: torch.device) -> torch.Tensor:
    dtype = cls.dtype
    if not args:
        return torch.empty(0, dtype=dtype, device=device)
    if _is_size(args):
        size = args[0] if isinstance(args[0], torch.Size) else args
        return torch.empty(size, dtype=dtype, device=device)
    if len(args) > 1:
        raise TypeError(f"{cls.__name__}() takes sizes as ints or one torch.Size, data, a tensor or a storage")
    (source,) = args
    if isinstance(source, torch.Tensor):
        if not isinstance(source, cls):
            raise TypeError(f"expected an npu tensor of dtype {dtype} (got {source.device.type} {source.dtype})")
        return torch.ops.aten.alias.default(source)
    if isinstance(source, (torch.TypedStorage, torch.UntypedStorage)):
        return _tensor_on_storage(cls, source)
    if isinstance(source, (str, bytes)) or not _is_data(source):
        raise TypeError(f"{cls.__name__}(): data must be a sequence (got {type(source).__name__})")
    return torch.tensor(source, dtype=dtype, device=device)


def _is_data(source: Any) -> bool:
    return isinstance(source, collections.abc.Sequence) or hasattr(source, "__array__")


def _tensor_on_storage(cls: _NPUTensorType, storage: Any) -> torch.Tensor:
    if isinstance(storage, torch.TypedStorage):
        if storage._dtype != cls.dtype:
            raise TypeError(f"{cls.__name__}() needs a storage of dtype {cls.dtype}, got {storage._dtype}")
        storage = storage._untyped_storage
    if storage.device.type != _DEVICE_TYPE:
        raise TypeError(f"{cls.__name__}() needs an {_DEVICE_TYPE} storage, got one on {storage.device}")
    return torch.empty(0, dtype=cls.dtype, device=storage.device).set_(storage)


def _tensor_class(name: str, dtype: torch.dtype) -> Type[Any]:
    # __name__ is the full "torch.npu.FloatTensor" because Tensor.type(cls) takes a class's
    # C-level name (tp_name, which is __name__ for Python classes) as the type string;
    # __module__ + __qualname__ keep pickling by reference working.
    namespace = {
        "__module__": _MODULE,
        "__qualname__": name,
        "__doc__": f"Legacy constructor and type of strided npu tensors of dtype {dtype}.",
        "dtype": dtype,
        "layout": torch.strided,
        "is_sparse": False,
        "is_cuda": False,
        "is_npu": True,
    }
    return _NPUTensorType(f"torch.{_DEVICE_TYPE}.{name}", (), namespace)


# -------------------------------------------------------------------------- storages


class _NPULegacyStorageMeta(_LegacyStorageMeta):
    """isinstance for the typed storage classes, without the TypedStorage deprecation warning."""

    def __instancecheck__(cls, instance: Any) -> bool:
        return (
            type(instance) is torch.TypedStorage
            and instance._untyped_storage.device.type == _DEVICE_TYPE
            and instance._dtype == cls._dtype
        )


class _NPULegacyStorage(_LegacyStorage, metaclass=_NPULegacyStorageMeta):
    """Base of the npu typed storages; host-only constructors are refused."""

    @classmethod
    def from_buffer(cls, *args: Any, **kwargs: Any) -> Any:
        _warn_typed_storage_removal()
        raise RuntimeError("from_buffer: Not available for NPU storage")

    @classmethod
    def _new_with_weak_ptr(cls, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("_new_with_weak_ptr: Not available for NPU storage")

    @classmethod
    def _new_shared(cls, size: int) -> Any:
        raise RuntimeError("_new_shared: Not available for NPU storage")

    @classmethod
    def _new_shared_filename(cls, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("_new_shared_filename: Not available for NPU storage")


def _storage_class(name: str, dtype: torch.dtype) -> Type[Any]:
    def warned_dtype(cls: Any) -> torch.dtype:
        _warn_typed_storage_removal()
        return dtype

    def plain_dtype(cls: Any) -> torch.dtype:
        return dtype

    namespace = {
        "__module__": _MODULE,
        "__qualname__": name,
        "__doc__": f"Legacy typed storage of dtype {dtype} on the npu device (deprecated by PyTorch).",
        "dtype": classproperty(warned_dtype),
        "_dtype": classproperty(plain_dtype),
    }
    return _NPULegacyStorageMeta(name, (_NPULegacyStorage,), namespace)


DoubleTensor = _tensor_class("DoubleTensor", torch.float64)
FloatTensor = _tensor_class("FloatTensor", torch.float32)
HalfTensor = _tensor_class("HalfTensor", torch.float16)
BFloat16Tensor = _tensor_class("BFloat16Tensor", torch.bfloat16)
ByteTensor = _tensor_class("ByteTensor", torch.uint8)
CharTensor = _tensor_class("CharTensor", torch.int8)
ShortTensor = _tensor_class("ShortTensor", torch.int16)
IntTensor = _tensor_class("IntTensor", torch.int32)
LongTensor = _tensor_class("LongTensor", torch.int64)
BoolTensor = _tensor_class("BoolTensor", torch.bool)
ComplexFloatTensor = _tensor_class("ComplexFloatTensor", torch.complex64)
ComplexDoubleTensor = _tensor_class("ComplexDoubleTensor", torch.complex128)

DoubleStorage = _storage_class("DoubleStorage", torch.float64)
FloatStorage = _storage_class("FloatStorage", torch.float32)
HalfStorage = _storage_class("HalfStorage", torch.float16)
BFloat16Storage = _storage_class("BFloat16Storage", torch.bfloat16)
ByteStorage = _storage_class("ByteStorage", torch.uint8)
CharStorage = _storage_class("CharStorage", torch.int8)
ShortStorage = _storage_class("ShortStorage", torch.int16)
IntStorage = _storage_class("IntStorage", torch.int32)
LongStorage = _storage_class("LongStorage", torch.int64)
BoolStorage = _storage_class("BoolStorage", torch.bool)
ComplexFloatStorage = _storage_class("ComplexFloatStorage", torch.complex64)
ComplexDoubleStorage = _storage_class("ComplexDoubleStorage", torch.complex128)

# Known to torch like torch.cuda's storages (torch.is_storage, weights-only unpickling, multiprocessing).
torch._storage_classes.update(
    {
        DoubleStorage,
        FloatStorage,
        HalfStorage,
        BFloat16Storage,
        ByteStorage,
        CharStorage,
        ShortStorage,
        IntStorage,
        LongStorage,
        BoolStorage,
        ComplexFloatStorage,
        ComplexDoubleStorage,
    }
)
