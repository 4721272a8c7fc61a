#include "tests/obs/avatar_fixtures.h"

#include <util/platform.h>

#include <cmath>
#include <sstream>
#include <vector>

namespace tha4::obs_test {

obs_data_t* still_settings(const std::string& model, const std::string& pose, const char* engine) {
  obs_data_t* settings = obs_data_create();
  obs_data_set_string(settings, "model_folder", model.c_str());
  obs_data_set_string(settings, "engine", engine);
  obs_data_set_string(settings, "base_pose", pose.c_str());
  obs_data_set_double(settings, "breaths_per_minute", 0.0);
  obs_data_set_bool(settings, "auto_blink", false);
  obs_data_set_string(settings, "tracking_input", "none");
  return settings;
}

Image settled_render(obs_source_t* source, const std::function<bool(const Image&)>& accept,
                     std::chrono::milliseconds timeout) {
  Image image;
  Image previous;
  wait_until(
      [&] {
        previous = image;
        image = ObsHost::get().render_offscreen(source);
        return !image.empty() && accept(image) && max_difference(image, previous) == 0;
      },
      timeout);
  return image;
}

FrameRateProbe::FrameRateProbe()
    : lagged_before_(obs_get_lagged_frames()),
      total_before_(obs_get_total_frames()),
      start_(std::chrono::steady_clock::now()) {}

double FrameRateProbe::seconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

std::string FrameRateProbe::summary() {
  std::ostringstream text;
  text << "OBS output " << frames_delivered() << " frames in " << seconds() << " s, rendered " << frames_rendered()
       << ", lagged " << frames_lagged() << ", average frame time " << obs_get_average_frame_time_ns() / 1e6 << " ms";
  return text.str();
}

bool FrameRateProbe::kept_frame_rate() {
  const double expected = 30.0 * seconds();
  return frames_delivered() >= static_cast<int>(0.9 * expected) &&
         frames_lagged() <= std::max<std::uint32_t>(2, frames_rendered() / 100) &&
         obs_get_average_frame_time_ns() < 33'000'000ULL;
}

const char* register_test_voice_source() {
  static obs_source_info info = [] {
    obs_source_info i = {};
    i.id = "tha4_test_voice";
    i.type = OBS_SOURCE_TYPE_INPUT;
    i.output_flags = OBS_SOURCE_AUDIO;
    i.get_name = [](void*) { return "test voice"; };
    i.create = [](obs_data_t*, obs_source_t* source) -> void* {
      auto* tone = new TestVoice();
      tone->source = source;
      tone->thread = std::thread([tone] {
        constexpr int kRate = 48000;
        constexpr int kChunk = 480;
        std::vector<float> samples(kChunk);
        double phase = 0.0;
        double y1[2][2] = {};
        const double formants[2] = {800.0, 1200.0};
        std::uint64_t timestamp = os_gettime_ns();
        while (!tone->stop.load()) {
          for (int n = 0; n < kChunk; ++n) {
            phase += 140.0 / kRate;
            double x = phase >= 1.0 ? 1.0 : 0.0;
            if (phase >= 1.0) phase -= 1.0;
            for (int f = 0; f < 2; ++f) {  // two-pole resonator at each formant
              const double r = std::exp(-3.14159265 * 100.0 / kRate);
              const double theta = 2.0 * 3.14159265 * formants[f] / kRate;
              const double y = x + 2.0 * r * std::cos(theta) * y1[f][0] - r * r * y1[f][1];
              y1[f][1] = y1[f][0];
              y1[f][0] = y;
              x = y;
            }
            samples[n] = tone->voiced.load() ? static_cast<float>(0.02 * x) : 0.0f;
          }
          obs_source_audio audio = {};
          audio.data[0] = reinterpret_cast<const std::uint8_t*>(samples.data());
          audio.frames = kChunk;
          audio.speakers = SPEAKERS_MONO;
          audio.format = AUDIO_FORMAT_FLOAT;
          audio.samples_per_sec = kRate;
          audio.timestamp = timestamp;
          obs_source_output_audio(tone->source, &audio);
          timestamp += 10'000'000ULL;
          std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
      });
      return tone;
    };
    i.destroy = [](void* data) {
      auto* tone = static_cast<TestVoice*>(data);
      tone->stop = true;
      tone->thread.join();
      delete tone;
    };
    return i;
  }();
  static const bool registered = [] {
    obs_register_source(&info);
    return true;
  }();
  (void)registered;
  return info.id;
}

}  // namespace tha4::obs_test
