"""Train a small CNN to read handwritten digits, on the NPU.

The data is scikit-learn's bundled 8x8 digits set (1,797 images, nothing to
download), split 75/25 into train and test sets with a fixed seed. The model is
two 3x3 convolutions with max pooling and two linear layers; it reaches 96-97%
test accuracy in ten epochs (about 0.4 s each on the simulator).

    python examples/quickstart.py                    # on npu:0
    python examples/quickstart.py --amp              # autocast to float16 + GradScaler
    python examples/quickstart.py --device cpu       # the same run on the CPU, to compare
    python examples/quickstart.py --require-native   # fail if any op fell back to the CPU
    torchrun --nproc-per-node 2 examples/quickstart.py --ddp   # data parallel, hccl backend, npu:0 and npu:1

Ops without a native NPU kernel run on the CPU through torch_npu's fallback; the
run ends by saying how many did (none, with the operator layer, unless --amp:
GradScaler's unscale/update ops still fall back).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from collections.abc import Iterable, Iterator
from typing import TypeVar

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

T = TypeVar("T")

AMP_DTYPES = {"float16": torch.float16, "bfloat16": torch.bfloat16}


class DigitsNet(nn.Module):
    """conv(1->16) - pool - conv(16->32) - pool - linear(128->64) - dropout - linear(64->10), on 1x8x8 images."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, kernel_size=3, padding=1)
        self.conv2 = nn.Conv2d(16, 32, kernel_size=3, padding=1)
        self.fc1 = nn.Linear(32 * 2 * 2, 64)
        self.dropout = nn.Dropout(0.25)
        self.fc2 = nn.Linear(64, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Log-probabilities of the ten digits for a batch of shape (N, 1, 8, 8)."""
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)  # 16 x 4 x 4
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)  # 32 x 2 x 2
        x = self.dropout(F.relu(self.fc1(x.flatten(1))))
        return F.log_softmax(self.fc2(x), dim=1)


def load_digits_split(seed: int = 0, test_fraction: float = 0.25) -> tuple[TensorDataset, TensorDataset]:
    """The digits as (N, 1, 8, 8) float images in [0, 1] with int64 labels: (train, test)."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    images = torch.tensor(digits.images, dtype=torch.float32).unsqueeze(1) / 16.0
    labels = torch.tensor(digits.target, dtype=torch.int64)
    train_idx, test_idx = train_test_split(
        range(len(labels)), test_size=test_fraction, random_state=seed, stratify=digits.target
    )
    return (
        TensorDataset(images[train_idx], labels[train_idx]),
        TensorDataset(images[test_idx], labels[test_idx]),
    )


def progress(items: Iterable[T], total: int, label: str, width: int = 30) -> Iterator[T]:
    """Yield ``items`` while drawing a one-line progress bar on stderr (redrawn in place on a terminal)."""
    live = sys.stderr.isatty()
    for done, item in enumerate(items, start=1):
        yield item
        if live or done == total:
            filled = width * done // total
            end = "\n" if done == total else ""
            sys.stderr.write(f"\r{label} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}{end}")
            sys.stderr.flush()


def train_step(
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    scaler: torch.amp.GradScaler,
    images: torch.Tensor,
    labels: torch.Tensor,
    amp_dtype: torch.dtype | None,
) -> torch.Tensor:
    """One forward/backward/update on a batch already on the model's device; returns the loss (not synced)."""
    device_type = images.device.type
    optimizer.zero_grad(set_to_none=True)
    with torch.autocast(device_type, dtype=amp_dtype or torch.float32, enabled=amp_dtype is not None):
        loss = F.nll_loss(model(images), labels)
    scaler.scale(loss).backward()
    scaler.step(optimizer)
    scaler.update()
    return loss.detach()


def train_epoch(
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    scaler: torch.amp.GradScaler,
    loader: DataLoader,
    device: torch.device,
    amp_dtype: torch.dtype | None,
    label: str,
) -> float:
    """Train over ``loader`` once; the mean training loss."""
    model.train()
    total = torch.zeros((), device=device)  # summed on the device: no sync per step
    for images, labels in progress(loader, len(loader), label):
        images = images.to(device, non_blocking=True)
        labels = labels.to(device, non_blocking=True)
        total += train_step(model, optimizer, scaler, images, labels, amp_dtype)
    return total.item() / len(loader)


@torch.no_grad()
def accuracy(model: nn.Module, loader: DataLoader, device: torch.device, amp_dtype: torch.dtype | None) -> float:
    """Fraction of ``loader``'s images the model labels correctly."""
    model.eval()
    correct = torch.zeros((), dtype=torch.int64, device=device)
    for images, labels in loader:
        images, labels = images.to(device), labels.to(device)
        with torch.autocast(device.type, dtype=amp_dtype or torch.float32, enabled=amp_dtype is not None):
            predicted = model(images).argmax(dim=1)
        correct += (predicted == labels).sum()
    return correct.item() / len(loader.dataset)


def describe_device(device: torch.device) -> str:
    """A line naming the device: the NPU's name and CANN version, or the CPU."""
    if device.type != "npu":
        return f"device: {device}"
    properties = torch.npu.get_device_properties(device)
    return f"device: {device} = {properties.name}, CANN {torch.npu.get_cann_version()}"


def fallback_counts() -> dict[str, int]:
    """Calls per ATen op that ran on the CPU through torch_npu's fallback ({} without torch_npu)."""
    try:
        import torch_npu
    except ImportError:
        return {}
    return dict(torch_npu._C._fallback_counts())


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="npu", help="npu (default), npu:N or cpu")
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=3e-3, help="Adam learning rate")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--amp", action="store_true", help="mixed precision: autocast + GradScaler")
    parser.add_argument("--amp-dtype", choices=sorted(AMP_DTYPES), default="float16")
    parser.add_argument(
        "--ddp", action="store_true", help="data parallel over torchrun's ranks (hccl backend, one NPU per rank)"
    )
    parser.add_argument(
        "--require-native", action="store_true", help="exit 1, listing them, if any op fell back to the CPU"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    device = torch.device(args.device)
    is_main = True
    if args.ddp:
        import torch.distributed as dist

        device = torch.device("npu", int(os.environ["LOCAL_RANK"]))
        torch.npu.set_device(device)
        dist.init_process_group("hccl", device_id=device)
        is_main = dist.get_rank() == 0
    amp_dtype = AMP_DTYPES[args.amp_dtype] if args.amp else None
    # The fallback warns once per op; the run's end sums them up instead.
    warnings.filterwarnings("ignore", message="CAUTION: The operator")
    torch.manual_seed(args.seed)

    train_set, test_set = load_digits_split(args.seed)
    shuffle = torch.Generator().manual_seed(args.seed)
    # Under --ddp each rank trains on its share of every epoch (the batch size is per rank).
    sampler = torch.utils.data.DistributedSampler(train_set, seed=args.seed) if args.ddp else None
    train_loader = DataLoader(
        train_set, batch_size=args.batch_size, shuffle=sampler is None, generator=shuffle, sampler=sampler
    )
    test_loader = DataLoader(test_set, batch_size=256)

    model = DigitsNet().to(device)
    if args.ddp:
        model = torch.nn.parallel.DistributedDataParallel(model, device_ids=[device.index])
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    scaler = torch.amp.GradScaler(device.type, enabled=amp_dtype == torch.float16)

    say = print if is_main else (lambda *_args, **_kwargs: None)
    say(describe_device(device) + (f" (and {dist.get_world_size() - 1} more ranks, hccl)" if args.ddp else ""))
    say(f"data: {len(train_set)} train / {len(test_set)} test images; amp: {args.amp_dtype if args.amp else 'off'}")
    for epoch in range(1, args.epochs + 1):
        if sampler is not None:
            sampler.set_epoch(epoch)
        start = time.perf_counter()
        loss = train_epoch(model, optimizer, scaler, train_loader, device, amp_dtype, f"epoch {epoch:2d}")
        seconds = time.perf_counter() - start
        test_accuracy = accuracy(model, test_loader, device, amp_dtype)
        say(f"epoch {epoch:2d}: loss {loss:.4f}  test accuracy {test_accuracy:.2%}  ({seconds:.2f} s)")

    if args.ddp:
        dist.destroy_process_group()
    fell_back = fallback_counts()
    say(f"{len(fell_back)} ATen ops fell back to the CPU ({sum(fell_back.values())} calls)")
    if args.require_native and fell_back:
        print("--require-native: these ops did not run natively on the NPU:", file=sys.stderr)
        for name, calls in sorted(fell_back.items()):
            print(f"  {name} ({calls} calls)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
