#pragma once
// Where retired avatar runtimes are destroyed: one background thread that joins their workers, so that
// OBS's destruction thread (which destroys sources one at a time) never waits for a model still loading or a
// tracker still closing. A retired runtime has already been told to stop; only its joining is left.

#include <memory>

namespace tha4::avatar {

class AvatarRuntime;

// Any thread: stops `runtime` at once (AvatarRuntime::stop) and destroys it on the reaper's thread.
void retire_runtime(std::unique_ptr<AvatarRuntime> runtime);

// Waits until every retired runtime is destroyed and ends the reaper's thread (module unload: the code the
// workers run must still be there while they finish).
void drain_retired_runtimes();

}  // namespace tha4::avatar
