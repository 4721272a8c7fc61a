// The distiller's parts (inference/distill/): the loss terms against hand computations, the schedules, the
// config and input checks, the pose sources, the student weight files and the preview of a run in progress.
#include "inference/distill/body_distillation.h"
#include "inference/distill/distill_inputs.h"
#include "inference/distill/distill_layout.h"
#include "inference/distill/distiller_config.h"
#include "inference/distill/face_distillation.h"
#include "inference/distill/pose_source.h"
#include "inference/distill/sample_sheet.h"
#include "inference/image/image_io.h"
#include "inference/pose/pose_tensor.h"
#include "inference/student/character_model.h"
#include "inference/student/distillation_preview.h"
#include "inference/student/reference_engine.h"
#include "inference/student/siren_init.h"
#include "inference/training/state_layout.h"
#include "inference/training/training_loop.h"
#include "inference/training/training_state.h"
#include "inference/util/errors.h"
#include "inference/weights/state_dict.h"
#include "inference/weights/tensor_archive_writer.h"
#include "tests/tensor_compare.h"
#include "tests/test_support.h"

#include <catch2/catch.hpp>

#include <fstream>

using namespace tha4;
using namespace tha4::distill;
using Catch::Matchers::Contains;
using tha4::test::ScratchDir;
using tha4::test::error_of;
namespace fs = std::filesystem;

namespace {

fs::path shared_image(const char* name) { return tha4::test::shared_images_dir() / name; }

fs::path write_text(const fs::path& file, const std::string& text) {
  std::ofstream(file) << text;
  return file;
}

// A 512×512 RGB mask image written with OpenCV's channel order handled by write_png (alpha 255).
fs::path write_mask(const fs::path& file, const std::function<std::uint8_t(int, int)>& value) {
  Rgba8Image mask(512, 512);
  for (int y = 0; y < 512; ++y) {
    for (int x = 0; x < 512; ++x) {
      std::uint8_t* p = mask.at(x, y);
      p[0] = p[1] = p[2] = value(x, y);
      p[3] = 255;
    }
  }
  write_png(mask, file);
  return file;
}

}  // namespace

TEST_CASE("distill: the face loss is mean L1 plus 20 times the masked mean L1, both over all elements", "[distill]") {
  // T = 0; S = 0.1 everywhere except a 10×10 block under the mask (all four channels), where it is 0.3.
  const torch::Tensor teacher = torch::zeros({1, 4, 128, 128});
  torch::Tensor student = torch::full({1, 4, 128, 128}, 0.1f);
  torch::Tensor mask = torch::zeros({4, 128, 128});
  student.slice(2, 60, 70).slice(3, 30, 40).fill_(0.3f);
  mask.slice(1, 60, 70).slice(2, 30, 40).fill_(1.0f);
  const FaceLoss loss = face_distillation_loss(teacher, student, mask);
  // By hand: 65,536 elements, 400 of them masked.
  //   l1        = (0.1 · 65,136 + 0.3 · 400) / 65,536 = 6,633.6 / 65,536
  //   masked_l1 = 0.3 · 400 / 65,536                  =   120   / 65,536 (not 0.3: the mean is over all elements)
  //   total     = l1 + 20 · masked_l1                 = 9,033.6 / 65,536
  CHECK(loss.l1.item<double>() == Approx(6633.6 / 65536).epsilon(1e-6));
  CHECK(loss.masked_l1.item<double>() == Approx(120.0 / 65536).epsilon(1e-6));
  CHECK(loss.total.item<double>() == Approx(9033.6 / 65536).epsilon(1e-6));
  CHECK(kFaceMaskWeight == 20.0);
}

