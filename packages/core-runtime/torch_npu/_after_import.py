"""Run a function right after a module is first imported, without importing it.

torch.compile's machinery (``torch._dynamo``, ``torch._inductor``) costs a second or
more to import, and ``import torch`` imports torch_npu: registering the npu device
with it eagerly would make every ``import torch`` pay that. Instead the registration
runs when the program itself first imports the module it extends.
"""

import importlib.abc
import importlib.machinery
import sys
import threading
from types import ModuleType
from typing import Callable, Dict, List, Optional, Sequence

_lock = threading.Lock()
_pending: Dict[str, List[Callable[[ModuleType], None]]] = {}


class _ThenRun(importlib.abc.Loader):
    """Delegates to the module's own loader, then runs the callbacks waiting for it."""

    def __init__(self, loader: importlib.abc.Loader) -> None:
        self._loader = loader

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> Optional[ModuleType]:
        return self._loader.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        self._loader.exec_module(module)
        # The module object already is in sys.modules and complete; a callback that
        # imports it again gets it, and may import the rest of its package.
        module.__loader__ = self._loader
        if module.__spec__ is not None:
            module.__spec__.loader = self._loader
        _run_pending(module)

    def __getattr__(self, name: str):  # get_source, get_code, is_package, ...
        return getattr(self._loader, name)


class _Finder(importlib.abc.MetaPathFinder):
    def find_spec(self, name: str, path: Optional[Sequence[str]], target: Optional[ModuleType] = None):
        if name not in _pending:
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path, target)
        if spec is not None and spec.loader is not None:
            spec.loader = _ThenRun(spec.loader)
        return spec


def _run_pending(module: ModuleType) -> None:
    with _lock:
        callbacks = _pending.pop(module.__name__, [])
    for callback in callbacks:
        callback(module)


_finder = _Finder()


def when_imported(module_name: str, callback: Callable[[ModuleType], None]) -> None:
    """Calls ``callback(module)`` once `module_name` is imported: now if it already is."""
    module = sys.modules.get(module_name)
    if module is not None:
        callback(module)
        return
    with _lock:
        _pending.setdefault(module_name, []).append(callback)
        if _finder not in sys.meta_path:
            sys.meta_path.insert(0, _finder)
