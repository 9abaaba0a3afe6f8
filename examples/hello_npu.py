"""The first thing to run: the npu device, a matrix product on it, and where it ran.

`import torch` alone registers the npu device (torch_npu is autoloaded); on a
machine without a CANN toolkit the bundled simulator provides the devices.
"""

import torch


def main() -> None:
    properties = torch.npu.get_device_properties(0)
    runtime = "NPU simulator" if properties.is_simulator else "CANN toolkit"
    print(f"{torch.npu.device_count()} NPU(s) via the {runtime}, CANN {properties.cann_version}")
    print(f"npu:0 is {properties.name} with {properties.total_memory / 2**30:.1f} GiB")

    x = torch.randn(2, 2)
    y = torch.randn(2, 2)
    z = x.npu().mm(y.npu())
    print(z)
    assert torch.allclose(z.cpu(), x.mm(y)), "the npu result differs from the CPU result"
    print("matches the CPU result")


if __name__ == "__main__":
    main()
