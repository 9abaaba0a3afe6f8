#include "npu/NPUTrace.h"

#include <mutex>
#include <utility>

namespace torch_npu::npu::trace {
namespace detail {

std::atomic<bool> enabled{false};

namespace {
std::mutex log_mutex;
std::vector<Record> log;
}  // namespace

void append(const Record& record) {
  const std::lock_guard<std::mutex> lock(log_mutex);
  log.push_back(record);
}

}  // namespace detail

void setEnabled(bool on) {
  const std::lock_guard<std::mutex> lock(detail::log_mutex);
  detail::enabled.store(on, std::memory_order_relaxed);
  // Records of an earlier session describe state the next one does not hold.
  detail::log.clear();
}

std::vector<Record> drain() {
  std::vector<Record> taken;
  const std::lock_guard<std::mutex> lock(detail::log_mutex);
  std::swap(taken, detail::log);
  return taken;
}

}  // namespace torch_npu::npu::trace
