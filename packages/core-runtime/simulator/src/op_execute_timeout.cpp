#include "op_execute_timeout.h"

#include <cstdio>
#include <utility>

#include "clock.h"
#include "stream.h"

namespace npu_sim {

void limitRunTime(Task& task, uint64_t timeout_us) {
  const char* kernel = task.label.name != nullptr ? task.label.name : "a kernel";
  task.run = [run = std::move(task.run), timeout_us, kernel] {
    const int64_t start_ns = steadyNowNs();
    run();
    const uint64_t ran_us = static_cast<uint64_t>(steadyNowNs() - start_ns) / 1000;
    if (ran_us <= timeout_us) return;
    // Only the stream's worker runs tasks, directly or replaying a model.
    Stream* stream = Stream::callingWorkerStream();
    if (stream == nullptr) return;
    char message[256];
    std::snprintf(message, sizeof(message),
                  "%s ran for %llu us, past the op execute timeout of %llu us (aclrtSetOpExecuteTimeOutV2)", kernel,
                  static_cast<unsigned long long>(ran_us), static_cast<unsigned long long>(timeout_us));
    stream->failures().add(ACL_ERROR_RT_AICORE_TIMEOUT, message);
  };
}

}  // namespace npu_sim
