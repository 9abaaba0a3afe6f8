"""Every collective, reduce op and dtype of the hccl backend on npu equals the same collective
through gloo on CPU copies of the tensors (2 and 4 ranks, real processes)."""

import re

import pytest

from hccl_ranks import assert_all_passed, run_ranks

# Runs in every rank after hccl_ranks.PREAMBLE; prints how many cases it checked.
COLLECTIVES = r"""
from torch.testing import assert_close

# (No device_id: torch's new_group then asks the gloo-only group for an npu backend.)
dist.init_process_group("hccl")
gloo = dist.new_group(backend="gloo")
npu = torch.device("npu", rank)
Op = dist.ReduceOp
checked = 0

def same(npu_result, cpu_result, what):
    global checked
    assert npu_result.device == npu, what
    # Beyond two ranks gloo's ring adds in another order than rank order: half precision
    # sums may then differ in their last bits.
    loose = world > 2 and npu_result.dtype in (torch.float16, torch.bfloat16)
    tolerance = {"rtol": 8e-3 if npu_result.dtype == torch.float16 else 4e-2, "atol": 1e-2} if loose else {}
    assert_close(npu_result.cpu(), cpu_result, msg=lambda m: f"{what}: {m}", **tolerance)
    checked += 1

def data(dtype, shape, salt=0, of=None):
    generator = torch.Generator().manual_seed(1000 * (rank if of is None else of) + salt)
    if dtype == torch.bool:
        return torch.randint(0, 2, shape, generator=generator).bool()
    if dtype.is_floating_point or dtype.is_complex:
        return torch.randn(shape, generator=generator, dtype=dtype)
    return torch.randint(0 if dtype == torch.uint8 else -3, 4, shape, generator=generator).to(dtype)

def gloo_allreduce(x, op):
    # gloo has no AVG or PREMUL_SUM: their references are SUM / world and the SUM of x * factor.
    if op == "premul":
        x = x * 0.5
    y = x.clone()
    dist.all_reduce(y, Op.SUM if op in (Op.AVG, "premul") else op, group=gloo)
    if op == Op.AVG:
        return y / world if y.dtype.is_floating_point else torch.div(y, world, rounding_mode="trunc")
    return y

def local_allreduce(dtype, shape, op):
    # For dtypes gloo cannot reduce (int16, bool): every rank's data reduced here.
    stacked = torch.stack([data(dtype, shape, of=r) for r in range(world)])
    if dtype == torch.bool:
        return {Op.SUM: stacked.any(0), Op.MAX: stacked.any(0), Op.PRODUCT: stacked.all(0), Op.MIN: stacked.all(0)}[op]
    return {Op.SUM: stacked.sum(0), Op.PRODUCT: stacked.prod(0), Op.MIN: stacked.amin(0), Op.MAX: stacked.amax(0)}[op].to(dtype)

FLOATS = [torch.float32, torch.float64, torch.float16, torch.bfloat16]
INTS = [torch.int8, torch.uint8, torch.int32, torch.int64]
SHAPES = [(5, 3), (0,), ()]
for dtype in FLOATS + INTS + [torch.int16, torch.bool]:
    for op in [Op.SUM, Op.PRODUCT, Op.MIN, Op.MAX] + ([Op.AVG, "premul"] if dtype in FLOATS else [Op.AVG] if dtype in INTS else []):
        for shape in SHAPES:
            x = data(dtype, shape)
            y = x.to(npu)
            dist.all_reduce(y, dist._make_nccl_premul_sum(0.5) if op == "premul" else op)
            expected = local_allreduce(dtype, shape, op) if dtype in (torch.int16, torch.bool) else gloo_allreduce(x, op)
            same(y, expected, f"all_reduce {dtype} {op} {shape}")

# A large tensor: several chunks of a 1 MB HCCL_BUFFSIZE.
x = data(torch.float32, (3 * 2**18 + 5,))
y = x.to(npu)
dist.all_reduce(y)
same(y, gloo_allreduce(x, Op.SUM), "all_reduce float32 in chunks")

# Complex tensors sum as pairs of reals; other ops on them are refused.
x = data(torch.complex64, (4,))
y = x.to(npu)
dist.all_reduce(y)
same(y, gloo_allreduce(x, Op.SUM), "all_reduce complex64")

for dtype in [torch.float32, torch.float16, torch.bfloat16, torch.int64, torch.uint8, torch.bool]:
    for shape in [(4, 3), (0,)]:
        x = data(dtype, shape)
        # broadcast from the last rank
        y = x.to(npu); dist.broadcast(y, src=world - 1)
        c = x.clone(); dist.broadcast(c, src=world - 1, group=gloo) if dtype != torch.bool else c.copy_(data(dtype, shape, of=world - 1))
        same(y, c, f"broadcast {dtype} {shape}")
        # all_gather (list) and all_gather_into_tensor
        outs = [torch.empty(shape, dtype=dtype, device=npu) for _ in range(world)]
        dist.all_gather(outs, x.to(npu))
        for r in range(world):
            same(outs[r], data(dtype, shape, of=r), f"all_gather {dtype} {shape} from rank {r}")
        flat = torch.empty((world * x.numel(),), dtype=dtype, device=npu)
        dist.all_gather_into_tensor(flat, x.to(npu))
        same(flat, torch.cat([data(dtype, shape, of=r).reshape(-1) for r in range(world)]), f"all_gather_into_tensor {dtype}")
        # gather to rank 0 and scatter from rank 1 % world
        gathered = [torch.empty(shape, dtype=dtype, device=npu) for _ in range(world)] if rank == 0 else None
        dist.gather(x.to(npu), gathered, dst=0)
        if rank == 0:
            for r in range(world):
                same(gathered[r], data(dtype, shape, of=r), f"gather {dtype} {shape}")
        root = 1 % world
        pieces = [data(dtype, shape, salt=r + 1).to(npu) for r in range(world)] if rank == root else None
        got = torch.empty(shape, dtype=dtype, device=npu)
        dist.scatter(got, pieces, src=root)
        same(got, data(dtype, shape, salt=rank + 1, of=root), f"scatter {dtype} {shape}")

for dtype in [torch.float32, torch.bfloat16, torch.int32]:
    for op in [Op.SUM, Op.MAX, Op.MIN, Op.PRODUCT] + ([Op.AVG] if dtype.is_floating_point else []):
        # reduce to rank 1 % world
        x = data(dtype, (6,))
        y = x.to(npu)
        dist.reduce(y, dst=1 % world, op=op)
        expected = gloo_allreduce(x, op)  # on every rank: gloo's collectives must pair up
        if rank == 1 % world:
            same(y, expected, f"reduce {dtype} {op}")
        # reduce_scatter_tensor and reduce_scatter (list)
        whole = data(dtype, (world * 3,), salt=7)
        part = torch.empty(3, dtype=dtype, device=npu)
        dist.reduce_scatter_tensor(part, whole.to(npu), op=op)
        same(part, gloo_allreduce(whole, op)[rank * 3:(rank + 1) * 3], f"reduce_scatter_tensor {dtype} {op}")
        pieces = [data(dtype, (2, 2), salt=10 + r) for r in range(world)]
        out = torch.empty((2, 2), dtype=dtype, device=npu)
        dist.reduce_scatter(out, [p.to(npu) for p in pieces], op=op)
        same(out, gloo_allreduce(torch.stack(pieces), op)[rank], f"reduce_scatter {dtype} {op}")

# all_to_all_single: even, and with split sizes (rank r sends r + s + 1 rows to rank s).
x = data(torch.float32, (world * 2, 3))
y = torch.empty_like(x, device=npu)
dist.all_to_all_single(y, x.to(npu))
expected = torch.cat([data(torch.float32, (world * 2, 3), of=r)[rank * 2:(rank + 1) * 2] for r in range(world)])
same(y, expected, "all_to_all_single")
send_splits = [rank + s + 1 for s in range(world)]
recv_splits = [r + rank + 1 for r in range(world)]
x = data(torch.float64, (sum(send_splits), 2), salt=3)
y = torch.empty((sum(recv_splits), 2), dtype=torch.float64, device=npu)
dist.all_to_all_single(y, x.to(npu), output_split_sizes=recv_splits, input_split_sizes=send_splits)
c = torch.empty((sum(recv_splits), 2), dtype=torch.float64)
dist.all_to_all_single(c, x, output_split_sizes=recv_splits, input_split_sizes=send_splits, group=gloo)
same(y, c, "all_to_all_single with split sizes")
# all_to_all (lists of tensors of different sizes)
ins = [data(torch.int64, (rank + s + 1,), salt=s) for s in range(world)]
outs = [torch.empty(r + rank + 1, dtype=torch.int64, device=npu) for r in range(world)]
dist.all_to_all(outs, [t.to(npu) for t in ins])
for r in range(world):
    same(outs[r], data(torch.int64, (r + rank + 1,), salt=rank, of=r), f"all_to_all from rank {r}")

# send/recv around a ring, and batch_isend_irecv both ways.
right, left = (rank + 1) % world, (rank - 1) % world
x = data(torch.float32, (7,), salt=5)
got = torch.empty(7, device=npu)
if rank % 2 == 0:
    dist.send(x.to(npu), right); dist.recv(got, left)
else:
    dist.recv(got, left); dist.send(x.to(npu), right)
same(got, data(torch.float32, (7,), salt=5, of=left), "send/recv")
try:  # HCCL, as NCCL, receives from a named peer only
    dist.recv(got)
    raise AssertionError("recv from any source was accepted")
except RuntimeError as error:
    assert "ProcessGroupHCCL does not support recvAnysource" in str(error), error
got_left, got_right = torch.empty(5, device=npu), torch.empty(5, device=npu)
ops = [dist.P2POp(dist.isend, x[:5].to(npu), right), dist.P2POp(dist.isend, x[:5].to(npu), left),
       dist.P2POp(dist.irecv, got_left, left), dist.P2POp(dist.irecv, got_right, right)]
for work in dist.batch_isend_irecv(ops):
    work.wait()
same(got_left, data(torch.float32, (7,), salt=5, of=left)[:5], "batch_isend_irecv from the left")
same(got_right, data(torch.float32, (7,), salt=5, of=right)[:5], "batch_isend_irecv from the right")

# Coalesced: all_reduce_coalesced and the coalescing manager's tensor collectives.
xs = [data(torch.float32, (3,), salt=20), data(torch.float32, (2, 2), salt=21)]
ys = [t.to(npu) for t in xs]
dist.all_reduce_coalesced(ys)
for i in range(2):
    same(ys[i], gloo_allreduce(xs[i], Op.SUM), f"all_reduce_coalesced {i}")
ins = [data(torch.float32, (2,), salt=30 + i) for i in range(2)]
gathered = [torch.empty(world * 2, device=npu) for _ in range(2)]
scattered = [torch.empty(1, device=npu) for _ in range(2)]
wholes = [data(torch.float32, (world,), salt=40 + i) for i in range(2)]
with dist._coalescing_manager(device=npu, async_ops=True) as cm:
    for i in range(2):
        dist.all_gather_into_tensor(gathered[i], ins[i].to(npu))
cm.wait()
with dist._coalescing_manager(device=npu, async_ops=True) as cm:
    for i in range(2):
        dist.reduce_scatter_tensor(scattered[i], wholes[i].to(npu))
cm.wait()
for i in range(2):
    same(gathered[i], torch.cat([data(torch.float32, (2,), salt=30 + i, of=r) for r in range(world)]), f"coalesced all_gather {i}")
    same(scattered[i], gloo_allreduce(wholes[i], Op.SUM)[rank:rank + 1], f"coalesced reduce_scatter {i}")

# Async work: wait() orders the current stream, the future carries the result.
y = torch.full((4,), float(rank + 1), device=npu)
work = dist.all_reduce(y, async_op=True)
future_value = work.get_future().wait()[0]
work.wait()
same(y, torch.full((4,), world * (world + 1) / 2), "async all_reduce")
same(future_value, torch.full((4,), world * (world + 1) / 2), "async all_reduce's future")
assert work.is_completed() or True
torch.npu.synchronize()
assert work.is_completed() and work.is_success()

# torch_npu.distributed's uneven collectives (rank r holds r + 1 rows).
import torch_npu.distributed as npu_dist
assert npu_dist.is_hccl_available()
splits = [r + 1 for r in range(world)]
whole = data(torch.float32, (sum(splits), 2), salt=50)
mine = torch.empty((splits[rank], 2), device=npu)
npu_dist.reduce_scatter_tensor_uneven(mine, whole.to(npu), splits)
start = sum(splits[:rank])
same(mine, gloo_allreduce(whole, Op.SUM)[start:start + splits[rank]], "reduce_scatter_tensor_uneven")
everything = torch.empty((sum(splits), 2), device=npu)
npu_dist.all_gather_into_tensor_uneven(everything, data(torch.float32, (splits[rank], 2), salt=60).to(npu), splits)
same(everything, torch.cat([data(torch.float32, (splits[r], 2), salt=60, of=r) for r in range(world)]), "all_gather_into_tensor_uneven")

# Refusals: bitwise ops, unsupported dtypes, CPU tensors.
for op, name in [(Op.BAND, "BAND"), (Op.BOR, "BOR"), (Op.BXOR, "BXOR")]:
    try:
        dist.all_reduce(torch.ones(2, dtype=torch.int32, device=npu), op)
        raise AssertionError(f"{name} was accepted")
    except RuntimeError as error:
        assert f"Cannot use ReduceOp.{name} with HCCL" in str(error), error
try:
    dist.all_reduce(torch.zeros(2, device=npu).to(torch.float8_e4m3fn))
    raise AssertionError("float8 was accepted")
except TypeError as error:
    assert "HCCL backend does not support data type Float8_e4m3fn" in str(error), error
try:
    dist.all_reduce(torch.zeros(2, dtype=torch.complex64, device=npu), Op.MAX)  # torch itself refuses this one
    raise AssertionError("complex MAX was accepted")
except ValueError as error:
    assert "complex" in str(error), error

dist.barrier()
dist.destroy_process_group()
print(f"rank {rank}: {checked} checks passed")
"""


