// Weight loading: the official student files, the goldens, damaged files and the pickle subset.

#include "inference/util/errors.h"
#include "inference/weights/pickle_reader.h"
#include "inference/weights/state_dict.h"
#include "inference/weights/tensor_archive.h"
#include "tests/test_support.h"

#include <caffe2/serialize/inline_container.h>
#include <catch2/catch.hpp>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <torch/torch.h>

#include <fstream>
#include <functional>
#include <random>
#include <sstream>

namespace fs = std::filesystem;
using Catch::Matchers::Contains;

namespace {

// ---- the manifest and a module with its keys ----

struct ManifestEntry {
  std::string key;
  std::vector<int64_t> shape;
};

// The lines "network key shape" of golden/student_manifest.txt for one network, in file order.
std::vector<ManifestEntry> read_manifest(const std::string& network) {
  std::ifstream in(tha4::test::golden_dir() / "student_manifest.txt");
  REQUIRE(in);
  std::vector<ManifestEntry> entries;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    std::string name, key, shape;
    fields >> name >> key >> shape;
    if (name != network) continue;
    ManifestEntry entry{key, {}};
    std::istringstream dims(shape);
    for (std::string dim; std::getline(dims, dim, ',');) entry.shape.push_back(std::stoll(dim));
    entries.push_back(entry);
  }
  REQUIRE_FALSE(entries.empty());
  return entries;
}

// A module whose state-dict keys and shapes are the manifest's: one submodule per dotted prefix, as the student
// networks register them. It keeps these tests independent of the network classes.
class KeyedModule : public torch::nn::Module {
 public:
  explicit KeyedModule(const std::vector<ManifestEntry>& entries) {
    for (const auto& entry : entries) add(entry.key, entry.shape);
  }

 private:
  KeyedModule() = default;

  void add(const std::string& key, const std::vector<int64_t>& shape) {
    const auto dot = key.find('.');
    if (dot == std::string::npos) {
      register_parameter(key, torch::zeros(shape));
      return;
    }
    const std::string head = key.substr(0, dot);
    const auto children = named_children();
    std::shared_ptr<KeyedModule> child;
    if (const auto* found = children.find(head)) {
      child = std::dynamic_pointer_cast<KeyedModule>(*found);
    } else {
      child = register_module(head, std::shared_ptr<KeyedModule>(new KeyedModule()));
    }
    child->add(key.substr(dot + 1), shape);
  }
};

// ---- files and archives ----

fs::path model_file(const std::string& character, const std::string& network) {
  return tha4::test::models_dir() / character / (network + ".pt");
}

std::string read_bytes(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::string bytes(static_cast<std::size_t>(fs::file_size(file)), '\0');
  in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  REQUIRE(in);
  return bytes;
}

void write_bytes(const fs::path& file, const std::string& bytes) {
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  REQUIRE(out);
}

// The records of a torch.save archive (names without the top folder), in archive order.
using Records = std::vector<std::pair<std::string, std::string>>;

Records read_records(const fs::path& file) {
  caffe2::serialize::PyTorchStreamReader reader(file.string());
  Records records;
  for (const auto& name : reader.getAllRecords()) {
    const auto [data, size] = reader.getRecord(name);
    records.emplace_back(name, std::string(static_cast<const char*>(data.get()), size));
  }
  return records;
}

// Writes a valid archive (fresh checksums) with these records, so the loader sees exactly the edited content.
void write_records(const fs::path& file, const Records& records) {
  caffe2::serialize::PyTorchStreamWriter writer(file.string());
  for (const auto& [name, data] : records) {
    if (name != "version") writer.writeRecord(name, data.data(), data.size());
  }
  writer.writeEndOfFile();
}

std::string& record(Records& records, const std::string& name) {
  for (auto& [record_name, data] : records) {
    if (record_name == name) return data;
  }
  FAIL("no record " << name);
  throw std::logic_error("unreachable");
}

void replace_once(std::string& text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  REQUIRE(at != std::string::npos);
  text.replace(at, from.size(), to);
}

// The message of the WeightFileError that `load` throws; the test fails if it throws nothing or anything else.
std::string weight_file_error(const std::function<void()>& load) {
  try {
    load();
  } catch (const tha4::WeightFileError& error) {
    return error.what();
  }
  FAIL("expected a tha4::WeightFileError");
  return {};
}

// Loads `file` if it is intact enough; true when it loaded, false when it threw WeightFileError. Any other
// exception escapes and fails the test.
bool loads_or_is_rejected(const fs::path& file) {
  try {
    tha4::read_tensor_archive(file);
    return true;
  } catch (const tha4::WeightFileError& error) {
    CHECK_THAT(error.what(), Contains(file.string()));
    return false;
  }
}

