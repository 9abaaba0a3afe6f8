// The exported HCCL entry points: argument checks on the calling thread, then
// the collective as a host task on the stream (npuSimLaunchHostTask), so it
// runs in order with the kernels around it and the caller never blocks.
#include <atomic>
#include <cstring>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "collectives.h"
#include "communicator.h"
#include "hccl/hccl.h"
#include "npu_sim/sim_extensions.h"
#include "npu_sim/sim_profiling.h"
#include "reduce_kernels.h"
#include "rendezvous.h"

#define HCCL_SIM_EXPORT extern "C" __attribute__((visibility("default")))

namespace npu_sim_hccl {
namespace {

// Live communicators by handle: a destroyed or made-up handle is refused, and
// a task still queued keeps its communicator alive.
class Registry {
 public:
  HcclComm add(std::shared_ptr<Communicator> comm) {
    std::lock_guard<std::mutex> lock(mutex_);
    HcclComm handle = comm.get();
    comms_.emplace(handle, std::move(comm));
    return handle;
  }
  std::shared_ptr<Communicator> find(HcclComm handle) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto found = comms_.find(handle);
    return found == comms_.end() ? nullptr : found->second;
  }
  bool remove(HcclComm handle) {
    std::lock_guard<std::mutex> lock(mutex_);
    return comms_.erase(handle) == 1;
  }

 private:
  std::mutex mutex_;
  std::unordered_map<HcclComm, std::shared_ptr<Communicator>> comms_;
};

Registry& registry() {
  static auto* instance = new Registry();  // outlives stream workers still running tasks at exit
  return *instance;
}

// The calling thread's last error, for the message CANN's logs would carry.
thread_local std::string last_error;

// HCCL_DETERMINISTIC (HcclSetConfig), kept and reported: the simulated
// reductions combine the ranks' data in rank order whatever it says, which is
// deterministic.
std::atomic<int32_t> deterministic_config{0};

HcclResult refuse(HcclResult code, std::string message) {
  last_error = std::move(message);
  npuSimSetRecentErrMsg(last_error.c_str());
  return code;
}

using Body = std::function<Failure(Communicator&)>;

struct Task {
  std::shared_ptr<Communicator> comm;
  Body body;
};

void runTask(void* arg) {
  std::unique_ptr<Task> task(static_cast<Task*>(arg));
  Communicator& comm = *task->comm;
  Failure failure = comm.asyncError();
  if (failure) {
    failure.message = "the communicator failed earlier: " + failure.message;
  } else {
    try {
      failure = task->body(comm);
    } catch (const std::exception& error) {
      failure = {HCCL_E_INTERNAL, error.what()};
    }
    if (failure) comm.fail(failure);
  }
  if (failure) npuSimFailCurrentTask(failure.message.c_str());
}

// Checks the handle and the stream, then enqueues `body`; its profiling record
// carries `bytes`, the payload of this rank's buffers.
HcclResult launch(const char* api, HcclComm handle, aclrtStream stream, uint64_t bytes, Body body) {
  std::shared_ptr<Communicator> comm = registry().find(handle);
  if (!comm) return refuse(HCCL_E_PTR, std::string(api) + ": comm is not a live communicator");
  if (stream == nullptr) return refuse(HCCL_E_PTR, std::string(api) + ": stream is null");
  auto task = std::make_unique<Task>(Task{std::move(comm), std::move(body)});
  const aclError error =
      npuSimLaunchSizedHostTask(stream, &runTask, task.get(), NPU_SIM_ACTIVITY_COLLECTIVE, api, bytes);
  if (npuSimLaunchEnqueued(error)) {
    task.release();  // runTask owns it now
    return error == ACL_SUCCESS ? HCCL_SUCCESS : HCCL_E_RUNTIME;
  }
  return refuse(HCCL_E_RUNTIME, std::string(api) + ": the stream refused the task (ACL error " +
                                    std::to_string(error) + ")");
}

HcclResult checkType(const char* api, HcclDataType type) {
  if (elementSize(type) == 0) {
    return refuse(HCCL_E_NOT_SUPPORT, std::string(api) + ": data type " + std::to_string(type) +
                                          " is not supported by the simulated HCCL");
  }
  return HCCL_SUCCESS;
}

HcclResult checkReduce(const char* api, HcclDataType type, HcclReduceOp op) {
  if (HcclResult result = checkType(api, type); result != HCCL_SUCCESS) return result;
  if (!canReduce(type, op)) {
    return refuse(HCCL_E_NOT_SUPPORT, std::string(api) + ": reduce op " + std::to_string(op) + " on data type " +
                                          std::to_string(type) + " is not supported by the simulated HCCL");
  }
  return HCCL_SUCCESS;
}

HcclResult checkBuffer(const char* api, const char* name, const void* buffer, uint64_t count) {
  if (buffer == nullptr && count != 0) return refuse(HCCL_E_PTR, std::string(api) + ": " + name + " is null");
  return HCCL_SUCCESS;
}

HcclResult checkRank(const char* api, const char* name, HcclComm handle, uint32_t rank) {
  std::shared_ptr<Communicator> comm = registry().find(handle);
  if (comm && rank >= comm->size()) {
    return refuse(HCCL_E_PARA, std::string(api) + ": " + name + " " + std::to_string(rank) +
                                   " is not a rank of this communicator of " + std::to_string(comm->size()));
  }
  return HCCL_SUCCESS;
}

// Where the collective reads and writes device memory: the address itself, or
// its accessible mapping when TORCH_NPU_SIM_PROTECT=1 hides device memory from
// host code. Fixed per allocation, so translated once, at the call.
template <class T>
T* hostView(T* device) {
  return static_cast<T*>(npuSimHostAddress(device));
}

#define HCCL_SIM_TRY(expr)                              \
  do {                                                  \
    if (HcclResult result_ = (expr); result_ != HCCL_SUCCESS) return result_; \
  } while (0)

HcclResult initialize(uint32_t ranks, const HcclRootInfo* root, uint32_t rank, uint64_t buffer_mb, HcclComm* comm) {
  if (root == nullptr || comm == nullptr) return refuse(HCCL_E_PTR, "HcclCommInitRootInfo: rootInfo or comm is null");
  std::shared_ptr<Communicator> created;
  if (Failure failure = Communicator::create(ranks, *root, rank, buffer_mb, created)) {
    return refuse(failure.code, failure.message);
  }
  *comm = registry().add(std::move(created));
  return HCCL_SUCCESS;
}

}  // namespace
}  // namespace npu_sim_hccl

