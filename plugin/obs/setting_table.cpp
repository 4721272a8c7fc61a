#include "plugin/obs/setting_table.h"

#include "plugin/obs/setting_access.h"
#include "plugin/obs/setting_keys.h"

#include <cstdlib>
#include <filesystem>
#include <string>

namespace tha4::obs_plugin {
namespace {

using avatar::AvatarSettings;
using avatar::EngineChoice;
using avatar::GpuPrecision;
using avatar::LipSyncMode;
using avatar::PresetHotkeyMode;
using avatar::TrackingInput;
using tracking::EyebrowDownMode;
using tracking::PoseTuning;

Setting row(const char* key, Widget widget, const char* label) {
  Setting row;
  row.key = key;
  row.widget = widget;
  row.label = label;
  return row;
}

// A row for the member at `path` (see setting_access.h).
template <auto... path>
Setting setting(const char* key, Widget widget, const char* label) {
  Setting described = row(key, widget, label);
  described.access = access_to<path...>();
  return described;
}

Setting calibrate_button(const char* key, const char* label) { return row(key, Widget::kCalibrateButton, label); }

// $THA4_TEACHER_DIR, the full system's weights, when set.
const char* default_teacher_folder() {
  const char* folder = std::getenv("THA4_TEACHER_DIR");
  return folder ? folder : "";
}

// $THA4_MODELS/lambda_00 when it holds a character, else empty (the user picks one).
const char* default_model_folder() {
  static const std::string folder = [] {
    const char* root = std::getenv("THA4_MODELS");
    if (!root || !*root) return std::string();
    const std::filesystem::path candidate = std::filesystem::path(root) / "lambda_00";
    std::error_code error;
    return std::filesystem::is_regular_file(candidate / "character_model.yaml", error) ? candidate.string()
                                                                                       : std::string();
  }();
  return folder.c_str();
}

std::vector<SettingGroup> make_table() {
  using S = AvatarSettings;
  return {
      {"character",
       "Group.Character",
       {
           setting<&S::model_folder>(keys::kModelFolder, Widget::kFolder, "ModelFolder")
               .with_help("ModelFolder.Help")
               .with_default(default_model_folder),
           setting<&S::character_image>(keys::kCharacterImage, Widget::kFile, "CharacterImage")
               .with_help("CharacterImage.Help")
               .with_file_filter("PNG (*.png);;All files (*.*)"),
           setting<&S::engine>(keys::kEngine, Widget::kList, "Engine")
               .with_choices({{keys::kEngineAuto, "Engine.Auto", EngineChoice::kAuto},
                              {keys::kEngineCpuFast, "Engine.CpuFast", EngineChoice::kCpuFast},
                              {keys::kEngineCpuReference, "Engine.CpuReference", EngineChoice::kCpuReference},
                              {keys::kEngineCuda, "Engine.Cuda", EngineChoice::kCuda}}),
           setting<&S::cuda_device>(keys::kCudaDevice, Widget::kInteger, "CudaDevice").with_range(0, 15, 1),
           setting<&S::gpu_precision>(keys::kGpuPrecision, Widget::kList, "GpuPrecision")
               .with_choices({{"balanced", "GpuPrecision.Balanced", GpuPrecision::kBalanced},
                              {"quality", "GpuPrecision.Quality", GpuPrecision::kQuality}}),
           setting<&S::cpu_threads>(keys::kCpuThreads, Widget::kInteger, "CpuThreads")
               .with_range(0, 64, 1)
               .with_help("CpuThreads.Help"),
           setting<&S::max_fps>("max_fps", Widget::kInteger, "MaxFps").with_range(0, 240, 1).with_help("MaxFps.Help"),
           setting<&S::governor>("governor", Widget::kCheckbox, "Governor").with_help("Governor.Help"),
           setting<&S::output_scale>("output_scale", Widget::kSlider, "OutputScale")
               .with_range(0.25, 2.0, 0.05)
               .with_suffix("×"),
       }},
      {"tracking",
       "Group.Tracking",
       {
           setting<&S::tracking>(keys::kTrackingInput, Widget::kList, "TrackingInput")
               .with_choices({{keys::kInputNone, "TrackingInput.None", TrackingInput::kNone},
                              {keys::kInputObsSource, "TrackingInput.ObsSource", TrackingInput::kObsSource},
                              {keys::kInputCamera, "TrackingInput.Camera", TrackingInput::kCamera},
                              {keys::kInputIFacialMocap, "TrackingInput.IFacialMocap", TrackingInput::kIFacialMocap},
                              {keys::kInputVmc, "TrackingInput.Vmc", TrackingInput::kVmc},
                              {keys::kInputOpenSeeFace, "TrackingInput.OpenSeeFace", TrackingInput::kOpenSeeFace}}),
           setting<&S::obs_video_source>(keys::kObsVideoSource, Widget::kVideoSources, "ObsVideoSource"),
           setting<&S::camera_device>(keys::kCameraDevice, Widget::kCameraDevices, "CameraDevice").with_default([] {
             return "/dev/video0";
           }),
           setting<&S::phone_address>(keys::kPhoneAddress, Widget::kText, "PhoneAddress")
               .with_help("PhoneAddress.Help"),
           setting<&S::vmc_port>(keys::kVmcPort, Widget::kInteger, "VmcPort").with_range(1, 65535, 1),
           setting<&S::openseeface_port>(keys::kOpenSeeFacePort, Widget::kInteger, "OpenSeeFacePort")
               .with_range(1, 65535, 1)
               .with_help("OpenSeeFacePort.Help"),
           calibrate_button(keys::kCalibrate, "Calibrate"),
           setting<&S::pose_tuning, &PoseTuning::mirror>("mirror", Widget::kCheckbox, "Mirror"),
           setting<&S::smoothing>("smoothing", Widget::kSlider, "Smoothing").with_range(0.0, 1.0, 0.05),
           // Saved as numbers, unlike the other lists.
           setting<&S::pose_tuning, &PoseTuning::eyebrow_down_mode>("eyebrow_down_mode", Widget::kNumberList,
                                                                    "EyebrowDownMode")
               .with_choices({{0, "EyebrowDownMode.Troubled", EyebrowDownMode::kTroubled},
                              {1, "EyebrowDownMode.Angry", EyebrowDownMode::kAngry},
                              {2, "EyebrowDownMode.Lowered", EyebrowDownMode::kLowered},
                              {3, "EyebrowDownMode.Serious", EyebrowDownMode::kSerious}}),
           setting<&S::pose_tuning, &PoseTuning::iris_size>("iris_size", Widget::kSlider, "IrisSize")
               .with_range(0.0, 1.0, 0.05),
           setting<&S::pose_tuning, &PoseTuning::gaze>("gaze", Widget::kCheckbox, "Gaze"),
       }},
      {"animation",
       "Group.Animation",
       {
           setting<&S::pose_tuning, &PoseTuning::breaths_per_minute>("breaths_per_minute", Widget::kSlider,
                                                                     "BreathsPerMinute")
               .with_range(0.0, 60.0, 1.0)
               .with_help("BreathsPerMinute.Help"),
           setting<&S::auto_blink>("auto_blink", Widget::kCheckbox, "AutoBlink"),
           setting<&S::expression>("expression", Widget::kExpressions, "Expression"),
           setting<&S::preset_hotkey_mode>("preset_hotkey_mode", Widget::kList, "PresetHotkeyMode")
               .with_choices({{"hold", "PresetHotkeyMode.Hold", PresetHotkeyMode::kHold},
                              {"toggle", "PresetHotkeyMode.Toggle", PresetHotkeyMode::kToggle}}),
           setting<&S::base_pose>("base_pose", Widget::kText, "BasePose").with_help("BasePose.Help"),
       }},
      {"lip_sync_group",
       "Group.LipSync",
       {
           setting<&S::lip_sync>(keys::kLipSync, Widget::kList, "LipSync")
               .with_choices({{keys::kLipSyncOff, "LipSync.Off", LipSyncMode::kOff},
                              {"when_no_face", "LipSync.WhenNoFace", LipSyncMode::kWhenNoFace},
                              {"always", "LipSync.Always", LipSyncMode::kAlways}}),
           setting<&S::audio_source>(keys::kAudioSource, Widget::kAudioSources, "AudioSource"),
           setting<&S::lip_sync_gain_db>(keys::kLipSyncGain, Widget::kSlider, "LipSyncGain")
               .with_range(-20.0, 30.0, 1.0)
               .with_suffix(" dB"),
       }},
      {"distill",
       "Group.Distill",
       {
           setting<&S::distill_teacher>("distill_teacher", Widget::kFolder, "DistillTeacher")
               .with_help("DistillTeacher.Help")
               .with_default(default_teacher_folder),
           row(keys::kDistillStart, Widget::kDistillStartButton, "DistillStart"),
           row(keys::kDistillStop, Widget::kDistillStopButton, "DistillStop"),
       }},
      {"hidden",
       nullptr,
       {
           // Written by the distill buttons.
           setting<&S::distill_picture>(keys::kDistillPicture, Widget::kHidden, nullptr),
           setting<&S::distill_prefix>(keys::kDistillPrefix, Widget::kHidden, nullptr),
           setting<&S::distill_active>(keys::kDistillActive, Widget::kHidden, nullptr),
           // Lets tests and the benchmark simulate a slow machine (or a fast one), and distil with a reduced teacher.
           setting<&S::debug_min_render_ms>("debug_min_render_ms", Widget::kHidden, nullptr),
           setting<&S::debug_full_system_budget_ms>("debug_full_system_budget_ms", Widget::kHidden, nullptr),
           setting<&S::debug_distill_teacher_sizes>("debug_distill_teacher_sizes", Widget::kHidden, nullptr),
           setting<&S::debug_distill_run_arguments>("debug_distill_run_arguments", Widget::kHidden, nullptr),
       }},
  };
}

}  // namespace

const std::vector<SettingGroup>& setting_table() {
  static const std::vector<SettingGroup> table = make_table();
  return table;
}

}  // namespace tha4::obs_plugin
