#include "plugin/runtime/model_files.h"

#include <algorithm>
#include <filesystem>
#include <system_error>
#include <vector>

namespace tha4::avatar {
namespace {

namespace fs = std::filesystem;

// "name size mtime" of one file; "name -" when it is gone or unreadable.
std::string describe_file(const fs::path& file) {
  std::error_code error;
  const auto size = fs::file_size(file, error);
  if (error) return file.filename().string() + " -";
  const auto written = fs::last_write_time(file, error);
  if (error) return file.filename().string() + " -";
  return file.filename().string() + ' ' + std::to_string(size) + ' ' +
         std::to_string(written.time_since_epoch().count());
}

// The regular files directly in `folder` whose names start with `prefix`, described and sorted.
std::vector<std::string> describe_folder(const fs::path& folder, const std::string& prefix) {
  std::vector<std::string> files;
  std::error_code error;
  for (fs::directory_iterator it(folder, error), end; !error && it != end; it.increment(error)) {
    const std::string name = it->path().filename().string();
    if (name.compare(0, prefix.size(), prefix) != 0) continue;
    std::error_code type_error;
    if (it->is_directory(type_error)) {
      // A distillation's finished character_model/ or snapshot folders: one level down.
      for (fs::directory_iterator inner(it->path(), error), inner_end; !error && inner != inner_end;
           inner.increment(error)) {
        files.push_back(name + '/' + describe_file(inner->path()));
      }
      error.clear();
    } else {
      files.push_back(describe_file(it->path()));
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

std::string model_files_signature(const AvatarSettings& settings) {
  std::string signature;
  if (!settings.model_folder.empty()) {
    const fs::path model(settings.model_folder);
    std::error_code error;
    const bool folder = fs::is_directory(model, error);
    const auto files =
        folder ? describe_folder(model, "") : describe_folder(model.parent_path(), model.filename().string());
    for (const std::string& file : files) signature += file + '\n';
  }
  if (!settings.character_image.empty()) signature += describe_file(settings.character_image) + '\n';
  return signature;
}

}  // namespace tha4::avatar
