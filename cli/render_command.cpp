// tha4 render: pose the character and write PNGs.
#include "cli/cli_common.h"
#include "cli/commands.h"
#include "cli/full_system.h"
#include "inference/image/display.h"
#include "inference/pose/pose_tensor.h"
#include "inference/util/errors.h"

#include <cstdio>
#include <iostream>
#include <memory>

namespace tha4::cli {
namespace {

struct RenderOptions {
  EngineOptions engine;
  std::string model = "student";
  FullSystemOptions full;
  std::string pose;
  std::string poses_file;
  std::string output = "out.png";
  int output_index = 0;
  std::string display = "round";
};

DisplayPath parse_display(const std::string& name) {
  if (name == "round") return DisplayPath::kReferenceRound;
  if (name == "truncate") return DisplayPath::kReferenceTruncate;
  if (name == "premultiplied") return DisplayPath::kPremultiplied;
  return DisplayPath::kStraightAlpha;
}

// out.png -> out_0003.png
std::filesystem::path numbered(const std::filesystem::path& output, std::size_t index) {
  char suffix[32];
  std::snprintf(suffix, sizeof suffix, "_%04zu", index);
  return output.parent_path() / (output.stem().string() + suffix + output.extension().string());
}

void list_parameters() {
  std::printf("%-5s %-32s %-14s %s\n", "index", "name", "group", "range");
  for (const auto& p : pose_parameters()) {
    std::printf("%-5d %-32s %-14s [%g, %g]\n", p.index, std::string(p.name).c_str(),
                std::string(pose_group_name(p.group)).c_str(), p.min, p.max);
  }
}

std::vector<Pose> requested_poses(const RenderOptions& options) {
  if (!options.poses_file.empty()) return read_pose_file(options.poses_file);
  return {parse_pose_or_warn(options.pose)};
}

std::filesystem::path output_file(const RenderOptions& options, std::size_t index) {
  return options.poses_file.empty() ? std::filesystem::path(options.output) : numbered(options.output, index);
}

// --model full: the five-step teacher (mode_07) from the official weights in --tha4-dir.
void run_full_render(const RenderOptions& options) {
  const std::vector<Pose> poses = requested_poses(options);
  if (options.full.tha4_dir.empty()) {
    throw Error("--model full needs --tha4-dir (the folder with the five official weight files)\n" +
                full::full_system_download_help());
  }
  apply_thread_count(options.engine.threads);
  const torch::Device device = options.engine.torch_device();
  const full::FullPrecision precision = full_system_precision(options.full, device);
  const torch::Tensor image = load_full_system_image(options.full, options.engine, device);
  full::FullPoser poser(full::load_full_system(options.full.tha4_dir, full_system_config(options.full), device),
                        precision);
  const DisplayPath display = parse_display(options.display);
  for (std::size_t i = 0; i < poses.size(); ++i) {
    const std::vector<torch::Tensor> outputs = poser.pose(image, pose_to_tensor(poses[i], device));
    const std::filesystem::path file = output_file(options, i);
    write_png(output_tensor_to_rgba8(outputs[static_cast<std::size_t>(options.output_index)][0], display), file);
    std::cout << file.string() << "  (full system, " << full::output_name(options.output_index)
              << ", pose: " << (format_pose(poses[i]).empty() ? "rest" : format_pose(poses[i])) << ")\n";
  }
}

void run_render(const RenderOptions& options) {
  if (options.model == "full") {
    run_full_render(options);
    return;
  }
  if (options.output_index >= kStudentOutputCount) {
    throw Error("the student has outputs 0 to " + std::to_string(kStudentOutputCount - 1) +
                " (the full system's 33 outputs need --model full)");
  }
  const std::vector<Pose> poses = requested_poses(options);
  LoadedEngine loaded = load_engine(options.engine);
  const auto output = static_cast<StudentOutput>(options.output_index);
  const DisplayPath display = parse_display(options.display);
  for (std::size_t i = 0; i < poses.size(); ++i) {
    const StudentOutputs outputs = loaded.engine->run(poses[i]);
    const std::filesystem::path file = output_file(options, i);
    write_png(output_tensor_to_rgba8(outputs[output], display), file);
    std::cout << file.string() << "  (" << student_output_name(output)
              << ", pose: " << (format_pose(poses[i]).empty() ? "rest" : format_pose(poses[i])) << ")\n";
  }
}

}  // namespace

void add_render_command(CLI::App& app) {
  auto options = std::make_shared<RenderOptions>();
  CLI::App* command = app.add_subcommand("render", "Pose the character and write PNG images");
  options->engine.add_to(*command);
  command
      ->add_option("--model", options->model,
                   "student: the character model's small networks (default); full: the full THA4 system "
                   "(five teacher networks, slow; needs --tha4-dir)")
      ->check(CLI::IsMember({"student", "full"}));
  options->full.add_to(*command);
  auto* pose = command->add_option("--pose", options->pose,
                                   "Pose as name=value,... (e.g. \"head_x=0.5,mouth_aaa=1\"; eye_wink=1 sets both "
                                   "sides); default: rest pose");
  command->add_option("--poses", options->poses_file, "File with one pose per line; writes numbered PNGs")
      ->excludes(pose)
      ->check(CLI::ExistingFile);
  command->add_option("-o,--output", options->output, "Output PNG (numbered _0000, _0001, ... with --poses)");
  command
      ->add_option("--output-index", options->output_index,
                   "Which output: 0 blended image, 1 alpha, 2 colour change, 3 warped, 4 grid change, 5 face; "
                   "--model full: 0 to 32 in mode_07's order (0 is the final image)")
      ->check(CLI::Range(0, full::output::kCount - 1));
  command
      ->add_option("--display", options->display,
                   "round: the reference manual poser's bytes (default); truncate: the puppeteers'; straight: "
                   "un-premultiplied alpha for compositing; premultiplied: the OBS source's texture")
      ->check(CLI::IsMember({"round", "truncate", "straight", "premultiplied"}));
  auto* list = command->add_flag("--list-parameters", "Print the 45 pose parameters and exit");
  command->callback([options, list] {
    if (list->count() > 0) {
      list_parameters();
      return;
    }
    run_render(*options);
  });
}

}  // namespace tha4::cli
