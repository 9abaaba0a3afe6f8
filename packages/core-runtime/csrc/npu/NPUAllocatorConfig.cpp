#include "npu/NPUAllocatorConfig.h"

#include <algorithm>
#include <bit>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <optional>
#include <string_view>

#include <c10/util/Exception.h>
#include <c10/util/env.h>

namespace torch_npu::npu::NPUCachingAllocator {

namespace {

constexpr const char* kConfEnv = "PYTORCH_NPU_ALLOC_CONF";
constexpr const char* kNoCachingEnv = "PYTORCH_NO_NPU_MEMORY_CACHING";
constexpr size_t kMiB = 1024 * 1024;
// Splitting must stay possible for blocks carved from a 20 MiB "large
// buffer" segment (see NPUCachingAllocator.cpp), so the split limit may not
// go below that.
constexpr size_t kMinMaxSplitSizeMb = 20;
// The largest size key of the roundup_power2_divisions list (64 GiB): larger
// sizes all share the last interval.
constexpr size_t kLargestRoundupKeyMb = size_t{1} << (NPUAllocatorConfig::kRoundupIntervals - 2);
constexpr const char* kSupportedOptions =
    "max_split_size_mb, garbage_collection_threshold, roundup_power2_divisions, expandable_segments, backend";

std::string trim(std::string_view text) {
  size_t begin = 0;
  size_t end = text.size();
  while (begin < end && std::isspace(static_cast<unsigned char>(text[begin]))) {
    ++begin;
  }
  while (end > begin && std::isspace(static_cast<unsigned char>(text[end - 1]))) {
    --end;
  }
  return std::string(text.substr(begin, end - begin));
}

// Splits at `separator`, ignoring separators inside [...] so list values stay whole.
std::vector<std::string> splitTopLevel(std::string_view text, char separator) {
  std::vector<std::string> parts;
  int bracket_depth = 0;
  size_t start = 0;
  for (size_t i = 0; i <= text.size(); ++i) {
    if (i == text.size() || (text[i] == separator && bracket_depth == 0)) {
      parts.push_back(trim(text.substr(start, i - start)));
      start = i + 1;
    } else if (text[i] == '[') {
      ++bracket_depth;
    } else if (text[i] == ']') {
      --bracket_depth;
    }
  }
  return parts;
}

std::optional<size_t> toUnsigned(const std::string& text) {
  size_t value = 0;
  const char* end = text.data() + text.size();
  auto [parsed_end, error] = std::from_chars(text.data(), end, value);
  if (error != std::errc() || parsed_end != end || text.empty()) {
    return std::nullopt;
  }
  return value;
}

std::optional<double> toDouble(const std::string& text) {
  if (text.empty()) {
    return std::nullopt;
  }
  char* parsed_end = nullptr;
  const double value = std::strtod(text.c_str(), &parsed_end);
  if (parsed_end != text.c_str() + text.size()) {
    return std::nullopt;
  }
  return value;
}

bool isPowerOfTwo(size_t value) {
  return std::has_single_bit(value);
}

}  // namespace

size_t NPUAllocatorConfig::roundupIntervalIndex(size_t size) {
  const size_t index = std::bit_width(size / kMiB);
  return std::min(index, kRoundupIntervals - 1);
}

size_t NPUAllocatorConfig::roundup_power2_divisions(size_t size) const {
  return roundup_power2_divisions_[roundupIntervalIndex(size)];
}

const NPUAllocatorConfig& NPUAllocatorConfig::instance() {
  // A function-local static initialises once; if parsing throws, the next
  // call tries again, so every use reports the bad setting.
  static const NPUAllocatorConfig config = [] {
    const auto no_caching = c10::utils::get_env(kNoCachingEnv);
    const bool caching_enabled = !no_caching.has_value() || no_caching->empty() || *no_caching == "0";
    return parse(c10::utils::get_env(kConfEnv).value_or(""), caching_enabled);
  }();
  return config;
}

NPUAllocatorConfig NPUAllocatorConfig::parse(const std::string& conf, bool caching_enabled) {
  NPUAllocatorConfig config;
  config.caching_enabled_ = caching_enabled;
  config.source_ = conf;
  for (const std::string& option : splitTopLevel(conf, ',')) {
    if (option.empty()) {
      continue;
    }
    const size_t colon = option.find(':');
    TORCH_CHECK_VALUE(colon != std::string::npos, kConfEnv, ": expected 'option:value' but got '", option,
                      "' (supported options: ", kSupportedOptions, ")");
    config.parseOption(trim(std::string_view(option).substr(0, colon)),
                       trim(std::string_view(option).substr(colon + 1)));
  }
  return config;
}

void NPUAllocatorConfig::parseOption(const std::string& key, const std::string& value) {
  if (key == "max_split_size_mb") {
    parseMaxSplitSize(value);
  } else if (key == "garbage_collection_threshold") {
    parseGarbageCollectionThreshold(value);
  } else if (key == "roundup_power2_divisions") {
    parseRoundupPower2Divisions(value);
  } else if (key == "expandable_segments") {
    parseExpandableSegments(value);
  } else if (key == "backend") {
    TORCH_CHECK_VALUE(value == "native", kConfEnv, ": unsupported backend '", value,
                      "'; the NPU caching allocator only offers 'native'");
  } else {
    TORCH_CHECK_VALUE(false, kConfEnv, ": unrecognized option '", key, "' (supported options: ", kSupportedOptions,
                      ")");
  }
}

void NPUAllocatorConfig::parseMaxSplitSize(const std::string& value) {
  const auto megabytes = toUnsigned(value);
  TORCH_CHECK_VALUE(megabytes.has_value(), kConfEnv, ": max_split_size_mb expects a whole number of MiB, got '",
                    value, "'");
  TORCH_CHECK_VALUE(*megabytes > kMinMaxSplitSizeMb, kConfEnv, ": max_split_size_mb must be greater than ",
                    kMinMaxSplitSizeMb, ", got ", *megabytes);
  // Sizes too large to express in bytes mean "no limit".
  max_split_size_ = *megabytes > kNoMaxSplit / kMiB ? kNoMaxSplit : *megabytes * kMiB;
}

void NPUAllocatorConfig::parseGarbageCollectionThreshold(const std::string& value) {
  const auto threshold = toDouble(value);
  TORCH_CHECK_VALUE(threshold.has_value(), kConfEnv, ": garbage_collection_threshold expects a number, got '", value,
                    "'");
  TORCH_CHECK_VALUE(*threshold > 0.0 && *threshold < 1.0, kConfEnv,
                    ": garbage_collection_threshold must be between 0.0 and 1.0 (exclusive), got ", value);
  garbage_collection_threshold_ = *threshold;
}

void NPUAllocatorConfig::parseRoundupPower2Divisions(const std::string& value) {
  if (!value.empty() && value.front() == '[') {
    TORCH_CHECK_VALUE(value.back() == ']', kConfEnv, ": roundup_power2_divisions list is missing its closing ']': '",
                      value, "'");
    parseRoundupPower2DivisionsList(value.substr(1, value.size() - 2));
    return;
  }
  const auto divisions = toUnsigned(value);
  TORCH_CHECK_VALUE(divisions.has_value() && isPowerOfTwo(*divisions), kConfEnv,
                    ": roundup_power2_divisions expects a power of two or a list like [256:1,512:2,>:4], got '", value,
                    "'");
  roundup_power2_divisions_.fill(*divisions);
}

// Each entry `S:D` (S a power of two in MiB) applies D divisions to the sizes
// below S that earlier entries left; a final `>:D` covers every larger size.
void NPUAllocatorConfig::parseRoundupPower2DivisionsList(const std::string& list) {
  size_t next_unset_interval = 0;
  bool saw_catch_all = false;
  for (const std::string& entry : splitTopLevel(list, ',')) {
    TORCH_CHECK_VALUE(!saw_catch_all, kConfEnv, ": in roundup_power2_divisions, '>:N' must be the last entry");
    const size_t colon = entry.find(':');
    TORCH_CHECK_VALUE(colon != std::string::npos, kConfEnv,
                      ": roundup_power2_divisions entries look like 'size_mb:divisions', got '", entry, "'");
    const std::string size_text = trim(std::string_view(entry).substr(0, colon));
    const std::string divisions_text = trim(std::string_view(entry).substr(colon + 1));
    const auto divisions = toUnsigned(divisions_text);
    TORCH_CHECK_VALUE(divisions.has_value() && isPowerOfTwo(*divisions), kConfEnv,
                      ": roundup_power2_divisions values must be powers of two, got '", divisions_text, "'");

    size_t end_interval = kRoundupIntervals;
    if (size_text == ">") {
      saw_catch_all = true;
    } else {
      const auto size_mb = toUnsigned(size_text);
      TORCH_CHECK_VALUE(size_mb.has_value() && isPowerOfTwo(*size_mb), kConfEnv,
                        ": roundup_power2_divisions sizes must be powers of two (in MiB) or '>', got '", size_text,
                        "'");
      TORCH_CHECK_VALUE(*size_mb <= kLargestRoundupKeyMb, kConfEnv, ": roundup_power2_divisions size ", size_text,
                        " MiB is too large (at most ", kLargestRoundupKeyMb, "); use '>:N' for the largest sizes");
      // Sizes below S are exactly those in intervals before S's own.
      end_interval = roundupIntervalIndex(*size_mb * kMiB);
      TORCH_CHECK_VALUE(end_interval > next_unset_interval, kConfEnv,
                        ": roundup_power2_divisions sizes must be listed in increasing order, got '", size_text,
                        "' after a larger size");
    }
    std::fill(roundup_power2_divisions_.begin() + next_unset_interval, roundup_power2_divisions_.begin() + end_interval,
              *divisions);
    next_unset_interval = end_interval;
  }
}

void NPUAllocatorConfig::parseExpandableSegments(const std::string& value) {
  TORCH_CHECK_VALUE(value == "True" || value == "False", kConfEnv,
                    ": expandable_segments expects 'True' or 'False', got '", value, "'");
  expandable_segments_ = value == "True";
}

}  // namespace torch_npu::npu::NPUCachingAllocator
