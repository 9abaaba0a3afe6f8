#include "ProcessGroupHCCL.h"

#include <ATen/ATen.h>
#include <c10/core/StreamGuard.h>
#include <torch/csrc/distributed/c10d/Types.hpp>

#include <atomic>
#include <cstring>
#include <numeric>

#include "HcclTypes.h"
#include "npu/NPUCachingAllocator.h"
#include "npu/NPUFunctions.h"
#include "npu/NPUGuardImpl.h"
#include "npu/NPURecovery.h"

namespace torch_npu::hccl {
namespace {

void checkTensor(const at::Tensor& tensor) {
  TORCH_CHECK(tensor.device().type() == c10::DeviceType::PrivateUse1,
              "ProcessGroupHCCL: tensors must be on an NPU device, got one on ", tensor.device());
  TORCH_CHECK(!tensor.is_sparse(), "ProcessGroupHCCL does not support sparse tensors");
  TORCH_CHECK(tensor.is_contiguous(tensor.suggest_memory_format()), "Tensors must be contiguous");
}

const at::Tensor& single(const std::vector<at::Tensor>& tensors) {
  TORCH_CHECK(tensors.size() == 1, "ProcessGroupHCCL takes exactly one tensor per process and call, got ",
              tensors.size());
  checkTensor(tensors[0]);
  return tensors[0];
}

void checkSameDevice(const at::Tensor& a, const at::Tensor& b) {
  checkTensor(a);
  checkTensor(b);
  TORCH_CHECK(a.device() == b.device(), "ProcessGroupHCCL: input and output must be on the same device, got ",
              a.device(), " and ", b.device());
  TORCH_CHECK(a.scalar_type() == b.scalar_type(), "ProcessGroupHCCL: input and output must have the same dtype, got ",
              a.scalar_type(), " and ", b.scalar_type());
}

// Complex tensors move (and sum) as pairs of reals.
at::Tensor asReal(const at::Tensor& tensor) { return tensor.is_complex() ? at::view_as_real(tensor) : tensor; }

bool reducesLinearly(const c10d::ReduceOp& op) {
  return op.op_ == c10d::ReduceOp::SUM || op.op_ == c10d::ReduceOp::AVG || op.op_ == c10d::ReduceOp::PREMUL_SUM;
}

at::Tensor forReduction(const at::Tensor& tensor, const c10d::ReduceOp& op) {
  TORCH_CHECK(!tensor.is_complex() || reducesLinearly(op), "ProcessGroupHCCL: ReduceOp ", static_cast<int>(op.op_),
              " is not defined for complex tensors");
  return asReal(tensor);
}

int64_t totalNumel(const std::vector<at::Tensor>& tensors) {
  int64_t total = 0;
  for (const at::Tensor& tensor : tensors) total += tensor.numel();
  return total;
}

// PREMUL_SUM's factor applied to `tensor` (on the current, HCCL, stream).
at::Tensor premultiplied(const at::Tensor& tensor, const c10d::ReduceOp& op) {
  const auto* supplement = dynamic_cast<const c10d::NCCLPreMulSumSupplement*>(op.supplement_.get());
  TORCH_CHECK(supplement != nullptr, "ReduceOp.PREMUL_SUM needs its factor (use torch.distributed._make_nccl_premul_sum)");
  if (supplement->tensor_factor.defined()) return tensor.mul(supplement->tensor_factor.to(tensor.device()));
  return tensor.mul(supplement->double_factor);
}

// AVG's division after the sum (on the current, HCCL, stream).
void averageInPlace(at::Tensor& tensor, int size) {
  if (at::isIntegralType(tensor.scalar_type(), /*includeBool=*/false)) {
    tensor.div_(size, "trunc");
  } else {
    tensor.div_(size);
  }
}

// The input to hand HCCL for `op`: premultiplied for PREMUL_SUM (a copy).
at::Tensor reductionInput(const at::Tensor& input, const c10d::ReduceOp& op) {
  return op.op_ == c10d::ReduceOp::PREMUL_SUM ? premultiplied(input, op) : input;
}

void finishReduction(at::Tensor& output, const c10d::ReduceOp& op, int size) {
  if (op.op_ == c10d::ReduceOp::AVG) averageInPlace(output, size);
}

}  // namespace

ProcessGroupHCCL::Options::Options(bool is_high_priority_stream)
    : c10d::Backend::Options("hccl"), is_high_priority_stream(is_high_priority_stream) {}

ProcessGroupHCCL::ProcessGroupHCCL(c10::intrusive_ptr<c10d::Store> store, int rank, int size,
                                   c10::intrusive_ptr<Options> options)
    : c10d::Backend(rank, size),
      store_(std::move(store)),
      options_(options ? std::move(options) : Options::create()),
      watchdog_(std::make_unique<Watchdog>(rank)) {}

ProcessGroupHCCL::~ProcessGroupHCCL() {
  watchdog_.reset();  // stops watching before the communicators go
}

HcclCommConfig ProcessGroupHCCL::commConfig() const {
  HcclCommConfig config = defaultCommConfig();
  config.hcclBufferSize = options_->hccl_buffer_size;
  std::strncpy(config.hcclCommName, options_->hccl_group_name.c_str(), sizeof(config.hcclCommName) - 1);
  return config;
}

ProcessGroupHCCL::DeviceState& ProcessGroupHCCL::stateFor(c10::Device device) {
  std::lock_guard<std::mutex> lock(mutex_);
  DeviceState& state = states_[device.index()];
  if (state.comm) return state;
  const npu::NPUGuard guard(device.index());
  // Rank 0 makes the root info; the store hands it to the others.
  const std::string key = "hccl_root_info/" + std::to_string(communicators_created_++);
  HcclRootInfo root{};
  if (rank_ == 0) {
    HCCL_CHECK(hccl::HcclGetRootInfo(&root));
    const auto* bytes = reinterpret_cast<const uint8_t*>(&root);
    store_->set(key, std::vector<uint8_t>(bytes, bytes + sizeof(root)));
  } else {
    const std::vector<uint8_t> bytes = store_->get(key);
    TORCH_CHECK(bytes.size() == sizeof(root), "ProcessGroupHCCL: the store holds ", bytes.size(),
                " bytes of root info, expected ", sizeof(root));
    std::memcpy(&root, bytes.data(), sizeof(root));
  }
  state.comm = HcclCommunicator::create(static_cast<uint32_t>(size_), root, static_cast<uint32_t>(rank_), commConfig());
  state.stream = npu::getStreamFromPool(options_->is_high_priority_stream, device.index());
  return state;
}

int64_t ProcessGroupHCCL::hcclCommHandle(int rank) {
  TORCH_CHECK(rank >= 0, "get_hccl_comm: rank must be non-negative, got ", rank);
  const auto device = static_cast<c10::DeviceIndex>(rank % npu::device_count());
  const HcclComm comm = stateFor(c10::Device(c10::DeviceType::PrivateUse1, device)).comm->handle();
  return static_cast<int64_t>(reinterpret_cast<intptr_t>(comm));
}

namespace {

// As the reference does, torch.use_deterministic_algorithms reaches HCCL as its
// process-wide HCCL_DETERMINISTIC, before each collective (set when it changes).
void applyDeterministicConfig() {
  static std::atomic<int32_t> applied{-1};
  const int32_t wanted = at::globalContext().deterministicAlgorithms() ? 1 : 0;
  if (applied.load(std::memory_order_relaxed) == wanted) {
    return;
  }
  HcclConfigValue value{};
  value.value = wanted;
  HCCL_CHECK(hccl::HcclSetConfig(HCCL_DETERMINISTIC, value));
  applied.store(wanted, std::memory_order_relaxed);
}

}  // namespace

c10::intrusive_ptr<c10d::Work> ProcessGroupHCCL::collective(c10::Device device, c10d::OpType type,
                                                            const std::vector<at::Tensor>& inputs,
                                                            std::vector<at::Tensor> outputs, const Body& body,
                                                            bool blocks_host) {
  // As the reference's: a stopped device (torch.npu.stop_device) takes no collective either.
  npu::checkNotStopped(device.index());
  applyDeterministicConfig();
  DeviceState& state = stateFor(device);
  const npu::NPUGuard guard(device.index());
  const npu::NPUStream hccl_stream = *state.stream;
  auto work = c10::make_intrusive<WorkHCCL>(rank_, type, ++sequence_, device, options_->timeout, state.comm,
                                            blocks_host);
  work->waitForCurrent(npu::getCurrentNPUStream(device.index()), hccl_stream);
  {
    // Temporaries and scaling kernels of `body` run on the HCCL stream too.
    const c10::StreamGuard stream_guard(hccl_stream.unwrap());
    body(state.comm->handle(), hccl_stream.stream());
    for (const std::vector<at::Tensor>* list : {&inputs, static_cast<const std::vector<at::Tensor>*>(&outputs)}) {
      for (const at::Tensor& tensor : *list) {
        if (tensor.defined() && tensor.has_storage()) {
          npu::NPUCachingAllocator::recordStream(tensor.storage().data_ptr(), hccl_stream);
        }
      }
    }
  }
  work->recordEnd(hccl_stream, outputs, totalNumel(inputs), totalNumel(outputs));
  watchdog_->track(work->state());
  return work;
}

c10::intrusive_ptr<c10d::Work> ProcessGroupHCCL::broadcast(std::vector<at::Tensor>& tensors,
                                                           const c10d::BroadcastOptions& opts) {
  const at::Tensor tensor = single(tensors);
  const at::Tensor data = asReal(tensor);
  const uint32_t root = static_cast<uint32_t>(opts.rootRank + opts.rootTensor);
  return collective(tensor.device(), c10d::OpType::BROADCAST, tensors, tensors, [&](HcclComm comm, aclrtStream stream) {
    HCCL_CHECK(hccl::HcclBroadcast(data.data_ptr(), data.numel(), toHcclDataType(data), root, comm, stream));
  });
}

c10::intrusive_ptr<c10d::Work> ProcessGroupHCCL::allreduce(std::vector<at::Tensor>& tensors,
                                                           const c10d::AllreduceOptions& opts) {
  single(tensors);
  return allreduce_coalesced(tensors, c10d::AllreduceCoalescedOptions{opts});
}

c10::intrusive_ptr<c10d::Work> ProcessGroupHCCL::allreduce_coalesced(std::vector<at::Tensor>& tensors,
                                                                     const c10d::AllreduceCoalescedOptions& opts) {
  TORCH_CHECK(!tensors.empty(), "ProcessGroupHCCL: allreduce needs at least one tensor");
  for (const at::Tensor& tensor : tensors) checkSameDevice(tensor, tensors[0]);
  const c10d::ReduceOp op = opts.reduceOp;
  for (const at::Tensor& tensor : tensors) toHcclReduceOp(op, tensor);  // refuses BAND etc. before enqueueing
  return collective(tensors[0].device(), c10d::OpType::ALLREDUCE, tensors, tensors,
                    [&](HcclComm comm, aclrtStream stream) {
                      for (at::Tensor tensor : tensors) {
                        at::Tensor data = forReduction(tensor, op);
                        if (op.op_ == c10d::ReduceOp::PREMUL_SUM) data.copy_(premultiplied(data, op));
                        HCCL_CHECK(hccl::HcclAllReduce(data.data_ptr(), data.data_ptr(), data.numel(),
                                                 toHcclDataType(data), toHcclReduceOp(op, tensor), comm, stream));
                        finishReduction(data, op, size_);
                      }
                    });
}

c10::intrusive_ptr<c10d::Work> ProcessGroupHCCL::reduce(std::vector<at::Tensor>& tensors,
                                                        const c10d::ReduceOptions& opts) {
  const at::Tensor tensor = single(tensors);
  const c10d::ReduceOp op = opts.reduceOp;
  const HcclReduceOp hccl_op = toHcclReduceOp(op, tensor);
  const uint32_t root = static_cast<uint32_t>(opts.rootRank + opts.rootTensor);
  return collective(tensor.device(), c10d::OpType::REDUCE, tensors, tensors, [&](HcclComm comm, aclrtStream stream) {
    at::Tensor data = forReduction(tensor, op);
    if (op.op_ == c10d::ReduceOp::PREMUL_SUM) data.copy_(premultiplied(data, op));
    HCCL_CHECK(hccl::HcclReduce(data.data_ptr(), data.data_ptr(), data.numel(), toHcclDataType(data), hccl_op, root, comm,
                          stream));
    if (static_cast<uint32_t>(rank_) == root) finishReduction(data, op, size_);
  });
}

c10::intrusive_ptr<c10d::Work> ProcessGroupHCCL::allgather(std::vector<std::vector<at::Tensor>>& outputs,
                                                           std::vector<at::Tensor>& inputs,
                                                           const c10d::AllgatherOptions& opts) {
  const at::Tensor input = single(inputs);
  TORCH_CHECK(outputs.size() == 1 && outputs[0].size() == static_cast<size_t>(size_),
              "ProcessGroupHCCL allgather: expected one list of ", size_, " output tensors");
  std::vector<at::Tensor>& targets = outputs[0];
  for (const at::Tensor& target : targets) {
    checkSameDevice(target, input);
    TORCH_CHECK(target.numel() == input.numel(), "ProcessGroupHCCL allgather: every output must have the input's ",
                input.numel(), " elements, got ", target.numel());
  }
  return collective(input.device(), c10d::OpType::ALLGATHER, inputs, targets, [&](HcclComm comm, aclrtStream stream) {
    const at::Tensor data = asReal(input);
    at::Tensor flat = at::empty({size_, data.numel()}, data.options());
    HCCL_CHECK(hccl::HcclAllGather(data.data_ptr(), flat.data_ptr(), data.numel(), toHcclDataType(data), comm, stream));
    for (int rank = 0; rank < size_; ++rank) asReal(targets[rank]).view(-1).copy_(flat[rank]);
  });
}

c10::intrusive_ptr<c10d::Work> ProcessGroupHCCL::_allgather_base(at::Tensor& output, at::Tensor& input,
                                                                 const c10d::AllgatherOptions& opts) {
  std::vector<at::Tensor> outputs{output}, inputs{input};
  return allgather_into_tensor_coalesced(outputs, inputs, opts);
}

c10::intrusive_ptr<c10d::Work> ProcessGroupHCCL::allgather_into_tensor_coalesced(std::vector<at::Tensor>& outputs,
                                                                                 std::vector<at::Tensor>& inputs,
                                                                                 const c10d::AllgatherOptions& opts) {
  TORCH_CHECK(!inputs.empty() && inputs.size() == outputs.size(),
              "ProcessGroupHCCL all_gather_into_tensor: as many outputs as inputs are needed");
  for (size_t i = 0; i < inputs.size(); ++i) {
    checkSameDevice(outputs[i], inputs[0]);
    checkSameDevice(inputs[i], inputs[0]);
    TORCH_CHECK(outputs[i].numel() == inputs[i].numel() * size_,
                "output tensor size must be equal to world_size times input tensor size");
  }
  return collective(inputs[0].device(), c10d::OpType::_ALLGATHER_BASE, inputs, outputs,
                    [&](HcclComm comm, aclrtStream stream) {
                      for (size_t i = 0; i < inputs.size(); ++i) {
                        const at::Tensor in = asReal(inputs[i]);
                        const at::Tensor out = asReal(outputs[i]);
                        HCCL_CHECK(hccl::HcclAllGather(in.data_ptr(), out.data_ptr(), in.numel(), toHcclDataType(in),
                                                 comm, stream));
                      }
                    });
}

c10::intrusive_ptr<c10d::Work> ProcessGroupHCCL::reduce_scatter(std::vector<at::Tensor>& outputs,
                                                                std::vector<std::vector<at::Tensor>>& inputs,
                                                                const c10d::ReduceScatterOptions& opts) {
  const at::Tensor output = single(outputs);
  TORCH_CHECK(inputs.size() == 1 && inputs[0].size() == static_cast<size_t>(size_),
              "ProcessGroupHCCL reduce_scatter: expected one list of ", size_, " input tensors");
  std::vector<at::Tensor>& sources = inputs[0];
  for (const at::Tensor& source : sources) {
    checkSameDevice(source, output);
    TORCH_CHECK(source.numel() == output.numel(), "ProcessGroupHCCL reduce_scatter: every input must have the "
                "output's ", output.numel(), " elements, got ", source.numel());
  }
  const c10d::ReduceOp op = opts.reduceOp;
  const HcclReduceOp hccl_op = toHcclReduceOp(op, output);
  return collective(output.device(), c10d::OpType::REDUCE_SCATTER, sources, outputs,
                    [&](HcclComm comm, aclrtStream stream) {
                      std::vector<at::Tensor> flat_sources;
                      for (const at::Tensor& source : sources) flat_sources.push_back(forReduction(source, op).reshape(-1));
                      const at::Tensor flat = reductionInput(at::cat(flat_sources), op);
                      at::Tensor out = forReduction(output, op);
                      HCCL_CHECK(hccl::HcclReduceScatter(flat.data_ptr(), out.data_ptr(), out.numel(),
                                                   toHcclDataType(out), hccl_op, comm, stream));
                      finishReduction(out, op, size_);
                    });
}

c10::intrusive_ptr<c10d::Work> ProcessGroupHCCL::_reduce_scatter_base(at::Tensor& output, at::Tensor& input,
                                                                      const c10d::ReduceScatterOptions& opts) {
  std::vector<at::Tensor> outputs{output}, inputs{input};
  return reduce_scatter_tensor_coalesced(outputs, inputs, opts);
}

c10::intrusive_ptr<c10d::Work> ProcessGroupHCCL::reduce_scatter_tensor_coalesced(
    std::vector<at::Tensor>& outputs, std::vector<at::Tensor>& inputs, const c10d::ReduceScatterOptions& opts) {
  TORCH_CHECK(!inputs.empty() && inputs.size() == outputs.size(),
              "ProcessGroupHCCL reduce_scatter_tensor: as many outputs as inputs are needed");
  const c10d::ReduceOp op = opts.reduceOp;
  for (size_t i = 0; i < inputs.size(); ++i) {
    checkSameDevice(outputs[i], inputs[0]);
    checkSameDevice(inputs[i], inputs[0]);
    TORCH_CHECK(inputs[i].numel() == outputs[i].numel() * size_,
                "input tensor must be the same size as output size times world size");
    toHcclReduceOp(op, inputs[i]);
  }
  return collective(inputs[0].device(), c10d::OpType::_REDUCE_SCATTER_BASE, inputs, outputs,
                    [&](HcclComm comm, aclrtStream stream) {
                      for (size_t i = 0; i < inputs.size(); ++i) {
                        const at::Tensor in = reductionInput(forReduction(inputs[i], op), op);
                        at::Tensor out = forReduction(outputs[i], op);
                        HCCL_CHECK(hccl::HcclReduceScatter(in.data_ptr(), out.data_ptr(), out.numel(), toHcclDataType(out),
                                                     toHcclReduceOp(op, inputs[i]), comm, stream));
                        finishReduction(out, op, size_);
                      }
                    });
}

c10::intrusive_ptr<c10d::Work> ProcessGroupHCCL::alltoall_base(at::Tensor& output, at::Tensor& input,
                                                               std::vector<int64_t>& output_split_sizes,
                                                               std::vector<int64_t>& input_split_sizes,
                                                               const c10d::AllToAllOptions& opts) {
  checkSameDevice(output, input);
  const at::Tensor in = asReal(input);
  const at::Tensor out = asReal(output);
  // Counts in elements: a split is a number of rows of dimension 0.
  auto counts = [this](const at::Tensor& tensor, const std::vector<int64_t>& splits, const char* what) {
    std::vector<uint64_t> result(size_);
    const int64_t rows = tensor.dim() == 0 ? 1 : tensor.size(0);
    const int64_t row = rows == 0 ? 0 : tensor.numel() / rows;
    if (splits.empty()) {
      TORCH_CHECK(rows % size_ == 0, "Tensor's dim 0 does not divide equally across group size");
      std::fill(result.begin(), result.end(), static_cast<uint64_t>(rows / size_ * row));
    } else {
      TORCH_CHECK(splits.size() == static_cast<size_t>(size_), "Number of tensor splits not equal to group size");
      TORCH_CHECK(std::accumulate(splits.begin(), splits.end(), int64_t{0}) == rows,
                  "Split sizes doesn't match total dim 0 size");
      for (int rank = 0; rank < size_; ++rank) result[rank] = static_cast<uint64_t>(splits[rank] * row);
    }
    return result;
  };
  const std::vector<uint64_t> send_counts = counts(in, input_split_sizes, "input");
  const std::vector<uint64_t> recv_counts = counts(out, output_split_sizes, "output");
  auto displacements = [](const std::vector<uint64_t>& sizes) {
    std::vector<uint64_t> result(sizes.size(), 0);
    for (size_t i = 1; i < sizes.size(); ++i) result[i] = result[i - 1] + sizes[i - 1];
    return result;
  };
  const std::vector<uint64_t> send_displs = displacements(send_counts), recv_displs = displacements(recv_counts);
  std::vector<at::Tensor> inputs{input}, outputs{output};
  return collective(input.device(), c10d::OpType::ALLTOALL_BASE, inputs, outputs,
                    [&](HcclComm comm, aclrtStream stream) {
                      HCCL_CHECK(hccl::HcclAlltoAllV(in.data_ptr(), send_counts.data(), send_displs.data(),
                                               toHcclDataType(in), out.data_ptr(), recv_counts.data(),
                                               recv_displs.data(), toHcclDataType(out), comm, stream));
                    });
}

c10::intrusive_ptr<c10d::Work> ProcessGroupHCCL::alltoall(std::vector<at::Tensor>& outputs,
                                                          std::vector<at::Tensor>& inputs,
                                                          const c10d::AllToAllOptions& opts) {
  TORCH_CHECK(inputs.size() == static_cast<size_t>(size_) && outputs.size() == static_cast<size_t>(size_),
              "ProcessGroupHCCL alltoall: expected ", size_, " input and output tensors");
  std::vector<uint64_t> send_counts, recv_counts;
  for (int rank = 0; rank < size_; ++rank) {
    checkSameDevice(inputs[rank], inputs[0]);
    checkSameDevice(outputs[rank], inputs[0]);
    send_counts.push_back(asReal(inputs[rank]).numel());
    recv_counts.push_back(asReal(outputs[rank]).numel());
  }
  std::vector<uint64_t> send_displs(size_, 0), recv_displs(size_, 0);
  for (int rank = 1; rank < size_; ++rank) {
    send_displs[rank] = send_displs[rank - 1] + send_counts[rank - 1];
    recv_displs[rank] = recv_displs[rank - 1] + recv_counts[rank - 1];
  }
  return collective(inputs[0].device(), c10d::OpType::ALLTOALL, inputs, outputs,
                    [&](HcclComm comm, aclrtStream stream) {
                      std::vector<at::Tensor> flat_inputs;
                      for (const at::Tensor& input : inputs) flat_inputs.push_back(asReal(input).reshape(-1));
                      const at::Tensor sent = at::cat(flat_inputs);
                      at::Tensor received = at::empty({static_cast<int64_t>(recv_displs.back() + recv_counts.back())},
                                                      sent.options());
                      HCCL_CHECK(hccl::HcclAlltoAllV(sent.data_ptr(), send_counts.data(), send_displs.data(),
                                               toHcclDataType(sent), received.data_ptr(), recv_counts.data(),
                                               recv_displs.data(), toHcclDataType(received), comm, stream));
                      for (int rank = 0; rank < size_; ++rank) {
                        asReal(outputs[rank]).view(-1).copy_(
                            received.narrow(0, static_cast<int64_t>(recv_displs[rank]),
                                            static_cast<int64_t>(recv_counts[rank])));
                      }
                    });
}

c10::intrusive_ptr<c10d::Work> ProcessGroupHCCL::pointToPoint(HcclSendRecvType type, std::vector<at::Tensor>& tensors,
                                                              int peer) {
  const at::Tensor tensor = single(tensors);
  TORCH_CHECK(peer >= 0 && peer < size_ && peer != rank_, "ProcessGroupHCCL: invalid peer rank ", peer,
              " for rank ", rank_, " of ", size_);
  const c10d::OpType op_type = type == HCCL_SEND ? c10d::OpType::SEND : c10d::OpType::RECV;
  if (coalescing_) {
    TORCH_CHECK(!coalescing_device_ || *coalescing_device_ == tensor.device(),
                "ProcessGroupHCCL: a coalesced batch must stay on one device");
    coalescing_device_ = tensor.device();
    DeviceState& state = stateFor(tensor.device());
    auto work = c10::make_intrusive<WorkHCCL>(rank_, op_type, ++sequence_, tensor.device(), options_->timeout,
                                              state.comm, false);
    pending_.push_back({type, tensor, static_cast<uint32_t>(peer), work});
    return work;
  }
  std::vector<at::Tensor> none;
  const at::Tensor data = asReal(tensor);
  return collective(tensor.device(), op_type, type == HCCL_SEND ? tensors : none, type == HCCL_RECV ? tensors : none,
                    [&](HcclComm comm, aclrtStream stream) {
                      HcclSendRecvItem item{type, data.data_ptr(), static_cast<uint64_t>(data.numel()),
                                            toHcclDataType(data), static_cast<uint32_t>(peer)};
                      HCCL_CHECK(hccl::HcclBatchSendRecv(&item, 1, comm, stream));
                    });
}

c10::intrusive_ptr<c10d::Work> ProcessGroupHCCL::send(std::vector<at::Tensor>& tensors, int dst_rank, int tag) {
  return pointToPoint(HCCL_SEND, tensors, dst_rank);
}

c10::intrusive_ptr<c10d::Work> ProcessGroupHCCL::recv(std::vector<at::Tensor>& tensors, int src_rank, int tag) {
  return pointToPoint(HCCL_RECV, tensors, src_rank);
}

c10::intrusive_ptr<c10d::Work> ProcessGroupHCCL::recvAnysource(std::vector<at::Tensor>& tensors, int tag) {
  TORCH_CHECK(false, "ProcessGroupHCCL does not support recvAnysource: pass the source rank (src=) to recv");
}

void ProcessGroupHCCL::rebuildCommunicators() {
  TORCH_CHECK(!coalescing_, "reinit_process_group: cannot rebuild the communicators while coalescing");
  std::lock_guard<std::mutex> lock(mutex_);
  for (auto& [index, state] : states_) {
    if (!state.comm) continue;
    try {
      state.stream->synchronize();
    } catch (const c10::Error& error) {
      // The failed collective's own work reports it too; the rebuild goes on.
      TORCH_WARN("reinit_process_group: the HCCL stream of npu:", static_cast<int>(index),
                 " had failed: ", error.what_without_backtrace());
    }
    state.comm.reset();
  }
}

void ProcessGroupHCCL::startCoalescing() {
  TORCH_CHECK(!coalescing_, "ProcessGroupHCCL: startCoalescing while already coalescing");
  coalescing_ = true;
  coalescing_device_.reset();
  pending_.clear();
}

c10::intrusive_ptr<c10d::Work> ProcessGroupHCCL::endCoalescing() {
  TORCH_CHECK(coalescing_, "ProcessGroupHCCL: endCoalescing without startCoalescing");
  coalescing_ = false;
  std::vector<PendingTransfer> pending;
  pending.swap(pending_);
  c10::Device device = coalescing_device_.value_or(
      states_.empty() ? c10::Device(c10::DeviceType::PrivateUse1, npu::current_device())
                      : c10::Device(c10::DeviceType::PrivateUse1, states_.begin()->first));
  std::vector<at::Tensor> sent, received;
  for (const PendingTransfer& transfer : pending) (transfer.type == HCCL_SEND ? sent : received).push_back(transfer.tensor);
  auto work = collective(device, c10d::OpType::COALESCED, sent, received, [&](HcclComm comm, aclrtStream stream) {
    if (pending.empty()) return;  // only collectives, already enqueued: the work marks their end
    std::vector<at::Tensor> data;  // keeps the real views alive for the call
    std::vector<HcclSendRecvItem> items;
    for (const PendingTransfer& transfer : pending) {
      data.push_back(asReal(transfer.tensor));
      items.push_back({transfer.type, data.back().data_ptr(), static_cast<uint64_t>(data.back().numel()),
                       toHcclDataType(data.back()), transfer.peer});
    }
    HCCL_CHECK(hccl::HcclBatchSendRecv(items.data(), static_cast<uint32_t>(items.size()), comm, stream));
  });
  const npu::NPUStream hccl_stream = *stateFor(device).stream;
  for (PendingTransfer& transfer : pending) {
    const bool is_send = transfer.type == HCCL_SEND;
    transfer.work->recordEnd(hccl_stream, is_send ? std::vector<at::Tensor>{} : std::vector<at::Tensor>{transfer.tensor},
                             is_send ? transfer.tensor.numel() : 0, is_send ? 0 : transfer.tensor.numel());
    watchdog_->track(transfer.work->state());
  }
  return work;
}

// Gather and scatter as point-to-point messages to and from the root: sends
// are buffered, so the root's receives in rank order cannot deadlock.
c10::intrusive_ptr<c10d::Work> ProcessGroupHCCL::gather(std::vector<std::vector<at::Tensor>>& outputs,
                                                        std::vector<at::Tensor>& inputs,
                                                        const c10d::GatherOptions& opts) {
  const at::Tensor input = single(inputs);
  const int root = static_cast<int>(opts.rootRank);
  std::vector<at::Tensor> targets;
  if (rank_ == root) {
    TORCH_CHECK(outputs.size() == 1 && outputs[0].size() == static_cast<size_t>(size_),
                "ProcessGroupHCCL gather: the root needs one list of ", size_, " output tensors");
    targets = outputs[0];
    for (const at::Tensor& target : targets) {
      checkSameDevice(target, input);
      TORCH_CHECK(target.numel() == input.numel(), "ProcessGroupHCCL gather: output and input sizes differ");
    }
  } else {
    TORCH_CHECK(outputs.empty() || (outputs.size() == 1 && outputs[0].empty()),
                "ProcessGroupHCCL gather: only the root passes output tensors");
  }
  return collective(input.device(), c10d::OpType::GATHER, inputs, targets, [&](HcclComm comm, aclrtStream stream) {
    const at::Tensor data = asReal(input);
    if (rank_ != root) {
      HCCL_CHECK(hccl::HcclSend(data.data_ptr(), data.numel(), toHcclDataType(data), static_cast<uint32_t>(root), comm,
                          stream));
      return;
    }
    for (int rank = 0; rank < size_; ++rank) {
      at::Tensor target = asReal(targets[rank]);
      if (rank == root) {
        target.copy_(data.view(target.sizes()));
      } else {
        HCCL_CHECK(hccl::HcclRecv(target.data_ptr(), target.numel(), toHcclDataType(target), static_cast<uint32_t>(rank),
                            comm, stream));
      }
    }
  });
}

c10::intrusive_ptr<c10d::Work> ProcessGroupHCCL::scatter(std::vector<at::Tensor>& outputs,
                                                         std::vector<std::vector<at::Tensor>>& inputs,
                                                         const c10d::ScatterOptions& opts) {
  const at::Tensor output = single(outputs);
  const int root = static_cast<int>(opts.rootRank);
  std::vector<at::Tensor> sources;
  if (rank_ == root) {
    TORCH_CHECK(inputs.size() == 1 && inputs[0].size() == static_cast<size_t>(size_),
                "ProcessGroupHCCL scatter: the root needs one list of ", size_, " input tensors");
    sources = inputs[0];
    for (const at::Tensor& source : sources) {
      checkSameDevice(source, output);
      TORCH_CHECK(source.numel() == output.numel(), "ProcessGroupHCCL scatter: output and input sizes differ");
    }
  } else {
    TORCH_CHECK(inputs.empty() || (inputs.size() == 1 && inputs[0].empty()),
                "ProcessGroupHCCL scatter: only the root passes input tensors");
  }
  return collective(output.device(), c10d::OpType::SCATTER, sources, outputs, [&](HcclComm comm, aclrtStream stream) {
    at::Tensor data = asReal(output);
    if (rank_ != root) {
      HCCL_CHECK(hccl::HcclRecv(data.data_ptr(), data.numel(), toHcclDataType(data), static_cast<uint32_t>(root), comm,
                          stream));
      return;
    }
    for (int rank = 0; rank < size_; ++rank) {
      const at::Tensor source = asReal(sources[rank]);
      if (rank == root) {
        data.copy_(source.view(data.sizes()));
      } else {
        HCCL_CHECK(hccl::HcclSend(source.data_ptr(), source.numel(), toHcclDataType(source), static_cast<uint32_t>(rank),
                            comm, stream));
      }
    }
  });
}

c10::intrusive_ptr<c10d::Work> ProcessGroupHCCL::barrier(const c10d::BarrierOptions& opts) {
  c10::DeviceIndex index = -1;
  if (!opts.device_ids.empty()) {
    index = static_cast<c10::DeviceIndex>(opts.device_ids[0]);
  } else {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!states_.empty()) index = states_.begin()->first;  // the device this rank already talks on
  }
  if (index < 0) index = npu::current_device();
  // A barrier's wait() blocks the host: that is what callers use it for.
  return collective(c10::Device(c10::DeviceType::PrivateUse1, index), c10d::OpType::BARRIER, {}, {},
                    [](HcclComm comm, aclrtStream stream) { HCCL_CHECK(hccl::HcclBarrier(comm, stream)); }, true);
}

}  // namespace torch_npu::hccl
