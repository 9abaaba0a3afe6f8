#include "rendezvous.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <random>

namespace npu_sim_hccl {
namespace {

constexpr char kMagic[16] = "npu_sim_hccl v1";

struct RootInfoData {
  char magic[16];
  char name[96];
  int32_t root_pid;
};
static_assert(sizeof(RootInfoData) <= sizeof(HcclRootInfo));

}  // namespace

void makeRootInfo(HcclRootInfo& info) {
  static std::atomic<uint64_t> counter{0};
  RootInfoData data{};
  std::memcpy(data.magic, kMagic, sizeof(kMagic));
  // pid + time + counter + randomness: unique on the host, also across pid reuse.
  const auto now = std::chrono::system_clock::now().time_since_epoch().count();
  const unsigned random = std::random_device{}();
  std::snprintf(data.name, sizeof(data.name), "%s%d_%llx_%llu_%x", kSegmentPrefix, static_cast<int>(::getpid()),
                static_cast<unsigned long long>(now), static_cast<unsigned long long>(counter++), random);
  data.root_pid = static_cast<int32_t>(::getpid());
  std::memset(&info, 0, sizeof(info));
  std::memcpy(&info, &data, sizeof(data));
}

std::string segmentName(const HcclRootInfo& info) {
  RootInfoData data{};
  std::memcpy(&data, &info, sizeof(data));
  if (std::memcmp(data.magic, kMagic, sizeof(kMagic)) != 0) return "";
  data.name[sizeof(data.name) - 1] = '\0';
  return data.name;
}

}  // namespace npu_sim_hccl
