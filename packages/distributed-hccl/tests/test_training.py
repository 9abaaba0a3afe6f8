"""DDP (with SyncBatchNorm too) and FSDP2 on npu with the hccl backend train exactly as one
process does on the concatenated batches (2 ranks, real processes)."""

from pathlib import Path

from hccl_ranks import assert_all_passed, run_ranks

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"

DDP = r"""
import copy
import torch.nn.functional as F
from torch import nn
from torch.nn.parallel import DistributedDataParallel as DDP
sys.path.insert(0, os.environ["EXAMPLES"])
from quickstart import DigitsNet, load_digits_split

npu = torch.device("npu", rank)
dist.init_process_group("hccl", device_id=npu)
train_set, _ = load_digits_split(0)
images, labels = train_set.tensors
PER_RANK, STEPS = 16, 4

def batches(step):
    whole = slice(step * PER_RANK * world, (step + 1) * PER_RANK * world)
    return images[whole].to(npu), labels[whole].to(npu)

def mine(tensor):
    return tensor[rank * PER_RANK:(rank + 1) * PER_RANK]

def same_everywhere(parameters, what):
    for p in parameters:
        gathered = [torch.empty_like(p) for _ in range(world)]
        dist.all_gather(gathered, p.detach().contiguous())
        for g in gathered:
            assert torch.equal(g, gathered[0]), f"{what}: ranks disagree"

# 1. DDP == one process on the concatenated batches (dropout off).
torch.manual_seed(0)
reference = DigitsNet().to(npu)
reference.dropout.p = 0.0
hooked_model = copy.deepcopy(reference)
model = DDP(copy.deepcopy(reference), device_ids=[rank])
reference_opt = torch.optim.SGD(reference.parameters(), lr=0.1)
opt = torch.optim.SGD(model.parameters(), lr=0.1)
for step in range(STEPS):
    x, y = batches(step)
    reference_opt.zero_grad(); F.nll_loss(reference(x), y).backward(); reference_opt.step()
    opt.zero_grad(); F.nll_loss(model(mine(x)), mine(y)).backward(); opt.step()
for (name, p), q in zip(model.module.named_parameters(), reference.parameters()):
    torch.testing.assert_close(p, q, rtol=1e-4, atol=1e-5, msg=lambda m: f"DDP {name}: {m}")
print("ddp ok", flush=True)

# 2. A comm hook through get_future(): average by hand, then allreduce asynchronously.
hooked = DDP(hooked_model, device_ids=[rank])
calls = []
def average_hook(state, bucket):
    calls.append(1)
    buffer = bucket.buffer().div_(world)
    return dist.all_reduce(buffer, async_op=True).get_future().then(lambda future: future.value()[0])
hooked.register_comm_hook(None, average_hook)
hooked_opt = torch.optim.SGD(hooked.parameters(), lr=0.1)
for step in range(STEPS):
    x, y = batches(step)
    hooked_opt.zero_grad(); F.nll_loss(hooked(mine(x)), mine(y)).backward(); hooked_opt.step()
assert calls
for p, q in zip(hooked.module.parameters(), reference.parameters()):
    torch.testing.assert_close(p, q, rtol=1e-4, atol=1e-5)
print("comm hook ok", flush=True)

# 3. AMP with GradScaler under DDP: finite losses, the same parameters on every rank.
torch.manual_seed(2)
amp_model = DDP(DigitsNet().to(npu), device_ids=[rank])
amp_opt = torch.optim.SGD(amp_model.parameters(), lr=0.05)
scaler = torch.amp.GradScaler("npu")
for step in range(STEPS):
    x, y = batches(step)
    amp_opt.zero_grad()
    with torch.autocast("npu", dtype=torch.float16):
        loss = F.nll_loss(amp_model(mine(x)), mine(y))
    scaler.scale(loss).backward()
    scaler.step(amp_opt)
    scaler.update()
    assert torch.isfinite(loss).item()
same_everywhere(amp_model.parameters(), "AMP under DDP")
print("amp ok", flush=True)
dist.destroy_process_group()
"""