TEST_CASE("distill: the body loss weighs its four L1 terms by the phase table", "[distill]") {
  const torch::Tensor zero4 = torch::zeros({1, 4, 8, 8});
  BodyMorpherOutputs student;
  student.blended = torch::full({1, 4, 8, 8}, 0.1f);
  student.warped = torch::full({1, 4, 8, 8}, 0.2f);
  student.grid_change = torch::full({1, 2, 8, 8}, 0.3f);
  student.color_change = torch::full({1, 4, 8, 8}, 0.4f);
  student.alpha = torch::full({1, 1, 8, 8}, 5.0f);  // not supervised
  const torch::Tensor zero2 = torch::zeros({1, 2, 8, 8});
  // Terms 0.1 (blended), 0.2 (warped), 0.3 (grid change), 0.4 (colour change against the final image).
  const struct {
    int64_t examples;
    double total, lr;
  } cases[] = {
      {0, 0.25 * 0.1 + 0.25 * 0.2 + 0.5 * 0.3 + 2.0 * 0.4, 1e-4},         // [0, 200k)
      {200'000, 0.25 * 0.1 + 0.25 * 0.2 + 0.5 * 0.3 + 2.0 * 0.4, 3e-5},   // [200k, 400k)
      {400'000, 1.0 * 0.1 + 2.5 * 0.2 + 5.0 * 0.3 + 1.0 * 0.4, 3e-5},     // [400k, 600k)
      {799'999, 1.0 * 0.1 + 2.5 * 0.2 + 5.0 * 0.3 + 1.0 * 0.4, 1e-5},     // [600k, 800k)
      {800'000, 10.0 * 0.1 + 1.0 * 0.2 + 1.0 * 0.3 + 1.0 * 0.4, 1e-5},    // [800k, 1.3M)
      {1'300'000, 10.0 * 0.1 + 1.0 * 0.2 + 1.0 * 0.3 + 1.0 * 0.4, 3e-6},  // [1.3M, 1.5M]
      {1'500'000, 10.0 * 0.1 + 1.0 * 0.2 + 1.0 * 0.3 + 1.0 * 0.4, 3e-6},  // past the end: the last phase
  };
  for (const auto& c : cases) {
    INFO("examples " << c.examples);
    const BodyPhase phase = body_phase(c.examples, kBodyDefaultExamples);
    const BodyLoss loss = body_distillation_loss(zero4, zero4, zero2, student, phase);
    CHECK(loss.blended.item<double>() == Approx(0.1));
    CHECK(loss.warped.item<double>() == Approx(0.2));
    CHECK(loss.grid_change.item<double>() == Approx(0.3));
    CHECK(loss.color_change.item<double>() == Approx(0.4));
    CHECK(loss.total.item<double>() == Approx(c.total));
    CHECK(phase.learning_rate == c.lr);
  }
  // A shorter run keeps the table's proportions: 15 examples, phases change at 2, 4, 6, 8 and 13.
  CHECK(body_phase(1, 15).learning_rate == 1e-4);
  CHECK(body_phase(2, 15).learning_rate == 3e-5);
  CHECK(body_phase(13, 15).learning_rate == 3e-6);
}

TEST_CASE("distill: the face learning rate steps down at 2/10, 5/10 and 8/10 of the run", "[distill]") {
  CHECK(face_learning_rate(0, 1'000'000) == 1e-4);
  CHECK(face_learning_rate(199'999, 1'000'000) == 1e-4);
  CHECK(face_learning_rate(200'000, 1'000'000) == 1e-4 / 3);
  CHECK(face_learning_rate(500'000, 1'000'000) == 1e-5);
  CHECK(face_learning_rate(800'000, 1'000'000) == 1e-4 / 30);
  CHECK(face_learning_rate(9, 100) == 1e-4);
  CHECK(face_learning_rate(20, 100) == 1e-4 / 3);
}

TEST_CASE("distill: a reference config reads with the reference's defaults and writes back unchanged", "[distill]") {
  ScratchDir dir("distill-config");
  // As the reference's data/distill_examples/lambda_00/config.yaml sets it.
  const fs::path file = write_text(dir.path() / "config.yaml",
                                   "prefix: data/distill_examples/lambda_00\n"
                                   "character_image_file_name: data/images/lambda_00.png\n"
                                   "face_mask_image_file_name: data/images/lambda_00_face_mask.png\n"
                                   "face_morpher_random_seed_0: 12771885812175595441\n"
                                   "face_morpher_random_seed_1: 14367217090963479175\n"
                                   "body_morpher_random_seed_0: 2892221210020292507\n"
                                   "body_morpher_random_seed_1: 9998918537095922080\n"
                                   "num_cpu_workers: 1\n"
                                   "num_gpus: 1\n");
  const DistillerConfig config = read_distiller_config(file);
  CHECK(config.prefix == "data/distill_examples/lambda_00");
  CHECK(config.face_morpher_random_seed_0 == 12771885812175595441ull);
  CHECK(config.body_morpher_random_seed_1 == 9998918537095922080ull);
  CHECK(config.face_morpher_batch_size == 8);
  CHECK(config.face_morpher_num_training_examples_per_sample_output == 10000);
  CHECK(config.body_morpher_num_training_examples_per_sample_output == 10000);

  DistillerConfig changed = config;
  changed.face_morpher_num_training_examples_per_sample_output.reset();
  changed.body_morpher_batch_size = 3;
  changed.prefix = dir.path() / "a folder: with \"quotes\"";
  const fs::path again = write_text(dir.path() / "again.yaml", distiller_config_yaml(changed));
  const DistillerConfig read_back = read_distiller_config(again);
  CHECK(read_back.prefix == changed.prefix);
  CHECK_FALSE(read_back.face_morpher_num_training_examples_per_sample_output);
  CHECK(read_back.body_morpher_batch_size == 3);
  CHECK(read_back.face_morpher_random_seed_0 == config.face_morpher_random_seed_0);
}

TEST_CASE("distill: every bad config value is named in one message", "[distill]") {
  ScratchDir dir("distill-config-errors");
  const fs::path file = write_text(dir.path() / "bad.yaml",
                                   "character_image_file_name: a.png\n"
                                   "face_mask_image_file_name: m.png\n"
                                   "face_morpher_random_seed_0: -1\n"
                                   "face_morpher_random_seed_1: 18446744073709551616\n"
                                   "body_morpher_random_seed_0: twelve\n"
                                   "face_morpher_batch_size: 9\n"
                                   "body_morpher_batch_size: 0\n"
                                   "face_morpher_num_training_examples_per_sample_output: 5000\n"
                                   "num_gpus: 0\n"
                                   "learning_rate: 0.1\n");
  const std::string message = error_of([&] { read_distiller_config(file); });
  CHECK_THAT(message, Contains("bad.yaml"));
  CHECK_THAT(message, Contains("prefix is required"));
  CHECK_THAT(message, Contains("face_morpher_random_seed_0 is '-1'"));
  CHECK_THAT(message, Contains("face_morpher_random_seed_1 is '18446744073709551616'"));
  CHECK_THAT(message, Contains("body_morpher_random_seed_0 is 'twelve'"));
  CHECK_THAT(message, Contains("face_morpher_batch_size is '9'"));
  CHECK_THAT(message, Contains("body_morpher_batch_size is '0'"));
  CHECK_THAT(message, Contains("10000, 100000, 1000000 or null"));
  CHECK_THAT(message, Contains("num_gpus is '0'"));
  CHECK_THAT(message, Contains("unknown key 'learning_rate'"));
  CHECK_THAT(error_of([&] { read_distiller_config(dir.path() / "none.yaml"); }), Contains("tha4 distill init"));
  CHECK_THAT(error_of([&] { read_distiller_config(write_text(dir.path() / "x.yaml", "[1, 2")); }),
             Contains("not valid YAML"));
}

TEST_CASE("distill: the pictures are checked as the reference checks them, with the bad pixels named", "[distill]") {
  ScratchDir dir("distill-inputs");
  CHECK_NOTHROW(read_distill_character(shared_image("lambda_00.png")));
  const Rgba8Image mask = read_face_mask(shared_image("lambda_00_face_mask.png"));
  const torch::Tensor m = face_mask_tensor(mask);
  CHECK(m.sizes() == torch::IntArrayRef({4, 128, 128}));
  CHECK(((m == 0) | (m == 1)).all().item<bool>());
  CHECK(torch::equal(m[0], m[3]));
  CHECK(m.sum().item<double>() > 0);

  // A grey pixel (anti-aliasing) at (300, 100) and (301, 100).
  const fs::path grey = write_mask(dir.path() / "grey.png", [](int x, int y) {
    if (y == 100 && (x == 300 || x == 301)) return std::uint8_t{128};
    return static_cast<std::uint8_t>((x >= 200 && x < 300 && y >= 100 && y < 200) ? 255 : 0);
  });
  const std::string grey_error = error_of([&] { read_face_mask(grey); });
  CHECK_THAT(grey_error, Contains("2 pixels are neither") && Contains("(x=300, y=100) = (128, 128, 128, 255)"));
  const fs::path empty = write_mask(dir.path() / "empty.png", [](int, int) { return std::uint8_t{0}; });
  CHECK_THAT(error_of([&] { read_face_mask(empty); }), Contains("no white pixel in the face area"));
  write_png(Rgba8Image(256, 256), dir.path() / "small.png");
  CHECK_THAT(error_of([&] { read_face_mask(dir.path() / "small.png"); }), Contains("256x256") && Contains("512x512"));
  CHECK_THAT(error_of([&] { read_distill_character(dir.path() / "small.png"); }), Contains("512x512"));
  Rgba8Image opaque(512, 512);
  std::fill(opaque.pixels.begin(), opaque.pixels.end(), 255);
  write_png(opaque, dir.path() / "opaque.png");
  CHECK_THAT(error_of([&] { read_distill_character(dir.path() / "opaque.png"); }), Contains("transparent"));
  fs::copy_file(shared_image("lambda_00.png"), dir.path() / "character.jpg");
  CHECK_THAT(error_of([&] { read_distill_character(dir.path() / "character.jpg"); }), Contains(".png"));

  CHECK_NOTHROW(check_output_folder_writable(dir.path() / "new" / "deeper"));
  CHECK_FALSE(fs::exists(dir.path() / "new"));  // checked, not created
  write_text(dir.path() / "a-file", "x");
  CHECK_THAT(error_of([&] { check_output_folder_writable(dir.path() / "a-file" / "out"); }), Contains("is a file"));
  CHECK_THAT(error_of([&] { check_output_folder_writable("/proc/tha4-distill-test"); }), Contains("cannot be written"));
}

TEST_CASE("distill: pose datasets load in the reference's three shapes, and bad ones are refused", "[distill]") {
  ScratchDir dir("pose-dataset");
  const torch::Tensor poses = torch::rand({10, 45});
  write_tensor_sequence_archive(dir.path() / "tensor.pt", {poses}, TensorSequenceKind::kTensor);
  write_tensor_sequence_archive(dir.path() / "tuple.pt", {poses, torch::zeros({10})}, TensorSequenceKind::kTuple);
  write_tensor_sequence_archive(dir.path() / "list.pt", {poses.to(torch::kDouble)}, TensorSequenceKind::kList);
  for (const char* name : {"tensor.pt", "tuple.pt", "list.pt"}) {
    INFO(name);
    const auto source = load_pose_dataset(dir.path() / name);
    CHECK(source->size() == 10);
    CHECK(torch::equal(source->poses({3, 7}), poses.index_select(0, torch::tensor({3, 7}))));
  }
  write_tensor_sequence_archive(dir.path() / "wide.pt", {torch::rand({10, 44})}, TensorSequenceKind::kTensor);
  CHECK_THAT(error_of([&] { load_pose_dataset(dir.path() / "wide.pt"); }), Contains("(N, 45)"));
  torch::Tensor with_nan = poses.clone();
  with_nan[6][2] = NAN;
  write_tensor_sequence_archive(dir.path() / "nan.pt", {with_nan}, TensorSequenceKind::kTensor);
  CHECK_THAT(error_of([&] { load_pose_dataset(dir.path() / "nan.pt"); }), Contains("pose 6"));
  write_tensor_archive(dir.path() / "dict.pt", {{"poses", poses}});
  CHECK_THAT(error_of([&] { load_pose_dataset(dir.path() / "dict.pt"); }), Contains("dict"));
}

TEST_CASE("distill: the built-in pose sampler covers every range, sparsely, and is fixed", "[distill]") {
  const auto source = make_builtin_pose_sampler();
  CHECK(source->size() == kBuiltinPoseCount);
  std::vector<int64_t> indices(4000);
  for (std::size_t i = 0; i < indices.size(); ++i) indices[i] = static_cast<int64_t>(i) * 257;
  const torch::Tensor poses = source->poses(indices);
  CHECK(torch::equal(poses, source->poses(indices)));  // a pure function of the index
  for (const auto& p : pose_parameters()) {
    INFO(p.name);
    const torch::Tensor column = poses.select(1, p.index);
    CHECK(column.min().item<float>() >= p.min);
    CHECK(column.max().item<float>() <= p.max);
    CHECK(column.max().item<float>() > p.min + 0.9f * (p.max - p.min));  // the whole range is reached
  }
  // Each morph group is active about 3/4 of the time (1/2 for the iris size), with one kind at a time.
  const auto active = [&](int begin, int end) {
    return (poses.slice(1, begin, end).abs().sum(1) > 0).to(torch::kFloat).mean().item<double>();
  };
  CHECK(active(0, 12) == Approx(0.75).margin(0.03));
  CHECK(active(12, 24) == Approx(0.75).margin(0.03));
  CHECK(active(24, 26) == Approx(0.5).margin(0.03));
  CHECK(active(26, 37) == Approx(0.75).margin(0.03));
  const torch::Tensor eyebrow_kinds = (poses.slice(1, 0, 12).view({-1, 6, 2}).abs().sum(2) > 0).sum(1);
  CHECK(eyebrow_kinds.max().item<int64_t>() == 1);
  // Rotations are uniform in [-1, 1]: mean about 0.
  CHECK(poses.slice(1, 37, 44).mean().item<double>() == Approx(0).margin(0.03));
}

TEST_CASE("distill: students are initialised as the reference's SIREN and saved in the official layout", "[distill]") {
  ScratchDir dir("distill-students");
  torch::manual_seed(11);
  SirenFaceMorpher face;
  initialize_siren_face_morpher(*face);
  SirenBodyMorpher body;
  initialize_siren_body_morpher(*body);
  // First layer U(−1/41, 1/41); the others U(−√(6/in)/30, √(6/in)/30); the last linear N(0, 2/in).
  const auto& face_layers = *face->siren->sine_layers;
  const torch::Tensor first = face_layers[0]->as<SineLinearLayer>()->linear->weight;
  CHECK(first.abs().max().item<double>() <= 1.0 / 41);
  CHECK(first.abs().max().item<double>() > 0.9 / 41);
  const torch::Tensor second = face_layers[1]->as<SineLinearLayer>()->linear->weight;
  CHECK(second.abs().max().item<double>() <= std::sqrt(6.0 / 128) / 30);
  CHECK(second.abs().max().item<double>() > 0.9 * std::sqrt(6.0 / 128) / 30);
  CHECK(face->siren->last_linear->weight.std().item<double>() == Approx(std::sqrt(2.0 / 128)).epsilon(0.1));
  const torch::Tensor level1_first =
      body->siren_layers[1]->as<torch::nn::Sequential>()->ptr(0)->as<SineLinearLayer>()->linear->weight;
  CHECK(level1_first.abs().max().item<double>() <= std::sqrt(6.0 / 227) / 30);  // not a "first" layer

  write_tensor_archive(dir.path() / "face_morpher.pt", module_state_dict(*face));
  write_tensor_archive(dir.path() / "body_morpher.pt", module_state_dict(*body));
  fs::copy_file(shared_image("lambda_00.png"), dir.path() / "character.png");
  write_text(dir.path() / "character_model.yaml",
             "character_image_file_name: character.png\nface_morpher_file_name: face_morpher.pt\n"
             "body_morpher_file_name: body_morpher.pt\n");
  const CharacterModel model = load_character_model(dir.path());
  const auto saved = module_state_dict(*model.face_morpher);
  const auto original = module_state_dict(*face);
  REQUIRE(saved.size() == 18);
  for (std::size_t i = 0; i < saved.size(); ++i) {
    CHECK(saved[i].name == original[i].name);
    CHECK(torch::equal(saved[i].tensor, original[i].tensor));
  }
  // The official key order and shapes (spec Appendix A), as in the shipped lambda_00.
  const auto official = read_tensor_archive(tha4::test::models_dir() / "lambda_00" / "body_morpher.pt");
  const auto written = read_tensor_archive(dir.path() / "body_morpher.pt");
  REQUIRE(written.size() == official.size());
  for (std::size_t i = 0; i < written.size(); ++i) {
    CHECK(written[i].name == official[i].name);
    CHECK(written[i].tensor.sizes() == official[i].tensor.sizes());
  }
}

TEST_CASE("distill: a prefix in progress previews its newest face snapshot on a still body", "[distill]") {
  ScratchDir dir("distill-preview");
  const fs::path prefix = dir.path() / "prefix";
  CHECK_FALSE(find_distillation_preview(prefix));
  const fs::path face_run = prefix / kFaceRunFolder;
  fs::create_directories(face_run);
  fs::copy_file(tha4::test::models_dir() / "lambda_00" / "character.png", face_run / kPreviewPictureFile);
  CHECK_FALSE(find_distillation_preview(prefix));  // no face state yet

  // The face run's snapshot holds lambda_00's real face morpher.
  training::TrainingState state;
  state.examples_seen = 120;
  state.module = read_tensor_archive(tha4::test::models_dir() / "lambda_00" / "face_morpher.pt");
  training::write_training_state(training::snapshot_folder(face_run), state);
  state.examples_seen = 0;
  training::write_training_state(training::checkpoint_folder(prefix / kBodyRunFolder, 0), state);
  const auto preview = find_distillation_preview(prefix);
  REQUIRE(preview);
  CHECK(preview->face_examples == 120);
  CHECK_FALSE(preview->body_weights);  // the body's checkpoint 0000 is its random start
  CHECK_THAT(preview->description(), Contains("face 120 examples") && Contains("body not started"));

  auto model = std::make_shared<CharacterModel>(load_distillation_preview(*preview));
  const StudentOutputs out = ReferenceStudentEngine(model).run(rest_pose());
  auto official = std::make_shared<CharacterModel>(load_character_model(tha4::test::models_dir() / "lambda_00"));
  const StudentOutputs face_only = ReferenceStudentEngine(official).run(rest_pose());
  // The face is the student's; the body does not move: the image with the face pasted in.
  torch::Tensor expected = model->image.clone();
  expected.slice(2, 80, 208).slice(3, 192, 320).copy_(face_only[StudentOutput::kFace]);
  CHECK(tha4::test::max_abs(out.blended(), expected) < 1e-4);
  CHECK(out[StudentOutput::kGridChange].abs().max().item<double>() == 0.0);

  // A newer face snapshot is noticed; a finished model wins.
  state.examples_seen = 240;
  training::write_training_state(training::snapshot_folder(face_run), state);
  CHECK_FALSE(find_distillation_preview(prefix)->same_progress(*preview));
  CHECK_FALSE(finished_distillation_model(prefix));
  fs::copy(tha4::test::models_dir() / "lambda_00", prefix / kCharacterModelFolder);
  CHECK(finished_distillation_model(prefix) == prefix / kCharacterModelFolder);
}

TEST_CASE("distill: sample sheets have the reference's layout", "[distill]") {
  const Rgba8Image face = face_sample_sheet(torch::zeros({8, 4, 128, 128}), torch::ones({8, 4, 128, 128}));
  CHECK(face.width == 512);
  CHECK(face.height == 512);
  CHECK(face.at(10, 10)[3] == 128);   // teacher cell: alpha (0 + 1) / 2
  CHECK(face.at(138, 10)[3] == 255);  // student cell: alpha 1
  BodySampleRow row{torch::zeros({1, 4, 32, 32}), torch::zeros({1, 4, 32, 32}), torch::zeros({1, 1, 32, 32}),
                    torch::zeros({1, 4, 32, 32}), torch::zeros({1, 4, 32, 32}), torch::zeros({1, 2, 32, 32}),
                    torch::zeros({1, 2, 32, 32})};
  const Rgba8Image body = body_sample_sheet({row, row});
  CHECK(body.width == 7 * 32);
  CHECK(body.height == 2 * 32);
  CHECK(body.at(0, 0)[3] == 255);  // composited over the green screen: opaque
}
