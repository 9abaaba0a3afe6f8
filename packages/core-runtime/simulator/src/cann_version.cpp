#include "cann_version.h"

#include <cstring>
#include <string_view>

namespace npu_sim {
namespace {

template <size_t N>
void copyField(std::string_view text, char (&field)[N]) {
  const size_t length = text.size() < N - 1 ? text.size() : N - 1;
  std::memcpy(field, text.data(), length);
  field[length] = '\0';
}

}  // namespace

void describeCannVersion(const std::string& version, aclCANNPackageVersion& out) {
  std::memset(&out, 0, sizeof(out));
  copyField(version, out.version);

  // major.minor.release[.patch]; whatever follows a fourth dot stays in patch.
  std::string_view parts[4] = {"0", "0", "0", "0"};
  std::string_view rest = version;
  for (size_t index = 0; index < 4 && !rest.empty(); ++index) {
    const size_t dot = index == 3 ? std::string_view::npos : rest.find('.');
    parts[index] = rest.substr(0, dot);
    if (dot == std::string_view::npos) break;
    rest.remove_prefix(dot + 1);
  }
  copyField(parts[0], out.majorVersion);
  copyField(parts[1], out.minorVersion);
  copyField(parts[2], out.releaseVersion);
  copyField(parts[3], out.patchVersion);
}

}  // namespace npu_sim