std::uint32_t read_le32(const std::string& bytes, std::size_t offset) {
  std::uint32_t value = 0;
  for (int i = 0; i < 4; ++i) value |= std::uint32_t{static_cast<unsigned char>(bytes[offset + i])} << (8 * i);
  return value;
}

// ---- hand-built pickles ----

std::string le(std::uint32_t value, int bytes) {
  std::string text;
  for (int i = 0; i < bytes; ++i) text += static_cast<char>((value >> (8 * i)) & 0xff);
  return text;
}
std::string unicode(const std::string& text) { return "X" + le(static_cast<std::uint32_t>(text.size()), 4) + text; }
std::string global(const std::string& module, const std::string& name) { return "c" + module + "\n" + name + "\n"; }
std::string binint(std::int32_t value) { return "J" + le(static_cast<std::uint32_t>(value), 4); }
std::string int_tuple(const std::vector<std::int32_t>& values) {
  std::string text = "(";
  for (auto value : values) text += binint(value);
  return text + "t";
}

// _rebuild_tensor_v2(storage, offset, size, stride, False, OrderedDict()) over a FloatStorage "0" on the CPU.
std::string tensor_value(std::int32_t numel, const std::vector<std::int32_t>& sizes,
                         const std::vector<std::int32_t>& strides, std::int32_t offset = 0) {
  return global("torch._utils", "_rebuild_tensor_v2") + "((" + unicode("storage") + global("torch", "FloatStorage") +
         unicode("0") + unicode("cpu") + binint(numel) + "tQ" + binint(offset) + int_tuple(sizes) + int_tuple(strides) +
         "\x89" + global("collections", "OrderedDict") + ")RtR";
}

// {name: tensor} as torch.save pickles a plain dict.
std::string tensor_dict(const std::string& entries) { return "\x80\x02}(" + entries + "u."; }

std::vector<tha4::PickledTensor> parse(const std::string& bytes, std::size_t size) {
  return tha4::parse_tensor_dict_pickle(reinterpret_cast<const std::uint8_t*>(bytes.data()), size);
}
std::vector<tha4::PickledTensor> parse(const std::string& bytes) { return parse(bytes, bytes.size()); }

std::string pickle_error(const std::string& bytes) {
  try {
    parse(bytes);
  } catch (const tha4::PickleError& error) {
    return error.what();
  }
  FAIL("expected a tha4::PickleError");
  return {};
}

}  // namespace

TEST_CASE("weights: official student weights match the manifest", "[weights]") {
  struct Network {
    std::string name;
    std::size_t tensors;
    int64_t scalars;
  };
  for (const std::string character : {"lambda_00", "lambda_01"}) {
    for (const Network& network : {Network{"face_morpher", 18, 121476}, Network{"body_morpher", 20, 331567}}) {
      const fs::path file = model_file(character, network.name);
      CAPTURE(file);
      const auto manifest = read_manifest(network.name);
      const auto tensors = tha4::read_tensor_archive(file);
      REQUIRE(tensors.size() == network.tensors);
      REQUIRE(manifest.size() == network.tensors);
      int64_t scalars = 0;
      for (std::size_t i = 0; i < tensors.size(); ++i) {
        const auto& tensor = tensors[i].tensor;
        CAPTURE(tensors[i].name);
        CHECK(tensors[i].name == manifest[i].key);
        CHECK(tensor.sizes().vec() == manifest[i].shape);
        CHECK(tensor.scalar_type() == torch::kFloat);
        CHECK(tensor.device() == torch::Device(torch::kCPU));
        CHECK(tensor.is_contiguous());
        CHECK(torch::isfinite(tensor).all().item<bool>());
        scalars += tensor.numel();
      }
      CHECK(scalars == network.scalars);

      KeyedModule module(manifest);
      tha4::load_module_weights(module, file);
      for (const auto& parameter : module.named_parameters()) {
        CHECK(torch::equal(parameter.value(), tha4::find_tensor(tensors, parameter.key(), file.string())));
      }
    }
  }
}

