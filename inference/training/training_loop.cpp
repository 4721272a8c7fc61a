#include "inference/training/training_loop.h"

#include "inference/training/batch_sampler.h"
#include "inference/training/fault_injection.h"
#include "inference/training/loss_log.h"
#include "inference/training/progress_bar.h"
#include "inference/training/progress_file.h"
#include "inference/training/state_layout.h"
#include "inference/training/training_state.h"
#include "inference/util/atomic_file.h"
#include "inference/util/errors.h"
#include "inference/weights/state_dict.h"
#include "inference/weights/tensor_archive_writer.h"

#include <ATen/CPUGeneratorImpl.h>

#include <chrono>
#include <memory>
#include <mutex>

namespace tha4::training {
namespace {

namespace fs = std::filesystem;

bool crossed(int64_t before, int64_t after, int64_t interval) { return before / interval < after / interval; }

void check_options(const TrainingOptions& options, int world_size) {
  const TrainingSchedule& s = options.schedule;
  if (s.total_examples < 0 || s.checkpoint_interval < 1 || s.snapshot_interval < 1 ||
      (s.sample_output_interval && *s.sample_output_interval < 1)) {
    throw Error("training schedule: the total must be ≥ 0 and every interval ≥ 1");
  }
  if (options.batch_size / world_size < 1) {
    throw Error("a batch of " + std::to_string(options.batch_size) + " cannot be split over " +
                std::to_string(world_size) + " processes (each needs at least one example)");
  }
}

// Removes the sample pictures past `examples_seen`: a resumed run draws them again.
void remove_samples_after(const fs::path& run, int64_t examples_seen) {
  std::error_code ec;
  const fs::path folder = run / kSampleOutputFolder;
  if (!fs::is_directory(folder, ec)) return;
  std::vector<fs::path> stale;
  for (const auto& entry : fs::directory_iterator(folder, ec)) {
    const std::string name = entry.path().stem().string();
    const std::string prefix = "sample_output_";
    if (name.rfind(prefix, 0) != 0) continue;
    try {
      if (std::stoll(name.substr(prefix.size())) > examples_seen) stale.push_back(entry.path());
    } catch (const std::exception&) {
    }
  }
  for (const auto& file : stale) fs::remove(file, ec);
}

// Every process's optimizer state becomes rank 0's. After a resume only rank 0 has one; a process without
// state for a parameter gets zeros first, so that all take part in the same broadcasts.
void broadcast_adam_state(Communicator& communicator, torch::optim::Adam& optimizer) {
  std::vector<NamedTensor> mine = adam_state_tensors(optimizer);
  std::vector<torch::Tensor> count{torch::tensor({static_cast<int64_t>(mine.size())}, torch::kLong)};
  communicator.broadcast_from_rank0(count);
  if (count[0].item<int64_t>() == 0) return;
  if (communicator.rank() != 0 && mine.empty()) {
    const auto& parameters = optimizer.param_groups().front().params();
    for (std::size_t i = 0; i < parameters.size(); ++i) {
      const std::string prefix = "state." + std::to_string(i) + ".";
      mine.push_back({prefix + "step", torch::zeros({}, torch::kLong)});
      mine.push_back({prefix + "exp_avg", torch::zeros(parameters[i].sizes())});
      mine.push_back({prefix + "exp_avg_sq", torch::zeros(parameters[i].sizes())});
    }
  }
  if (static_cast<int64_t>(mine.size()) != count[0].item<int64_t>()) {
    throw Error("the processes disagree about the optimizer state (" + std::to_string(mine.size()) + " vs " +
                std::to_string(count[0].item<int64_t>()) + " tensors)");
  }
  std::vector<torch::Tensor> tensors;
  for (auto& entry : mine) tensors.push_back(entry.tensor.contiguous());
  communicator.broadcast_from_rank0(tensors);
  for (std::size_t i = 0; i < mine.size(); ++i) mine[i].tensor = tensors[i];
  load_adam_state(optimizer, mine, "rank 0's optimizer state");
}

void broadcast_parameters(Communicator& communicator, torch::nn::Module& module) {
  if (communicator.world_size() == 1) return;
  std::vector<torch::Tensor> tensors;
  for (const auto& parameter : module.parameters()) tensors.push_back(parameter.detach());
  for (const auto& buffer : module.buffers()) tensors.push_back(buffer.detach());
  communicator.broadcast_from_rank0(tensors);
}

// The RNG states of a resumed run: each process gets its own where the state holds one, else seed + rank.
void restore_rng(Communicator& communicator, const std::vector<torch::Tensor>& saved, uint64_t seed) {
  std::vector<torch::Tensor> header{torch::tensor(
      {static_cast<int64_t>(saved.size()), saved.empty() ? int64_t{0} : saved.front().numel()}, torch::kLong)};
  communicator.broadcast_from_rank0(header);
  const int64_t count = header[0][0].item<int64_t>();
  const int64_t bytes = header[0][1].item<int64_t>();
  std::vector<torch::Tensor> states{count > 0 && communicator.rank() == 0 ? torch::stack(saved).to(torch::kByte)
                                                                          : torch::zeros({count, bytes}, torch::kByte)};
  if (count > 0) communicator.broadcast_from_rank0(states);
  if (communicator.rank() < count) {
    set_cpu_rng_state(states[0][communicator.rank()]);
  } else {
    torch::manual_seed(seed + static_cast<uint64_t>(communicator.rank()));
  }
}

class Trainer {
 public:
  Trainer(TrainingTask& task, const TrainingOptions& options, Communicator& communicator)
      : task_(task),
        options_(options),
        communicator_(communicator),
        rank_(communicator.rank()),
        world_(communicator.world_size()),
        batch_per_rank_(options.batch_size / world_),
        run_(options.run_folder),
        loss_names_(task.loss_names()) {}

