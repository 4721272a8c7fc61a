#include "inference/engine/engine_kind.h"

#include "inference/util/errors.h"

#include <algorithm>
#include <array>
#include <thread>

namespace tha4::engine {
namespace {

constexpr std::array kKinds = {Kind::kAuto, Kind::kReference, Kind::kFast, Kind::kCuda};

}  // namespace

std::string_view kind_name(Kind kind) {
  switch (kind) {
    case Kind::kAuto: return "auto";
    case Kind::kReference: return "reference";
    case Kind::kFast: return "fast";
    case Kind::kCuda: return "cuda";
  }
  return "unknown";
}

std::string kind_names() {
  std::string names;
  for (const Kind kind : kKinds) names += std::string(names.empty() ? "" : ", ") + std::string(kind_name(kind));
  return names;
}

Kind parse_kind(std::string_view name) {
  for (const Kind kind : kKinds) {
    if (name == kind_name(kind)) return kind;
  }
  throw Error("unknown engine '" + std::string(name) + "' (valid: " + kind_names() + ")");
}

int engine_threads(int requested) {
  if (requested > 0) return requested;
  return static_cast<int>(std::max(1u, std::thread::hardware_concurrency() / 2));
}

}  // namespace tha4::engine
