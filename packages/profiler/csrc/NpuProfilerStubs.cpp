#include "NpuProfilerStubs.h"

#include <c10/util/ApproximateClock.h>
#include <c10/util/Exception.h>
#include <torch/csrc/profiler/stubs/base.h>

#include <functional>
#include <mutex>

#include "acl/AclApi.h"
#include "npu/NPUException.h"
#include "npu/NPUFunctions.h"
#include "npu/NPUStream.h"

namespace torch_npu::profiler {
namespace {

using torch::profiler::impl::ProfilerVoidEventStub;

class NpuProfilerStubs final : public torch::profiler::impl::ProfilerStubs {
 public:
  void record(c10::DeviceIndex* device, ProfilerVoidEventStub* event, int64_t* cpu_ns) const override {
    const c10::DeviceIndex current = npu::current_device();
    if (device != nullptr) *device = current;
    aclrtEvent raw = nullptr;
    NPU_CHECK(acl::aclrtCreateEventWithFlag(&raw, ACL_EVENT_TIME_LINE));
    *event = ProfilerVoidEventStub(raw, [](void* created) { acl::aclrtDestroyEvent(created); });
    if (cpu_ns != nullptr) *cpu_ns = c10::getTime();
    NPU_CHECK(acl::aclrtRecordEvent(raw, npu::getCurrentNPUStream(current).stream()));
  }

  // Microseconds between the two events, as torch's CUDA stubs report.
  float elapsed(const ProfilerVoidEventStub* event, const ProfilerVoidEventStub* event2) const override {
    NPU_CHECK(acl::aclrtSynchronizeEvent(event->get()));
    NPU_CHECK(acl::aclrtSynchronizeEvent(event2->get()));
    float ms = 0;
    NPU_CHECK(acl::aclrtEventElapsedTime(&ms, event->get(), event2->get()));
    return ms * 1000.0f;
  }

  // Only torch.autograd.profiler's external-tracer mode (emit_nvtx's kind) calls these.
  void mark(const char*) const override { notImplemented("mark"); }
  void rangePush(const char*) const override { notImplemented("rangePush"); }
  void rangePop() const override { notImplemented("rangePop"); }

  bool enabled() const override { return true; }

  void onEachDevice(std::function<void(int)> op) const override {
    for (c10::DeviceIndex device = 0; device < npu::device_count(); ++device) {
      if (!npu::has_primary_context(device)) continue;
      const c10::DeviceIndex previous = npu::exchange_device(device);
      op(device);
      npu::exchange_device(previous);
    }
  }

  void synchronize() const override { npu::device_synchronize(); }

 private:
  [[noreturn]] static void notImplemented(const char* what) {
    TORCH_CHECK(false, "torch.autograd.profiler's external tracer (", what,
                ") is not implemented yet for npu; use torch.profiler or torch_npu.npu.mstx");
  }
};

}  // namespace

void registerNpuProfilerStubs() {
  static std::once_flag registered;
  std::call_once(registered, [] {
    static NpuProfilerStubs stubs;
    torch::profiler::impl::registerPrivateUse1Methods(&stubs);
  });
}

}  // namespace torch_npu::profiler
