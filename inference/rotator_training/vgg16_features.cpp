#include "inference/rotator_training/vgg16_features.h"

#include "inference/util/errors.h"
#include "inference/weights/tensor_archive.h"

#include <fstream>
#include <map>

namespace tha4::rotator_training {
namespace {

namespace nn = torch::nn;

std::string key(int index, const char* what) { return "features." + std::to_string(index) + "." + what; }

// PyTorch's legacy serialisation (before 1.6, and torchvision's own vgg16-397923af.pth) starts with a pickled
// magic number: protocol-2 opcode 0x80 0x02 then LONG1 0x8a 0x0a. The zip format starts with "PK".
bool is_legacy_torch_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  char head[3] = {};
  in.read(head, 3);
  return in.gcount() == 3 && static_cast<unsigned char>(head[0]) == 0x80 && head[1] == 0x02 &&
         static_cast<unsigned char>(head[2]) == 0x8a;
}

void check_variant(const std::map<std::string, torch::Tensor>& tensors, const std::string& source) {
  // vgg16_bn has BatchNorm after each conv (features.1 has a weight); vgg19 has a fourth conv in block 3
  // (features.16), where vgg16 has its third max-pool.
  if (tensors.count("features.1.weight") != 0) {
    throw WeightFileError(source +
                          " looks like vgg16_bn (BatchNorm weights at features.1); the perceptual loss uses "
                          "plain vgg16\n" +
                          vgg16_download_help());
  }
  if (tensors.count("features.16.weight") != 0) {
    throw WeightFileError(source +
                          " looks like vgg19 (a convolution at features.16); the perceptual loss uses "
                          "vgg16\n" +
                          vgg16_download_help());
  }
}

}  // namespace

Vgg16FeaturesImpl::Vgg16FeaturesImpl() : convs(register_module("convs", nn::ModuleList())) {
  for (const Vgg16Conv& conv : kVgg16Convs) {
    convs->push_back(nn::Conv2d(nn::Conv2dOptions(conv.in_channels, conv.out_channels, 3).padding(1).bias(true)));
  }
}

std::array<torch::Tensor, 3> Vgg16FeaturesImpl::forward(const torch::Tensor& x) {
  auto conv = [&](std::size_t i, const torch::Tensor& h) {
    return torch::relu(convs[i]->as<nn::Conv2d>()->forward(h));
  };
  const torch::Tensor relu1_2 = conv(1, conv(0, x));
  torch::Tensor h = torch::max_pool2d(relu1_2, 2, 2);
  const torch::Tensor relu2_2 = conv(3, conv(2, h));
  h = torch::max_pool2d(relu2_2, 2, 2);
  const torch::Tensor relu3_3 = conv(6, conv(5, conv(4, h)));
  return {relu1_2, relu2_2, relu3_3};
}

Vgg16Features load_vgg16_features(const std::filesystem::path& file, const torch::Device& device) {
  const std::string source = file.string();
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec)) {
    throw WeightFileError("the VGG16 weights " + source + " do not exist\n" + vgg16_download_help());
  }
  if (is_legacy_torch_file(file)) {
    throw WeightFileError(source +
                          " is in PyTorch's legacy (pre-1.6) format, which this program does not read; "
                          "re-save it in the zip format:\n  python3 -c \"import torch; torch.save(torch.load('" +
                          source + "'), 'vgg16.pt')\"");
  }
  std::map<std::string, torch::Tensor> tensors;
  for (NamedTensor& entry : read_tensor_archive(file, torch::kCPU)) tensors[entry.name] = std::move(entry.tensor);
  check_variant(tensors, source);
  if (tensors.count("features.0.weight") == 0) {
    throw WeightFileError(source + " is not a torchvision vgg16 state dict (no features.0.weight)\n" +
                          vgg16_download_help());
  }
  Vgg16Features vgg;
  torch::NoGradGuard no_grad;
  for (std::size_t i = 0; i < kVgg16Convs.size(); ++i) {
    const Vgg16Conv& expected = kVgg16Convs[i];
    auto& conv = *vgg->convs[i]->as<nn::Conv2d>();
    for (auto [name, target] : {std::pair<const char*, torch::Tensor*>{"weight", &conv.weight}, {"bias", &conv.bias}}) {
      const std::string k = key(expected.index, name);
      const auto found = tensors.find(k);
      if (found == tensors.end())
        throw WeightFileError(source + " has no " + k + " (not a torchvision vgg16 state dict)");
      if (found->second.sizes() != target->sizes() || found->second.scalar_type() != torch::kFloat) {
        throw WeightFileError(source + ": " + k + " is " +
                              c10::str(found->second.scalar_type(), found->second.sizes()) + ", vgg16 has float " +
                              c10::str(target->sizes()));
      }
      if (!torch::isfinite(found->second).all().item<bool>())
        throw WeightFileError(source + ": " + k + " holds NaN or infinity");
      target->copy_(found->second);
    }
  }
  for (auto& parameter : vgg->parameters()) parameter.set_requires_grad(false);
  vgg->eval();
  vgg->to(device);
  return vgg;
}

std::string vgg16_download_help() {
  return "The perceptual loss needs torchvision's ImageNet VGG16 weights as a zip-format state dict. With Python:\n"
         "  python3 -c \"import torch, torchvision; torch.save(torchvision.models.vgg16(weights='IMAGENET1K_V1')"
         ".state_dict(), 'vgg16.pt')\"\n"
         "then pass --vgg16 vgg16.pt (or set THA4_VGG16).";
}

}  // namespace tha4::rotator_training
