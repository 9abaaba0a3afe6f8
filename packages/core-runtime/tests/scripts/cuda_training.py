"""A CUDA training script written the usual way (AMP, a pinned DataLoader, .cuda()), with no
npu in it. test_transfer_to_npu.py runs it after importing torch_npu.contrib.transfer_to_npu."""

import sys

import torch
import torch.nn.functional as F

assert torch.cuda.is_available()
device = torch.device("cuda")
torch.manual_seed(0)
generator = torch.Generator(device="cuda")
generator.manual_seed(1)

inputs = torch.randn(64, 10)
data = torch.utils.data.TensorDataset(inputs, inputs[:, :3].argmax(1))  # learnable labels
loader = torch.utils.data.DataLoader(data, batch_size=16, pin_memory=True)
model = torch.nn.Sequential(torch.nn.Linear(10, 32), torch.nn.ReLU(), torch.nn.Linear(32, 3)).cuda()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
scaler = torch.cuda.amp.GradScaler()
noise = torch.randn(16, 10, device="cuda", generator=generator)

losses = []
for epoch in range(4):
    for inputs, targets in loader:
        inputs, targets = inputs.cuda(non_blocking=True), targets.to(device, non_blocking=True)
        assert inputs.is_cuda and inputs.device.type == "npu"
        optimizer.zero_grad()
        with torch.autocast("cuda", dtype=torch.float16):
            loss = F.cross_entropy(model(inputs + 0.01 * noise[: len(inputs)]), targets)
        scaler.scale(loss).backward()
        scaler.step(optimizer)
        scaler.update()
        losses.append(loss.item())
torch.cuda.synchronize()

torch.save(model.state_dict(), sys.argv[1])
restored = torch.load(sys.argv[1], map_location="cuda:0")
assert all(t.device.type == "npu" for t in restored.values())
first, last = sum(losses[:4]) / 4, sum(losses[-4:]) / 4  # the first and the last epoch
print(f"device={next(model.parameters()).device} first={first:.4f} last={last:.4f} "
      f"peak={torch.cuda.max_memory_allocated()}")