using namespace npu_sim_hccl;

HCCL_SIM_EXPORT HcclResult HcclGetRootInfo(HcclRootInfo* rootInfo) {
  if (rootInfo == nullptr) return refuse(HCCL_E_PTR, "HcclGetRootInfo: rootInfo is null");
  makeRootInfo(*rootInfo);
  return HCCL_SUCCESS;
}

HCCL_SIM_EXPORT HcclResult HcclCommInitRootInfo(uint32_t nRanks, const HcclRootInfo* rootInfo, uint32_t rank,
                                                HcclComm* comm) {
  return initialize(nRanks, rootInfo, rank, 0, comm);
}

HCCL_SIM_EXPORT HcclResult HcclCommInitRootInfoConfig(uint32_t nRanks, const HcclRootInfo* rootInfo, uint32_t rank,
                                                      const HcclCommConfig* config, HcclComm* comm) {
  uint64_t buffer_mb = 0;
  if (config != nullptr && config->hcclBufferSize != HCCL_COMM_BUFFSIZE_CONFIG_NOT_SET) {
    if (config->hcclBufferSize == 0) return refuse(HCCL_E_PARA, "HcclCommInitRootInfoConfig: hcclBufferSize is 0");
    buffer_mb = config->hcclBufferSize;
  }
  return initialize(nRanks, rootInfo, rank, buffer_mb, comm);
}

HCCL_SIM_EXPORT HcclResult HcclCommDestroy(HcclComm comm) {
  if (!registry().remove(comm)) return refuse(HCCL_E_PTR, "HcclCommDestroy: comm is not a live communicator");
  return HCCL_SUCCESS;
}

