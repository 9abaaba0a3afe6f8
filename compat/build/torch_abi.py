"""The C++ ABI flags an extension of the installed torch must be compiled with.

    python compat/build/torch_abi.py     # prints `cxx11_abi=1`, `abi_version=18`, `torch_dir=...`

PyTorch's wheels fix two ABI choices: ``_GLIBCXX_USE_CXX11_ABI`` (libstdc++'s std::string
and std::list layout) and the compiler's ``-fabi-version`` (name mangling; GCC's default
for the release torch was built with). As the reference's source build does, the
environment variables ``_GLIBCXX_USE_CXX11_ABI`` and ``_ABI_VERSION`` choose them; unset,
they default to the installed torch's, and a value that differs from torch's is refused:
such a build would fail to link, or load and crash, against that torch.
Exit status 2 with the reason on stderr when refused.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass

CXX11_ABI_ENV = "_GLIBCXX_USE_CXX11_ABI"
ABI_VERSION_ENV = "_ABI_VERSION"

# GCC's default -fabi-version by major release (the GCC manual's list of ABI versions;
# GCC 10 changed it in a point release, so it is left to _ABI_VERSION).
_GCC_DEFAULT_ABI_VERSION = {9: 13, 11: 16, 12: 17, 13: 18, 14: 19, 15: 20}


class AbiMismatchError(Exception):
    """A requested ABI setting differs from the installed torch's."""


@dataclass(frozen=True)
class TorchAbi:
    """The ABI facts of a torch build."""

    cxx11_abi: bool
    compiler: str  # e.g. "GCC 13.3", from torch.__config__.show()

    @property
    def abi_version(self) -> int | None:
        """The -fabi-version torch was compiled with (its GCC's default), None when unknown."""
        match = re.fullmatch(r"GCC (\d+)(?:\.\d+)*", self.compiler)
        return _GCC_DEFAULT_ABI_VERSION.get(int(match.group(1))) if match else None


def compiler_of(config: str) -> str:
    """The ``GCC X.Y`` line of ``torch.__config__.show()``, or "" when there is none."""
    match = re.search(r"^\s*-\s*(GCC [\d.]+)\s*$", config, re.MULTILINE)
    return match.group(1) if match else ""


def resolve(torch: TorchAbi, env: Mapping[str, str]) -> tuple[int, int | None]:
    """(``_GLIBCXX_USE_CXX11_ABI``, ``-fabi-version`` or None) for a build against ``torch``."""
    cxx11 = int(torch.cxx11_abi)
    requested = env.get(CXX11_ABI_ENV, "").strip()
    if requested:
        if requested not in ("0", "1"):
            raise AbiMismatchError(f"{CXX11_ABI_ENV}={requested}: expected 0 or 1")
        if int(requested) != cxx11:
            raise AbiMismatchError(
                f"{CXX11_ABI_ENV}={requested}, but the installed torch was built with {CXX11_ABI_ENV}={cxx11}; "
                f"an extension must use torch's C++ ABI: unset {CXX11_ABI_ENV} or set it to {cxx11}"
            )
    abi_version = torch.abi_version
    requested = env.get(ABI_VERSION_ENV, "").strip()
    if requested:
        if not requested.isdigit():
            raise AbiMismatchError(f"{ABI_VERSION_ENV}={requested}: expected a number such as 18")
        if abi_version is not None and int(requested) != abi_version:
            raise AbiMismatchError(
                f"{ABI_VERSION_ENV}={requested}, but the installed torch was compiled by {torch.compiler} "
                f"(-fabi-version={abi_version}); unset {ABI_VERSION_ENV} or set it to {abi_version}"
            )
        abi_version = int(requested)
    return cxx11, abi_version


def main() -> int:
    """Print the ABI settings for the installed torch, or why they are refused."""
    os.environ["TORCH_DEVICE_BACKEND_AUTOLOAD"] = "0"  # an installed torch_npu must not load
    import torch

    installed = TorchAbi(cxx11_abi=bool(torch._C._GLIBCXX_USE_CXX11_ABI), compiler=compiler_of(torch.__config__.show()))
    try:
        cxx11, abi_version = resolve(installed, os.environ)
    except AbiMismatchError as exc:
        print(f"torch-npu: {exc}", file=sys.stderr)
        return 2
    print(f"torch_dir={os.path.dirname(torch.__file__)}")
    print(f"torch_version={torch.__version__.split('+')[0]}")
    print(f"cxx11_abi={cxx11}")
    print(f"abi_version={'' if abi_version is None else abi_version}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
