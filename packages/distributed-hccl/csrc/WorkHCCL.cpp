#include "WorkHCCL.h"

#include <c10/core/StreamGuard.h>

#include <cstdlib>

#include "acl/AclApi.h"

namespace torch_npu::hccl {

bool blockingWait() {
  for (const char* name : {"TORCH_HCCL_BLOCKING_WAIT", "HCCL_BLOCKING_WAIT"}) {
    const char* value = std::getenv(name);
    if (value != nullptr && *value != '\0') return std::string(value) == "1";
  }
  return false;
}

WorkHCCL::WorkHCCL(int rank, c10d::OpType type, uint64_t sequence, c10::Device device,
                   std::chrono::milliseconds timeout, std::shared_ptr<HcclCommunicator> comm, bool blocks_host)
    : c10d::Work(rank, type),
      sequence_(sequence),
      device_(device),
      timeout_(timeout),
      comm_(std::move(comm)),
      blocks_host_(blocks_host),
      start_(std::chrono::steady_clock::now()),
      future_(c10::make_intrusive<c10::ivalue::Future>(c10::ListType::create(c10::TensorType::get()),
                                                        std::vector<c10::Device>{device})) {}

void WorkHCCL::waitForCurrent(const npu::NPUStream& current, const npu::NPUStream& hccl_stream) {
  ready_.record(current);
  ready_.block(hccl_stream);
}

void WorkHCCL::recordEnd(const npu::NPUStream& stream, std::vector<at::Tensor> outputs, int64_t numel_in,
                         int64_t numel_out) {
  end_.record(stream);
  numel_in_ = numel_in;
  numel_out_ = numel_out;
  outputs_ = std::move(outputs);
  // Marked complete now, with the HCCL stream current: the future records its
  // own event there, so a callback's stream waits for the collective (as c10d's
  // futures on CUDA do).
  const c10::StreamGuard guard(stream.unwrap());
  future_->markCompleted(c10::IValue(outputs_));
}

bool WorkHCCL::isCompleted() {
  if (exception()) return true;
  return end_.query();
}

bool WorkHCCL::isSuccess() const { return !exception(); }

std::exception_ptr WorkHCCL::exception() const {
  std::lock_guard<std::mutex> lock(failure_mutex_);
  return failure_;
}

void WorkHCCL::setFailure(const std::string& message) {
  std::lock_guard<std::mutex> lock(failure_mutex_);
  if (!failure_) failure_ = std::make_exception_ptr(c10::DistBackendError(c10::SourceLocation{__func__, __FILE__, static_cast<uint32_t>(__LINE__)}, message));
}

void WorkHCCL::synchronizeHost() {
  if (end_.handle() != nullptr) {
    const npu::NPUGuard guard(device_.index());
    NPU_CHECK(acl::aclrtSynchronizeEvent(end_.handle()));
  }
}

bool WorkHCCL::wait(std::chrono::milliseconds timeout) {
  if (std::exception_ptr failure = exception()) std::rethrow_exception(failure);
  end_.block(npu::getCurrentNPUStream(device_.index()));
  if (blocks_host_ || blockingWait()) synchronizeHost();
  if (std::exception_ptr failure = exception()) std::rethrow_exception(failure);
  return true;
}

void WorkHCCL::synchronize() { wait(); }

c10::intrusive_ptr<c10::ivalue::Future> WorkHCCL::getFuture() { return future_; }

std::vector<at::Tensor> WorkHCCL::result() { return outputs_; }

std::chrono::milliseconds WorkHCCL::elapsed() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start_);
}

std::string WorkHCCL::describe() const {
  return "WorkHCCL(SeqNum=" + std::to_string(sequence_) + ", OpType=" + c10d::opTypeToString(opType_) +
         ", NumelIn=" + std::to_string(numel_in_) + ", NumelOut=" + std::to_string(numel_out_) +
         ", Timeout(ms)=" + std::to_string(timeout_.count()) + ")";
}

}  // namespace torch_npu::hccl
