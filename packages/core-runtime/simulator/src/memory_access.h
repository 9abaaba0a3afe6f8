// Validation of copies and fills against the simulated memory spaces.
//
// Hardware faults when a copy's device side leaves the allocation it starts
// in, or when a pointer is not device memory at all; the simulator refuses
// such calls up front, with a message saying which range was wrong.
#pragma once

#include <cstddef>

#include "acl/acl_rt.h"
#include "session.h"

namespace npu_sim {

// Where the simulator reads and writes the two sides of a checked copy: a
// device side at its allocation's host view (see HostBacking), a host side
// as given.
struct CopyAddresses {
  void* dst = nullptr;
  const void* src = nullptr;
};

// Checks a copy's arguments: non-null pointers, count <= dest_max, a known
// kind, and that each side is the memory the kind says it is (device sides
// entirely inside one live allocation). ACL_MEMCPY_DEFAULT accepts any
// combination and checks the device sides it finds. A copy between two
// devices' memory must run on one of them (`copying_device`: the current
// device, or the stream's), which must have enabled access to the other
// (aclrtDeviceEnablePeerAccess). On success `host` holds the addresses to
// copy between.
aclError checkCopy(const char* api, const Session& session, void* dst, size_t dest_max, const void* src, size_t count,
                   aclrtMemcpyKind kind, const Device* copying_device, CopyAddresses& host);

// Checks a fill: non-null, count <= max_count, and [dst, dst + count) inside
// one live device allocation. On success `host_dst` is where to fill.
aclError checkFill(const char* api, const Session& session, void* dst, size_t max_count, size_t count,
                   void*& host_dst);

}  // namespace npu_sim