TEST_CASE("weights: the student golden is read with its strides", "[weights]") {
  const fs::path file = tha4::test::golden_dir() / "student" / "lambda_00" / "student_golden.pt";
  // The premise: the image is stored channels-last, so reading its storage in order would scramble it.
  const auto records = read_records(file);
  const auto& pickle = records.front().second;
  REQUIRE(records.front().first == "data.pkl");
  const auto pickled = parse(pickle);
  REQUIRE(pickled.at(0).name == "image");
  REQUIRE(pickled.at(0).strides == std::vector<int64_t>{1, 2048, 4});

  const auto tensors = tha4::read_tensor_archive(file);
  REQUIRE(tensors.size() == 4);
  CHECK(tensors[0].name == "image");
  CHECK(tensors[1].name == "poses");
  CHECK(tensors[2].name == "blended");
  CHECK(tensors[3].name == "face");
  for (const auto& tensor : tensors) CHECK(tensor.tensor.is_contiguous());
  const auto& image = tha4::find_tensor(tensors, "image", file.string());
  const auto& poses = tha4::find_tensor(tensors, "poses", file.string());
  const int64_t count = poses.size(0);
  CHECK(image.sizes().vec() == std::vector<int64_t>{4, 512, 512});
  CHECK(poses.sizes().vec() == std::vector<int64_t>{count, 45});
  CHECK(tha4::find_tensor(tensors, "blended", file.string()).sizes().vec() == std::vector<int64_t>{count, 4, 512, 512});
  CHECK(tha4::find_tensor(tensors, "face", file.string()).sizes().vec() == std::vector<int64_t>{count, 4, 128, 128});
  CHECK(image.min().item<float>() >= -1.0f);
  CHECK(image.max().item<float>() <= 1.0f);

  // The alpha channel is the PNG's alpha byte mapped to [-1, 1] in float32, pixel for pixel.
  const cv::Mat png =
      cv::imread((tha4::test::models_dir() / "lambda_00" / "character.png").string(), cv::IMREAD_UNCHANGED);
  REQUIRE(png.type() == CV_8UC4);
  REQUIRE(png.rows == 512);
  REQUIRE(png.cols == 512);
  const torch::Tensor alpha_channel = image[3];
  const auto alpha = alpha_channel.accessor<float, 2>();
  int64_t mismatches = 0;
  for (int y = 0; y < png.rows; ++y) {
    for (int x = 0; x < png.cols; ++x) {
      const float a = static_cast<float>(png.at<cv::Vec4b>(y, x)[3]) / 255.0f;
      if (alpha[y][x] != a * 2.0f - 1.0f) ++mismatches;
    }
  }
  CHECK(mismatches == 0);
  CHECK(alpha_channel.min().item<float>() == -1.0f);  // transparent and opaque pixels both occur
  CHECK(alpha_channel.max().item<float>() == 1.0f);
}

TEST_CASE("weights: every teacher golden loads as finite float32 tensors", "[weights]") {
  int files = 0;
  for (const auto& entry : fs::directory_iterator(tha4::test::golden_dir() / "teacher")) {
    if (entry.path().extension() != ".pt") continue;
    ++files;
    CAPTURE(entry.path());
    const auto tensors = tha4::read_tensor_archive(entry.path());
    CHECK_FALSE(tensors.empty());
    for (const auto& [name, tensor] : tensors) {
      CAPTURE(name);
      CHECK(tensor.scalar_type() == torch::kFloat);
      CHECK(tensor.is_contiguous());
      CHECK(torch::isfinite(tensor).all().item<bool>());
    }
  }
  CHECK(files == 6);
}

TEST_CASE("weights: tensors may view one storage at any offset and stride", "[weights]") {
  const tha4::test::ScratchDir scratch("weights-views");
  const fs::path file = scratch.path() / "views.pt";
  const std::vector<float> values{0, 1, 2, 3, 4, 5};
  const std::string storage(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(float));
  write_records(
      file,
      {{"data.pkl", tensor_dict(unicode("matrix") + tensor_value(6, {2, 3}, {3, 1}) + unicode("odd") +
                                tensor_value(6, {3}, {2}, 1) + unicode("transposed") + tensor_value(6, {3, 2}, {1, 3}) +
                                unicode("broadcast") + tensor_value(6, {2, 2}, {0, 1}, 4))},
       {"data/0", storage}});
  const auto tensors = tha4::read_tensor_archive(file);
  REQUIRE(tensors.size() == 4);
  const auto expect = [&](const std::string& name, const torch::Tensor& expected) {
    const auto& tensor = tha4::find_tensor(tensors, name, file.string());
    CHECK(tensor.is_contiguous());
    CHECK(torch::equal(tensor, expected));
  };
  const auto all = torch::tensor(values);
  expect("matrix", all.view({2, 3}));
  expect("odd", torch::tensor({1.0f, 3.0f, 5.0f}));
  expect("transposed", all.view({2, 3}).t());
  expect("broadcast", torch::tensor({4.0f, 5.0f, 4.0f, 5.0f}).view({2, 2}));

  // One storage cannot be two types.
  std::string pickle = tensor_dict(unicode("a") + tensor_value(6, {6}, {1}) + unicode("b") + tensor_value(6, {6}, {1}));
  replace_once(pickle, "FloatStorage", "IntStorage");  // only the first tensor's
  write_records(file, {{"data.pkl", pickle}, {"data/0", storage}});
  CHECK_THAT(weight_file_error([&] { tha4::read_tensor_archive(file); }),
             Contains(file.string()) && Contains("two different types"));
}

