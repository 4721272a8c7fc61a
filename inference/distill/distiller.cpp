#include "inference/distill/distiller.h"

#include "inference/distill/body_distillation.h"
#include "inference/distill/distill_inputs.h"
#include "inference/distill/face_distillation.h"
#include "inference/distill/pose_source.h"
#include "inference/full/full_system_config_json.h"

#include <nlohmann/json.hpp>
#include "inference/util/atomic_file.h"
#include "inference/weights/tensor_archive_writer.h"

#include <fstream>
#include <sstream>

namespace tha4::distill {
namespace {

namespace fs = std::filesystem;

std::string read_bytes(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  if (!in) throw Error("cannot read " + file.string());
  return bytes.str();
}

// Everything a run needs, loaded and checked before anything is written.
struct Prepared {
  DistillerConfig config;
  fs::path prefix;
  std::string picture_bytes;
  DistillationTeacher teacher;
  torch::Tensor face_mask;
  std::shared_ptr<const PoseSource> poses;
};

Prepared prepare(const DistillRunOptions& options) {
  Prepared p;
  p.config = read_distiller_config(options.config_file);
  const Rgba8Image picture = read_distill_character(p.config.character_image_file_name);
  p.face_mask = face_mask_tensor(read_face_mask(p.config.face_mask_image_file_name));
  const int world = options.communicator ? options.communicator->world_size() : 1;
  const bool rank0 = !options.communicator || options.communicator->rank() == 0;
  if (rank0) check_output_folder_writable(p.config.prefix);  // only rank 0 writes (other machines need no prefix)
  p.prefix = fs::absolute(p.config.prefix);
  for (const auto& [name, batch] :
       {std::pair<const char*, int64_t>{"face_morpher_batch_size", p.config.face_morpher_batch_size},
        {"body_morpher_batch_size", p.config.body_morpher_batch_size}}) {
    if (batch < world) {
      throw DistillerConfigError(options.config_file.string() + ": " + name + " is " + std::to_string(batch) +
                                 ", less than one example for each of the " + std::to_string(world) + " processes");
    }
  }
  if (options.face_examples < 1 || options.body_examples < 1) throw Error("the run lengths must be at least 1 example");
  p.picture_bytes = read_bytes(p.config.character_image_file_name);
  p.poses = options.pose_dataset ? load_pose_dataset(*options.pose_dataset) : make_builtin_pose_sampler();

  full::check_full_system_folder(options.teacher_folder);
  const full::FullSystemConfig sizes =
      options.teacher_config_json
          ? full::full_system_config_from_pipeline_json(full::read_json_file(*options.teacher_config_json))
          : full::FullSystemConfig::official();
  p.teacher.device = options.device;
  p.teacher.poser = std::make_shared<full::FullPoser>(
      full::load_full_system(options.teacher_folder, sizes, options.device), options.teacher_precision);
  p.teacher.character = rgba8_to_tensor(picture).unsqueeze(0).to(options.device);
  return p;
}

// <prefix>/character_model/ in the official layout, written into a temporary folder and renamed into place.
fs::path write_character_model(const fs::path& prefix, const std::string& picture_bytes, torch::nn::Module& face,
                               torch::nn::Module& body) {
  const fs::path target = prefix / kCharacterModelFolder;
  const fs::path partial = prefix / ("." + std::string(kCharacterModelFolder) + ".partial");
  const fs::path aside = prefix / ("." + std::string(kCharacterModelFolder) + ".replaced");
  std::error_code ec;
  fs::remove_all(partial, ec);
  fs::create_directories(partial);
  write_file_atomically(partial / "character.png", picture_bytes);
  write_tensor_archive(partial / "face_morpher.pt", module_state_dict(face));
  write_tensor_archive(partial / "body_morpher.pt", module_state_dict(body));
  // The three keys in CharacterModel.save's order (spec §3.1).
  write_file_atomically(partial / "character_model.yaml",
                        "character_image_file_name: character.png\n"
                        "face_morpher_file_name: face_morpher.pt\n"
                        "body_morpher_file_name: body_morpher.pt\n");
  fs::remove_all(aside, ec);
  if (fs::exists(target, ec)) fs::rename(target, aside);
  fs::rename(partial, target);
  sync_directory(prefix);
  fs::remove_all(aside, ec);
  return target;
}

int64_t scaled(int64_t interval, int64_t total, int64_t default_total) {
  return std::max<int64_t>(1, static_cast<int64_t>(static_cast<long double>(interval) * total / default_total));
}

void say(const DistillRunOptions& options, const std::string& text) {
  const bool rank0 = !options.communicator || options.communicator->rank() == 0;
  if (options.log && rank0) *options.log << text << "\n" << std::flush;
}

std::string describe(const training::TrainingOutcome& outcome, const std::string& part) {
  std::string text = part + ": " + std::to_string(outcome.examples_seen) + " examples";
  if (outcome.resumed_from) {
    text += " (resumed at " + std::to_string(*outcome.resumed_from) + " from " + outcome.resumed_folder.string() + ")";
  }
  char rate[96];
  std::snprintf(rate, sizeof rate, ", %lld steps in %.1f s", static_cast<long long>(outcome.steps), outcome.seconds);
  return text + rate;
}

}  // namespace

training::TrainingSchedule distill_schedule(int64_t total_examples, int64_t default_examples, int checkpoints,
                                            std::optional<int64_t> config_sample_interval,
                                            const DistillRunOptions& options) {
  training::TrainingSchedule schedule;
  schedule.total_examples = total_examples;
  schedule.checkpoint_interval = options.checkpoint_every.value_or(std::max<int64_t>(1, total_examples / checkpoints));
  schedule.snapshot_interval = options.snapshot_every.value_or(std::max<int64_t>(1, schedule.checkpoint_interval / 10));
  if (options.sample_every) {
    schedule.sample_output_interval = *options.sample_every;
  } else if (config_sample_interval) {
    schedule.sample_output_interval = scaled(*config_sample_interval, total_examples, default_examples);
  } else {
    schedule.sample_output_interval.reset();
  }
  return schedule;
}

DistillResult run_distillation(const DistillRunOptions& options) {
  Prepared p = prepare(options);
  const bool rank0 = !options.communicator || options.communicator->rank() == 0;
  say(options, "distilling " + p.config.character_image_file_name.string() + " into " + p.prefix.string());
  say(options, "  poses: " + p.poses->description());
  say(options, "  teacher: " + options.teacher_folder.string() + " (" +
                   full::full_precision_name(options.teacher_precision) + ", " + options.device.str() + ")");
  if (options.communicator) say(options, "  processes: " + options.communicator->description());

  training::TrainingOptions common;
  common.communicator = options.communicator;
  common.progress = options.progress;
  common.interactive_progress = options.interactive_progress;

  DistillResult result;
  const fs::path face_run = p.prefix / kFaceRunFolder;
  const fs::path body_run = p.prefix / kBodyRunFolder;
  FaceDistillationTask face(p.teacher, p.face_mask, p.poses,
                            {options.face_examples, p.config.face_morpher_random_seed_1, face_run});
  BodyDistillationTask body(p.teacher, p.poses, {options.body_examples, p.config.body_morpher_random_seed_1, body_run});

  if (rank0) {
    fs::create_directories(face_run);
    write_file_atomically(face_run / kPreviewPictureFile, p.picture_bytes);
  }
  // One part (face or body) on the shared loop: the length, the reference's number of checkpoints, and the
  // config's sample interval, batch and seed for it.
  const auto run_part = [&](training::TrainingTask& task, const fs::path& run, int64_t examples,
                            int64_t default_examples, int checkpoints, std::optional<int64_t> sample_interval,
                            int64_t batch, uint64_t seed, const char* label) {
    training::TrainingOptions o = common;
    o.run_folder = run;
    o.schedule = distill_schedule(examples, default_examples, checkpoints, sample_interval, options);
    o.batch_size = batch;
    o.seed = seed;
    training::TrainingOutcome outcome = training::train(task, o);
    say(options, describe(outcome, label));
    for (const auto& note : outcome.notes) say(options, "  note: " + note);
    return outcome;
  };
  if (options.part != DistillPart::kBody) {
    result.face = run_part(face, face_run, options.face_examples, kFaceDefaultExamples, 10,
                           p.config.face_morpher_num_training_examples_per_sample_output,
                           p.config.face_morpher_batch_size, p.config.face_morpher_random_seed_0, "face morpher");
  }
  if (options.part != DistillPart::kFace) {
    result.body = run_part(body, body_run, options.body_examples, kBodyDefaultExamples, 15,
                           p.config.body_morpher_num_training_examples_per_sample_output,
                           p.config.body_morpher_batch_size, p.config.body_morpher_random_seed_0, "body morpher");
  }
  if (options.part == DistillPart::kAll && rank0) {
    result.character_model = write_character_model(p.prefix, p.picture_bytes, face.module(), body.module());
    say(options, "character model written to " + result.character_model->string());
  }
  if (options.communicator) options.communicator->barrier();
  return result;
}

}  // namespace tha4::distill