HCCL_SIM_EXPORT HcclResult HcclSetConfig(HcclConfig config, union HcclConfigValue configValue) {
  if (config != HCCL_DETERMINISTIC) {
    return refuse(HCCL_E_PARA, "HcclSetConfig: unknown config " + std::to_string(static_cast<int>(config)));
  }
  if (configValue.value != 0 && configValue.value != 1) {
    return refuse(HCCL_E_PARA,
                  "HcclSetConfig: HCCL_DETERMINISTIC takes 0 or 1, not " + std::to_string(configValue.value));
  }
  deterministic_config.store(configValue.value, std::memory_order_relaxed);
  return HCCL_SUCCESS;
}

HCCL_SIM_EXPORT HcclResult HcclGetConfig(HcclConfig config, union HcclConfigValue* configValue) {
  if (configValue == nullptr) return refuse(HCCL_E_PTR, "HcclGetConfig: configValue is null");
  if (config != HCCL_DETERMINISTIC) {
    return refuse(HCCL_E_PARA, "HcclGetConfig: unknown config " + std::to_string(static_cast<int>(config)));
  }
  configValue->value = deterministic_config.load(std::memory_order_relaxed);
  return HCCL_SUCCESS;
}

HCCL_SIM_EXPORT HcclResult HcclGetRankSize(HcclComm comm, uint32_t* rankSize) {
  std::shared_ptr<Communicator> found = registry().find(comm);
  if (!found || rankSize == nullptr) return refuse(HCCL_E_PTR, "HcclGetRankSize: comm or rankSize is invalid");
  *rankSize = found->size();
  return HCCL_SUCCESS;
}

HCCL_SIM_EXPORT HcclResult HcclGetRankId(HcclComm comm, uint32_t* rank) {
  std::shared_ptr<Communicator> found = registry().find(comm);
  if (!found || rank == nullptr) return refuse(HCCL_E_PTR, "HcclGetRankId: comm or rank is invalid");
  *rank = found->rank();
  return HCCL_SUCCESS;
}

HCCL_SIM_EXPORT HcclResult HcclAllReduce(void* sendBuf, void* recvBuf, uint64_t count, HcclDataType dataType,
                                         HcclReduceOp op, HcclComm comm, aclrtStream stream) {
  HCCL_SIM_TRY(checkReduce("HcclAllReduce", dataType, op));
  HCCL_SIM_TRY(checkBuffer("HcclAllReduce", "sendBuf", sendBuf, count));
  HCCL_SIM_TRY(checkBuffer("HcclAllReduce", "recvBuf", recvBuf, count));
  return launch("HcclAllReduce", comm, stream, count * elementSize(dataType),
                [=, send = hostView(sendBuf), recv = hostView(recvBuf)](Communicator& c) {
                  return allReduce(c, send, recv, count, dataType, op);
                });
}

HCCL_SIM_EXPORT HcclResult HcclBroadcast(void* buf, uint64_t count, HcclDataType dataType, uint32_t root,
                                         HcclComm comm, aclrtStream stream) {
  HCCL_SIM_TRY(checkType("HcclBroadcast", dataType));
  HCCL_SIM_TRY(checkBuffer("HcclBroadcast", "buf", buf, count));
  HCCL_SIM_TRY(checkRank("HcclBroadcast", "root", comm, root));
  return launch("HcclBroadcast", comm, stream, count * elementSize(dataType),
                [=, data = hostView(buf)](Communicator& c) { return broadcast(c, data, count, dataType, root); });
}

HCCL_SIM_EXPORT HcclResult HcclReduce(void* sendBuf, void* recvBuf, uint64_t count, HcclDataType dataType,
                                      HcclReduceOp op, uint32_t root, HcclComm comm, aclrtStream stream) {
  HCCL_SIM_TRY(checkReduce("HcclReduce", dataType, op));
  HCCL_SIM_TRY(checkBuffer("HcclReduce", "sendBuf", sendBuf, count));
  HCCL_SIM_TRY(checkRank("HcclReduce", "root", comm, root));
  return launch("HcclReduce", comm, stream, count * elementSize(dataType),
                [=, send = hostView(sendBuf), recv = hostView(recvBuf)](Communicator& c) {
                  return reduceToRoot(c, send, recv, count, dataType, op, root);
                });
}

