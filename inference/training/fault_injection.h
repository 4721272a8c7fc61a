#pragma once
// Test hooks that kill the process at chosen points of a training run, to prove that a run killed at any
// moment resumes exactly and that a kill during a save never leaves an unreadable state. Set
//   THA4_TRAINING_FAULT=kill-after-step:N    SIGKILL right after the N-th optimizer step of this process
//   THA4_TRAINING_FAULT=kill-during-save:N   SIGKILL at the N-th point inside a save; each state folder has two:
//                                            after its first file, and between its two renames
// Unset (always, outside tests), these cost one branch.

namespace tha4::training {

enum class FaultPoint { kAfterStep, kDuringSave };

// Counts `point` and kills the process when the environment asks for it at this count.
void fault_injection_point(FaultPoint point);

}  // namespace tha4::training