TEST_CASE("weights: load_state_dict rejects mismatches and leaves the module unchanged", "[weights]") {
  const fs::path file = model_file("lambda_00", "face_morpher");
  KeyedModule module(read_manifest("face_morpher"));
  const auto original = tha4::read_tensor_archive(file);
  tha4::load_state_dict(module, original, "face_morpher.pt");

  // Different values, so that a partial load would show.
  std::vector<tha4::NamedTensor> tensors;
  for (const auto& [name, tensor] : original) tensors.push_back({name, tensor * 2});
  const auto rejected = [&](const std::vector<tha4::NamedTensor>& damaged) {
    const std::string message = weight_file_error([&] { tha4::load_state_dict(module, damaged, "face_morpher.pt"); });
    CHECK_THAT(message, Contains("face_morpher.pt"));
    for (const auto& parameter : module.named_parameters()) {
      CHECK(torch::equal(parameter.value(), tha4::find_tensor(original, parameter.key(), "original")));
    }
    return message;
  };

  SECTION("a renamed key") {
    tensors[0].name = "siren.sine_layers.0.linear.wEight";
    const std::string message = rejected(tensors);
    CHECK_THAT(message, Contains("key 'siren.sine_layers.0.linear.weight' is missing"));
    CHECK_THAT(message, Contains("unexpected key 'siren.sine_layers.0.linear.wEight'"));
  }
  SECTION("a tensor of another shape") {
    tensors[0].tensor = tensors[0].tensor.narrow(1, 0, 40).contiguous();
    CHECK_THAT(rejected(tensors), Contains("key 'siren.sine_layers.0.linear.weight' has shape [128, 40, 1, 1] in the "
                                           "file, the network expects [128, 41, 1, 1]"));
  }
  SECTION("a tensor of another dtype") {
    tensors[1].tensor = tensors[1].tensor.to(torch::kDouble);
    CHECK_THAT(rejected(tensors), Contains("key 'siren.sine_layers.0.linear.bias' has dtype Double in the file, "
                                           "the network expects Float"));
  }
  SECTION("a missing key") {
    tensors.pop_back();
    CHECK_THAT(rejected(tensors), Contains("key 'siren.last_linear.bias' is missing"));
  }
  SECTION("an extra key") {
    tensors.push_back({"extra.weight", torch::zeros({3})});
    CHECK_THAT(rejected(tensors), Contains("unexpected key 'extra.weight'"));
  }
  SECTION("a duplicated key") {
    tensors.push_back(tensors[2]);
    CHECK_THAT(rejected(tensors), Contains("key 'siren.sine_layers.1.linear.weight' appears twice"));
  }
  SECTION("a good copy loads") {
    tha4::load_state_dict(module, tensors, "face_morpher.pt");
    CHECK(torch::equal(module.named_parameters()["siren.last_linear.bias"], tensors.back().tensor));
  }
}

TEST_CASE("weights: load_state_dict fills buffers too, with their own dtype", "[weights]") {
  torch::nn::Sequential module(torch::nn::Conv2d(torch::nn::Conv2dOptions(2, 3, 1)), torch::nn::BatchNorm2d(3));
  std::vector<tha4::NamedTensor> tensors;
  for (const auto& item : module->named_parameters())
    tensors.push_back({item.key(), torch::rand(item.value().sizes())});
  for (const auto& item : module->named_buffers()) tensors.push_back({item.key(), item.value() + 7});
  tha4::load_state_dict(*module, tensors, "sequential.pt");
  const auto buffers = module->named_buffers();
  CHECK(buffers["1.num_batches_tracked"].scalar_type() == torch::kLong);
  CHECK(buffers["1.num_batches_tracked"].item<int64_t>() == 7);
  CHECK(torch::equal(module->named_parameters()["0.weight"], tensors.front().tensor));

  tensors.erase(
      std::find_if(tensors.begin(), tensors.end(), [](const auto& tensor) { return tensor.name == "1.running_var"; }));
  CHECK_THAT(weight_file_error([&] { tha4::load_state_dict(*module, tensors, "sequential.pt"); }),
             Contains("sequential.pt: key '1.running_var' is missing"));
}

TEST_CASE("weights: find_tensor names the source when a key is absent", "[weights]") {
  const std::vector<tha4::NamedTensor> tensors{{"a", torch::ones({1})}};
  CHECK(tha4::find_tensor(tensors, "a", "x.pt").item<float>() == 1.0f);
  CHECK_THAT(weight_file_error([&] { tha4::find_tensor(tensors, "b", "x.pt"); }), Contains("x.pt") && Contains("'b'"));
}

