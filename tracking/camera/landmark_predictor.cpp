#include "tracking/camera/landmark_predictor.h"

#include <dlib/image_processing/shape_predictor.h>
#include <dlib/serialize.h>

#include <cmath>
#include <fstream>
#include <string>

namespace tha4::tracking {
namespace {

constexpr int kShapeValues = 2 * kLandmarkCount;
constexpr int kLeafPrefetchDistance = 6;  // trees ahead; measured: 4-8 are equally good, 0 is 2x slower
constexpr int kCacheLine = 64;

inline void prefetch(const void* address) {
#if defined(__GNUC__)
  __builtin_prefetch(address);
#else
  static_cast<void>(address);
#endif
}

// dlib's serialised shape_predictor, member by member (shape_predictor.h, serialize(): version 1).
struct DlibShapePredictorFile {
  dlib::matrix<float, 0, 1> mean_shape;
  std::vector<std::vector<dlib::impl::regression_tree>> forests;
  std::vector<std::vector<unsigned long>> pixel_anchors;
  std::vector<std::vector<dlib::vector<float, 2>>> pixel_offsets;
};

DlibShapePredictorFile read_dlib_file(const std::filesystem::path& model_file) {
  std::error_code error;
  if (!std::filesystem::is_regular_file(model_file, error)) {
    throw LandmarkModelError("face landmark model not found: " + model_file.string() +
                             " (install the Debian package libdlib-data, which provides "
                             "/usr/share/dlib/shape_predictor_68_face_landmarks.dat, or set the model path)");
  }
  std::ifstream in(model_file, std::ios::binary);
  DlibShapePredictorFile file;
  try {
    int version = 0;
    dlib::deserialize(version, in);
    if (version != 1) throw dlib::serialization_error("unknown shape_predictor version " + std::to_string(version));
    dlib::deserialize(file.mean_shape, in);
    dlib::deserialize(file.forests, in);
    dlib::deserialize(file.pixel_anchors, in);
    dlib::deserialize(file.pixel_offsets, in);
  } catch (const dlib::serialization_error& e) {
    throw LandmarkModelError("not a dlib shape predictor file: " + model_file.string() + " (" + e.what() + ")");
  }
  return file;
}

void require(bool condition, const std::filesystem::path& model_file, const std::string& what) {
  if (!condition) throw LandmarkModelError("unsupported landmark model " + model_file.string() + ": " + what);
}

}  // namespace

LandmarkPredictor::LandmarkPredictor(const std::filesystem::path& model_file) {
  const DlibShapePredictorFile file = read_dlib_file(model_file);
  require(file.mean_shape.size() == kShapeValues, model_file, "it does not have 68 points");
  require(!file.forests.empty() && !file.forests[0].empty() && !file.forests[0][0].splits.empty(), model_file,
          "it has no trees");
  require(file.pixel_anchors.size() == file.forests.size() && file.pixel_offsets.size() == file.forests.size(),
          model_file, "cascade tables disagree");

  cascades_ = static_cast<int>(file.forests.size());
  trees_per_cascade_ = static_cast<int>(file.forests[0].size());
  splits_per_tree_ = static_cast<int>(file.forests[0][0].splits.size());
  pixels_per_cascade_ = static_cast<int>(file.pixel_anchors[0].size());
  require(pixels_per_cascade_ > 0 && pixels_per_cascade_ <= 65536, model_file, "bad feature pool size");

  mean_shape_.assign(file.mean_shape.begin(), file.mean_shape.end());
  splits_.reserve(static_cast<std::size_t>(cascades_) * trees_per_cascade_ * splits_per_tree_);
  leaf_shifts_.reserve(static_cast<std::size_t>(cascades_) * trees_per_cascade_ * (splits_per_tree_ + 1) *
                       kShapeValues);
  for (int c = 0; c < cascades_; ++c) {
    const auto& forest = file.forests[c];
    require(static_cast<int>(forest.size()) == trees_per_cascade_, model_file, "cascades differ in size");
    require(static_cast<int>(file.pixel_anchors[c].size()) == pixels_per_cascade_ &&
                static_cast<int>(file.pixel_offsets[c].size()) == pixels_per_cascade_,
            model_file, "feature pools differ in size");
    for (const auto& tree : forest) {
      require(static_cast<int>(tree.splits.size()) == splits_per_tree_ &&
                  static_cast<int>(tree.leaf_values.size()) == splits_per_tree_ + 1,
              model_file, "trees are not all full and of one depth");
      for (const auto& split : tree.splits) {
        require(split.idx1 < static_cast<unsigned long>(pixels_per_cascade_) &&
                    split.idx2 < static_cast<unsigned long>(pixels_per_cascade_),
                model_file, "a split reads outside the feature pool");
        splits_.push_back(
            {static_cast<std::uint16_t>(split.idx1), static_cast<std::uint16_t>(split.idx2), split.thresh});
      }
      for (const auto& leaf : tree.leaf_values) {
        require(leaf.size() == kShapeValues, model_file, "a leaf is not a 68-point shift");
        leaf_shifts_.insert(leaf_shifts_.end(), leaf.begin(), leaf.end());
      }
    }
    for (int i = 0; i < pixels_per_cascade_; ++i) {
      require(file.pixel_anchors[c][i] < static_cast<unsigned long>(kLandmarkCount), model_file, "bad pixel anchor");
      pixel_anchors_.push_back(static_cast<std::uint16_t>(file.pixel_anchors[c][i]));
      pixel_offsets_.push_back(file.pixel_offsets[c][i].x());
      pixel_offsets_.push_back(file.pixel_offsets[c][i].y());
    }
  }
}

FaceLandmarks LandmarkPredictor::predict(const cv::Mat& gray, const cv::Rect& face_box) const {
  if (gray.type() != CV_8UC1) throw std::invalid_argument("LandmarkPredictor::predict needs an 8-bit grey image");

  // The shape lives in the unit face box: (0,0) is the box's top-left pixel, (1,1) its bottom-right one
  // (dlib's unnormalizing_tform, with dlib's inclusive right and bottom).
  const double box_left = face_box.x;
  const double box_top = face_box.y;
  const double box_width = face_box.width - 1;
  const double box_height = face_box.height - 1;

  float shape[kShapeValues];
  std::copy(mean_shape_.begin(), mean_shape_.end(), shape);
  std::vector<float> pixel_values(pixels_per_cascade_);
  std::vector<const float*> leaves(trees_per_cascade_);
  const int leaves_per_tree = splits_per_tree_ + 1;

  for (int cascade = 0; cascade < cascades_; ++cascade) {
    // The similarity transform (least squares, Umeyama) from the mean shape to the current shape, which
    // carries each sample pixel, defined relative to the mean shape, onto the current face.
    double mean_x = 0, mean_y = 0, shape_x = 0, shape_y = 0;
    for (int p = 0; p < kLandmarkCount; ++p) {
      mean_x += mean_shape_[2 * p];
      mean_y += mean_shape_[2 * p + 1];
      shape_x += shape[2 * p];
      shape_y += shape[2 * p + 1];
    }
    mean_x /= kLandmarkCount;
    mean_y /= kLandmarkCount;
    shape_x /= kLandmarkCount;
    shape_y /= kLandmarkCount;
    double spread = 0, dot = 0, cross = 0;
    for (int p = 0; p < kLandmarkCount; ++p) {
      const double fx = mean_shape_[2 * p] - mean_x, fy = mean_shape_[2 * p + 1] - mean_y;
      const double tx = shape[2 * p] - shape_x, ty = shape[2 * p + 1] - shape_y;
      spread += fx * fx + fy * fy;
      dot += fx * tx + fy * ty;
      cross += fx * ty - fy * tx;
    }
    const float scale_cos = static_cast<float>(dot / spread);
    const float scale_sin = static_cast<float>(cross / spread);

    const std::size_t pixel_base = static_cast<std::size_t>(cascade) * pixels_per_cascade_;
    for (int i = 0; i < pixels_per_cascade_; ++i) {
      const float dx = pixel_offsets_[2 * (pixel_base + i)];
      const float dy = pixel_offsets_[2 * (pixel_base + i) + 1];
      const int anchor = pixel_anchors_[pixel_base + i];
      const float x = scale_cos * dx - scale_sin * dy + shape[2 * anchor];
      const float y = scale_sin * dx + scale_cos * dy + shape[2 * anchor + 1];
      const long px = static_cast<long>(std::floor(box_left + box_width * x + 0.5));
      const long py = static_cast<long>(std::floor(box_top + box_height * y + 0.5));
      const bool inside = px >= 0 && py >= 0 && px < gray.cols && py < gray.rows;
      pixel_values[i] = inside ? gray.ptr<std::uint8_t>(static_cast<int>(py))[px] : 0.0F;
    }

    // Walk every tree first; gather the leaves afterwards, so their loads can be prefetched.
    const std::size_t tree_base = static_cast<std::size_t>(cascade) * trees_per_cascade_;
    for (int t = 0; t < trees_per_cascade_; ++t) {
      const Split* split = &splits_[(tree_base + t) * splits_per_tree_];
      int node = 0;
      while (node < splits_per_tree_) {
        const Split& s = split[node];
        node = pixel_values[s.pixel_a] - pixel_values[s.pixel_b] > s.threshold ? 2 * node + 1 : 2 * node + 2;
      }
      leaves[t] = &leaf_shifts_[((tree_base + t) * leaves_per_tree + (node - splits_per_tree_)) * kShapeValues];
    }
    for (int t = 0; t < trees_per_cascade_; ++t) {
      if (t + kLeafPrefetchDistance < trees_per_cascade_) {
        const char* ahead = reinterpret_cast<const char*>(leaves[t + kLeafPrefetchDistance]);
        for (std::size_t offset = 0; offset < kShapeValues * sizeof(float); offset += kCacheLine)
          prefetch(ahead + offset);
      }
      const float* leaf = leaves[t];
      for (int k = 0; k < kShapeValues; ++k) shape[k] += leaf[k];
    }
  }

  FaceLandmarks landmarks;
  for (int p = 0; p < kLandmarkCount; ++p) {
    landmarks[p] = {static_cast<float>(box_left + box_width * shape[2 * p]),
                    static_cast<float>(box_top + box_height * shape[2 * p + 1])};
  }
  return landmarks;
}

}  // namespace tha4::tracking
