"""`import torch` alone enables the npu device, through the torch.backends entry point."""

from conftest import run_python


def test_plain_import_torch_runs_the_quick_check():
    result = run_python(
        "import torch, sys\n"
        "x = torch.randn(2, 2)\n"
        "y = torch.randn(2, 2)\n"
        "z = x.npu().mm(y.npu())\n"
        "assert 'torch_npu' in sys.modules\n"
        "assert z.device.type == 'npu', z.device\n"
        "assert torch.allclose(z.cpu(), x.mm(y))\n"
        "print(z)\n"
    )
    assert result.returncode == 0, result.stderr
    assert "device='npu:0'" in result.stdout


def test_autoload_can_be_disabled():
    result = run_python(
        "import torch, sys\nprint('torch_npu' in sys.modules)", env={"TORCH_DEVICE_BACKEND_AUTOLOAD": "0"}
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_generated_methods_exist():
    import torch

    tensor = torch.ones(3).npu()
    assert tensor.is_npu
    module = torch.nn.Linear(2, 2).npu()
    assert next(module.parameters()).is_npu
    assert torch.npu.is_available()
