// The root info: what HcclGetRootInfo hands the other ranks so they find the
// root's shared segment.
#pragma once

#include <cstdint>
#include <string>

#include "hccl/hccl_types.h"

namespace npu_sim_hccl {

// Fills `info` with a fresh, unique segment name (and the root's pid).
void makeRootInfo(HcclRootInfo& info);

// The segment name in `info`; empty when `info` is not one of ours.
std::string segmentName(const HcclRootInfo& info);

// Every segment name of ours starts with this (tests look for leftovers).
inline constexpr const char* kSegmentPrefix = "/npu_sim_hccl_";

}  // namespace npu_sim_hccl