TEST_CASE("weights: damaged files are rejected with a message naming the file", "[weights]") {
  const tha4::test::ScratchDir scratch("weights");
  const fs::path source = model_file("lambda_00", "face_morpher");
  const std::string bytes = read_bytes(source);
  const auto rejected = [&](const std::string& name, const std::string& content) {
    const fs::path file = scratch.path() / name;
    write_bytes(file, content);
    const std::string message = weight_file_error([&] { tha4::read_tensor_archive(file); });
    CHECK_THAT(message, Contains(file.string()));
    return message;
  };
  const auto flipped = [&](std::size_t offset) {
    std::string copy = bytes;
    copy[offset] = static_cast<char>(copy[offset] ^ 0x5a);
    return copy;
  };

  SECTION("missing, empty, not a file, not a zip") {
    const fs::path missing = scratch.path() / "missing.pt";
    CHECK_THAT(weight_file_error([&] { tha4::read_tensor_archive(missing); }),
               Contains(missing.string()) && Contains("file not found"));
    CHECK_THAT(weight_file_error([&] { tha4::read_tensor_archive(scratch.path()); }),
               Contains(scratch.path().string()) && Contains("not a regular file"));
    CHECK_THAT(rejected("empty.pt", ""), Contains("empty"));
    CHECK_THAT(rejected("text.pt", "these are not the weights you are looking for\n"), Contains("not a zip"));
  }
  SECTION("truncated") {
    for (const std::size_t length : {std::size_t{10}, bytes.size() / 2, bytes.size() - 1}) {
      CAPTURE(length);
      rejected("truncated.pt", bytes.substr(0, length));
    }
  }
  SECTION("bytes flipped in data.pkl or in a tensor (the zip checksums catch them)") {
    CHECK_THAT(rejected("flipped.pt", flipped(bytes.size() / 2)), Contains("CRC-32"));
    for (const std::string& landmark :
         {std::string("\x80\x02"
                      "ccollections"),
          std::string("siren.sine_layers.0"), std::string("cuda:0"), std::string("_metadata")}) {
      const auto at = bytes.find(landmark);
      REQUIRE(at != std::string::npos);
      rejected("flipped.pt", flipped(at + 1));
    }
  }
  SECTION("bytes flipped in the zip directory") {
    const auto end = bytes.rfind("PK\x05\x06");
    REQUIRE(end != std::string::npos);
    const std::size_t directory = read_le32(bytes, end + 16);
    // signature, method, sizes, name and extra lengths, header offset, name; then the end record's fields.
    for (const std::size_t offset : {directory, directory + 10, directory + 20, directory + 24, directory + 28,
                                     directory + 30, directory + 42, directory + 46 + 8, end, end + 10, end + 16}) {
      CAPTURE(offset);
      rejected("directory.pt", flipped(offset));
    }
  }
  SECTION("zips that LibTorch's reader would mishandle are refused before it sees them (found by fuzzing)") {
    // The central-directory entry of `name`.
    const auto central_entry = [&](const std::string& archive, const std::string& name) {
      for (std::size_t entry = archive.find("PK\x01\x02"); entry != std::string::npos;
           entry = archive.find("PK\x01\x02", entry + 4)) {
        if (archive.compare(entry + 46, name.size(), name) == 0) return entry;
      }
      FAIL("no central entry named " << name);
      return std::size_t{0};
    };
    // No version record: PyTorchStreamReader would throw in its constructor and leak its zip state.
    std::string no_version = bytes;
    for (std::size_t at = no_version.find("archive/version"); at != std::string::npos;
         at = no_version.find("archive/version", at + 1)) {
      no_version[at + 14] = 'x';
    }
    CHECK_THAT(rejected("no_version.pt", no_version), Contains("no archive/version record"));
    // A folder attribute: miniz would extract nothing and leave the storage's bytes uninitialised.
    std::string folder = bytes;
    folder[central_entry(folder, "archive/data.pkl") + 38] |= 0x10;
    CHECK_THAT(rejected("folder.pt", folder), Contains("folder entry"));
    // Strong encryption, which miniz refuses only when the record is read.
    std::string encrypted = bytes;
    encrypted[central_entry(encrypted, "archive/version") + 8] |= 0x40;
    CHECK_THAT(rejected("encrypted.pt", encrypted), Contains("zip features torch.save never writes"));
    // A NUL inside a name: LibTorch would look up a shorter name than the one checked.
    std::string nul = bytes;
    nul[central_entry(nul, "archive/data.pkl") + 46 + 1] = '\0';
    CHECK_THAT(rejected("nul.pt", nul), Contains("name holds bytes"));
  }
  SECTION("a zip without data.pkl") {
    const fs::path file = scratch.path() / "no_pickle.pt";
    write_records(file, {{"notes.txt", "hello"}});
    CHECK_THAT(weight_file_error([&] { tha4::read_tensor_archive(file); }),
               Contains(file.string()) && Contains("data.pkl"));
  }
  SECTION("a pickle that is not a dict of tensors") {
    const fs::path file = scratch.path() / "not_tensors.pt";
    write_records(file, {{"data.pkl", "\x80\x02}" + unicode("a") + "K\x01s."}});
    CHECK_THAT(weight_file_error([&] { tha4::read_tensor_archive(file); }),
               Contains(file.string()) && Contains("'a' is not a tensor"));
  }

  const Records records = read_records(source);
  const auto edited = [&](const std::string& name, const std::function<void(Records&)>& edit) {
    Records copy = records;
    edit(copy);
    const fs::path file = scratch.path() / name;
    write_records(file, copy);
    return file;
  };
  SECTION("a missing storage record") {
    const fs::path file = edited("no_storage.pt", [](Records& copy) {
      copy.erase(std::find_if(copy.begin(), copy.end(), [](const auto& entry) { return entry.first == "data/3"; }));
    });
    CHECK_THAT(weight_file_error([&] { tha4::read_tensor_archive(file); }),
               Contains(file.string()) && Contains("'data/3' is missing"));
  }
  SECTION("a storage record of the wrong size") {
    const fs::path file = edited("short_storage.pt", [](Records& copy) { record(copy, "data/1").resize(100); });
    CHECK_THAT(weight_file_error([&] { tha4::read_tensor_archive(file); }),
               Contains(file.string()) && Contains("'data/1' holds 100 bytes"));
  }
  SECTION("a tensor larger than its storage") {
    // The first storage holds 128·41 = 5248 (BININT2 0x1480) floats; claim 5000 (0x1388).
    const fs::path file = edited("small_storage.pt", [](Records& copy) {
      replace_once(record(copy, "data.pkl"), std::string("M\x80\x14", 3), std::string("M\x88\x13", 3));
    });
    CHECK_THAT(weight_file_error([&] { tha4::read_tensor_archive(file); }),
               Contains(file.string()) && Contains("outside its storage"));
  }
  SECTION("a renamed key") {
    const auto rename = [](std::string& pickle) {
      replace_once(pickle, "siren.sine_layers.0.linear.weight", "siren.sine_layers.0.linear.wEight");
    };
    // In place, the zip checksum no longer matches.
    std::string in_place = bytes;
    rename(in_place);
    CHECK_THAT(rejected("renamed_in_place.pt", in_place), Contains("'archive/data.pkl' fails its CRC-32 check"));
    // Repacked, the archive is valid, but the network has no such key.
    const fs::path file = edited("renamed.pt", [&](Records& copy) { rename(record(copy, "data.pkl")); });
    CHECK(tha4::read_tensor_archive(file).front().name == "siren.sine_layers.0.linear.wEight");
    KeyedModule module(read_manifest("face_morpher"));
    CHECK_THAT(weight_file_error([&] { tha4::load_module_weights(module, file); }),
               Contains("renamed.pt") && Contains("'siren.sine_layers.0.linear.weight' is missing") &&
                   Contains("unexpected key 'siren.sine_layers.0.linear.wEight'"));
  }
  SECTION("a changed dtype") {
    // Every storage becomes int32 (same element size), which the network does not take.
    const fs::path file = edited("int.pt", [](Records& copy) {
      replace_once(record(copy, "data.pkl"), "torch\nFloatStorage\n", "torch\nIntStorage\n");
    });
    CHECK(tha4::read_tensor_archive(file).front().tensor.scalar_type() == torch::kInt);
    KeyedModule module(read_manifest("face_morpher"));
    CHECK_THAT(weight_file_error([&] { tha4::load_module_weights(module, file); }),
               Contains("int.pt") && Contains("has dtype Int in the file, the network expects Float"));
  }
  SECTION("a changed shape") {
    // The first weight's size tuple (128, 41, 1, 1) becomes (128, 40, 1, 1); its strides still fit the storage.
    const fs::path file = edited("reshaped.pt", [](Records& copy) {
      replace_once(record(copy, "data.pkl"), "K\x80K)K\x01K\x01t", "K\x80K(K\x01K\x01t");
    });
    KeyedModule module(read_manifest("face_morpher"));
    CHECK_THAT(weight_file_error([&] { tha4::load_module_weights(module, file); }),
               Contains("reshaped.pt") && Contains("has shape [128, 40, 1, 1] in the file, the network expects "
                                                   "[128, 41, 1, 1]"));
  }
}

