#pragma once
// Loss curves as a picture (`tha4 distill plot`): one panel per run, one coloured line per loss term over
// the examples seen, on a logarithmic loss axis; each line is a moving average over about 1% of the run,
// with the raw values faint behind it.

#include "inference/image/image_io.h"
#include "inference/training/loss_log.h"

#include <string>
#include <vector>

namespace tha4::training {

struct LossCurves {
  std::string title;  // "face_morpher"
  LossTable table;    // read_loss_log
};

// Throws Error when there is nothing to draw (no run, or a run without rows).
Rgba8Image plot_loss_curves(const std::vector<LossCurves>& runs, int width = 1280, int panel_height = 440);

}  // namespace tha4::training
