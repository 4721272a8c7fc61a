// The official teacher configuration (mode_07's loaders) builds modules whose state-dict keys, order and
// shapes are exactly ../shared/golden/teacher_manifest.txt's, so the official weight files load as they are.
// Only construction: official-size forwards are far too slow for the test suite.
#include "inference/full/full_poser.h"
#include "tests/test_support.h"

#include <catch2/catch.hpp>

#include <fstream>
#include <map>
#include <sstream>

using namespace tha4;

namespace {

struct ManifestNetwork {
  std::vector<std::pair<std::string, std::vector<int64_t>>> entries;  // key, shape, in file order
  int64_t parameters = -1;
  int64_t tensors = -1;
};

std::map<std::string, ManifestNetwork> read_teacher_manifest() {
  std::ifstream in(tha4::test::golden_dir() / "teacher_manifest.txt");
  REQUIRE(in);
  std::map<std::string, ManifestNetwork> networks;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    if (line.rfind("# ", 0) == 0) {
      // "# NAME parameters N tensors M class C"
      std::string hash, name, parameters_word, tensors_word;
      int64_t parameters = 0, tensors = 0;
      if (fields >> hash >> name >> parameters_word >> parameters >> tensors_word >> tensors &&
          parameters_word == "parameters" && tensors_word == "tensors") {
        networks[name].parameters = parameters;
        networks[name].tensors = tensors;
      }
      continue;
    }
    if (line.empty() || line[0] == '#') continue;
    std::string name, key, shape;
    fields >> name >> key >> shape;
    std::vector<int64_t> sizes;
    std::istringstream dims(shape);
    for (std::string dim; std::getline(dims, dim, ',');) sizes.push_back(std::stoll(dim));
    networks[name].entries.emplace_back(key, sizes);
  }
  return networks;
}

}  // namespace

TEST_CASE("teacher: the official configuration's state dicts equal the manifest", "[teacher][manifest]") {
  const auto manifest = read_teacher_manifest();
  REQUIRE(manifest.size() == 5);
  const full::FullSystemNetworks networks = full::FullSystemNetworks::create(full::FullSystemConfig::official());
  int64_t total = 0;
  for (const auto& [name, module] : networks.named_modules()) {
    INFO("network " << name);
    REQUIRE(manifest.count(name) == 1);
    const ManifestNetwork& expected = manifest.at(name);
    const auto parameters = module->named_parameters();
    int64_t defined_buffers = 0;
    for (const auto& buffer : module->named_buffers()) defined_buffers += buffer.value().defined();
    CHECK(defined_buffers == 0);  // the reference modules have none (no running statistics)
    REQUIRE(static_cast<int64_t>(parameters.size()) == expected.tensors);
    REQUIRE(parameters.size() == expected.entries.size());
    int64_t count = 0;
    std::size_t mismatches = 0;
    for (std::size_t i = 0; i < parameters.size(); ++i) {
      const bool same = parameters[i].key() == expected.entries[i].first &&
                        parameters[i].value().sizes().vec() == expected.entries[i].second;
      if (!same && ++mismatches <= 5) {
        FAIL_CHECK("entry " << i << ": module has " << parameters[i].key() << " " << parameters[i].value().sizes()
                            << ", manifest has " << expected.entries[i].first);
      }
      count += parameters[i].value().numel();
    }
    CHECK(mismatches == 0);
    CHECK(count == expected.parameters);
    total += count;
  }
  CHECK(total == 164318088);  // the manifest's "# total parameters"
}
