#include "cli/process_launcher.h"

#include "inference/util/errors.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <iostream>

namespace tha4::cli {
namespace {

// A port nobody listens on now (the kernel's choice for port 0); rank 0's store binds it moments later.
int free_local_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw Error("cannot create a socket to find a free port");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof address;
  const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
                  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0;
  ::close(fd);
  if (!ok) throw Error("cannot find a free local port for the process group");
  return ntohs(address.sin_port);
}

volatile sig_atomic_t g_interrupted = 0;
void on_interrupt(int) { g_interrupted = 1; }

int exit_status(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return 1;
}

}  // namespace

bool launched_as_rank() {
  const char* world = std::getenv("WORLD_SIZE");
  return world && *world;
}

int run_local_processes(const std::vector<std::string>& arguments, int processes) {
  const int port = free_local_port();
  std::vector<char*> argv;
  std::string self = "/proc/self/exe";
  argv.push_back(self.data());
  std::vector<std::string> copies = arguments;
  for (auto& argument : copies) argv.push_back(argument.data());
  argv.push_back(nullptr);

  struct sigaction action {};
  action.sa_handler = on_interrupt;
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);

  std::vector<pid_t> children;
  for (int rank = 0; rank < processes; ++rank) {
    const pid_t pid = ::fork();
    if (pid < 0) throw Error("cannot start process " + std::to_string(rank) + ": " + std::strerror(errno));
    if (pid == 0) {
      ::setenv("RANK", std::to_string(rank).c_str(), 1);
      ::setenv("LOCAL_RANK", std::to_string(rank).c_str(), 1);
      ::setenv("WORLD_SIZE", std::to_string(processes).c_str(), 1);
      ::setenv("LOCAL_WORLD_SIZE", std::to_string(processes).c_str(), 1);
      ::setenv("MASTER_ADDR", "127.0.0.1", 1);
      ::setenv("MASTER_PORT", std::to_string(port).c_str(), 1);
      ::execv("/proc/self/exe", argv.data());
      std::cerr << "tha4: cannot start a training process: " << std::strerror(errno) << "\n";
      std::_Exit(127);
    }
    children.push_back(pid);
  }

  int result = 0;
  std::size_t running = children.size();
  bool stopping = false;
  while (running > 0) {
    int status = 0;
    const pid_t pid = ::waitpid(-1, &status, 0);
    if (pid < 0) {
      if (errno != EINTR) break;
    } else {
      for (auto& child : children) {
        if (child != pid) continue;
        child = -1;
        --running;
        const int code = exit_status(status);
        if (code != 0 && result == 0) result = code;
      }
    }
    // One process failed or we were interrupted: the others cannot go on without it (their collectives would
    // wait for it until the timeout), so stop them.
    if (!stopping && (result != 0 || g_interrupted)) {
      stopping = true;
      for (const pid_t child : children) {
        if (child > 0) ::kill(child, SIGTERM);
      }
    }
  }
  if (g_interrupted && result == 0) result = 130;
  return result;
}

}  // namespace tha4::cli
