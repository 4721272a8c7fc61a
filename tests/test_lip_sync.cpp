// Lip sync from audio, tested on synthetic signals: silence, noise, and vowels from a small formant
// synthesiser (glottal pulse train through resonators at the vowel's formants).

#include "tracking/audio/audio_ring_buffer.h"
#include "tracking/audio/decimator.h"
#include "tracking/audio/formant_estimator.h"
#include "tracking/audio/lip_sync.h"
#include "tracking/audio/mouth_shape.h"
#include "tracking/audio/vowel_classifier.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

using namespace tha4;
using namespace tha4::tracking;

namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr std::array<const char*, kVowelCount> kVowelNames = {"a", "i", "u", "e", "o"};

// Formants (F1, F2, F3 in Hz) the synthesiser uses: Japanese vowels of an adult male and female voice,
// deliberately not the classifier's prototypes.
struct VowelSpec {
  Vowel vowel;
  std::array<double, 3> male;
  std::array<double, 3> female;
};
constexpr std::array<VowelSpec, kVowelCount> kVowels = {{
    {Vowel::kA, {750, 1180, 2600}, {880, 1450, 2900}},
    {Vowel::kI, {280, 2250, 3000}, {330, 2750, 3300}},
    {Vowel::kU, {330, 1350, 2400}, {390, 1650, 2800}},
    {Vowel::kE, {460, 1900, 2550}, {530, 2300, 2950}},
    {Vowel::kO, {470, 820, 2600}, {520, 950, 2900}},
}};
constexpr double kMalePitch = 120.0;
constexpr double kFemalePitch = 210.0;

double rms_dbfs(const std::vector<float>& signal) {
  double energy = 0.0;
  for (float s : signal) energy += static_cast<double>(s) * s;
  return 10.0 * std::log10(energy / static_cast<double>(signal.size()) + 1e-30);
}

void scale_to_dbfs(std::vector<float>& signal, double level_dbfs) {
  const auto gain = static_cast<float>(std::pow(10.0, (level_dbfs - rms_dbfs(signal)) / 20.0));
  for (float& s : signal) s *= gain;
}

// A Klatt-style cascade formant synthesiser: an impulse train (with 5 Hz vibrato, so pitch harmonics
// move across the formants as in a real voice), two one-pole low-passes for the glottal pulse's
// −12 dB/octave tilt, second-order resonators at F1..F3, and a first difference for lip radiation.
std::vector<float> synthesize_vowel(const std::array<double, 3>& formants, double pitch_hz, double seconds,
                                    int sample_rate, double level_dbfs) {
  const auto count = static_cast<std::size_t>(seconds * sample_rate);
  const double dt = 1.0 / sample_rate;
  const std::array<double, 3> bandwidths = {80.0, 100.0, 150.0};
  struct Resonator {
    double a, b, c, y1 = 0.0, y2 = 0.0;
  };
  std::vector<Resonator> resonators;
  for (std::size_t k = 0; k < formants.size(); ++k) {
    const double c = -std::exp(-2.0 * kPi * bandwidths[k] * dt);
    const double b = 2.0 * std::exp(-kPi * bandwidths[k] * dt) * std::cos(2.0 * kPi * formants[k] * dt);
    resonators.push_back({1.0 - b - c, b, c});
  }
  const double glottal_pole = std::exp(-2.0 * kPi * 100.0 * dt);
  double phase = 0.0, low1 = 0.0, low2 = 0.0, previous = 0.0;
  std::vector<float> signal(count);
  for (std::size_t n = 0; n < count; ++n) {
    const double t = static_cast<double>(n) * dt;
    phase += pitch_hz * (1.0 + 0.02 * std::sin(2.0 * kPi * 5.0 * t)) * dt;
    double x = 0.0;
    if (phase >= 1.0) {
      phase -= 1.0;
      x = 1.0;
    }
    low1 = (1.0 - glottal_pole) * x + glottal_pole * low1;
    low2 = (1.0 - glottal_pole) * low1 + glottal_pole * low2;
    double y = low2;
    for (auto& r : resonators) {
      const double out = r.a * y + r.b * r.y1 + r.c * r.y2;
      r.y2 = r.y1;
      r.y1 = out;
      y = out;
    }
    signal[n] = static_cast<float>(y - previous);
    previous = y;
  }
  scale_to_dbfs(signal, level_dbfs);
  return signal;
}

