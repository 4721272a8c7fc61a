// tha4 distill init | run | plot: bring your own character (spec §6).
#include "cli/allocator_tuning.h"
#include "cli/cli_common.h"
#include "cli/commands.h"
#include "cli/distill_mask.h"
#include "cli/process_launcher.h"
#include "cli/training_process.h"
#include "inference/distill/body_distillation.h"
#include "inference/distill/distill_inputs.h"
#include "inference/distill/distill_layout.h"
#include "inference/distill/distiller.h"
#include "inference/distill/face_distillation.h"
#include "inference/full/full_poser.h"
#include "inference/training/loss_plot.h"
#include "inference/training/state_layout.h"
#include "inference/util/atomic_file.h"
#include "inference/util/errors.h"

#include <unistd.h>

#include <cstdlib>
#include <iostream>

namespace tha4::cli {
namespace {

namespace fs = std::filesystem;

// ---- init ----

struct InitOptions {
  std::string image, mask, out;
  MaskFaceSource mask_source;  // without --mask: what poses the face for the proposed one
  int batch_size = 8;
  std::string sample_every = "10000";
  int gpus = 1;
  int workers = 1;
  bool force = false;
};

void run_init(const InitOptions& options) {
  // Everything is checked before the folder or the file is created.
  distill::read_distill_character(options.image);
  if (!options.mask.empty()) distill::read_face_mask(options.mask);
  distill::check_output_folder_writable(options.out);
  const fs::path folder = fs::absolute(options.out);
  const fs::path file = folder / "config.yaml";
  std::error_code ec;
  if (fs::exists(file, ec) && !options.force) {
    throw Error(file.string() + " already exists; pass --force to replace it (the training state beside it is kept)");
  }
  fs::path mask = options.mask;
  if (mask.empty()) {  // no hand-made mask: propose one from the character itself
    fs::create_directories(folder);
    mask = folder / "face_mask.png";
    try {
      write_proposed_face_mask(options.mask_source, options.image, mask, mask_preview_file(mask));
    } catch (const FullSystemError& e) {
      throw FullSystemError(std::string(e.what()) + "\nor give a face mask you made with --mask");
    }
  }
  distill::DistillerConfig config;
  config.prefix = folder;
  config.character_image_file_name = fs::absolute(options.image);
  config.face_mask_image_file_name = fs::absolute(mask);
  config.face_morpher_batch_size = config.body_morpher_batch_size = options.batch_size;
  std::optional<int64_t> interval;
  if (options.sample_every != "none") interval = std::stoll(options.sample_every);
  config.face_morpher_num_training_examples_per_sample_output = interval;
  config.body_morpher_num_training_examples_per_sample_output = interval;
  config.num_gpus = options.gpus;
  config.num_cpu_workers = options.workers;
  fs::create_directories(folder);
  write_file_atomically(file, distill::distiller_config_yaml(config));
  std::cout << "wrote " << file.string() << "\n"
            << "next: tha4 distill run " << file.string() << " --tha4-dir <folder with the THA4 teacher weights>\n";
}

// ---- run ----

struct RunOptions {
  std::string config;
  std::string tha4_dir;
  std::string full_config;
  std::string pose_dataset;
  std::string part = "all";
  int64_t face_examples = distill::kFaceDefaultExamples;
  int64_t body_examples = distill::kBodyDefaultExamples;
  int64_t checkpoint_every = 0, snapshot_every = 0, sample_every = 0;  // 0: the scaled defaults
  std::string precision = "fp32";
  TrainingProcessOptions process;  // --gpus 0: the config's num_gpus
};

std::optional<int64_t> positive(int64_t value) { return value > 0 ? std::optional<int64_t>(value) : std::nullopt; }

// The teacher folder: --tha4-dir, else $THA4_TEACHER_DIR.
fs::path teacher_folder(const RunOptions& options) {
  if (!options.tha4_dir.empty()) return options.tha4_dir;
  if (const char* env = std::getenv("THA4_TEACHER_DIR"); env && *env) return env;
  throw FullSystemError(
      "distillation needs the full THA4 system as its teacher: pass its weight folder with "
      "--tha4-dir (or set THA4_TEACHER_DIR)\n" +
      full::full_system_download_help());
}

// The checks every process would make, done once before any process starts, so that a bad input is one
// clear message rather than one per process.
void check_inputs(const RunOptions& options) {
  const distill::DistillerConfig config = distill::read_distiller_config(options.config);
  distill::read_distill_character(config.character_image_file_name);
  distill::read_face_mask(config.face_mask_image_file_name);
  distill::check_output_folder_writable(config.prefix);
  full::check_full_system_folder(teacher_folder(options));
}

void run_worker(const RunOptions& options) {
  keep_freed_memory_for_reuse();
  const TrainingProcess process = join_training_processes(options.process);
  const torch::Device device = process.device;
  const int rank = process.rank;

  distill::DistillRunOptions run;
  run.config_file = options.config;
  run.teacher_folder = teacher_folder(options);
  if (!options.full_config.empty()) run.teacher_config_json = options.full_config;
  if (!options.pose_dataset.empty()) run.pose_dataset = options.pose_dataset;
  run.part = options.part == "face"   ? distill::DistillPart::kFace
             : options.part == "body" ? distill::DistillPart::kBody
                                      : distill::DistillPart::kAll;
  run.face_examples = options.face_examples;
  run.body_examples = options.body_examples;
  run.checkpoint_every = positive(options.checkpoint_every);
  run.snapshot_every = positive(options.snapshot_every);
  run.sample_every = positive(options.sample_every);
  run.device = device;
  run.teacher_precision = full::parse_full_precision(options.precision);
  full::require_precision_supported(run.teacher_precision, device);
  run.communicator = process.communicator.get();
  if (rank == 0) {
    run.progress = &std::cerr;
    run.interactive_progress = ::isatty(STDERR_FILENO) != 0;
    run.log = &std::cout;
  }
  distill::run_distillation(run);
}

void run_distill(const RunOptions& options) {
  if (launched_as_rank()) {
    run_worker(options);
    return;
  }
  const int processes = options.process.gpus > 0
                            ? options.process.gpus
                            : static_cast<int>(distill::read_distiller_config(options.config).num_gpus);
  // The config's num_gpus means GPUs; on the CPU, more processes only split the same cores.
  const bool cpu = parse_device(options.process.device).is_cpu();
  const int count = cpu && options.process.gpus == 0 ? 1 : processes;
  if (count <= 1) {
    run_worker(options);
    return;
  }
  check_inputs(options);
  const std::vector<std::string>& all = program_arguments();
  const int code = run_local_processes(std::vector<std::string>(all.begin() + 1, all.end()), count);
  if (code != 0) throw CLI::RuntimeError(code);
}

// ---- plot ----

void run_plot(const std::string& input, std::string output) {
  std::vector<training::LossCurves> runs;
  const fs::path path = input;
  std::error_code ec;
  if (fs::is_regular_file(path, ec)) {
    runs.push_back({path.parent_path().filename().string(), training::read_loss_log(path)});
    if (output.empty()) output = (path.parent_path() / "losses.png").string();
  } else {
    for (const char* part : {distill::kFaceRunFolder, distill::kBodyRunFolder}) {
      const fs::path log = path / part / training::kLossLogFile;
      if (fs::is_regular_file(log, ec)) runs.push_back({part, training::read_loss_log(log)});
    }
    if (runs.empty()) {
      throw Error("no loss log in " + path.string() + " (expected " + (path / distill::kFaceRunFolder).string() + "/" +
                  training::kLossLogFile + "; give a distillation prefix or a losses.csv)");
    }
    if (output.empty()) output = (path / "losses.png").string();
  }
  write_file_atomically(output, encode_png(training::plot_loss_curves(runs)));
  std::cout << "wrote " << output << "\n";
}

}  // namespace

void add_distill_command(CLI::App& app) {
  CLI::App* distill = app.add_subcommand(
      "distill", "Bring your own character: distil the full THA4 system into a real-time student model (spec §6)");
  distill->require_subcommand(1);

  auto init = std::make_shared<InitOptions>();
  CLI::App* init_command = distill->add_subcommand(
      "init", "Check a character picture and its face mask and write a distiller config (the reference's YAML)");
  init_command->add_option("--image", init->image, "The character: 512x512 RGBA PNG with a transparent background")
      ->required();
  init_command->add_option(
      "--mask", init->mask,
      "The face mask: 512x512 PNG, white (255) over the movable face parts, black (0) elsewhere (default: proposed "
      "from the character with the teacher, as `tha4 distill mask` does, into <out>/face_mask.png)");
  init_command->add_option("--tha4-dir", init->mask_source.tha4_dir,
                           "Without --mask: the teacher that poses the face (default: $THA4_TEACHER_DIR)");
  init_command
      ->add_option("--full-config", init->mask_source.full_config,
                   "Without --mask: the teacher's network sizes as a teacher_pipeline.json-style file (default: the "
                   "official ones)")
      ->check(CLI::ExistingFile);
  init_command->add_option("--out", init->out, "Output folder (the config's prefix; created if needed)")->required();
  init_command->add_option("--batch-size", init->batch_size, "Examples per step over all processes (1..8)")
      ->check(CLI::Range(1, 8));
  init_command->add_option("--sample-every", init->sample_every, "Sample sheets every N examples, or none")
      ->check(CLI::IsMember({"10000", "100000", "1000000", "none"}));
  init_command->add_option("--gpus", init->gpus, "GPUs to train on (num_gpus)")->check(CLI::Range(1, 1024));
  init_command->add_option("--workers", init->workers, "CPU data workers (num_cpu_workers)")
      ->check(CLI::Range(1, 1024));
  init_command->add_flag("--force", init->force, "Replace an existing config.yaml");
  init_command->callback([init] { run_init(*init); });
  add_distill_mask_command(*distill);

  auto run = std::make_shared<RunOptions>();
  CLI::App* run_command = distill->add_subcommand(
      "run", "Distil (or resume distilling) the student of a config; writes <prefix>/character_model/");
  run_command->add_option("config", run->config, "The distiller config (tha4 distill init writes one)")->required();
  run_command->add_option("--tha4-dir", run->tha4_dir,
                          "The teacher: folder with the official THA4 weights (default: $THA4_TEACHER_DIR)");
  run_command
      ->add_option("--full-config", run->full_config,
                   "Teacher network sizes as a teacher_pipeline.json-style file (default: the official ones)")
      ->check(CLI::ExistingFile);
  run_command
      ->add_option("--pose-dataset", run->pose_dataset,
                   "The reference's pose_dataset.pt (default: the built-in pose sampler, docs/distill.md)")
      ->check(CLI::ExistingFile);
  run_command->add_option("--part", run->part, "all (default), face or body")
      ->check(CLI::IsMember({"all", "face", "body"}));
  run_command->add_option("--face-examples", run->face_examples, "Length of the face run (default 1,000,000)")
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 40));
  run_command->add_option("--body-examples", run->body_examples, "Length of the body run (default 1,500,000)")
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 40));
  run_command
      ->add_option("--checkpoint-every", run->checkpoint_every,
                   "Examples between checkpoints (default: a tenth of the face run, a fifteenth of the body run)")
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 40));
  run_command
      ->add_option("--snapshot-every", run->snapshot_every,
                   "Examples between snapshots (default: a tenth of the checkpoint interval)")
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 40));
  run_command
      ->add_option("--sample-every", run->sample_every,
                   "Examples between sample sheets (default: the config's, scaled to the run's length)")
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 40));
  run->process.add_to(*run_command, "the config's num_gpus on CUDA, 1 on the CPU");
  run_command
      ->add_option("--precision", run->precision, "The teacher's arithmetic: fp32 (default), fp16 (CUDA only) or bf16")
      ->check(CLI::IsMember({"fp32", "fp16", "bf16"}));
  run_command->callback([run] { run_distill(*run); });

  auto plot_input = std::make_shared<std::string>();
  auto plot_output = std::make_shared<std::string>();
  CLI::App* plot_command = distill->add_subcommand("plot", "Draw the loss curves of a distillation to a PNG");
  plot_command->add_option("prefix", *plot_input, "A distillation prefix (or one losses.csv)")->required();
  plot_command->add_option("-o,--output", *plot_output, "Output PNG (default: <prefix>/losses.png)");
  plot_command->callback([plot_input, plot_output] { run_plot(*plot_input, *plot_output); });
}

}  // namespace tha4::cli
