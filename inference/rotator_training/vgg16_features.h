#pragma once
// The front of torchvision's VGG16 (`vgg16().features[0:16]`), the feature extractor of the perceptual loss
// (seed supplement §2.2): conv1_1 … conv3_3 with their ReLUs and the two max-pools between, returning the
// relu1_2, relu2_2 and relu3_3 activations. Its weights are frozen: only the networks being trained learn.
//
// Weights come from torchvision's `vgg16` state dict saved with torch.save (the zip format of PyTorch ≥ 1.6):
// keys `features.{0,2,5,7,10,12,14}.{weight,bias}` are used, every other key (the deeper convolutions, the
// classifier) is ignored. vgg16_bn, vgg19 and files in PyTorch's legacy format are refused with a message
// saying what the file is and how to get the right one.

#include <torch/torch.h>

#include <array>
#include <filesystem>
#include <string>

namespace tha4::rotator_training {

// The convolutions of VGG16's first three blocks, as (state-dict index, input channels, output channels).
struct Vgg16Conv {
  int index;
  int in_channels;
  int out_channels;
};
inline constexpr std::array<Vgg16Conv, 7> kVgg16Convs{{
    {0, 3, 64},
    {2, 64, 64},  // block 1 → relu1_2
    {5, 64, 128},
    {7, 128, 128},  // block 2 → relu2_2
    {10, 128, 256},
    {12, 256, 256},
    {14, 256, 256},  // block 3 → relu3_3
}};

// torchvision's ImageNet normalisation of an RGB image in [0, 1]: (x − mean) / std per channel.
inline constexpr std::array<double, 3> kImageNetMean{0.485, 0.456, 0.406};
inline constexpr std::array<double, 3> kImageNetStd{0.229, 0.224, 0.225};

class Vgg16FeaturesImpl : public torch::nn::Module {
 public:
  Vgg16FeaturesImpl();
  // x (N, 3, H, W), already ImageNet-normalised -> {relu1_2 (N, 64, H, W), relu2_2 (N, 128, H/2, W/2),
  // relu3_3 (N, 256, H/4, W/4)}.
  std::array<torch::Tensor, 3> forward(const torch::Tensor& x);

  torch::nn::ModuleList convs{nullptr};  // kVgg16Convs in order
};
TORCH_MODULE(Vgg16Features);

// Builds the extractor from a torchvision vgg16 state-dict file, frozen (no gradients, eval mode) on
// `device`. Throws WeightFileError naming the file and the key for anything that is not such a file.
Vgg16Features load_vgg16_features(const std::filesystem::path& file, const torch::Device& device = torch::kCPU);

// How to get the file (shown in errors and in `tha4 train --help`).
std::string vgg16_download_help();

}  // namespace tha4::rotator_training
