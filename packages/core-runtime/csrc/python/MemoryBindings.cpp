// torch_npu._C functions behind torch_npu.npu.memory (prefix `_npu_`).
//
// Device arguments are indices; -1 means the current device. Functions that
// may block on the device release the GIL.
#include <cstdint>
#include <optional>
#include <string>

#include <c10/util/irange.h>
#include <torch/csrc/Exceptions.h>

#include "npu/NPUAllocatorConfig.h"
#include "npu/NPUCachingAllocator.h"
#include "npu/NPUFunctions.h"
#include "npu/NPUGuardImpl.h"
#include "npu/NPUHostAllocator.h"
#include "npu/NPUMemPool.h"
#include "npu/NPUPluggableAllocator.h"
#include "npu/NPUStream.h"
#include "python/Bindings.h"

#include <torch_npu/compat/HostStatsFields.h>

namespace torch_npu::python {

namespace {

namespace py = pybind11;
namespace allocator = torch_npu::npu::NPUCachingAllocator;

using c10::CachingAllocator::Stat;
using c10::CachingAllocator::StatArray;
using c10::CachingAllocator::StatType;

py::dict statToDict(const Stat& stat) {
  py::dict dict;
  dict["current"] = stat.current;
  dict["peak"] = stat.peak;
  dict["allocated"] = stat.allocated;
  dict["freed"] = stat.freed;
  return dict;
}

py::dict statArrayToDict(const StatArray& stats) {
  static constexpr std::array<const char*, static_cast<size_t>(StatType::NUM_TYPES)> kPoolNames = {
      "all", "small_pool", "large_pool"};
  py::dict dict;
  for (const auto i : c10::irange(kPoolNames.size())) {
    dict[kPoolNames[i]] = statToDict(stats[i]);
  }
  return dict;
}

// The nested dict of torch.cuda.memory_stats_as_nested_dict(), same keys.
py::dict memoryStats(c10::DeviceIndex device) {
  const allocator::DeviceStats stats = allocator::getDeviceStats(device);
  py::dict result;
  result["num_alloc_retries"] = stats.num_alloc_retries;
  result["num_ooms"] = stats.num_ooms;
  result["max_split_size"] = stats.max_split_size;
  result["num_sync_all_streams"] = stats.num_sync_all_streams;
  result["num_device_alloc"] = stats.num_device_alloc;
  result["num_device_free"] = stats.num_device_free;
  result["allocation"] = statArrayToDict(stats.allocation);
  result["segment"] = statArrayToDict(stats.segment);
  result["active"] = statArrayToDict(stats.active);
  result["inactive_split"] = statArrayToDict(stats.inactive_split);
  result["allocated_bytes"] = statArrayToDict(stats.allocated_bytes);
  result["reserved_bytes"] = statArrayToDict(stats.reserved_bytes);
  result["active_bytes"] = statArrayToDict(stats.active_bytes);
  result["inactive_split_bytes"] = statArrayToDict(stats.inactive_split_bytes);
  result["requested_bytes"] = statArrayToDict(stats.requested_bytes);
  result["oversize_allocations"] = statToDict(stats.oversize_allocations);
  result["oversize_segments"] = statToDict(stats.oversize_segments);
  return result;
}

const char* blockState(const allocator::BlockInfo& block) {
  if (block.allocated) {
    return "active_allocated";
  }
  // Freed, but another stream's work on it has not finished yet.
  return block.active ? "active_pending_free" : "inactive";
}

py::dict segmentToDict(const allocator::SegmentInfo& segment) {
  py::dict dict;
  dict["device"] = segment.device;
  dict["address"] = segment.address;
  dict["total_size"] = segment.total_size;
  dict["allocated_size"] = segment.allocated_size;
  dict["active_size"] = segment.active_size;
  dict["requested_size"] = segment.requested_size;
  dict["stream"] = reinterpret_cast<uintptr_t>(segment.stream);
  dict["segment_type"] = segment.is_large ? "large" : "small";
  dict["segment_pool_id"] = py::make_tuple(segment.owner_pool_id.first, segment.owner_pool_id.second);
  dict["is_expandable"] = segment.is_expandable;
  dict["frames"] = py::list();

  py::list blocks;
  size_t address = segment.address;
  for (const auto& block : segment.blocks) {
    py::dict block_dict;
    block_dict["address"] = address;
    block_dict["size"] = block.size;
    block_dict["requested_size"] = block.requested_size;
    block_dict["state"] = blockState(block);
    block_dict["frames"] = py::list();
    blocks.append(std::move(block_dict));
    address += block.size;
  }
  dict["blocks"] = std::move(blocks);
  return dict;
}

py::dict allocatorSettings() {
  const auto& config = allocator::NPUAllocatorConfig::instance();
  py::dict settings;
  settings["PYTORCH_NPU_ALLOC_CONF"] = config.source();
  settings["caching_enabled"] = config.caching_enabled();
  const size_t max_split = config.max_split_size();
  settings["max_split_size"] =
      max_split == allocator::NPUAllocatorConfig::kNoMaxSplit ? int64_t{-1} : static_cast<int64_t>(max_split);
  settings["garbage_collection_threshold"] = config.garbage_collection_threshold();
  py::list divisions;
  for (const size_t value : config.roundup_power2_divisions_table()) {
    divisions.append(value);
  }
  settings["roundup_power2_divisions"] = std::move(divisions);
  settings["expandable_segments"] = config.expandable_segments();
  return settings;
}

// What torch.cuda.memory._snapshot() returns: segments (those of private pool
// `mempool_id` only, if given), (empty) traces, settings.
py::dict memorySnapshot(std::optional<c10::MempoolId_t> mempool_id) {
  const std::vector<allocator::SegmentInfo> segments = allocator::snapshot();
  py::list segment_list;
  for (const auto& segment : segments) {
    if (!mempool_id.has_value() || segment.owner_pool_id == *mempool_id) {
      segment_list.append(segmentToDict(segment));
    }
  }
  py::list device_traces;
  for (c10::DeviceIndex device = 0; device < torch_npu::npu::device_count(); ++device) {
    device_traces.append(py::list());
  }
  py::dict result;
  result["segments"] = std::move(segment_list);
  result["device_traces"] = std::move(device_traces);
  result["allocator_settings"] = allocatorSettings();
  return result;
}

c10::DeviceIndex resolveDevice(c10::DeviceIndex device) {
  return device < 0 ? torch_npu::npu::current_device() : device;
}

py::dict durationStatToDict(const c10::CachingAllocator::DurationStat& stat) {
  py::dict dict;
  dict["total"] = stat.total;
  dict["max"] = stat.max;
  dict["min"] = stat.min;
  dict["count"] = stat.count;
  dict["avg"] = stat.count == 0 ? int64_t{0} : stat.total / stat.count;
  return dict;
}

// The nested dict of torch.cuda.host_memory_stats_as_nested_dict(), same keys (per release).
py::dict hostMemoryStats() {
  const at::HostStats stats = torch_npu::npu::getNPUHostAllocator()->get_stats();
  py::dict result;
  result["num_host_alloc"] = stats.num_host_alloc;
  result["num_host_free"] = stats.num_host_free;
  torch_npu::compat::forEachHostStat(stats, [&](const char* name, const Stat& stat) { result[name] = statToDict(stat); });
  result["host_alloc_time"] = durationStatToDict(stats.host_alloc_time);
  result["host_free_time"] = durationStatToDict(stats.host_free_time);
  return result;
}

// torch_npu._C._MemPool: created on the current device.
std::shared_ptr<torch_npu::npu::MemPool> makeMemPool(const py::object& allocator, bool is_user_created,
                                                     bool use_on_oom, bool no_split) {
  TORCH_CHECK_NOT_IMPLEMENTED(allocator.is_none(),
                              "MemPool: a pool served by a custom allocator is not supported yet; pass "
                              "allocator=None to use the NPU caching allocator");
  return std::make_shared<torch_npu::npu::MemPool>(is_user_created,
                                                   allocator::PoolOptions{use_on_oom, no_split});
}

// Allocates on `device` for `stream` (a raw aclrtStream handle), or for the
// device's current stream when `stream` is None.
uintptr_t rawAlloc(size_t nbytes, c10::DeviceIndex device, std::optional<uintptr_t> stream) {
  device = resolveDevice(device);
  const torch_npu::npu::NPUGuard on_device(device);
  const aclrtStream target_stream = stream.has_value() ? reinterpret_cast<aclrtStream>(*stream)
                                                       : torch_npu::npu::getCurrentNPUStream(device).stream();
  return reinterpret_cast<uintptr_t>(allocator::raw_alloc_with_stream(nbytes, target_stream));
}

}  // namespace

void initMemoryBindings(py::module_& m) {
  m.def("_npu_memoryStats", torch::wrap_pybind_function(memoryStats), py::arg("device"));
  m.def("_npu_resetAccumulatedMemoryStats",
        torch::wrap_pybind_function([](c10::DeviceIndex device) { allocator::resetAccumulatedStats(device); }),
        py::arg("device"));
  m.def("_npu_resetPeakMemoryStats",
        torch::wrap_pybind_function([](c10::DeviceIndex device) { allocator::resetPeakStats(device); }),
        py::arg("device"));
  m.def("_npu_emptyCache", torch::wrap_pybind_function_no_gil([]() { allocator::emptyCache(); }));
  m.def("_npu_emptyVirtAddrCache", torch::wrap_pybind_function_no_gil([]() { allocator::emptyVirtAddrCache(); }));
  m.def("_npu_memorySnapshot", torch::wrap_pybind_function(memorySnapshot), py::arg("mempool_id") = py::none());
  m.def("_npu_hostMemoryStats", torch::wrap_pybind_function(hostMemoryStats));
  m.def("_npu_resetAccumulatedHostMemoryStats",
        torch::wrap_pybind_function([]() { torch_npu::npu::getNPUHostAllocator()->reset_accumulated_stats(); }));
  m.def("_npu_resetPeakHostMemoryStats",
        torch::wrap_pybind_function([]() { torch_npu::npu::getNPUHostAllocator()->reset_peak_stats(); }));
  m.def("_npu_hostEmptyCache",
        torch::wrap_pybind_function_no_gil([]() { torch_npu::npu::getNPUHostAllocator()->empty_cache(); }));

  py::class_<torch_npu::npu::MemPool, std::shared_ptr<torch_npu::npu::MemPool>>(m, "_MemPool")
      .def(py::init(torch::wrap_pybind_function(makeMemPool)), py::arg("allocator") = py::none(),
           py::arg("is_user_created") = true, py::arg("use_on_oom") = false, py::arg("no_split") = false)
      .def_property_readonly("id", &torch_npu::npu::MemPool::id)
      .def_property_readonly("device", &torch_npu::npu::MemPool::device)
      .def("use_count",
           torch::wrap_pybind_function([](const torch_npu::npu::MemPool& pool) { return pool.use_count(); }));
  namespace pluggable = torch_npu::npu::NPUPluggableAllocator;
  py::class_<pluggable::PluggableAllocator, std::shared_ptr<pluggable::PluggableAllocator>>(m, "_npu_NPUAllocator");
  m.def("_npu_customAllocator", torch::wrap_pybind_function([](uintptr_t alloc_fn, uintptr_t free_fn) {
          TORCH_CHECK_VALUE(alloc_fn != 0 && free_fn != 0, "NPUPluggableAllocator: null function address");
          return std::make_shared<pluggable::PluggableAllocator>(reinterpret_cast<pluggable::AllocFn>(alloc_fn),
                                                                 reinterpret_cast<pluggable::FreeFn>(free_fn));
        }),
        py::arg("alloc_fn"), py::arg("free_fn"));
  m.def("_npu_changeCurrentAllocator",
        torch::wrap_pybind_function([](std::shared_ptr<pluggable::PluggableAllocator> allocator) {
          pluggable::changeCurrentAllocator(std::move(allocator));
        }),
        py::arg("allocator"));
  m.def("_npu_beginAllocateCurrentThreadToPool", torch::wrap_pybind_function([](c10::DeviceIndex device,
                                                                                 c10::MempoolId_t mempool_id) {
          allocator::beginAllocateCurrentThreadToPool(resolveDevice(device), mempool_id);
        }),
        py::arg("device"), py::arg("mempool_id"));
  m.def("_npu_endAllocateToPool", torch::wrap_pybind_function([](c10::DeviceIndex device, c10::MempoolId_t mempool_id) {
          allocator::endAllocateToPool(resolveDevice(device), mempool_id);
        }),
        py::arg("device"), py::arg("mempool_id"));
  m.def("_npu_releasePool", torch::wrap_pybind_function([](c10::DeviceIndex device, c10::MempoolId_t mempool_id) {
          allocator::releasePool(resolveDevice(device), mempool_id);
        }),
        py::arg("device"), py::arg("mempool_id"));
  m.def("_npu_allocatorSettings", torch::wrap_pybind_function(allocatorSettings));
  m.def("_npu_setMemoryFraction", torch::wrap_pybind_function([](double fraction, c10::DeviceIndex device) {
          allocator::setMemoryFraction(fraction, device);
        }),
        py::arg("fraction"), py::arg("device"));
  m.def("_npu_getMemoryFraction",
        torch::wrap_pybind_function([](c10::DeviceIndex device) { return allocator::getMemoryFraction(device); }),
        py::arg("device"));
  m.def("_npu_cachingAllocator_raw_alloc", torch::wrap_pybind_function_no_gil(rawAlloc), py::arg("size"),
        py::arg("device"), py::arg("stream") = py::none());
  m.def("_npu_cachingAllocator_raw_delete", torch::wrap_pybind_function_no_gil([](uintptr_t ptr) {
          allocator::raw_delete(reinterpret_cast<void*>(ptr));
        }),
        py::arg("ptr"));
  m.def("_npu_getAllocatorBackend", torch::wrap_pybind_function([]() { return allocator::name(); }));
  m.def("_npu_isCachingAllocatorEnabled", torch::wrap_pybind_function([]() { return allocator::isCachingEnabled(); }));
}

}  // namespace torch_npu::python
