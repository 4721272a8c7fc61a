#include "inference/distill/face_mask_proposal.h"

#include "inference/distill/pose_source.h"
#include "inference/pose/pose.h"
#include "inference/util/errors.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <vector>

namespace tha4::distill {
namespace {

constexpr int kImageSize = 512;
constexpr int kFaceTop = 80, kFaceLeft = 192, kFaceSize = 128;  // the student's face crop (spec §3.7)

// The single-parameter extremes of the 39 face parameters, then combinations from the built-in sampler
// (their head, neck and body parameters set to rest: only the face crop matters here).
torch::Tensor mask_poses(const FaceMaskOptions& options) {
  std::vector<Pose> poses;
  const auto& parameters = pose_parameters();
  for (int i = 0; i < kFaceMorpherPoseSize; ++i) {
    const auto& parameter = parameters[static_cast<std::size_t>(i)];
    for (const float value : {parameter.max, parameter.min}) {
      if (value == 0.0f) continue;
      Pose pose{};
      pose[static_cast<std::size_t>(i)] = value;
      poses.push_back(pose);
    }
  }
  for (int i = 0; i < options.random_poses; ++i) {
    Pose pose = builtin_pose(options.first_random_pose + static_cast<std::uint64_t>(i));
    std::fill(pose.begin() + kFaceMorpherPoseSize, pose.end(), 0.0f);
    poses.push_back(pose);
  }
  torch::Tensor tensor = torch::empty({static_cast<int64_t>(poses.size()), kPoseSize});
  for (std::size_t n = 0; n < poses.size(); ++n) {
    std::copy(poses[n].begin(), poses[n].end(), tensor[static_cast<int64_t>(n)].data_ptr<float>());
  }
  return tensor;
}

void check_crops(const torch::Tensor& crops, int64_t n) {
  if (crops.dim() != 4 || crops.size(0) != n || crops.size(1) != 4 || crops.size(2) != kFaceSize ||
      crops.size(3) != kFaceSize) {
    throw Error("the face function must return (n, 4, 128, 128) crops");
  }
}

// The parts of the opened change map that can be organs: pixels closer than `group_radius` are one part
// (the lid and the iris of one eye move apart a little), a part needs `min_area` moving pixels, and the crop's
// edge must not cut it (that is hair or outline). Their boxes, largest part first.
std::vector<cv::Rect> organ_candidates(const cv::Mat& strong, const FaceMaskOptions& options) {
  cv::Mat grouped;
  const int size = 2 * options.group_radius + 1;
  cv::dilate(strong, grouped, cv::getStructuringElement(cv::MORPH_ELLIPSE, {size, size}));
  cv::Mat labels, stats, centroids;
  const int count = cv::connectedComponentsWithStats(grouped, labels, stats, centroids, 8);
  std::vector<std::pair<int, cv::Rect>> found;
  for (int label = 1; label < count; ++label) {
    const cv::Mat members = (labels == label) & strong;
    const int area = cv::countNonZero(members);
    if (area < options.min_area) continue;
    const cv::Rect box = cv::boundingRect(members);
    const bool cut = box.x == 0 || box.y == 0 || box.br().x == kFaceSize || box.br().y == kFaceSize;
    if (!cut) found.emplace_back(area, box);
  }
  std::stable_sort(found.begin(), found.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  std::vector<cv::Rect> boxes;
  for (const auto& [area, box] : found) boxes.push_back(box);
  return boxes;
}

cv::Point2f centre(const cv::Rect& box) { return {box.x + box.width / 2.0f, box.y + box.height / 2.0f}; }

// THA4 wants the face at a fixed place (spec §3.7), so the crop's geometry tells the organs apart: the eyes
// are the largest moving parts in the crop's upper part, one each side of its middle; the mouth is the largest
// one below them near the middle.
constexpr float kEyeLine = 80.0f;                         // eyes' centres above this crop row...
constexpr float kMouthTop = 72.0f;                        // ...the mouth's below this one
constexpr float kMouthLeft = 40.0f, kMouthRight = 88.0f;  // and between these columns

constexpr float kDefaultEyeDistance = 46.0f;  // between the two official masks' (48, 42)

// Where an organ that is not found is masked: its usual place, the mean of the two official masks' boxes
// (crop coordinates). The distiller needs white in the face area, and the face is always here in THA4.
cv::Rect usual_place(const std::string& name) {
  if (name == "right eye") return {20, 30, 40, 42};  // picture x 212..251, y 110..151
  if (name == "left eye") return {68, 30, 40, 42};   // picture x 260..299, y 110..151
  return {28, 84, 72, 34};                           // the mouth: picture x 220..291, y 164..197
}

PictureBox picture_box(const cv::Rect& crop_box) {
  return {crop_box.x + kFaceLeft, crop_box.y + kFaceTop, crop_box.width, crop_box.height};
}

struct FoundParts {
  std::vector<std::pair<std::string, cv::Rect>> parts;
  std::vector<std::string> missing;
};

FoundParts find_parts(const std::vector<cv::Rect>& candidates) {
  FoundParts found;
  const auto take = [&](const char* name, const auto& fits) {
    for (const cv::Rect& box : candidates) {
      if (!fits(centre(box))) continue;
      found.parts.emplace_back(name, box);
      return;
    }
    found.missing.emplace_back(name);
  };
  take("right eye", [](cv::Point2f p) { return p.y < kEyeLine && p.x < kFaceSize / 2.0f; });
  take("left eye", [](cv::Point2f p) { return p.y < kEyeLine && p.x >= kFaceSize / 2.0f; });
  take("mouth", [](cv::Point2f p) { return p.y >= kMouthTop && p.x >= kMouthLeft && p.x <= kMouthRight; });
  return found;
}

cv::Rect mask_box(const std::string& name, const cv::Rect& moving, float eye_distance, const FaceMaskOptions& options) {
  const auto pixels = [eye_distance](float fraction) { return static_cast<int>(std::lround(fraction * eye_distance)); };
  const cv::Rect crop(0, 0, kFaceSize, kFaceSize);
  if (name != "mouth") {
    const int margin = pixels(options.eye_margin);
    return cv::Rect(moving.x - margin, moving.y - margin, moving.width + 2 * margin, moving.height + 2 * margin) & crop;
  }
  const int top = moving.y - pixels(options.mouth_above);
  const int width = std::max(moving.width + 2 * pixels(options.mouth_above), pixels(options.mouth_width));
  const int height = std::max(moving.br().y + pixels(options.mouth_above) - top, pixels(options.mouth_height));
  return cv::Rect(moving.x + moving.width / 2 - width / 2, top, width, height) & crop;
}

}  // namespace

FaceMaskProposal propose_face_mask(const FaceCropFunction& face, const FaceMaskOptions& options) {
  torch::NoGradGuard no_grad;
  const torch::Tensor poses = mask_poses(options);
  const torch::Tensor rest = face(torch::zeros({1, kPoseSize})).to(torch::kCPU, torch::kFloat);
  check_crops(rest, 1);
  torch::Tensor change = torch::zeros({kFaceSize, kFaceSize});
  for (int64_t start = 0; start < poses.size(0); start += options.batch) {
    const int64_t n = std::min<int64_t>(options.batch, poses.size(0) - start);
    const torch::Tensor crops = face(poses.narrow(0, start, n)).to(torch::kCPU, torch::kFloat);
    check_crops(crops, n);
    // −1..1 units to 0..1: a change of 2 is the whole range.
    const torch::Tensor largest = (crops - rest).abs().amax({0, 1}) / 2.0;
    change = torch::maximum(change, largest);
  }
  change = change.contiguous();

  // The organs: what changes a lot, with thin lines (hair and outlines that sway a little) opened away.
  cv::Mat strong(kFaceSize, kFaceSize, CV_8U);
  const float* c = change.data_ptr<float>();
  for (int i = 0; i < kFaceSize * kFaceSize; ++i) strong.data[i] = c[i] > options.threshold ? 255 : 0;
  if (options.open_radius > 0) {
    const int size = 2 * options.open_radius + 1;
    cv::morphologyEx(strong, strong, cv::MORPH_OPEN, cv::getStructuringElement(cv::MORPH_ELLIPSE, {size, size}));
  }
  const FoundParts found = find_parts(organ_candidates(strong, options));

  FaceMaskProposal proposal;
  proposal.missing = found.missing;
  proposal.eye_distance = kDefaultEyeDistance;
  if (found.parts.size() >= 2 && found.parts[1].first == "left eye") {  // both eyes found
    proposal.eye_distance = static_cast<float>(cv::norm(centre(found.parts[0].second) - centre(found.parts[1].second)));
  }
  cv::Mat changed = cv::Mat::zeros(strong.size(), CV_8U);
  for (const auto& [name, moving] : found.parts) {
    const cv::Rect box = mask_box(name, moving, proposal.eye_distance, options);
    cv::rectangle(changed, box, 255, cv::FILLED);
    proposal.parts.push_back({name, picture_box(moving), picture_box(box)});
  }
  for (const std::string& name : found.missing) cv::rectangle(changed, usual_place(name), 255, cv::FILLED);

  proposal.poses = static_cast<int>(poses.size(0));
  proposal.change.assign(c, c + kFaceSize * kFaceSize);
  proposal.mask = Rgba8Image(kImageSize, kImageSize);
  for (std::size_t i = 3; i < proposal.mask.pixels.size(); i += 4) proposal.mask.pixels[i] = 255;
  int marked = 0;
  for (int y = 0; y < kFaceSize; ++y) {
    for (int x = 0; x < kFaceSize; ++x) {
      if (changed.at<std::uint8_t>(y, x) == 0) continue;
      std::uint8_t* p = proposal.mask.at(kFaceLeft + x, kFaceTop + y);
      p[0] = p[1] = p[2] = 255;
      ++marked;
    }
  }
  proposal.face_fraction = static_cast<double>(marked) / (kFaceSize * kFaceSize);
  return proposal;
}

double mask_iou(const Rgba8Image& a, const Rgba8Image& b) {
  if (a.width != b.width || a.height != b.height) throw Error("the masks differ in size");
  std::size_t both = 0, either = 0;
  for (std::size_t i = 0; i < a.pixels.size(); i += 4) {
    const bool in_a = a.pixels[i] != 0, in_b = b.pixels[i] != 0;
    both += in_a && in_b;
    either += in_a || in_b;
  }
  return either == 0 ? 1.0 : static_cast<double>(both) / static_cast<double>(either);
}

Rgba8Image change_map_image(const FaceMaskProposal& proposal, float threshold) {
  Rgba8Image image(kFaceSize, kFaceSize);
  for (int i = 0; i < kFaceSize * kFaceSize; ++i) {
    const float change = proposal.change[static_cast<std::size_t>(i)];
    const auto grey = static_cast<std::uint8_t>(std::lround(std::clamp(change / 0.25f, 0.0f, 1.0f) * 255.0f));
    std::uint8_t* p = &image.pixels[static_cast<std::size_t>(i) * 4];
    p[0] = p[1] = p[2] = grey;
    if (change > threshold) p[1] = p[2] = static_cast<std::uint8_t>(grey / 2);  // above the threshold: reddish
    p[3] = 255;
  }
  return image;
}

namespace {

cv::Mat mask_pixels(const Rgba8Image& mask) {
  cv::Mat inside(mask.height, mask.width, CV_8U);
  for (int y = 0; y < mask.height; ++y) {
    for (int x = 0; x < mask.width; ++x) inside.at<std::uint8_t>(y, x) = mask.at(x, y)[0] != 0 ? 255 : 0;
  }
  return inside;
}

cv::Mat outline(const cv::Mat& inside) {
  cv::Mat edge;
  cv::morphologyEx(inside, edge, cv::MORPH_GRADIENT, cv::getStructuringElement(cv::MORPH_RECT, {3, 3}));
  return edge;
}

}  // namespace

Rgba8Image mask_preview(const Rgba8Image& character, const Rgba8Image& mask, const Rgba8Image* reference) {
  if (character.width != mask.width || character.height != mask.height ||
      (reference != nullptr && (reference->width != mask.width || reference->height != mask.height))) {
    throw Error("the picture and the masks differ in size");
  }
  const int w = character.width, h = character.height;
  const cv::Mat inside = mask_pixels(mask);
  const cv::Mat edge = outline(inside);
  const cv::Mat reference_edge = reference != nullptr ? outline(mask_pixels(*reference)) : cv::Mat::zeros(h, w, CV_8U);
  Rgba8Image preview(w, h);
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      const std::uint8_t* p = character.at(x, y);
      const float alpha = p[3] / 255.0f;
      const float board = ((x / 16 + y / 16) % 2 == 0) ? 200.0f : 160.0f;
      float rgb[3];
      for (int k = 0; k < 3; ++k) rgb[k] = p[k] * alpha + board * (1.0f - alpha);
      if (inside.at<std::uint8_t>(y, x) != 0) {  // tint the masked pixels magenta, half strength
        rgb[0] = 0.5f * rgb[0] + 0.5f * 255.0f;
        rgb[1] = 0.5f * rgb[1];
        rgb[2] = 0.5f * rgb[2] + 0.5f * 255.0f;
      }
      const bool on_rows = y == kFaceTop - 1 || y == kFaceTop + kFaceSize;
      const bool on_cols = x == kFaceLeft - 1 || x == kFaceLeft + kFaceSize;
      const bool within_cols = x >= kFaceLeft - 1 && x <= kFaceLeft + kFaceSize;
      const bool within_rows = y >= kFaceTop - 1 && y <= kFaceTop + kFaceSize;
      const bool frame = (on_rows && within_cols) || (on_cols && within_rows);
      std::uint8_t* q = preview.at(x, y);
      if (reference_edge.at<std::uint8_t>(y, x) != 0) {
        q[0] = 0, q[1] = 255, q[2] = 255;  // the hand-made mask's outline in cyan
      } else if (edge.at<std::uint8_t>(y, x) != 0) {
        q[0] = 255, q[1] = 255, q[2] = 0;  // the outline in yellow
      } else if (frame) {
        q[0] = 0, q[1] = 160, q[2] = 255;  // the face crop in blue
      } else {
        for (int k = 0; k < 3; ++k) q[k] = static_cast<std::uint8_t>(std::lround(std::clamp(rgb[k], 0.0f, 255.0f)));
      }
      q[3] = 255;
    }
  }
  return preview;
}

}  // namespace tha4::distill
