#include "cli/distill_mask.h"

#include "inference/distill/distill_inputs.h"
#include "inference/full/full_poser.h"
#include "inference/full/full_system_config_json.h"
#include "inference/pose/pose.h"
#include "inference/engine/make_poser.h"
#include "inference/student/character_model.h"
#include "inference/student/student_engine.h"
#include "inference/student/model_locator.h"
#include "inference/util/errors.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <optional>
#include <vector>

namespace tha4::cli {
namespace {

namespace fs = std::filesystem;

// The student's face crop inside the teacher's 192² face (spec §6.5): rows 48:176, cols 32:160.
constexpr int64_t kTeacherCropTop = 48, kTeacherCropLeft = 32, kCropSize = 128;

// The fast engine's face output (the same as the reference's within its parity tolerance, many times faster).
distill::FaceCropFunction student_faces(const std::string& character) {
  auto model = std::make_shared<CharacterModel>(load_character_model(resolve_character(character)));
  std::shared_ptr<StudentEngine> engine = engine::make_poser(engine::Kind::kFast, model);
  return [engine](const torch::Tensor& poses) {
    std::vector<torch::Tensor> faces;
    const torch::Tensor cpu = poses.to(torch::kCPU, torch::kFloat).contiguous();
    for (int64_t n = 0; n < cpu.size(0); ++n) {
      Pose pose{};
      std::copy_n(cpu[n].data_ptr<float>(), kPoseSize, pose.begin());
      faces.push_back(engine->run(pose)[StudentOutput::kFace].clone());
    }
    return torch::cat(faces);
  };
}

distill::FaceCropFunction teacher_faces(const MaskFaceSource& source, const Rgba8Image& picture) {
  fs::path folder = source.tha4_dir;
  if (folder.empty()) {
    if (const char* env = std::getenv("THA4_TEACHER_DIR"); env && *env) folder = env;
  }
  if (folder.empty()) {
    throw FullSystemError(
        "proposing a face mask needs the character's face posed: pass the full THA4 system's weight folder with "
        "--tha4-dir (or set THA4_TEACHER_DIR), or an existing student of this character with --character\n" +
        full::full_system_download_help());
  }
  full::check_full_system_folder(folder);
  const full::FullSystemConfig sizes =
      source.full_config.empty()
          ? full::FullSystemConfig::official()
          : full::full_system_config_from_pipeline_json(full::read_json_file(source.full_config));
  auto poser = std::make_shared<full::FullPoser>(full::load_full_system(folder, sizes));
  const torch::Tensor image = rgba8_to_tensor(picture).unsqueeze(0);
  return [poser, image](const torch::Tensor& poses) {
    const torch::Tensor face = poser->pose_face(image.expand({poses.size(0), -1, -1, -1}), poses)[0];
    return face.narrow(2, kTeacherCropTop, kCropSize).narrow(3, kTeacherCropLeft, kCropSize);
  };
}

struct MaskOptions {
  MaskFaceSource source;
  std::string image, output, preview, compare, change_map;
  distill::FaceMaskOptions proposal;
};

void run_mask(const MaskOptions& options) {
  const fs::path preview = options.preview.empty() ? mask_preview_file(options.output) : fs::path(options.preview);
  const distill::FaceMaskProposal proposal = write_proposed_face_mask(options.source, options.image, options.output,
                                                                      preview, options.proposal, options.compare);
  if (!options.change_map.empty()) {
    write_png(distill::change_map_image(proposal, options.proposal.threshold), options.change_map);
  }
}

std::string describe(const distill::PictureBox& box) {
  return "x " + std::to_string(box.x) + ".." + std::to_string(box.x + box.width - 1) + ", y " + std::to_string(box.y) +
         ".." + std::to_string(box.y + box.height - 1);
}

}  // namespace

fs::path mask_preview_file(const fs::path& mask_file) {
  return mask_file.parent_path() / (mask_file.stem().string() + "_preview.png");
}

distill::FaceMaskProposal write_proposed_face_mask(const MaskFaceSource& source, const fs::path& picture_file,
                                                   const fs::path& mask_file, const fs::path& preview_file,
                                                   const distill::FaceMaskOptions& options,
                                                   const fs::path& compare_with) {
  const Rgba8Image picture = distill::read_distill_character(picture_file);
  std::optional<Rgba8Image> reference;
  if (!compare_with.empty()) reference = distill::read_face_mask(compare_with);
  const distill::FaceCropFunction faces =
      source.character.empty() ? teacher_faces(source, picture) : student_faces(source.character);
  std::cout << "posing the face " << (source.character.empty() ? "with the full system" : "with the student")
            << " to find what moves..." << std::flush;
  const distill::FaceMaskProposal proposal = distill::propose_face_mask(faces, options);
  write_png(proposal.mask, mask_file);
  write_png(distill::mask_preview(picture, proposal.mask, reference ? &*reference : nullptr), preview_file);
  std::cout << " " << proposal.poses << " poses; the mask covers " << static_cast<int>(proposal.face_fraction * 100)
            << "% of the face crop\n";
  for (const distill::FacePart& part : proposal.parts) {
    std::cout << "  " << part.name << ": moves in " << describe(part.moving) << ", masked " << describe(part.masked)
              << "\n";
  }
  for (const std::string& name : proposal.missing) {
    std::cout << "  no " << name << " found (nothing there moves by more than the threshold): masked where it "
              << "usually is; look at the preview, and paint the mask by hand if that is wrong\n";
  }
  std::cout << "wrote " << mask_file.string() << " and " << preview_file.string()
            << " (look at it: the tinted pixels weigh 21 times in the face loss)\n";
  if (reference) {
    std::cout << "intersection over union with " << compare_with.string() << ": "
              << distill::mask_iou(proposal.mask, *reference) << " (its outline is cyan in the preview)\n";
  }
  return proposal;
}

void add_distill_mask_command(CLI::App& distill) {
  auto options = std::make_shared<MaskOptions>();
  CLI::App* command = distill.add_subcommand(
      "mask",
      "Propose the face mask of a character: pose its face many ways and mark what moves (a PNG and a preview)");
  command->add_option("--image", options->image, "The character: 512x512 RGBA PNG with a transparent background")
      ->required();
  command->add_option("-o,--output", options->output, "The mask PNG to write")->required();
  command->add_option("--preview", options->preview, "The preview PNG (default: <output>_preview.png)");
  command->add_option("--tha4-dir", options->source.tha4_dir,
                      "Pose the face with the full THA4 system: its weight folder (default: $THA4_TEACHER_DIR)");
  command
      ->add_option("--full-config", options->source.full_config,
                   "Teacher network sizes as a teacher_pipeline.json-style file (default: the official ones)")
      ->check(CLI::ExistingFile);
  command->add_option("--character", options->source.character,
                      "Pose the face with an existing student model of this character instead (folder or name)");
  command->add_option("--compare", options->compare, "A hand-made mask: print the intersection over union with it")
      ->check(CLI::ExistingFile);
  command->add_option(
      "--change-map", options->change_map,
      "Also write the face crop's largest change per pixel as a 128x128 PNG (above the threshold: red)");
  command->add_option("--threshold", options->proposal.threshold, "Colour change that counts as moving (0..1)")
      ->check(CLI::Range(0.001, 1.0));
  command->add_option("--open", options->proposal.open_radius, "Radius of the opening that removes thin lines")
      ->check(CLI::Range(0, 16));
  command->add_option("--min-area", options->proposal.min_area, "Smallest organ kept (pixels)")
      ->check(CLI::Range(0, 16384));
  command->add_option("--group", options->proposal.group_radius, "Moving pixels closer than this are one organ")
      ->check(CLI::Range(0, 64));
  command->add_option("--eye-margin", options->proposal.eye_margin, "Added around each eye (of the eye distance)")
      ->check(CLI::Range(0.0, 1.0));
  command
      ->add_option("--mouth-above", options->proposal.mouth_above,
                   "Added above the mouth, and the least margin around it (of the eye distance)")
      ->check(CLI::Range(0.0, 1.0));
  command
      ->add_option("--mouth-width", options->proposal.mouth_width, "Least width of the mouth box (of the eye distance)")
      ->check(CLI::Range(0.0, 3.0));
  command
      ->add_option("--mouth-height", options->proposal.mouth_height,
                   "Least height of the mouth box (of the eye distance)")
      ->check(CLI::Range(0.0, 3.0));
  command->add_option("--random-poses", options->proposal.random_poses, "Random face poses besides the extremes")
      ->check(CLI::Range(0, 100000));
  command->callback([options] { run_mask(*options); });
}

}  // namespace tha4::cli
