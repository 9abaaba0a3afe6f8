#include "config.h"

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <string_view>

#include "acl/acl_base.h"
#include "host_memory_budget.h"

namespace npu_sim {
namespace {

// Generous bounds that still keep byte counts and ids far from overflow.
constexpr int64_t kMaxDeviceCount = 1024;
constexpr int64_t kMaxCapacityMiB = int64_t{1} << 24;  // 16 TiB

std::string_view trim(std::string_view text) {
  const auto first = text.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(" \t");
  return text.substr(first, last - first + 1);
}

bool parseInteger(std::string_view text, int64_t& value) {
  text = trim(text);
  if (text.empty()) return false;
  const auto [end, status] = std::from_chars(text.data(), text.data() + text.size(), value);
  return status == std::errc() && end == text.data() + text.size();
}

const char* environment(const char* name) { return std::getenv(name); }

bool readBoundedInteger(const char* name, int64_t minimum, int64_t maximum, int64_t& value, std::string& error) {
  const char* text = environment(name);
  if (text == nullptr) return true;
  if (!parseInteger(text, value) || value < minimum || value > maximum) {
    error = std::string(name) + "='" + text + "' is not an integer in [" + std::to_string(minimum) + ", " +
            std::to_string(maximum) + "]";
    return false;
  }
  return true;
}

// ASCEND_RT_VISIBLE_DEVICES lists physical ids in the order they become
// device 0, 1, ...; the list ends at the first entry that is not a physical
// id of this machine or repeats one.
std::vector<int32_t> visiblePhysicalIds(int32_t physical_count) {
  std::vector<int32_t> ids;
  const char* text = environment("ASCEND_RT_VISIBLE_DEVICES");
  if (text == nullptr) {
    for (int32_t id = 0; id < physical_count; ++id) ids.push_back(id);
    return ids;
  }
  std::string_view rest = text;
  while (!rest.empty()) {
    const auto comma = rest.find(',');
    const std::string_view entry = rest.substr(0, comma);
    int64_t id = 0;
    if (!parseInteger(entry, id) || id < 0 || id >= physical_count ||
        std::find(ids.begin(), ids.end(), id) != ids.end()) {
      break;
    }
    ids.push_back(static_cast<int32_t>(id));
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  return ids;
}

}  // namespace

bool loadConfigFromEnvironment(SimConfig& config, std::string& error) {
  SimConfig loaded;

  int64_t device_count = loaded.physical_device_count;
  if (!readBoundedInteger("TORCH_NPU_SIM_DEVICE_COUNT", 0, kMaxDeviceCount, device_count, error)) return false;
  loaded.physical_device_count = static_cast<int32_t>(device_count);

  int64_t capacity_mib = static_cast<int64_t>(loaded.device_capacity_bytes >> 20);
  if (!readBoundedInteger("TORCH_NPU_SIM_HBM_MB", 1, kMaxCapacityMiB, capacity_mib, error)) return false;
  loaded.device_capacity_bytes = static_cast<uint64_t>(capacity_mib) << 20;

  loaded.host_memory_limit_bytes = defaultHostMemoryLimit();
  if (environment("TORCH_NPU_SIM_HOST_MEMORY_MB") != nullptr) {
    int64_t host_mib = 0;
    if (!readBoundedInteger("TORCH_NPU_SIM_HOST_MEMORY_MB", 1, kMaxCapacityMiB, host_mib, error)) return false;
    loaded.host_memory_limit_bytes = static_cast<uint64_t>(host_mib) << 20;
  }

  if (const char* soc = environment("TORCH_NPU_SIM_SOC_NAME")) {
    if (trim(soc).empty()) {
      error = "TORCH_NPU_SIM_SOC_NAME is empty";
      return false;
    }
    loaded.soc_name = std::string(trim(soc));
  }

  if (const char* version = environment("TORCH_NPU_SIM_CANN_VERSION")) {
    const std::string_view trimmed = trim(version);
    // aclCANNPackageVersion stores it, with its terminator, in a fixed array.
    if (trimmed.empty() || trimmed.size() >= ACL_PKG_VERSION_MAX_SIZE) {
      error = std::string("TORCH_NPU_SIM_CANN_VERSION='") + version + "' must be 1 to " +
              std::to_string(ACL_PKG_VERSION_MAX_SIZE - 1) + " characters, e.g. 8.5.0";
      return false;
    }
    loaded.cann_version = std::string(trimmed);
  }

  loaded.visible_physical_ids = visiblePhysicalIds(loaded.physical_device_count);

  if (const char* blocking = environment("ASCEND_LAUNCH_BLOCKING")) {
    loaded.launch_blocking = trim(blocking) == "1";
  }
  if (const char* protect = environment("TORCH_NPU_SIM_PROTECT")) {
    loaded.protect_device_memory = trim(protect) == "1";
  }

  config = std::move(loaded);
  return true;
}

}  // namespace npu_sim
