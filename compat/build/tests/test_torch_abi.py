"""compat/build/torch_abi.py: the ABI a build uses, from torch and the seed's variables."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch_abi  # noqa: E402

TORCH_2_9 = torch_abi.TorchAbi(cxx11_abi=True, compiler="GCC 13.3")

CONFIG = """PyTorch built with:
  - GCC 13.3
  - C++ Version: 201703
  - Intel(R) oneAPI Math Kernel Library
"""


def test_compiler_is_read_from_torch_config() -> None:
    assert torch_abi.compiler_of(CONFIG) == "GCC 13.3"
    assert torch_abi.compiler_of("PyTorch built with:\n  - clang 17\n") == ""


def test_abi_version_is_the_default_of_torchs_gcc() -> None:
    assert TORCH_2_9.abi_version == 18
    assert torch_abi.TorchAbi(cxx11_abi=False, compiler="GCC 11.2").abi_version == 16
    assert torch_abi.TorchAbi(cxx11_abi=True, compiler="").abi_version is None


def test_defaults_follow_the_installed_torch() -> None:
    assert torch_abi.resolve(TORCH_2_9, {}) == (1, 18)
    assert torch_abi.resolve(torch_abi.TorchAbi(cxx11_abi=False, compiler="GCC 9.3"), {}) == (0, 13)


def test_matching_requests_are_honoured() -> None:
    env = {torch_abi.CXX11_ABI_ENV: "1", torch_abi.ABI_VERSION_ENV: "18"}
    assert torch_abi.resolve(TORCH_2_9, env) == (1, 18)
    # With torch's compiler unknown, _ABI_VERSION is taken as given.
    assert torch_abi.resolve(torch_abi.TorchAbi(cxx11_abi=True, compiler=""), {"_ABI_VERSION": "17"}) == (1, 17)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"_GLIBCXX_USE_CXX11_ABI": "0"}, r"built with _GLIBCXX_USE_CXX11_ABI=1.*set it to 1"),
        ({"_GLIBCXX_USE_CXX11_ABI": "yes"}, r"expected 0 or 1"),
        ({"_ABI_VERSION": "17"}, r"compiled by GCC 13\.3 \(-fabi-version=18\).*set it to 18"),
        ({"_ABI_VERSION": "eighteen"}, r"expected a number"),
    ],
)
def test_a_mismatch_is_refused_with_the_fix(env: dict[str, str], message: str) -> None:
    with pytest.raises(torch_abi.AbiMismatchError, match=message):
        torch_abi.resolve(TORCH_2_9, env)
