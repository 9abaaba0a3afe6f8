#include "NpuActivityProfiler.h"

#include <atomic>
#include <chrono>
#include <filesystem>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include <kineto/GenericTraceActivity.h>
#include <kineto/IActivityProfiler.h>
#include <kineto/libkineto.h>
#include <kineto/output_base.h>

#include "ProfilingApi.h"
#include "npu/NPUException.h"
#include "npu/NPUFunctions.h"
#include "npu/NPURuntime.h"

namespace torch_npu::profiler {
namespace {

using libkineto::ActivityType;

const std::set<ActivityType>& npuActivityTypes() {
  static const std::set<ActivityType> types{ActivityType::CONCURRENT_KERNEL, ActivityType::GPU_MEMCPY,
                                            ActivityType::GPU_MEMSET};
  return types;
}

ActivityType kinetoTypeOf(int32_t kind) {
  switch (kind) {
    case NPU_SIM_ACTIVITY_MEMCPY:
      return ActivityType::GPU_MEMCPY;
    case NPU_SIM_ACTIVITY_MEMSET:
      return ActivityType::GPU_MEMSET;
    default:  // kernels, collectives, events, callbacks: device tasks
      return ActivityType::CONCURRENT_KERNEL;
  }
}

int64_t realtimeNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::atomic<bool> g_device_timeline_forced{false};

// Filled by processTrace, emptied by takeTaskBytes.
std::mutex g_task_bytes_mutex;
std::vector<TaskBytes> g_task_bytes;

// The host ops' correlation ids, innermost last, of the calling thread.
thread_local std::vector<uint64_t> t_correlation_stack;

// One torch.profiler session's device side: aclprofInit .. aclprofFinalize.
class NpuSession final : public libkineto::IActivityProfilerSession {
 public:
  ~NpuSession() override {
    if (config_ != nullptr) finish();  // best effort: a destructor cannot raise
  }

  void start() override {
    // A profile may start before anything touched the NPU; profiling needs the runtime.
    npu::ensureRuntimeInitialized();
    const c10::DeviceIndex devices = npu::device_count_ensure_non_zero();
    std::vector<uint32_t> ids(static_cast<size_t>(devices));
    for (size_t i = 0; i < ids.size(); ++i) ids[i] = static_cast<uint32_t>(i);
    const std::string path = (std::filesystem::temp_directory_path() / "torch_npu_profiler").string();
    NPU_CHECK(cann::aclprofInit(path.c_str(), path.size()));
    config_ = cann::aclprofCreateConfig(ids.data(), static_cast<uint32_t>(ids.size()), ACL_AICORE_NONE, nullptr,
                                  ACL_PROF_TASK_TIME | ACL_PROF_HCCL_TRACE);
    if (config_ == nullptr) NPU_CHECK(ACL_ERROR_INVALID_PARAM);
    if (hasSimulatorRecords()) takeActivities();  // what an earlier session left behind
    NPU_CHECK(cann::aclprofStart(config_));
    status_ = libkineto::TraceStatus::RECORDING;
  }

  void stop() override {
    // Tasks launched while recording finish before their records are taken.
    for (c10::DeviceIndex device = 0; device < npu::device_count(); ++device) {
      if (!npu::has_primary_context(device)) continue;
      const c10::DeviceIndex previous = npu::exchange_device(device);
      npu::device_synchronize();
      npu::exchange_device(previous);
    }
    NPU_CHECK(finish());
    if (hasSimulatorRecords()) {
      records_ = takeActivities();
      device_to_epoch_ns_ = realtimeNs() - deviceClockNs();
    } else {
      errors_.push_back("NPU device activities are recorded on the simulator only (no CANN msprof reader yet)");
    }
    status_ = libkineto::TraceStatus::PROCESSING;
  }

  std::vector<std::string> errors() override { return errors_; }

  void processTrace(libkineto::ActivityLogger& logger) override { processTrace(logger, nullptr, 0, 0); }