TEST_CASE("weights: random damage gives a loaded file or a WeightFileError, nothing else", "[weights]") {
  const tha4::test::ScratchDir scratch("weights-fuzz");
  const std::string bytes = read_bytes(model_file("lambda_00", "face_morpher"));
  const fs::path file = scratch.path() / "face_morpher.pt";
  std::mt19937 random(20240607);
  std::uniform_int_distribution<std::size_t> position(0, bytes.size() - 1);
  std::uniform_int_distribution<int> flip(1, 255);

  int loaded = 0;
  for (int i = 0; i < 200; ++i) {
    std::string copy = bytes;
    const std::size_t offset = position(random);
    CAPTURE(offset);
    copy[offset] = static_cast<char>(copy[offset] ^ flip(random));
    write_bytes(file, copy);
    loaded += loads_or_is_rejected(file) ? 1 : 0;
  }
  // Only flips in zip fields that no reader uses (times, padding) can go unnoticed; the checksums catch the rest.
  CHECK(loaded <= 10);

  for (int i = 0; i < 50; ++i) {
    const std::size_t length = position(random);
    CAPTURE(length);
    write_bytes(file, bytes.substr(0, length));
    CHECK_FALSE(loads_or_is_rejected(file));
  }
}

TEST_CASE("weights: the official data.pkl survives truncation and random flips", "[weights]") {
  const auto records = read_records(model_file("lambda_00", "body_morpher"));
  REQUIRE(records.front().first == "data.pkl");
  const std::string& pickle = records.front().second;
  REQUIRE(parse(pickle).size() == 20);

  for (std::size_t length = 0; length < pickle.size(); ++length) {
    CAPTURE(length);
    REQUIRE_THROWS_AS(parse(pickle, length), tha4::PickleError);
  }

  std::mt19937 random(7);
  std::uniform_int_distribution<std::size_t> position(0, pickle.size() - 1);
  std::uniform_int_distribution<int> flip(1, 255);
  for (int i = 0; i < 3000; ++i) {
    std::string copy = pickle;
    for (int k = 0; k <= i % 3; ++k) {
      const std::size_t offset = position(random);
      copy[offset] = static_cast<char>(copy[offset] ^ flip(random));
    }
    try {
      parse(copy);
    } catch (const tha4::PickleError&) {
      // Rejected cleanly: fine.
    }
  }
}

