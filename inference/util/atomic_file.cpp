#include "inference/util/atomic_file.h"

#include "inference/util/errors.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace tha4 {
namespace {

[[noreturn]] void fail(const std::filesystem::path& file, const std::string& what) {
  throw Error("cannot write " + file.string() + ": " + what + " (" + std::strerror(errno) + ")");
}

}  // namespace

void sync_directory(const std::filesystem::path& folder) {
  const int fd = ::open(folder.empty() ? "." : folder.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

void write_file_atomically(const std::filesystem::path& file, std::string_view bytes) {
  // The temporary name is unique per process, so two writers never share one.
  const std::filesystem::path temporary =
      file.parent_path() / ("." + file.filename().string() + ".partial-" + std::to_string(::getpid()));
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) fail(file, "cannot create " + temporary.string());
  std::size_t written = 0;
  while (written < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + written, bytes.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int error = errno;
      ::close(fd);
      ::unlink(temporary.c_str());
      errno = error;
      fail(file, "write failed (disk full?)");
    }
    written += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    const int error = errno;
    ::unlink(temporary.c_str());
    errno = error;
    fail(file, "flushing to the disk failed");
  }
  if (::rename(temporary.c_str(), file.c_str()) != 0) {
    const int error = errno;
    ::unlink(temporary.c_str());
    errno = error;
    fail(file, "cannot rename the finished file into place");
  }
  sync_directory(file.parent_path());
}

}  // namespace tha4
