#include "inference/training/fault_injection.h"

#include <csignal>
#include <cstdlib>
#include <string>

namespace tha4::training {
namespace {

struct FaultPlan {
  bool armed = false;
  FaultPoint point = FaultPoint::kAfterStep;
  long count = 0;
};

FaultPlan read_plan() {
  FaultPlan plan;
  const char* text = std::getenv("THA4_TRAINING_FAULT");
  if (!text) return plan;
  const std::string value = text;
  const auto colon = value.find(':');
  if (colon == std::string::npos) return plan;
  const std::string kind = value.substr(0, colon);
  if (kind == "kill-after-step") {
    plan.point = FaultPoint::kAfterStep;
  } else if (kind == "kill-during-save") {
    plan.point = FaultPoint::kDuringSave;
  } else {
    return plan;
  }
  plan.count = std::strtol(value.c_str() + colon + 1, nullptr, 10);
  plan.armed = plan.count > 0;
  return plan;
}

}  // namespace

void fault_injection_point(FaultPoint point) {
  static const FaultPlan plan = read_plan();
  static long seen[2] = {0, 0};
  if (!plan.armed || plan.point != point) return;
  if (++seen[static_cast<int>(point)] == plan.count) std::raise(SIGKILL);
}

}  // namespace tha4::training