  TrainingOutcome run() {
    const auto started = std::chrono::steady_clock::now();
    const int64_t total = options_.schedule.total_examples;
    const int64_t step_examples = batch_per_rank_ * world_;

    // 1. The state to resume from: rank 0 reads it, everyone receives it.
    std::optional<FoundState> found;
    if (rank_ == 0) {
      std::error_code ec;
      fs::create_directories(run_, ec);
      if (ec) throw Error("cannot create " + run_.string() + ": " + ec.message());
      found = find_newest_training_state(run_, total + step_examples - 1, outcome_.notes);
    }
    std::vector<torch::Tensor> header{torch::tensor({found ? found->state.examples_seen : int64_t{-1}}, torch::kLong)};
    communicator_.broadcast_from_rank0(header);
    const bool resumed = header[0].item<int64_t>() >= 0;
    examples_seen_ = resumed ? header[0].item<int64_t>() : 0;

    // 2. Weights, optimizer and RNGs.
    torch::nn::Module& module = task_.module();
    if (!resumed) {
      torch::manual_seed(options_.seed);
      task_.initialize_module();
    } else if (rank_ == 0) {
      load_state_dict(module, found->state.module, (found->folder / kModuleFile).string());
    }
    broadcast_parameters(communicator_, module);
    parameters_ = module.parameters();
    optimizer_ = std::make_unique<torch::optim::Adam>(
        make_adam(parameters_, task_.adam_settings(), task_.learning_rate(examples_seen_)));
    if (resumed) {
      if (rank_ == 0) {
        load_adam_state(*optimizer_, found->state.optimizer, (found->folder / kOptimizerFile).string());
        outcome_.resumed_from = examples_seen_;
        outcome_.resumed_folder = found->folder;
      }
      if (world_ > 1) broadcast_adam_state(communicator_, *optimizer_);
      restore_rng(communicator_, rank_ == 0 ? found->state.rng_states : std::vector<torch::Tensor>{}, options_.seed);
    } else {
      torch::manual_seed(options_.seed + static_cast<uint64_t>(rank_));
    }
    found.reset();

    // 3. What rank 0 writes as it goes.
    if (rank_ == 0) {
      log_ = std::make_unique<LossLog>(run_ / kLossLogFile, loss_names_, examples_seen_);
      remove_samples_after(run_, examples_seen_);
      if (options_.progress) {
        progress_ = std::make_unique<ProgressBar>(task_.name(), total, examples_seen_, *options_.progress,
                                                  options_.interactive_progress);
      }
    }
    if (!resumed) {
      // Checkpoint 0000, the initial state, as the reference writes it (no snapshot: it would be the same).
      save(checkpoint_folder(run_, 0));
      if (rank_ == 0 && options_.schedule.sample_output_interval) {
        write_sample_output(0);
      }
    }

    // 4. The steps.
    DistributedBatchSampler sampler(task_.dataset_size(), batch_per_rank_, rank_, world_);
    session_start_examples_ = examples_seen_;
    session_started_ = std::chrono::steady_clock::now();
    while (examples_seen_ < total) step(sampler);
    if (progress_) progress_->finish();
    if (rank_ == 0) write_progress_file(/*finished=*/true);

    outcome_.examples_seen = examples_seen_;
    outcome_.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return std::move(outcome_);
  }

