#pragma once
// The five teacher networks and their names (spec §4, docs/teacher-names.md). Each network has three names:
// the paper's, the reference implementation's (mode_07's key, which also names the weight file, and its
// class), and this project's class. They disagree for the two body networks (the paper's half-resolution
// rotator is the reference's `body_morpher`, the editor its `upscaler`), so the code takes every name from
// this one table instead of spelling them out where it needs one.

#include <array>
#include <cstddef>
#include <string>
#include <string_view>

namespace tha4::full {

// In mode_07's order: the order the networks run in and the order of the weight files.
enum class TeacherNetwork { kEyebrowDecomposer, kEyebrowMorphingCombiner, kFaceMorpher, kHalfResRotator, kEditor };
inline constexpr std::size_t kTeacherNetworkCount = 5;

struct TeacherNetworkNames {
  TeacherNetwork network;
  std::string_view paper;             // the THA3/THA4 papers' name, e.g. "half-resolution rotator"
  std::string_view reference_module;  // mode_07's key for the network, e.g. "body_morpher"
  std::string_view reference_class;   // the reference's nn.Module class, e.g. "Morpher00"
  std::string_view project_class;     // this folder's module (full::HalfResRotator for HalfResRotatorImpl)
  std::string_view weight_file;       // "<reference_module>.pt", e.g. "body_morpher.pt"
};

inline constexpr std::array<TeacherNetworkNames, kTeacherNetworkCount> kTeacherNetworks = {{
    {TeacherNetwork::kEyebrowDecomposer, "eyebrow decomposer", "eyebrow_decomposer", "EyebrowDecomposer00",
     "EyebrowDecomposer", "eyebrow_decomposer.pt"},
    {TeacherNetwork::kEyebrowMorphingCombiner, "eyebrow morphing combiner", "eyebrow_morphing_combiner",
     "EyebrowMorphingCombiner00", "EyebrowMorphingCombiner", "eyebrow_morphing_combiner.pt"},
    {TeacherNetwork::kFaceMorpher, "face morpher", "face_morpher", "FaceMorpher08", "FaceMorpher", "face_morpher.pt"},
    {TeacherNetwork::kHalfResRotator, "half-resolution rotator", "body_morpher", "Morpher00", "HalfResRotator",
     "body_morpher.pt"},
    {TeacherNetwork::kEditor, "editor", "upscaler", "Upscaler02", "Editor", "upscaler.pt"},
}};

constexpr const TeacherNetworkNames& names_of(TeacherNetwork network) {
  return kTeacherNetworks[static_cast<std::size_t>(network)];
}

namespace detail {
constexpr bool table_is_consistent() {
  for (std::size_t i = 0; i < kTeacherNetworks.size(); ++i) {
    const TeacherNetworkNames& names = kTeacherNetworks[i];
    const std::string_view stem = names.reference_module;
    if (static_cast<std::size_t>(names.network) != i) return false;
    if (names.weight_file.size() != stem.size() + 3 || names.weight_file.substr(0, stem.size()) != stem ||
        names.weight_file.substr(stem.size()) != ".pt") {
      return false;
    }
  }
  return true;
}
}  // namespace detail
static_assert(detail::table_is_consistent(),
              "kTeacherNetworks: rows out of enum order, or a weight file that is not "
              "<reference_module>.pt");

// "body_morpher (Morpher00)": how configuration and shape errors name a body network.
inline std::string module_and_class(TeacherNetwork network) {
  const TeacherNetworkNames& names = names_of(network);
  return std::string(names.reference_module) + " (" + std::string(names.reference_class) + ")";
}

// "body_morpher (half-resolution rotator)": the mode_07 key, followed by the paper's name where that is a
// different name ("face_morpher" stays as it is).
inline std::string module_and_paper_name(TeacherNetwork network) {
  const TeacherNetworkNames& names = names_of(network);
  std::string spaced(names.reference_module);
  for (char& c : spaced) c = c == '_' ? ' ' : c;
  if (spaced == names.paper) return std::string(names.reference_module);
  return std::string(names.reference_module) + " (" + std::string(names.paper) + ")";
}

// "eyebrow_decomposer.pt, eyebrow_morphing_combiner.pt, face_morpher.pt, body_morpher.pt, upscaler.pt".
inline std::string weight_file_list() {
  std::string list;
  for (const TeacherNetworkNames& names : kTeacherNetworks) {
    list += (list.empty() ? "" : ", ") + std::string(names.weight_file);
  }
  return list;
}

}  // namespace tha4::full
