#include "CollectiveState.h"

#include "acl/AclApi.h"
#include "npu/NPUGuardImpl.h"

namespace torch_npu::hccl {

CollectiveState::CollectiveState(c10d::OpType type, uint64_t sequence, c10::Device device,
                                 std::chrono::milliseconds timeout, std::shared_ptr<HcclCommunicator> comm)
    : type_(type),
      sequence_(sequence),
      device_(device),
      timeout_(timeout),
      comm_(std::move(comm)),
      start_(std::chrono::steady_clock::now()) {}

void CollectiveState::waitForCurrent(const npu::NPUStream& current, const npu::NPUStream& hccl_stream) {
  ready_.record(current);
  ready_.block(hccl_stream);
}

void CollectiveState::recordEnd(const npu::NPUStream& hccl_stream, int64_t numel_in, int64_t numel_out) {
  end_.record(hccl_stream);
  numel_in_ = numel_in;
  numel_out_ = numel_out;
}

void CollectiveState::blockCurrentStream() const { end_.block(npu::getCurrentNPUStream(device_.index())); }

void CollectiveState::synchronizeHost() {
  if (end_.handle() != nullptr) {
    const npu::NPUGuard guard(device_.index());
    NPU_CHECK(acl::aclrtSynchronizeEvent(end_.handle()));
  }
}

bool CollectiveState::isCompleted() {
  if (exception()) return true;
  return end_.query();
}

std::exception_ptr CollectiveState::exception() const {
  std::lock_guard<std::mutex> lock(failure_mutex_);
  return failure_;
}

void CollectiveState::setFailure(const std::string& message) {
  std::lock_guard<std::mutex> lock(failure_mutex_);
  if (!failure_) {
    failure_ = std::make_exception_ptr(
        c10::DistBackendError(c10::SourceLocation{__func__, __FILE__, static_cast<uint32_t>(__LINE__)}, message));
  }
}

std::chrono::milliseconds CollectiveState::elapsed() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start_);
}

std::string CollectiveState::describe() const {
  return "WorkHCCL(SeqNum=" + std::to_string(sequence_) + ", OpType=" + c10d::opTypeToString(type_) +
         ", NumelIn=" + std::to_string(numel_in_) + ", NumelOut=" + std::to_string(numel_out_) +
         ", Timeout(ms)=" + std::to_string(timeout_.count()) + ")";
}

}  // namespace torch_npu::hccl
