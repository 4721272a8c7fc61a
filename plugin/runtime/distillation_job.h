#pragma once
// "Make a real-time model of this picture": `tha4 distill init` (when the run has no config yet: it checks the
// picture and proposes the face mask) then `tha4 distill run`, as a separate process group, never inside
// OBS's process, so a crash or an out-of-memory there cannot touch the stream. Its output goes to
// <prefix>/distill.log; its progress is read from the runs' progress.txt (inference/training/progress_file.h).
// Starting it again on a prefix resumes the run from its newest snapshot (after OBS restarted, say).
//
// Owned by the render worker: every call returns at once (poll() reaps with WNOHANG and reads two small files).

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace tha4::avatar {

struct DistillationRequest {
  std::filesystem::path program;        // the tha4 executable
  std::filesystem::path picture;        // the character: 512×512 RGBA
  std::filesystem::path prefix;         // the run's folder (created)
  std::filesystem::path teacher;        // the full system's weights
  std::filesystem::path teacher_sizes;  // a teacher_pipeline.json-style file (tests' reduced teacher); empty: official
  std::vector<std::string> run_arguments;  // more for `distill run` (tests: --face-examples 8 ...)
};

enum class DistillationState { kRunning, kFinished, kFailed, kCancelled };

struct DistillationReport {
  DistillationState state = DistillationState::kRunning;
  // "face 12.0 % (1,200 of 10,000 examples), 3h 20m left, then the body" / "finished" / the failure's last
  // lines of the log
  std::string text;
  double fraction = 0.0;  // of the whole run (face and body together, weighted by their example counts)
};

class DistillationJob {
 public:
  // Starts the process group. Throws tha4::Error when it cannot (no program, the prefix not writable).
  explicit DistillationJob(DistillationRequest request);
  // Stops the processes (SIGTERM, then SIGKILL after 2 s) if they still run: the run resumes next time.
  ~DistillationJob();
  DistillationJob(const DistillationJob&) = delete;
  DistillationJob& operator=(const DistillationJob&) = delete;

  // Reaps the process if it ended and reads the progress files.
  DistillationReport poll();
  // Stops it now (the snapshots on disk stay: starting again resumes).
  void cancel();
  pid_t process_group() const { return pid_; }
  const DistillationRequest& request() const { return request_; }

 private:
  void stop_processes();
  std::string log_tail() const;

  DistillationRequest request_;
  pid_t pid_ = -1;
  std::optional<int> exit_status_;  // once reaped
  bool cancelled_ = false;
};

// The tha4 executable the plugin starts: $THA4_PROGRAM, else `tha4` beside the plugin's data or on the PATH.
std::filesystem::path find_tha4_program();

}  // namespace tha4::avatar