 private:
  void step(DistributedBatchSampler& sampler) {
    const int64_t before = examples_seen_;
    const double lr = task_.learning_rate(before);
    set_learning_rate(*optimizer_, lr);
    const std::vector<int64_t> examples = sampler.batch(before);
    if (before + sampler.examples_per_step() < options_.schedule.total_examples) {
      task_.prefetch(sampler.batch(before + sampler.examples_per_step()));
    }

    task_.module().train();
    for (auto& parameter : parameters_) parameter.mutable_grad().reset();  // zero_grad(set_to_none=True)
    StepLoss loss = task_.loss(examples, before);
    loss.total.backward();
    average_gradients(communicator_, parameters_);
    optimizer_->step();
    examples_seen_ = before + sampler.examples_per_step();
    ++outcome_.steps;

    // The loss of the whole batch: the mean of the processes' means (equal shares).
    std::vector<torch::Tensor> values = loss.terms;
    values.push_back(loss.total);
    std::vector<torch::Tensor> reduced{torch::stack(values).detach().to(torch::kCPU, torch::kDouble)};
    communicator_.allreduce_sum(reduced);
    reduced[0].div_(world_);
    if (rank_ == 0) report(lr, reduced[0]);
    fault_injection_point(FaultPoint::kAfterStep);

    const TrainingSchedule& schedule = options_.schedule;
    const bool finished = examples_seen_ >= schedule.total_examples;
    // Sample sheets at every interval, and of the final student.
    if (rank_ == 0 && schedule.sample_output_interval &&
        (finished || crossed(before, examples_seen_, *schedule.sample_output_interval))) {
      write_sample_output(examples_seen_);
    }
    const bool checkpoint = crossed(before, examples_seen_, schedule.checkpoint_interval);
    if (checkpoint) save(checkpoint_folder(run_, examples_seen_ / schedule.checkpoint_interval));
    // The snapshot is never older than the newest checkpoint, and the last step always leaves one.
    if (checkpoint || finished || crossed(before, examples_seen_, schedule.snapshot_interval)) {
      save(snapshot_folder(run_));
    }
  }

  void report(double lr, const torch::Tensor& values) {
    const std::vector<std::string>& names = loss_names_;
    std::vector<double> terms(names.size());
    std::vector<std::pair<std::string, double>> labelled;
    for (std::size_t i = 0; i < names.size(); ++i) {
      terms[i] = values[static_cast<int64_t>(i)].item<double>();
      labelled.emplace_back(names[i], terms[i]);
    }
    const double total = values[static_cast<int64_t>(names.size())].item<double>();
    labelled.emplace_back("total", total);
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - log_started_).count();
    log_->append(examples_seen_, lr, terms, total, elapsed);
    if (progress_) progress_->update(examples_seen_, labelled, lr);
    write_progress_file(/*finished=*/false);
  }