HCCL_SIM_EXPORT HcclResult HcclAllGather(void* sendBuf, void* recvBuf, uint64_t sendCount, HcclDataType dataType,
                                         HcclComm comm, aclrtStream stream) {
  HCCL_SIM_TRY(checkType("HcclAllGather", dataType));
  HCCL_SIM_TRY(checkBuffer("HcclAllGather", "sendBuf", sendBuf, sendCount));
  HCCL_SIM_TRY(checkBuffer("HcclAllGather", "recvBuf", recvBuf, sendCount));
  return launch("HcclAllGather", comm, stream, sendCount * elementSize(dataType),
                [=, send = hostView(sendBuf), recv = hostView(recvBuf)](Communicator& c) {
                  return allGather(c, send, recv, sendCount, dataType);
                });
}

HCCL_SIM_EXPORT HcclResult HcclReduceScatter(void* sendBuf, void* recvBuf, uint64_t recvCount, HcclDataType dataType,
                                             HcclReduceOp op, HcclComm comm, aclrtStream stream) {
  HCCL_SIM_TRY(checkReduce("HcclReduceScatter", dataType, op));
  HCCL_SIM_TRY(checkBuffer("HcclReduceScatter", "sendBuf", sendBuf, recvCount));
  HCCL_SIM_TRY(checkBuffer("HcclReduceScatter", "recvBuf", recvBuf, recvCount));
  std::shared_ptr<Communicator> found = registry().find(comm);
  const uint64_t ranks = found ? found->size() : 0;  // a bad handle is refused by launch
  return launch("HcclReduceScatter", comm, stream, ranks * recvCount * elementSize(dataType),
                [=, send = hostView(sendBuf), recv = hostView(recvBuf)](Communicator& c) {
                  return reduceScatter(c, send, recv, recvCount, dataType, op);
                });
}

HCCL_SIM_EXPORT HcclResult HcclAlltoAllV(const void* sendBuf, const void* sendCounts, const void* sdispls,
                                         HcclDataType sendType, const void* recvBuf, const void* recvCounts,
                                         const void* rdispls, HcclDataType recvType, HcclComm comm,
                                         aclrtStream stream) {
  HCCL_SIM_TRY(checkType("HcclAlltoAllV", sendType));
  if (sendType != recvType) return refuse(HCCL_E_PARA, "HcclAlltoAllV: sendType and recvType differ");
  if (!sendCounts || !sdispls || !recvCounts || !rdispls) {
    return refuse(HCCL_E_PTR, "HcclAlltoAllV: a count or displacement array is null");
  }
  std::shared_ptr<Communicator> found = registry().find(comm);
  if (!found) return refuse(HCCL_E_PTR, "HcclAlltoAllV: comm is not a live communicator");
  // The arrays are the caller's: copied now, as the call returns before the task runs.
  const uint32_t ranks = found->size();
  auto copy = [ranks](const void* array) {
    const auto* values = static_cast<const uint64_t*>(array);
    return std::vector<uint64_t>(values, values + ranks);
  };
  auto arrays = std::make_shared<std::vector<std::vector<uint64_t>>>(
      std::vector<std::vector<uint64_t>>{copy(sendCounts), copy(sdispls), copy(recvCounts), copy(rdispls)});
  void* recv = hostView(const_cast<void*>(recvBuf));
  const void* send = hostView(sendBuf);
  uint64_t sent = 0;
  for (uint64_t count : (*arrays)[0]) sent += count;
  return launch("HcclAlltoAllV", comm, stream, sent * elementSize(sendType), [=](Communicator& c) {
    const auto& a = *arrays;
    return allToAllV(c, send, a[0].data(), a[1].data(), recv, a[2].data(), a[3].data(), sendType);
  });
}

HCCL_SIM_EXPORT HcclResult HcclAlltoAll(const void* sendBuf, uint64_t sendCount, HcclDataType sendType,
                                        const void* recvBuf, uint64_t recvCount, HcclDataType recvType,
                                        HcclComm comm, aclrtStream stream) {
  std::shared_ptr<Communicator> found = registry().find(comm);
  if (!found) return refuse(HCCL_E_PTR, "HcclAlltoAll: comm is not a live communicator");
  const uint32_t ranks = found->size();
  std::vector<uint64_t> send_counts(ranks, sendCount), recv_counts(ranks, recvCount), send_displs(ranks),
      recv_displs(ranks);
  for (uint32_t rank = 0; rank < ranks; ++rank) {
    send_displs[rank] = rank * sendCount;
    recv_displs[rank] = rank * recvCount;
  }
  return HcclAlltoAllV(sendBuf, send_counts.data(), send_displs.data(), sendType, recvBuf, recv_counts.data(),
                       recv_displs.data(), recvType, comm, stream);
}

