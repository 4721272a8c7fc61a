// Parity of each teacher network (spec §4.1–4.4) with the reference implementation: every per-network golden
// in ../shared/golden/teacher (reduced configurations, seeded weights and inputs), built from its JSON.
#include "inference/weights/state_dict.h"
#include "tests/golden_teacher.h"

#include <catch2/catch.hpp>

#include <cstdio>

using namespace tha4;

namespace {

// The golden README's tolerance for the per-network files (float32 on the CPU, max abs).
constexpr double kNetworkTolerance = 1e-4;

int64_t parameter_count(const torch::nn::Module& module) {
  int64_t count = 0;
  for (const auto& parameter : module.parameters()) count += parameter.numel();
  return count;
}

}  // namespace

TEST_CASE("teacher: every network matches its reference golden", "[teacher][parity]") {
  torch::set_num_threads(2);
  torch::NoGradGuard no_grad;
  const auto names = tha4::test::teacher_network_golden_names();
  REQUIRE(names.size() >= 5);
  for (const auto& name : names) {
    INFO("network " << name);
    const auto golden = tha4::test::load_teacher_network_golden(name);
    auto network = tha4::test::build_teacher_network(name, golden.json.at("args_constructor"));
    network.module->eval();

    // The module's keys, in order, and shapes are the reference's (the JSON lists them).
    const auto parameters = network.module->named_parameters();
    const auto& expected = golden.json.at("weights");
    REQUIRE(parameters.size() == expected.size());
    for (std::size_t i = 0; i < parameters.size(); ++i) {
      CHECK("weights." + parameters[i].key() == expected[i].at("key").get<std::string>());
      CHECK(parameters[i].value().sizes().vec() == expected[i].at("shape").get<std::vector<int64_t>>());
    }
    CHECK(parameter_count(*network.module) == golden.json.at("num_parameters").get<int64_t>());

    load_state_dict(*network.module, golden.weights, name + ".pt");
    const auto outputs = network.forward(golden.inputs);
    REQUIRE(outputs.size() == golden.outputs.size());
    for (std::size_t i = 0; i < outputs.size(); ++i) {
      const std::string output_name = golden.json.at("outputs").at(i).at("name").get<std::string>();
      INFO("output " << i << " " << output_name);
      REQUIRE(outputs[i].sizes() == golden.outputs[i].sizes());
      const double diff = (outputs[i] - golden.outputs[i]).abs().max().item<double>();
      std::printf("teacher parity %s output %zu (%s): max abs diff %.3g (tolerance %.0e)\n", name.c_str(), i,
                  output_name.c_str(), diff, kNetworkTolerance);
      CHECK(diff <= kNetworkTolerance);
    }
  }
}