  void processTrace(libkineto::ActivityLogger& logger, libkineto::getLinkedActivityCallback linked_activity,
                    int64_t, int64_t) override {
    std::vector<TaskBytes> sized;
    for (const npuSimActivity& record : records_) {
      auto activity = std::make_unique<libkineto::GenericTraceActivity>(trace_->span, kinetoTypeOf(record.kind),
                                                                         record.name);
      activity->startTime = record.start_ns + device_to_epoch_ns_;
      activity->endTime = record.end_ns + device_to_epoch_ns_;
      activity->device = record.device;
      activity->resource = static_cast<int32_t>(record.stream_id);
      activity->threadId = static_cast<int32_t>(record.stream_id);
      activity->id = static_cast<int32_t>(record.correlation_id);
      if (record.correlation_id != 0 && linked_activity) {
        activity->linked = linked_activity(static_cast<int32_t>(record.correlation_id));
        activity->flow.id = static_cast<uint32_t>(record.correlation_id);
        activity->flow.type = libkineto::kLinkAsyncCpuGpu;
        activity->flow.start = false;
      }
      // Quoted metadata only: addMetadata would instantiate fmt, which libtorch does not export.
      if (record.bytes != 0) {
        activity->addMetadataQuoted("bytes", std::to_string(record.bytes));
        sized.push_back({record.device, static_cast<int64_t>(activity->resource), activity->startTime, record.bytes});
      }
      activity->log(logger);
      trace_->activities.push_back(std::move(activity));
    }
    records_.clear();
    {
      std::lock_guard<std::mutex> lock(g_task_bytes_mutex);
      g_task_bytes.insert(g_task_bytes.end(), sized.begin(), sized.end());
    }
    status_ = libkineto::TraceStatus::READY;
  }

  std::unique_ptr<libkineto::DeviceInfo> getDeviceInfo() override { return nullptr; }
  std::vector<libkineto::ResourceInfo> getResourceInfos() override { return {}; }
  std::unique_ptr<libkineto::CpuTraceBuffer> getTraceBuffer() override { return std::move(trace_); }

  void pushCorrelationId(uint64_t id) override {
    t_correlation_stack.push_back(id);
    setCorrelationId(id);
  }

  void popCorrelationId() override {
    if (!t_correlation_stack.empty()) t_correlation_stack.pop_back();
    setCorrelationId(t_correlation_stack.empty() ? 0 : t_correlation_stack.back());
  }

 private:
  // Ends collection and the profiling session; the first failure's code.
  aclError finish() noexcept {
    const aclError stopped = cann::aclprofStop(config_);
    const aclError destroyed = cann::aclprofDestroyConfig(config_);
    const aclError finalized = cann::aclprofFinalize();
    config_ = nullptr;
    return stopped != ACL_SUCCESS ? stopped : destroyed != ACL_SUCCESS ? destroyed : finalized;
  }

  aclprofConfig* config_ = nullptr;
  std::vector<npuSimActivity> records_;
  int64_t device_to_epoch_ns_ = 0;
  std::vector<std::string> errors_;
  std::unique_ptr<libkineto::CpuTraceBuffer> trace_ = std::make_unique<libkineto::CpuTraceBuffer>();
};

class NpuActivityProfiler final : public libkineto::IActivityProfiler {
 public:
  const std::string& name() const override { return name_; }
  const std::set<ActivityType>& availableActivities() const override { return npuActivityTypes(); }

  std::unique_ptr<libkineto::IActivityProfilerSession> configure(const std::set<ActivityType>& activity_types,
                                                                 const libkineto::Config&) override {
    const bool forced = g_device_timeline_forced.load(std::memory_order_relaxed);
    return forced || wantsNpu(activity_types) ? std::make_unique<NpuSession>() : nullptr;
  }

  std::unique_ptr<libkineto::IActivityProfilerSession> configure(int64_t, int64_t,
                                                                 const std::set<ActivityType>& activity_types,
                                                                 const libkineto::Config& config) override {
    return configure(activity_types, config);
  }

 private:
  static bool wantsNpu(const std::set<ActivityType>& requested) {
    for (ActivityType type : requested) {
      if (npuActivityTypes().count(type) != 0) return true;
    }
    return false;
  }

  const std::string name_ = "torch_npu";
};

}  // namespace

void setDeviceTimelineForced(bool forced) noexcept {
  g_device_timeline_forced.store(forced, std::memory_order_relaxed);
}

std::vector<TaskBytes> takeTaskBytes() {
  std::lock_guard<std::mutex> lock(g_task_bytes_mutex);
  std::vector<TaskBytes> taken;
  taken.swap(g_task_bytes);
  return taken;
}

void registerNpuActivityProfiler() {
  static std::once_flag registered;
  std::call_once(registered, [] {
    libkineto::api().registerProfilerFactory([] { return std::make_unique<NpuActivityProfiler>(); });
  });
}

}  // namespace torch_npu::profiler
