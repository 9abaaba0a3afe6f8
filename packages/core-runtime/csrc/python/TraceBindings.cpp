// The stream sanitizer's access to the runtime trace (npu/NPUTrace.h).
#include "npu/NPUStream.h"
#include "npu/NPUTrace.h"
#include "python/Bindings.h"

namespace torch_npu::python {
namespace py = pybind11;

void initTraceBindings(py::module_& m) {
  py::enum_<npu::trace::Kind>(m, "_TraceKind")
      .value("EventRecord", npu::trace::Kind::EventRecord)
      .value("EventWait", npu::trace::Kind::EventWait)
      .value("EventSynchronize", npu::trace::Kind::EventSynchronize)
      .value("StreamSynchronize", npu::trace::Kind::StreamSynchronize)
      .value("DeviceSynchronize", npu::trace::Kind::DeviceSynchronize)
      .value("BlockAllocated", npu::trace::Kind::BlockAllocated)
      .value("BlockFreeDeferred", npu::trace::Kind::BlockFreeDeferred);
  m.def("_trace_set_enabled", &npu::trace::setEnabled, "Starts (clearing the log) or stops the runtime trace.");
  m.def("_trace_enabled", &npu::trace::enabled);
  // (kind, device, handle, stream, size) tuples, oldest first.
  m.def("_trace_drain", [] {
    const std::vector<npu::trace::Record> records = npu::trace::drain();
    py::list out(records.size());
    for (size_t i = 0; i < records.size(); ++i) {
      const npu::trace::Record& r = records[i];
      out[i] = py::make_tuple(r.kind, r.device, r.handle, r.stream, r.size);
    }
    return out;
  });
  // The handle of the calling thread's current stream of `device`: what the trace names streams by.
  m.def("_trace_current_stream",
        [](c10::DeviceIndex device) { return reinterpret_cast<uintptr_t>(npu::getCurrentNPUStream(device).stream()); });
}

}  // namespace torch_npu::python
