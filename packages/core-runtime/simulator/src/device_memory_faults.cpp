#include "device_memory_faults.h"

#include <signal.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cstring>

namespace npu_sim {
namespace {

// The signal handler reads this table, so it is lock-free: a slot is free
// when its base is 0, and a writer publishes size and device before the base.
struct Range {
  std::atomic<uintptr_t> base{0};
  std::atomic<size_t> size{0};
  std::atomic<int32_t> device{-1};
};
// The caching allocator holds few, large segments; thousands of live
// allocations are far more than a program has.
constexpr size_t kSlots = 8192;
std::array<Range, kSlots> g_ranges;

struct sigaction g_previous_handler;

// Async-signal-safe formatting into a fixed buffer.
class Message {
 public:
  Message& text(const char* value) {
    while (*value != '\0' && length_ < sizeof(buffer_)) buffer_[length_++] = *value++;
    return *this;
  }
  Message& hex(uintptr_t value) {
    char digits[2 + 2 * sizeof(value)];
    size_t count = 0;
    do {
      digits[count++] = "0123456789abcdef"[value & 0xf];
      value >>= 4;
    } while (value != 0);
    text("0x");
    while (count > 0 && length_ < sizeof(buffer_)) buffer_[length_++] = digits[--count];
    return *this;
  }
  Message& decimal(uint64_t value) {
    char digits[20];
    size_t count = 0;
    do {
      digits[count++] = static_cast<char>('0' + value % 10);
      value /= 10;
    } while (value != 0);
    while (count > 0 && length_ < sizeof(buffer_)) buffer_[length_++] = digits[--count];
    return *this;
  }
  void writeTo(int fd) const {
    size_t written = 0;
    while (written < length_) {
      const ssize_t result = write(fd, buffer_ + written, length_ - written);
      if (result <= 0) return;
      written += static_cast<size_t>(result);
    }
  }

 private:
  char buffer_[512];
  size_t length_ = 0;
};

void reportFault(int signal, siginfo_t* info, void* context) {
  const auto address = reinterpret_cast<uintptr_t>(info->si_addr);
  for (const Range& range : g_ranges) {
    const uintptr_t base = range.base.load(std::memory_order_acquire);
    const size_t size = range.size.load(std::memory_order_relaxed);
    if (base == 0 || address < base || address - base >= size) continue;
    Message()
        .text("npu simulator (TORCH_NPU_SIM_PROTECT=1): host code accessed device memory at ")
        .hex(address)
        .text(", byte ")
        .decimal(address - base)
        .text(" of the allocation [")
        .hex(base)
        .text(", +")
        .decimal(size)
        .text(" bytes) on device ")
        .decimal(static_cast<uint64_t>(range.device.load(std::memory_order_relaxed)))
        .text(". Device memory is not host-accessible on Ascend hardware either: copy it to the host first "
              "(tensor.cpu(), aclrtMemcpy).\n")
        .writeTo(STDERR_FILENO);
    break;
  }
  // The previous handler takes the fault when the instruction runs again
  // (the default action ends the process with SIGSEGV).
  sigaction(SIGSEGV, &g_previous_handler, nullptr);
  (void)signal;
  (void)context;
}

void installFaultReporter() {
  struct sigaction action;
  std::memset(&action, 0, sizeof(action));
  action.sa_sigaction = &reportFault;
  action.sa_flags = SA_SIGINFO | SA_ONSTACK;
  sigemptyset(&action.sa_mask);
  sigaction(SIGSEGV, &action, &g_previous_handler);
}

}  // namespace

void addProtectedRange(const std::byte* base, size_t size, int32_t device_index) noexcept {
  static const bool installed = (installFaultReporter(), true);
  (void)installed;
  for (Range& range : g_ranges) {
    uintptr_t expected = 0;
    // Claimed with a placeholder, so no other writer takes the slot, then
    // published with the real base once size and device are in place.
    if (range.base.compare_exchange_strong(expected, 1, std::memory_order_acq_rel)) {
      range.size.store(size, std::memory_order_relaxed);
      range.device.store(device_index, std::memory_order_relaxed);
      range.base.store(reinterpret_cast<uintptr_t>(base), std::memory_order_release);
      return;
    }
  }
}

void removeProtectedRange(const std::byte* base) noexcept {
  for (Range& range : g_ranges) {
    if (range.base.load(std::memory_order_acquire) == reinterpret_cast<uintptr_t>(base)) {
      range.base.store(0, std::memory_order_release);
      return;
    }
  }
}

}  // namespace npu_sim