std::vector<float> white_noise(double seconds, int sample_rate, double level_dbfs, unsigned seed = 7) {
  std::mt19937 random(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> signal(static_cast<std::size_t>(seconds * sample_rate));
  for (float& s : signal) s = normal(random);
  scale_to_dbfs(signal, level_dbfs);
  return signal;
}

std::vector<float> silence(double seconds, int sample_rate) {
  return std::vector<float>(static_cast<std::size_t>(seconds * sample_rate), 0.0f);
}

std::vector<float> concat(std::vector<float> a, const std::vector<float>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

struct TracePoint {
  double seconds;
  MouthShape mouth;
};

// Feeds a mono signal the way OBS does: 10 ms planar blocks, every channel a copy, update() after each
// block with the audio clock as "now". Returns the mouth after every block.
std::vector<TracePoint> feed(LipSync& lip_sync, const std::vector<float>& mono, int sample_rate, double& clock,
                             int channels = 1) {
  const int block = sample_rate / 100;
  std::vector<TracePoint> trace;
  std::vector<const float*> planes(static_cast<std::size_t>(channels));
  for (std::size_t start = 0; start < mono.size(); start += static_cast<std::size_t>(block)) {
    const int frames = static_cast<int>(std::min<std::size_t>(static_cast<std::size_t>(block), mono.size() - start));
    std::fill(planes.begin(), planes.end(), mono.data() + start);
    lip_sync.submit_audio(planes.data(), channels, frames, sample_rate);
    clock += static_cast<double>(frames) / sample_rate;
    trace.push_back({clock, lip_sync.update(clock)});
  }
  return trace;
}

MouthShape mouth_after(LipSync& lip_sync, const std::vector<float>& mono, int sample_rate) {
  double clock = 0.0;
  return feed(lip_sync, mono, sample_rate, clock).back().mouth;
}

bool all_finite(const MouthShape& mouth) {
  return std::isfinite(mouth.openness) &&
         std::all_of(mouth.vowels.begin(), mouth.vowels.end(), [](float v) { return std::isfinite(v); });
}

float vowel_weight(const MouthShape& mouth, Vowel vowel) { return mouth.vowels[static_cast<std::size_t>(vowel)]; }

std::size_t pose_index(std::string_view name) { return static_cast<std::size_t>(find_pose_parameter(name).value()); }

// The vowel a fresh LipSync settles on for a synthetic vowel.
MouthShape classify_synthetic(const std::array<double, 3>& formants, double pitch, int sample_rate = 48000) {
  LipSync lip_sync;
  return mouth_after(lip_sync, synthesize_vowel(formants, pitch, 0.5, sample_rate, -20.0), sample_rate);
}

}  // namespace

TEST_CASE("lip sync: ring buffer downmixes planar channels and drops the oldest samples when full", "[lip_sync]") {
  AudioRingBuffer buffer(8);
  const std::vector<float> left = {1, 2, 3, 4, 5, 6};
  const std::vector<float> right = {3, 4, 5, 6, 7, 8};
  const float* planes[] = {left.data(), right.data()};
  buffer.push(planes, 2, 6, 48000);
  buffer.push(planes, 2, 4, 48000);  // 10 samples into 8 slots: the first two go
  std::vector<float> out;
  CHECK(buffer.drain(out) == 48000);
  CHECK(out == std::vector<float>{4, 5, 6, 7, 2, 3, 4, 5});
  CHECK(buffer.dropped_samples() == 2);

  out.clear();
  const std::vector<float> interleaved = {
      1, 3, std::numeric_limits<float>::quiet_NaN(), 5, std::numeric_limits<float>::infinity(), 1};
  buffer.push_interleaved(interleaved.data(), 2, 3, 48000);
  buffer.drain(out);
  CHECK(out == std::vector<float>{2, 2.5f, 0.5f});  // non-finite samples count as silence

  SECTION("a new sample rate discards samples of the old one") {
    out.clear();
    buffer.push(planes, 2, 3, 48000);
    buffer.push(planes, 1, 2, 44100);
    CHECK(buffer.drain(out) == 44100);
    CHECK(out == std::vector<float>{1, 2});
  }
  SECTION("empty, null and nonsense input is ignored") {
    out.clear();
    const float* null_planes[] = {nullptr, right.data()};
    buffer.push(nullptr, 2, 6, 48000);
    buffer.push(planes, 0, 6, 48000);
    buffer.push(planes, 2, 0, 48000);
    buffer.push(planes, 2, -5, 48000);
    buffer.push(planes, 2, 6, 0);
    buffer.push_interleaved(nullptr, 2, 6, 48000);
    CHECK(buffer.drain(out) == 48000);
    CHECK(out.empty());
    buffer.push(null_planes, 2, 1, 48000);  // a missing plane is a silent channel
    buffer.drain(out);
    CHECK(out == std::vector<float>{1.5f});
  }
}

TEST_CASE("lip sync: decimator keeps the formant band and suppresses what would alias", "[lip_sync]") {
  for (int rate : {44100, 48000}) {
    Decimator decimator(rate);
    REQUIRE(decimator.factor() == 4);
    const auto tone = [rate, &decimator](double hz) {
      Decimator fresh(rate);
      std::vector<float> input(static_cast<std::size_t>(rate / 2)), output;
      for (std::size_t n = 0; n < input.size(); ++n)
        input[n] = static_cast<float>(std::sin(2.0 * kPi * hz * static_cast<double>(n) / rate));
      for (std::size_t start = 0; start < input.size(); start += 441) {  // odd blocks: the filter state carries over
        fresh.process(input.data() + start, static_cast<int>(std::min<std::size_t>(441, input.size() - start)), output);
      }
      CHECK(output.size() + 1 >= input.size() / static_cast<std::size_t>(decimator.factor()));
      output.erase(output.begin(), output.begin() + 200);
      return rms_dbfs(output) - rms_dbfs(std::vector<float>(input.begin() + 800, input.end()));
    };
    CAPTURE(rate);
    CHECK(std::abs(tone(1000.0)) < 0.2);
    CHECK(std::abs(tone(3000.0)) < 0.5);
    CHECK(tone(9000.0) < -40.0);  // would fold onto ~2.5-3 kHz, among the formants
  }
}

TEST_CASE("lip sync: formant estimates of synthetic vowels are within 12 % of the synthesised ones", "[lip_sync]") {
  const int rate = 12000;
  FormantEstimator estimator(rate, 360);
  for (const auto& spec : kVowels) {
    const auto signal = synthesize_vowel(spec.male, kMalePitch, 0.3, rate, -20.0);
    const Formants formants = estimator.estimate(signal.data() + 1800);
    CAPTURE(kVowelNames[static_cast<std::size_t>(spec.vowel)], formants.f1_hz, formants.f2_hz);
    REQUIRE(formants.found);
    CHECK(std::abs(formants.f1_hz / spec.male[0] - 1.0) < 0.12);
    CHECK(std::abs(formants.f2_hz / spec.male[1] - 1.0) < 0.12);
  }
}

TEST_CASE("lip sync: silence keeps the mouth closed", "[lip_sync]") {
  LipSync lip_sync;
  const MouthShape mouth = mouth_after(lip_sync, silence(1.0, 48000), 48000);
  CHECK(mouth.openness == 0.0f);
  CHECK_FALSE(mouth.voiced);
  Pose pose = rest_pose();
  apply_mouth_shape(pose, mouth, 1.0f);
  CHECK(pose == rest_pose());
  CHECK(lip_sync.diagnostics().frames_analysed > 90);
}

TEST_CASE("lip sync: quiet noise below the gate keeps the mouth closed", "[lip_sync]") {
  LipSync lip_sync;
  double clock = 0.0;
  const auto trace = feed(lip_sync, white_noise(2.0, 48000, -60.0), 48000, clock);
  for (const auto& point : trace) {
    REQUIRE(point.mouth.openness == 0.0f);
    REQUIRE_FALSE(point.mouth.voiced);
  }
}

TEST_CASE("lip sync: steady background noise above the gate is learned as the noise floor", "[lip_sync]") {
  const int rate = 48000;
  const auto noise = white_noise(6.0, rate, -38.0);
  LipSyncSettings settings;
  SECTION("automatic noise floor: the mouth closes within a few seconds, and speech still opens it") {
    LipSync lip_sync(settings);
    double clock = 0.0;
    const auto trace = feed(lip_sync, noise, rate, clock);
    CHECK(trace[50].mouth.openness > 0.1f);  // noise above the fixed gate opens the mouth at first
    CHECK(trace.back().mouth.openness < 0.02f);
    CHECK(lip_sync.diagnostics().gate_db > lip_sync.diagnostics().level_db);  // (measured below 5 kHz: ~-45 dBFS)
    // Speech over the same noise.
    auto speech = synthesize_vowel(kVowels[0].male, kMalePitch, 0.4, rate, -20.0);
    const auto more_noise = white_noise(0.4, rate, -38.0, 11);
    for (std::size_t n = 0; n < speech.size(); ++n) speech[n] += more_noise[n];
    const MouthShape mouth = feed(lip_sync, speech, rate, clock).back().mouth;
    CHECK(mouth.openness > 0.5f);
    CHECK(dominant_vowel(mouth.vowels) == Vowel::kA);
  }
  SECTION("fixed gate: the noise keeps the mouth open") {
    settings.auto_noise_floor = false;
    LipSync lip_sync(settings);
    CHECK(mouth_after(lip_sync, noise, rate).openness > 0.1f);
  }
}

TEST_CASE("lip sync: each synthetic vowel drives its own mouth shape, male and female pitch", "[lip_sync]") {
  for (const auto& spec : kVowels) {
    for (const bool female : {false, true}) {
      const MouthShape mouth = classify_synthetic(female ? spec.female : spec.male, female ? kFemalePitch : kMalePitch);
      CAPTURE(kVowelNames[static_cast<std::size_t>(spec.vowel)], female, mouth.vowels, mouth.openness);
      CHECK(dominant_vowel(mouth.vowels) == spec.vowel);
      CHECK(vowel_weight(mouth, spec.vowel) > 0.5f);
      CHECK(mouth.openness > 0.8f);
      CHECK(mouth.voiced);
      const float sum = std::accumulate(mouth.vowels.begin(), mouth.vowels.end(), 0.0f);
      CHECK(sum <= 1.0f + 1e-5f);
    }
  }
}

TEST_CASE("lip sync: vowel classification holds across pitches 100-250 Hz", "[lip_sync]") {
  std::array<std::array<int, kVowelCount>, kVowelCount> confusion{};
  int correct = 0, total = 0;
  for (const auto& spec : kVowels) {
    for (const bool female : {false, true}) {
      for (double pitch : {100.0, 130.0, 160.0, 190.0, 220.0, 250.0}) {
        const MouthShape mouth = classify_synthetic(female ? spec.female : spec.male, pitch);
        const Vowel got = dominant_vowel(mouth.vowels);
        ++confusion[static_cast<std::size_t>(spec.vowel)][static_cast<std::size_t>(got)];
        correct += got == spec.vowel ? 1 : 0;
        ++total;
      }
    }
  }
  std::ostringstream table;
  table << "synthesised \\ detected: a i u e o\n";
  for (std::size_t row = 0; row < confusion.size(); ++row) {
    table << kVowelNames[row] << ':';
    for (int count : confusion[row]) table << ' ' << count;
    table << '\n';
  }
  INFO(table.str());
  CHECK(correct >= total * 9 / 10);
}

TEST_CASE("lip sync: louder speech opens the mouth wider until it saturates", "[lip_sync]") {
  std::vector<float> openness;
  for (double level = -70.0; level <= 0.0; level += 5.0) {
    LipSync lip_sync;
    openness.push_back(
        mouth_after(lip_sync, synthesize_vowel(kVowels[0].male, kMalePitch, 0.4, 48000, level), 48000).openness);
  }
  CAPTURE(openness);
  CHECK(openness.front() == 0.0f);  // -70 dBFS: below the gate
  CHECK(openness.back() == Approx(1.0f).margin(0.01));
  for (std::size_t i = 1; i < openness.size(); ++i) CHECK(openness[i] >= openness[i - 1]);
  CHECK(openness[5] > openness[4] + 0.05f);  // -45 vs -50 dBFS: within the opening range, a real step
  CHECK(openness[8] > openness[6] + 0.2f);
}

TEST_CASE("lip sync: the mouth opens within 100 ms of speech onset and closes within 200 ms of its end", "[lip_sync]") {
  const int rate = 48000;
  LipSync lip_sync;
  double clock = 0.0;
  const auto signal = concat(
      concat(silence(0.5, rate), synthesize_vowel(kVowels[0].male, kMalePitch, 0.6, rate, -20.0)), silence(0.6, rate));
  const auto trace = feed(lip_sync, signal, rate, clock);
  const auto first_time = [&trace](double after, auto predicate) {
    for (const auto& point : trace) {
      if (point.seconds > after && predicate(point.mouth)) return point.seconds - after;
    }
    return 1e9;
  };
  const double open_delay = first_time(0.5, [](const MouthShape& m) { return m.openness > 0.5f; });
  const double close_delay = first_time(1.1, [](const MouthShape& m) { return m.openness < 0.1f; });
  CAPTURE(open_delay, close_delay);
  CHECK(open_delay <= 0.1);
  CHECK(close_delay <= 0.2);
  CHECK(first_time(0.0, [](const MouthShape& m) { return m.openness > 0.0f; }) >= 0.5);  // nothing before onset
}

TEST_CASE("lip sync: 44.1 kHz, 48 kHz and other capture rates give the same mouth", "[lip_sync]") {
  for (const auto& spec : kVowels) {
    const MouthShape reference = classify_synthetic(spec.male, kMalePitch, 48000);
    for (int rate : {44100, 32000, 22050, 16000, 96000}) {
      const MouthShape mouth = classify_synthetic(spec.male, kMalePitch, rate);
      CAPTURE(kVowelNames[static_cast<std::size_t>(spec.vowel)], rate, mouth.vowels, reference.vowels);
      CHECK(dominant_vowel(mouth.vowels) == spec.vowel);
      CHECK(mouth.openness == Approx(reference.openness).margin(0.05));
    }
  }
}

TEST_CASE("lip sync: a change of sample rate mid-stream restarts the analysis", "[lip_sync]") {
  LipSync lip_sync;
  double clock = 0.0;
  feed(lip_sync, synthesize_vowel(kVowels[1].male, kMalePitch, 0.5, 48000, -20.0), 48000, clock);
  const MouthShape mouth =
      feed(lip_sync, synthesize_vowel(kVowels[4].male, kMalePitch, 0.5, 44100, -20.0), 44100, clock).back().mouth;
  CHECK(dominant_vowel(mouth.vowels) == Vowel::kO);
  CHECK(lip_sync.diagnostics().analysis_rate == 11025);
}

TEST_CASE("lip sync: stereo planar input is downmixed", "[lip_sync]") {
  const int rate = 48000;
  const auto vowel = synthesize_vowel(kVowels[3].male, kMalePitch, 0.5, rate, -20.0);
  LipSync mono, stereo;
  double mono_clock = 0.0, stereo_clock = 0.0;
  const MouthShape mono_mouth = feed(mono, vowel, rate, mono_clock, 1).back().mouth;
  const MouthShape stereo_mouth = feed(stereo, vowel, rate, stereo_clock, 2).back().mouth;
  CHECK(stereo_mouth.openness == Approx(mono_mouth.openness).margin(1e-4));
  CHECK(dominant_vowel(stereo_mouth.vowels) == Vowel::kE);

  SECTION("speech on one channel of two still drives the mouth (6 dB quieter)") {
    LipSync one_sided;
    const std::vector<float> quiet(vowel.size(), 0.0f);
    const int block = rate / 100;
    MouthShape mouth;
    for (std::size_t start = 0; start + static_cast<std::size_t>(block) <= vowel.size();
         start += static_cast<std::size_t>(block)) {
      const float* planes[] = {quiet.data() + start, vowel.data() + start};
      one_sided.submit_audio(planes, 2, block, rate);
      mouth = one_sided.update(static_cast<double>(start) / rate);
    }
    CHECK(dominant_vowel(mouth.vowels) == Vowel::kE);
    CHECK(mouth.openness > 0.6f);
    CHECK(mouth.openness < mono_mouth.openness);
  }
  SECTION("interleaved stereo matches planar stereo") {
    LipSync interleaved;
    std::vector<float> samples(vowel.size() * 2);
    for (std::size_t n = 0; n < vowel.size(); ++n) samples[2 * n] = samples[2 * n + 1] = vowel[n];
    interleaved.submit_interleaved(samples.data(), 2, static_cast<int>(vowel.size()), rate);
    const MouthShape mouth = interleaved.update(1.0);
    CHECK(dominant_vowel(mouth.vowels) == Vowel::kE);
    CHECK(mouth.openness == Approx(mono_mouth.openness).margin(0.02));
  }
}

TEST_CASE("lip sync: NaN and infinite samples never reach the pose", "[lip_sync]") {
  const int rate = 48000;
  auto signal = synthesize_vowel(kVowels[0].male, kMalePitch, 1.0, rate, -20.0);
  for (std::size_t n = 0; n < signal.size(); n += 997) signal[n] = std::numeric_limits<float>::quiet_NaN();
  for (std::size_t n = 0; n < 4800; ++n)
    signal[24000 + n] = (n % 2 == 0) ? std::numeric_limits<float>::infinity() : -std::numeric_limits<float>::infinity();
  LipSync lip_sync;
  double clock = 0.0;
  for (const auto& point : feed(lip_sync, signal, rate, clock)) {
    REQUIRE(all_finite(point.mouth));
    Pose pose = rest_pose();
    apply_mouth_shape(pose, point.mouth, 1.0f);
    REQUIRE_NOTHROW(check_pose_finite(pose));
  }
  const auto diagnostics = lip_sync.diagnostics();
  CHECK(std::isfinite(diagnostics.level_db));
  const MouthShape mouth =
      feed(lip_sync, synthesize_vowel(kVowels[4].male, kMalePitch, 0.4, rate, -20.0), rate, clock).back().mouth;
  CHECK(dominant_vowel(mouth.vowels) == Vowel::kO);  // the analysis recovered
}

TEST_CASE("lip sync: a huge burst keeps memory bounded and the newest audio wins", "[lip_sync]") {
  const int rate = 48000;
  LipSync lip_sync;
  // 10 s in one call (a stalled worker's backlog): silence, then half a second of "o" at the end.
  const auto burst = concat(silence(9.5, rate), synthesize_vowel(kVowels[4].male, kMalePitch, 0.5, rate, -20.0));
  const float* planes[] = {burst.data()};
  lip_sync.submit_audio(planes, 1, static_cast<int>(burst.size()), rate);
  const MouthShape mouth = lip_sync.update(10.0);
  CHECK(dominant_vowel(mouth.vowels) == Vowel::kO);
  CHECK(mouth.openness > 0.8f);
  CHECK(lip_sync.diagnostics().samples_dropped > 400000);
  CHECK(lip_sync.diagnostics().frames_analysed < 200);  // only the ~1.4 s kept were analysed
  lip_sync.submit_audio(planes, 1, 0, rate);            // zero frames: nothing happens
  CHECK(lip_sync.update(10.01).openness == mouth.openness);
}

TEST_CASE("lip sync: audio that stops arriving closes the mouth over wall time", "[lip_sync]") {
  LipSync lip_sync;
  double clock = 0.0;
  const MouthShape open =
      feed(lip_sync, synthesize_vowel(kVowels[0].male, kMalePitch, 0.4, 48000, -20.0), 48000, clock).back().mouth;
  REQUIRE(open.openness > 0.8f);
  CHECK(lip_sync.update(clock + 0.1).openness == open.openness);  // a late audio callback is not silence yet
  lip_sync.update(clock + 0.3);
  const MouthShape later = lip_sync.update(clock + 0.6);
  CHECK(later.openness < 0.05f);
  CHECK_FALSE(later.voiced);
}

TEST_CASE("lip sync: with vowel detection off every opening is mouth_aaa", "[lip_sync]") {
  LipSyncSettings settings;
  settings.detect_vowels = false;
  LipSync lip_sync(settings);
  const MouthShape mouth =
      mouth_after(lip_sync, synthesize_vowel(kVowels[1].male, kMalePitch, 0.4, 48000, -20.0), 48000);
  CHECK(mouth.vowels == std::array<float, 5>{1, 0, 0, 0, 0});
  CHECK(mouth.openness > 0.8f);
}

TEST_CASE("lip sync: settings take effect at the next update (gain)", "[lip_sync]") {
  LipSync lip_sync;
  double clock = 0.0;
  const auto quiet = synthesize_vowel(kVowels[0].male, kMalePitch, 0.4, 48000, -45.0);
  const float before = feed(lip_sync, quiet, 48000, clock).back().mouth.openness;
  LipSyncSettings louder;
  louder.gain_db = 20.0f;
  lip_sync.set_settings(louder);
  const float after = feed(lip_sync, quiet, 48000, clock).back().mouth.openness;
  CHECK(after > before + 0.3f);
}

TEST_CASE("lip sync: submitting and updating on two threads at once", "[lip_sync]") {
  const int rate = 48000;
  const auto vowel = synthesize_vowel(kVowels[2].male, kMalePitch, 1.0, rate, -20.0);
  LipSync lip_sync;
  std::atomic<bool> done{false};
  std::thread audio_thread([&] {
    const int block = 480;
    for (int repeat = 0; repeat < 3; ++repeat) {
      for (std::size_t start = 0; start + block <= vowel.size(); start += block) {
        const float* planes[] = {vowel.data() + start, vowel.data() + start};
        lip_sync.submit_audio(planes, 2, block, rate);
        if (start % 9600 == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
    }
    done = true;
  });
  std::thread settings_thread([&] {
    for (int i = 0; i < 200 && !done; ++i) {
      LipSyncSettings settings;
      settings.gain_db = static_cast<float>(i % 2);
      lip_sync.set_settings(settings);
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
  });
  int updates = 0;
  bool finite = true;
  double now = 0.0;
  while (!done) {
    finite = finite && all_finite(lip_sync.update(now += 0.001));
    ++updates;
  }
  audio_thread.join();
  settings_thread.join();
  const MouthShape mouth = lip_sync.update(now + 0.001);
  CHECK(finite);
  CHECK(updates > 0);
  CHECK(all_finite(mouth));
  CHECK(dominant_vowel(mouth.vowels) == Vowel::kU);
  CHECK(mouth.openness > 0.5f);
}

TEST_CASE("lip sync: apply_mouth_shape writes openness x vowels and blends with tracking", "[lip_sync]") {
  const std::size_t aaa = pose_index("mouth_aaa"), iii = pose_index("mouth_iii"), ooo = pose_index("mouth_ooo");
  const std::size_t delta = pose_index("mouth_delta"), eye = pose_index("eye_wink_left");
  MouthShape mouth;
  mouth.openness = 0.8f;
  mouth.vowels = {0.75f, 0.25f, 0.0f, 0.0f, 0.0f};
  mouth.voiced = true;
  Pose tracked = rest_pose();
  tracked[ooo] = 0.6f;
  tracked[delta] = 0.3f;
  tracked[eye] = 1.0f;

  SECTION("audio only") {
    Pose pose = tracked;
    apply_mouth_shape(pose, mouth, 1.0f);
    CHECK(pose[aaa] == Approx(0.6f));
    CHECK(pose[iii] == Approx(0.2f));
    CHECK(pose[ooo] == 0.0f);
    CHECK(pose[delta] == 0.3f);  // not a vowel shape: kept
    CHECK(pose[eye] == 1.0f);
  }
  SECTION("half and half") {
    Pose pose = tracked;
    apply_mouth_shape(pose, mouth, 0.5f);
    CHECK(pose[aaa] == Approx(0.3f));
    CHECK(pose[ooo] == Approx(0.3f));
  }
  SECTION("weight 0, NaN weight: tracking untouched") {
    for (float weight : {0.0f, -3.0f, std::numeric_limits<float>::quiet_NaN()}) {
      Pose pose = tracked;
      apply_mouth_shape(pose, mouth, weight);
      CHECK(pose == tracked);
    }
  }
  SECTION("weights above 1 are audio only; silence closes the mouth") {
    Pose pose = tracked;
    apply_mouth_shape(pose, MouthShape{}, 7.0f);
    CHECK(pose[aaa] == 0.0f);
    CHECK(pose[ooo] == 0.0f);
  }
  SECTION("non-finite values become 0, never NaN") {
    MouthShape broken = mouth;
    broken.openness = std::numeric_limits<float>::quiet_NaN();
    broken.vowels[1] = std::numeric_limits<float>::infinity();
    Pose pose = tracked;
    pose[iii] = std::numeric_limits<float>::quiet_NaN();
    apply_mouth_shape(pose, broken, 0.5f);
    REQUIRE_NOTHROW(check_pose_finite(pose));
    CHECK(pose[iii] == 0.0f);
    CHECK(pose[ooo] == Approx(0.3f));
  }
}