FSDP2 = r"""
import copy
from torch import nn
from torch.distributed.device_mesh import init_device_mesh
try:
    from torch.distributed.fsdp import fully_shard
except ImportError:
    from torch.distributed._composable.fsdp import fully_shard

npu = torch.device("npu", rank)
dist.init_process_group("hccl", device_id=npu)
mesh = init_device_mesh("npu", (world,))

class Tiny(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = nn.ModuleList(
            nn.TransformerEncoderLayer(16, 2, dim_feedforward=32, dropout=0.0, batch_first=True) for _ in range(2)
        )
        self.head = nn.Linear(16, 4)
    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return self.head(x).mean(dim=1)

torch.manual_seed(0)
reference = Tiny().to(npu)
model = copy.deepcopy(reference)
for layer in model.layers:
    fully_shard(layer, mesh=mesh)
fully_shard(model, mesh=mesh)
reference_opt = torch.optim.SGD(reference.parameters(), lr=0.1)
opt = torch.optim.SGD(model.parameters(), lr=0.1)
generator = torch.Generator().manual_seed(3)
for step in range(3):
    x = torch.randn(4 * world, 5, 16, generator=generator).to(npu)
    target = torch.randn(4 * world, 4, generator=generator).to(npu)
    reference_opt.zero_grad()
    nn.functional.mse_loss(reference(x), target).backward()
    reference_opt.step()
    mine = slice(rank * 4, (rank + 1) * 4)
    opt.zero_grad()
    nn.functional.mse_loss(model(x[mine]), target[mine]).backward()
    opt.step()
for (name, p), q in zip(model.named_parameters(), reference.parameters()):
    torch.testing.assert_close(p.full_tensor(), q, rtol=1e-4, atol=1e-5, msg=lambda m: f"FSDP2 {name}: {m}")
print("fsdp2 ok", flush=True)
dist.destroy_process_group()
"""

SYNC_BATCH_NORM = r"""
import copy
import torch.nn.functional as F
from torch import nn
from torch.nn.parallel import DistributedDataParallel as DDP

npu = torch.device("npu", rank)
dist.init_process_group("hccl", device_id=npu)
torch.manual_seed(0)
reference = nn.Sequential(
    nn.Conv2d(3, 6, 3), nn.BatchNorm2d(6), nn.ReLU(), nn.Flatten(), nn.Linear(6 * 4 * 4, 5), nn.BatchNorm1d(5)
).to(npu)
model = DDP(nn.SyncBatchNorm.convert_sync_batchnorm(copy.deepcopy(reference)), device_ids=[rank])
assert isinstance(model.module[1], nn.SyncBatchNorm)
reference_opt = torch.optim.SGD(reference.parameters(), lr=0.1)
opt = torch.optim.SGD(model.parameters(), lr=0.1)
# Uneven batches (5 and 7 samples): the statistics must weigh each rank by its count.
TOTAL, SPLIT = 12, 5
mine = slice(0, SPLIT) if rank == 0 else slice(SPLIT, TOTAL)
generator = torch.Generator().manual_seed(1)
for step in range(3):
    x = (torch.randn(TOTAL, 3, 6, 6, generator=generator) * 3 + 1).to(npu)
    y = torch.randint(0, 5, (TOTAL,), generator=generator).to(npu)
    reference_opt.zero_grad()
    expected = reference(x)
    F.cross_entropy(expected, y, reduction="sum").div(TOTAL).backward()
    reference_opt.step()
    opt.zero_grad()
    got = model(x[mine])
    # The last BatchNorm1d normalizes 12 samples: it magnifies the parameters' rounding
    # differences (~2e-6 after two steps; the two paths reduce in different orders, which
    # the CPU's vector width decides) to ~5e-5 in the output. Weighing the ranks equally
    # instead of by count would be off by ~1e-1.
    torch.testing.assert_close(got, expected[mine], rtol=1e-3, atol=1e-4, msg=lambda m: f"step {step} output: {m}")
    # DDP averages over the ranks: each rank's share of the summed loss, times the world.
    F.cross_entropy(got, y[mine], reduction="sum").mul(world / TOTAL).backward()
    opt.step()
for (name, p), q in zip(model.module.state_dict().items(), reference.state_dict().values()):
    torch.testing.assert_close(p, q, rtol=1e-4, atol=1e-5, msg=lambda m: f"SyncBatchNorm {name}: {m}")
model.eval(), reference.eval()
x = torch.randn(4, 3, 6, 6, generator=generator).to(npu)
torch.testing.assert_close(model(x), reference(x), rtol=1e-4, atol=1e-5)
print("sync batch norm ok", flush=True)
dist.destroy_process_group()
"""


def test_ddp_comm_hook_and_amp_match_one_process():
    results = run_ranks(DDP, 2, env={"EXAMPLES": str(EXAMPLES)}, timeout=240)
    assert_all_passed(results)
    for line in ("ddp ok", "comm hook ok", "amp ok"):
        assert all(line in r.stdout for r in results), line


def test_fsdp2_fully_shard_matches_unsharded_training():
    results = run_ranks(FSDP2, 2, timeout=240)
    assert_all_passed(results)
    assert all("fsdp2 ok" in r.stdout for r in results)


def test_sync_batch_norm_under_ddp_matches_one_process_on_uneven_batches():
    results = run_ranks(SYNC_BATCH_NORM, 2, timeout=240)
    assert_all_passed(results)
    assert all("sync batch norm ok" in r.stdout for r in results)