TEST_CASE("weights: the pickle reader accepts the torch.save subset", "[weights]") {
  SECTION("a plain dict") {
    const auto tensors = parse(tensor_dict(unicode("w") + tensor_value(6, {2, 3}, {3, 1})));
    REQUIRE(tensors.size() == 1);
    CHECK(tensors[0].name == "w");
    CHECK(tensors[0].storage.key == "0");
    CHECK(tensors[0].storage.location == "cpu");
    CHECK(tensors[0].storage.dtype == c10::ScalarType::Float);
    CHECK(tensors[0].storage.numel == 6);
    CHECK(tensors[0].storage_offset == 0);
    CHECK(tensors[0].sizes == std::vector<int64_t>{2, 3});
    CHECK(tensors[0].strides == std::vector<int64_t>{3, 1});
  }
  SECTION("an OrderedDict with a _metadata BUILD state, memoised values and an empty tensor") {
    const std::string bytes = "\x80\x02" + global("collections", "OrderedDict") + std::string("q\x00)R(", 5) +
                              unicode("a") + tensor_value(4, {2, 2}, {2, 1}) + "q\x01" + unicode("b") + "h\x01" +
                              unicode("e") + tensor_value(4, {0}, {1}, 4) + "u}" + unicode("_metadata") +
                              std::string("h\x00)Rsb.", 7);
    const auto tensors = parse(bytes);
    REQUIRE(tensors.size() == 3);
    CHECK(tensors[1].name == "b");
    CHECK(tensors[1].sizes == tensors[0].sizes);
    CHECK(tensors[2].sizes == std::vector<int64_t>{0});
  }
  SECTION("other storage types") {
    const std::string bytes = tensor_dict(unicode("w") + tensor_value(6, {6}, {1}));
    std::string as_long = bytes;
    replace_once(as_long, "FloatStorage", "LongStorage");
    CHECK(parse(as_long)[0].storage.dtype == c10::ScalarType::Long);
  }
}