@pytest.mark.parametrize("world", [2, 4])
def test_every_collective_matches_gloo(world):
    results = run_ranks(COLLECTIVES, world, env={"HCCL_BUFFSIZE": "1"})
    assert_all_passed(results)
    counts = [int(re.search(r"(\d+) checks passed", r.stdout).group(1)) for r in results]
    assert min(counts) > 250, [r.stdout for r in results]


PROTECTED = r"""
dist.init_process_group("hccl")
npu = torch.device("npu", rank)
x = torch.full((1000,), float(rank + 1), device=npu)
dist.all_reduce(x)
dist.broadcast(x, 0)
y = torch.empty(2 * 1000, device=npu)
dist.all_gather_into_tensor(y, x)
z = torch.empty(1000, device=npu)
dist.all_to_all_single(z, x)
peer = 1 - rank
got = torch.empty(1000, device=npu)
for work in dist.batch_isend_irecv([dist.P2POp(dist.isend, x, peer), dist.P2POp(dist.irecv, got, peer)]):
    work.wait()
expected = float(world * (world + 1) // 2)
assert torch.equal(x.cpu(), torch.full((1000,), expected))
assert torch.equal(y.cpu(), torch.full((2000,), expected))
assert torch.equal(got.cpu(), torch.full((1000,), expected))
print("protected ok", flush=True)
"""