HCCL_SIM_EXPORT HcclResult HcclBatchSendRecv(HcclSendRecvItem* sendRecvInfo, uint32_t itemNum, HcclComm comm,
                                             aclrtStream stream) {
  if (sendRecvInfo == nullptr && itemNum != 0) return refuse(HCCL_E_PTR, "HcclBatchSendRecv: sendRecvInfo is null");
  std::vector<HcclSendRecvItem> items(sendRecvInfo, sendRecvInfo + itemNum);  // the caller's array: copied now
  for (const HcclSendRecvItem& item : items) {
    const char* api = item.sendRecvType == HCCL_SEND ? "HcclSend" : "HcclRecv";
    if (item.sendRecvType != HCCL_SEND && item.sendRecvType != HCCL_RECV) {
      return refuse(HCCL_E_PARA, "HcclBatchSendRecv: an item is neither HCCL_SEND nor HCCL_RECV");
    }
    HCCL_SIM_TRY(checkType(api, item.dataType));
    HCCL_SIM_TRY(checkBuffer(api, "buf", item.buf, item.count));
    HCCL_SIM_TRY(checkRank(api, "remoteRank", comm, item.remoteRank));
  }
  uint64_t bytes = 0;
  for (HcclSendRecvItem& item : items) {
    item.buf = hostView(item.buf);
    bytes += item.count * elementSize(item.dataType);
  }
  return launch("HcclBatchSendRecv", comm, stream, bytes,
                [items = std::move(items)](Communicator& c) { return sendReceive(c, items); });
}

HCCL_SIM_EXPORT HcclResult HcclSend(void* sendBuf, uint64_t count, HcclDataType dataType, uint32_t destRank,
                                    HcclComm comm, aclrtStream stream) {
  HcclSendRecvItem item{HCCL_SEND, sendBuf, count, dataType, destRank};
  return HcclBatchSendRecv(&item, 1, comm, stream);
}

HCCL_SIM_EXPORT HcclResult HcclRecv(void* recvBuf, uint64_t count, HcclDataType dataType, uint32_t srcRank,
                                    HcclComm comm, aclrtStream stream) {
  HcclSendRecvItem item{HCCL_RECV, recvBuf, count, dataType, srcRank};
  return HcclBatchSendRecv(&item, 1, comm, stream);
}

HCCL_SIM_EXPORT HcclResult HcclBarrier(HcclComm comm, aclrtStream stream) {
  return launch("HcclBarrier", comm, stream, 0, [](Communicator& c) { return barrier(c); });
}

HCCL_SIM_EXPORT const char* HcclGetErrorString(HcclResult code) {
  switch (code) {
    case HCCL_SUCCESS:
      return "no error";
    case HCCL_E_PARA:
      return "parameter error";
    case HCCL_E_PTR:
      return "empty pointer";
    case HCCL_E_MEMORY:
      return "memory error";
    case HCCL_E_INTERNAL:
      return "internal error";
    case HCCL_E_NOT_SUPPORT:
      return "not support feature";
    case HCCL_E_NOT_FOUND:
      return "not found specific resource";
    case HCCL_E_UNAVAIL:
      return "resource unavailable";
    case HCCL_E_SYSCALL:
      return "call system interface error";
    case HCCL_E_TIMEOUT:
      return "timeout";
    case HCCL_E_RUNTIME:
      return "call runtime api fail";
    case HCCL_E_REMOTE:
      return "error cqe";
    default:
      return "unknown HCCL error";
  }
}

HCCL_SIM_EXPORT HcclResult HcclGetCommAsyncError(HcclComm comm, HcclResult* asyncError) {
  std::shared_ptr<Communicator> found = registry().find(comm);
  if (!found || asyncError == nullptr) return refuse(HCCL_E_PTR, "HcclGetCommAsyncError: comm or asyncError is invalid");
  *asyncError = found->asyncError().code;
  return HCCL_SUCCESS;
}