  // <run>/progress.txt (progress_file.h) for whoever watches the run: at most once a second, and at the end.
  void write_progress_file(bool finished) {
    const auto now = std::chrono::steady_clock::now();
    if (!finished && now - last_progress_write_ < std::chrono::seconds(1)) return;
    last_progress_write_ = now;
    TrainingProgress progress;
    progress.examples = examples_seen_;
    progress.total = options_.schedule.total_examples;
    const double elapsed = std::chrono::duration<double>(now - session_started_).count();
    const int64_t done = examples_seen_ - session_start_examples_;
    progress.examples_per_second = elapsed > 0.0 && done > 0 ? done / elapsed : 0.0;
    progress.seconds_left =
        progress.examples_per_second > 0.0 ? (progress.total - progress.examples) / progress.examples_per_second : -1.0;
    progress.finished = finished;
    try {
      write_file_atomically(run_ / kProgressFile, format_training_progress(progress));
    } catch (const std::exception&) {
      // Only a watcher's convenience: a full disk shows in the snapshots, which matter.
    }
  }

  // Rank 0's sample sheet, in the run's sample folder (created here: the loop owns the run's layout).
  void write_sample_output(int64_t examples) {
    const fs::path png = sample_output_file(run_, examples);
    std::error_code ec;
    fs::create_directories(png.parent_path(), ec);
    if (ec) throw Error("cannot create " + png.parent_path().string() + ": " + ec.message());
    task_.write_sample_output(png);
  }

  // Collective: every process hands its RNG state to rank 0, which writes the folder.
  void save(const fs::path& folder) {
    const torch::Tensor rng = communicator_.allgather(cpu_rng_state());
    if (rank_ != 0) return;
    TrainingState state;
    state.examples_seen = examples_seen_;
    for (auto& entry : module_state_dict(task_.module())) {
      state.module.push_back({entry.name, entry.tensor.detach().to(torch::kCPU).clone()});
    }
    state.optimizer = adam_state_tensors(*optimizer_);
    for (int64_t r = 0; r < rng.size(0); ++r) state.rng_states.push_back(rng[r]);
    write_training_state(folder, state);
  }

  TrainingTask& task_;
  const TrainingOptions& options_;
  Communicator& communicator_;
  const int rank_;
  const int world_;
  const int64_t batch_per_rank_;
  const fs::path run_;
  const std::vector<std::string> loss_names_;
  int64_t examples_seen_ = 0;
  std::vector<torch::Tensor> parameters_;
  std::unique_ptr<torch::optim::Adam> optimizer_;
  std::unique_ptr<LossLog> log_;
  std::unique_ptr<ProgressBar> progress_;
  int64_t session_start_examples_ = 0;
  std::chrono::steady_clock::time_point session_started_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_progress_write_{};
  std::chrono::steady_clock::time_point log_started_ = std::chrono::steady_clock::now();
  TrainingOutcome outcome_;
};

}  // namespace

torch::Tensor cpu_rng_state() {
  at::Generator generator = at::detail::getDefaultCPUGenerator();
  std::lock_guard<std::mutex> lock(generator.mutex());
  return generator.get_state();
}

void set_cpu_rng_state(const torch::Tensor& state) {
  at::Generator generator = at::detail::getDefaultCPUGenerator();
  std::lock_guard<std::mutex> lock(generator.mutex());
  generator.set_state(state.to(torch::kCPU, torch::kByte).contiguous());
}

TrainingOutcome train(TrainingTask& task, const TrainingOptions& options) {
  std::unique_ptr<Communicator> single;
  Communicator* communicator = options.communicator;
  if (!communicator) {
    single = make_single_process_communicator();
    communicator = single.get();
  }
  check_options(options, communicator->world_size());
  return Trainer(task, options, *communicator).run();
}

}  // namespace tha4::training