def test_collectives_reach_device_memory_that_host_code_cannot():
    # TORCH_NPU_SIM_PROTECT=1: device memory faults on host access, as on hardware; the
    # simulated HCCL goes through npuSimHostAddress like the simulator's other code.
    results = run_ranks(PROTECTED, 2, env={"TORCH_NPU_SIM_PROTECT": "1"})
    assert_all_passed(results)
    assert all("protected ok" in r.stdout for r in results)


DETERMINISTIC = r"""
import ctypes, torch_npu_hccl
hccl = ctypes.CDLL(torch_npu_hccl._C.hccl_library())
dist.init_process_group("hccl")
npu = torch.device("npu", rank)

def hccl_deterministic():
    value = ctypes.c_int32(-1)
    assert hccl.HcclGetConfig(0, ctypes.byref(value)) == 0  # HCCL_DETERMINISTIC
    return value.value

x = torch.ones(8, device=npu)
dist.all_reduce(x)
before = hccl_deterministic()
torch.use_deterministic_algorithms(True)
dist.all_reduce(x)
during = hccl_deterministic()
torch.use_deterministic_algorithms(False)
dist.all_reduce(x)
print("deterministic", before, during, hccl_deterministic(), float(x[0]), flush=True)
"""


def test_deterministic_algorithms_reach_hccl_before_each_collective():
    results = run_ranks(DETERMINISTIC, 2)
    assert_all_passed(results)
    assert all("deterministic 0 1 0 8.0" in r.stdout for r in results), [r.stdout for r in results]


STOPPED = r"""
dist.init_process_group("hccl")
npu = torch.device("npu", rank)
x = torch.ones(8, device=npu)
dist.all_reduce(x)
torch.npu.synchronize()
torch.npu.stop_device(rank)
try:
    dist.all_reduce(x)
    print("collective ran", flush=True)
except RuntimeError as error:
    print("refused:", str(error).startswith("FORCE STOP."), flush=True)
torch.npu.restart_device(rank)
dist.all_reduce(x)
print("after restart", float(x[0]), flush=True)
"""


def test_a_stopped_device_takes_no_collective_until_restarted():
    results = run_ranks(STOPPED, 2)
    assert_all_passed(results)
    for result in results:
        assert "refused: True" in result.stdout and "collective ran" not in result.stdout, result.stdout
        assert "after restart 4.0" in result.stdout, result.stdout