TEST_CASE("weights: the pickle reader rejects anything else, with the byte offset", "[weights]") {
  using tha4::PickleError;
  SECTION("an unknown opcode") { CHECK_THAT(pickle_error("\x80\x02}\x95."), Contains("0x95") && Contains("byte 3")); }
  SECTION("a truncated BINUNICODE length") {
    CHECK_THAT(pickle_error(std::string("\x80\x02X\x05\x00", 5)), Contains("BINUNICODE at byte 2"));
  }
  SECTION("a BINUNICODE longer than the data") {
    CHECK_THAT(pickle_error("\x80\x02" + unicode("abcdefghijklmnop").substr(0, 8)), Contains("BINUNICODE"));
  }
  SECTION("stack underflow") {
    CHECK_THAT(pickle_error("\x80\x02s."), Contains("SETITEM at byte 2") && Contains("underflow"));
    // Values below a MARK are out of reach.
    CHECK_THAT(pickle_error("\x80\x02}(K\x01s."), Contains("underflow"));
  }
  SECTION("a BINGET of a memo index never stored") {
    CHECK_THAT(pickle_error("\x80\x02h\x07."), Contains("memo index 7"));
  }
  SECTION("a tensor reaching outside its storage") {
    CHECK_THAT(pickle_error(tensor_dict(unicode("w") + tensor_value(5, {2, 3}, {3, 1}))),
               Contains("outside its storage"));
    CHECK_THAT(pickle_error(tensor_dict(unicode("w") + tensor_value(6, {2, 3}, {3, 1}, 1))),
               Contains("outside its storage"));
    CHECK_THAT(pickle_error(tensor_dict(unicode("w") + tensor_value(6, {0}, {1}, 7))), Contains("outside its storage"));
  }
  SECTION("negative sizes, offsets and storage sizes") {
    CHECK_THAT(pickle_error(tensor_dict(unicode("w") + tensor_value(6, {-2, 3}, {3, 1}))), Contains("negative"));
    CHECK_THAT(pickle_error(tensor_dict(unicode("w") + tensor_value(6, {2, 3}, {3, 1}, -1))), Contains("negative"));
    CHECK_THAT(pickle_error(tensor_dict(unicode("w") + tensor_value(-6, {2, 3}, {3, 1}))), Contains("negative"));
  }
  SECTION("too many dimensions, or an element count that overflows") {
    const std::vector<std::int32_t> ones(9, 1);
    CHECK_THAT(pickle_error(tensor_dict(unicode("w") + tensor_value(1, ones, ones))), Contains("dimensions"));
    const std::vector<std::int32_t> huge(8, 1 << 30);
    CHECK_THAT(pickle_error(tensor_dict(unicode("w") + tensor_value(1, huge, std::vector<std::int32_t>(8, 0)))),
               Contains("overflows"));
  }
  SECTION("mismatched size and stride ranks") {
    CHECK_THAT(pickle_error(tensor_dict(unicode("w") + tensor_value(6, {2, 3}, {1}))), Contains("ranks differ"));
  }
  SECTION("something other than a dict of tensors") {
    CHECK_THAT(pickle_error("\x80\x02K\x01."), Contains("not a dict"));
    CHECK_THAT(pickle_error("\x80\x02}" + unicode("a") + "K\x01s."), Contains("'a' is not a tensor"));
    CHECK_THAT(pickle_error("\x80\x02}K\x01K\x01s."), Contains("dict key is not a string"));
  }
  SECTION("a duplicate key") {
    const std::string entry = unicode("w") + tensor_value(6, {6}, {1});
    CHECK_THAT(pickle_error(tensor_dict(entry + entry)), Contains("duplicate dict key 'w'"));
  }
  SECTION("globals outside the subset") {
    CHECK_THAT(pickle_error("\x80\x02" + global("os", "system") + "."), Contains("unsupported global 'os.system'"));
    CHECK_THAT(pickle_error("\x80\x02" + global("torch", "CudaFloatStorage") + "."), Contains("unsupported global"));
  }
  SECTION("a wrong protocol or no PROTO") {
    CHECK_THAT(pickle_error("\x80\x04}."), Contains("protocol 4"));
    CHECK_THAT(pickle_error("}."), Contains("PROTO"));
    CHECK_THAT(pickle_error(""), Contains("empty"));
  }
  SECTION("a missing STOP or bytes after it") {
    CHECK_THAT(pickle_error("\x80\x02}"), Contains("STOP"));
    CHECK_THAT(pickle_error("\x80\x02}.."), Contains("after STOP"));
    CHECK_THAT(pickle_error("\x80\x02}K\x01."), Contains("left on the stack"));
  }
  SECTION("a stack or an object count beyond the limits") {
    CHECK_THAT(pickle_error("\x80\x02" + std::string((1 << 18) + 1, ')') + "."), Contains("stack exceeds"));
    std::string many = "\x80\x02";
    for (int round = 0; round < 6; ++round) many += "(" + std::string(200000, ')') + "t";
    CHECK_THAT(pickle_error(many + "."), Contains("objects"));
  }
  SECTION("deeply nested tuples") {
    CHECK_THAT(pickle_error("\x80\x02K\x01" + std::string(100, '\x85') + "."), Contains("nested"));
  }
  SECTION("a storage key that is not a plain record name") {
    std::string bytes = tensor_dict(unicode("w") + tensor_value(6, {6}, {1}));
    replace_once(bytes, unicode("0"), unicode("../0"));
    CHECK_THAT(pickle_error(bytes), Contains("not a plain record name"));
  }
  SECTION("invalid UTF-8") {
    CHECK_THAT(pickle_error(std::string("\x80\x02X\x01\x00\x00\x00\xff.", 9)), Contains("UTF-8"));
  }
}
