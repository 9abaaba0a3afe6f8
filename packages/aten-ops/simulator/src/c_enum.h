// Reading C enum arguments safely.
#pragma once

#include <cstdint>
#include <cstring>
#include <type_traits>

namespace npu_sim::aclnn {

// The integer a C caller passed for an enum parameter. C allows values that
// no enumerator names, and C++ must not even load those as the enum type;
// copying the bytes keeps switches and range checks on them well-defined.
template <class Enum>
int64_t rawEnumValue(const Enum& value) noexcept {
  std::underlying_type_t<Enum> raw;
  std::memcpy(&raw, &value, sizeof raw);
  return static_cast<int64_t>(raw);
}

}  // namespace npu_sim::aclnn
