#include "plugin/runtime/distillation_job.h"

#include "inference/distill/distill_layout.h"
#include "inference/training/progress_bar.h"
#include "inference/training/progress_file.h"
#include "inference/util/errors.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

extern char** environ;

namespace tha4::avatar {
namespace {

namespace fs = std::filesystem;

constexpr const char* kLogFile = "distill.log";

// init only when the run has no config yet (a resumed run keeps its own), then run; positional arguments keep
// every path as it is, spaces and all.
constexpr const char* kScript = R"(program="$1"; picture="$2"; prefix="$3"; teacher="$4"; sizes="$5"; shift 5
if [ ! -f "$prefix/config.yaml" ]; then
  if [ -n "$sizes" ]; then
    "$program" distill init --image "$picture" --out "$prefix" --tha4-dir "$teacher" --full-config "$sizes" || exit $?
  else
    "$program" distill init --image "$picture" --out "$prefix" --tha4-dir "$teacher" || exit $?
  fi
fi
if [ -n "$sizes" ]; then set -- --full-config "$sizes" "$@"; fi
exec "$program" distill run "$prefix/config.yaml" --tha4-dir "$teacher" "$@")";

}  // namespace

fs::path find_tha4_program() {
  if (const char* program = std::getenv("THA4_PROGRAM"); program && *program) return program;
  return "tha4";  // on the PATH (the install script puts it there)
}

DistillationJob::DistillationJob(DistillationRequest request) : request_(std::move(request)) {
  std::error_code error;
  fs::create_directories(request_.prefix, error);
  if (error) throw Error("cannot create " + request_.prefix.string() + ": " + error.message());
  const std::string log = (request_.prefix / kLogFile).string();
  posix_spawn_file_actions_t files;
  posix_spawn_file_actions_init(&files);
  posix_spawn_file_actions_addopen(&files, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&files, STDOUT_FILENO, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&files, STDOUT_FILENO, STDERR_FILENO);
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  posix_spawnattr_setpgroup(&attributes, 0);  // its own group: cancel stops init, run and its workers together
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP);
  std::vector<std::string> arguments = {"sh",
                                        "-c",
                                        kScript,
                                        "tha4-distill",
                                        request_.program.string(),
                                        request_.picture.string(),
                                        request_.prefix.string(),
                                        request_.teacher.string(),
                                        request_.teacher_sizes.string()};
  arguments.insert(arguments.end(), request_.run_arguments.begin(), request_.run_arguments.end());
  std::vector<char*> argv;
  for (std::string& argument : arguments) argv.push_back(argument.data());
  argv.push_back(nullptr);
  const int failed = posix_spawn(&pid_, "/bin/sh", &files, &attributes, argv.data(), environ);
  posix_spawn_file_actions_destroy(&files);
  posix_spawnattr_destroy(&attributes);
  if (failed != 0) {
    pid_ = -1;
    throw Error(std::string("cannot start the distillation: ") + std::strerror(failed));
  }
}

DistillationJob::~DistillationJob() { stop_processes(); }

void DistillationJob::cancel() {
  cancelled_ = true;
  stop_processes();
}

void DistillationJob::stop_processes() {
  if (pid_ <= 0 || exit_status_) return;
  kill(-pid_, SIGTERM);
  int status = 0;
  for (int i = 0; i < 200; ++i) {  // 2 s for the processes to go
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      exit_status_ = status;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  kill(-pid_, SIGKILL);  // whatever of the group is left (workers of a multi-process run)
  if (!exit_status_ && waitpid(pid_, &status, 0) == pid_) exit_status_ = status;
}

std::string DistillationJob::log_tail() const {
  std::ifstream in(request_.prefix / kLogFile);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    lines.push_back(line.substr(line.rfind('\r') == std::string::npos ? 0 : line.rfind('\r') + 1));
    if (lines.size() > 3) lines.erase(lines.begin());
  }
  std::string tail;
  for (const std::string& line : lines) tail += (tail.empty() ? "" : " / ") + line;
  return tail.empty() ? "no output" : tail;
}

DistillationReport DistillationJob::poll() {
  int status = 0;
  if (!exit_status_ && pid_ > 0 && waitpid(pid_, &status, WNOHANG) == pid_) exit_status_ = status;

  DistillationReport report;
  const auto face = training::read_training_progress(request_.prefix / distill::kFaceRunFolder);
  const auto body = training::read_training_progress(request_.prefix / distill::kBodyRunFolder);
  if (face) {
    // The body's total is not known until it starts: the parts are weighed by their default example counts.
    const double face_share = static_cast<double>(distill::kFaceDefaultExamples) /
                              static_cast<double>(distill::kFaceDefaultExamples + distill::kBodyDefaultExamples);
    report.fraction = face_share * face->fraction() + (body ? (1.0 - face_share) * body->fraction() : 0.0);
  }
  if (cancelled_) {
    report.state = DistillationState::kCancelled;
    report.text = "stopped; starting it again resumes from the newest snapshot";
    return report;
  }
  if (exit_status_) {
    const bool ok = WIFEXITED(*exit_status_) && WEXITSTATUS(*exit_status_) == 0;
    report.state = ok ? DistillationState::kFinished : DistillationState::kFailed;
    report.text = ok ? "finished"
                     : "failed (" +
                           (WIFEXITED(*exit_status_) ? "exit code " + std::to_string(WEXITSTATUS(*exit_status_))
                                                     : "signal " + std::to_string(WTERMSIG(*exit_status_))) +
                           "): " + log_tail();
    if (ok) report.fraction = 1.0;
    return report;
  }
  const auto part_text = [](const char* name, const training::TrainingProgress& progress) {
    char text[160];
    std::snprintf(text, sizeof text, "%s %.1f %% (%lld of %lld examples)", name, 100.0 * progress.fraction(),
                  static_cast<long long>(progress.examples), static_cast<long long>(progress.total));
    std::string line = text;
    if (progress.seconds_left >= 0.0)
      line += ", " + training::ProgressBar::format_duration(progress.seconds_left) + " left";
    return line;
  };
  if (body) {
    report.text = part_text("body", *body);
  } else if (face) {
    report.text = part_text("face", *face) + (face->finished ? "" : ", then the body");
  } else {
    report.text = "starting (checking the picture, proposing the face mask, loading the teacher)";
  }
  return report;
}

}  // namespace tha4::avatar
