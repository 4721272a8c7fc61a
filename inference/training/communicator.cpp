#include "inference/training/communicator.h"

#include "inference/util/errors.h"

#if THA4_WITH_GLOO
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#endif
#if THA4_WITH_NCCL
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

#include <cstdlib>
#include <optional>

#ifndef THA4_WITH_GLOO
#define THA4_WITH_GLOO 0
#endif
#ifndef THA4_WITH_NCCL
#define THA4_WITH_NCCL 0
#endif

namespace tha4::training {
namespace {

class SingleProcessCommunicator final : public Communicator {
 public:
  int rank() const override { return 0; }
  int world_size() const override { return 1; }
  std::string description() const override { return "single process"; }
  void allreduce_sum(std::vector<torch::Tensor>&) override {}
  void broadcast_from_rank0(std::vector<torch::Tensor>&) override {}
  torch::Tensor allgather(const torch::Tensor& tensor) override { return tensor.unsqueeze(0).clone(); }
  void barrier() override {}
};

#if THA4_WITH_GLOO
// Any c10d process group: ProcessGroupGloo and ProcessGroupNCCL have the same collective signatures in
// LibTorch 1.13 (ProcessGroup) and 2.x (Backend). NCCL only moves GPU tensors, so for it every tensor is
// staged on `device` (the process's GPU) and copied back: callers never care where a tensor lives.
template <typename Group>
class ProcessGroupCommunicator final : public Communicator {
 public:
  ProcessGroupCommunicator(c10::intrusive_ptr<c10d::Store> store, c10::intrusive_ptr<Group> group, int rank, int world,
                           std::string backend, std::optional<torch::Device> device = std::nullopt)
      : store_(std::move(store)),
        group_(std::move(group)),
        rank_(rank),
        world_(world),
        backend_(std::move(backend)),
        device_(device) {}

  int rank() const override { return rank_; }
  int world_size() const override { return world_; }
  std::string description() const override {
    return backend_ + ", " + std::to_string(world_) + " processes (this is rank " + std::to_string(rank_) + ")";
  }
  void allreduce_sum(std::vector<torch::Tensor>& tensors) override {
    // One collective per tensor: c10d requires every tensor in one call to sit on a different device.
    for (auto& tensor : tensors) {
      std::vector<torch::Tensor> one{staged(tensor)};
      group_->allreduce(one)->wait();
      unstage(one[0], tensor);
    }
  }
  void broadcast_from_rank0(std::vector<torch::Tensor>& tensors) override {
    c10d::BroadcastOptions options;
    options.rootRank = 0;
    for (auto& tensor : tensors) {
      std::vector<torch::Tensor> one{staged(tensor)};
      group_->broadcast(one, options)->wait();
      unstage(one[0], tensor);
    }
  }
  torch::Tensor allgather(const torch::Tensor& tensor) override {
    std::vector<torch::Tensor> input{staged(tensor).contiguous()};
    std::vector<std::vector<torch::Tensor>> output(1);
    for (int i = 0; i < world_; ++i) output[0].push_back(torch::empty_like(input[0]));
    group_->allgather(output, input)->wait();
    return torch::stack(output[0]).to(tensor.device());
  }
  void barrier() override { group_->barrier()->wait(); }

 private:
  torch::Tensor staged(const torch::Tensor& tensor) const {
    return device_ && tensor.device() != *device_ ? tensor.to(*device_) : tensor;
  }
  static void unstage(const torch::Tensor& result, torch::Tensor& tensor) {
    if (!result.is_same(tensor)) tensor.copy_(result);
  }

  c10::intrusive_ptr<c10d::Store> store_;  // the group talks through it for its lifetime
  c10::intrusive_ptr<Group> group_;
  int rank_;
  int world_;
  std::string backend_;
  std::optional<torch::Device> device_;
};

bool is_loopback(const std::string& address) {
  return address == "localhost" || address.rfind("127.", 0) == 0 || address == "::1";
}

c10::intrusive_ptr<c10d::Store> connect_store(const DistributedEnv& env, std::chrono::milliseconds timeout) {
  c10d::TCPStoreOptions options;
  options.port = static_cast<std::uint16_t>(env.master_port);
  options.isServer = env.rank == 0;
  options.numWorkers = static_cast<std::size_t>(env.world_size);
  options.waitWorkers = false;
  options.timeout = timeout;
  return c10::make_intrusive<c10d::TCPStore>(env.master_addr, options);
}

std::unique_ptr<Communicator> connect_gloo(const DistributedEnv& env, std::chrono::milliseconds timeout) {
  auto store = connect_store(env, timeout);
  auto options = c10d::ProcessGroupGloo::Options::create();
  options->timeout = timeout;
  // Which network interface Gloo uses: GLOO_SOCKET_IFNAME as in PyTorch, loopback for a one-machine run,
  // else the interface of this machine's host name.
  if (const char* interface = std::getenv("GLOO_SOCKET_IFNAME"); interface && *interface) {
    options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(interface));
  } else if (is_loopback(env.master_addr)) {
    options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1"));
  } else {
    options->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
  }
  auto group = c10::make_intrusive<c10d::ProcessGroupGloo>(store, env.rank, env.world_size, options);
  return std::make_unique<ProcessGroupCommunicator<c10d::ProcessGroupGloo>>(store, group, env.rank, env.world_size,
                                                                            "gloo");
}

#endif  // THA4_WITH_GLOO

#if THA4_WITH_NCCL
std::unique_ptr<Communicator> connect_nccl(const DistributedEnv& env, std::chrono::milliseconds timeout) {
  auto store = connect_store(env, timeout);
  auto options = c10d::ProcessGroupNCCL::Options::create();
  options->timeout = timeout;
  auto group = c10::make_intrusive<c10d::ProcessGroupNCCL>(store, env.rank, env.world_size, options);
  return std::make_unique<ProcessGroupCommunicator<c10d::ProcessGroupNCCL>>(
      store, group, env.rank, env.world_size, "nccl",
      torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(env.local_rank)));
}
#endif

}  // namespace

std::unique_ptr<Communicator> make_single_process_communicator() {
  return std::make_unique<SingleProcessCommunicator>();
}

CommunicatorBackend parse_communicator_backend(const std::string& name) {
  if (name == "gloo") return CommunicatorBackend::kGloo;
  if (name == "nccl") return CommunicatorBackend::kNccl;
  throw Error("unknown process group backend '" + name + "' (use gloo or nccl)");
}

bool communicator_backend_available(CommunicatorBackend backend) {
  if (backend == CommunicatorBackend::kNccl) return THA4_WITH_NCCL;
  return THA4_WITH_GLOO;
}

std::unique_ptr<Communicator> connect_process_group(const DistributedEnv& env, CommunicatorBackend backend,
                                                    std::chrono::milliseconds timeout) {
  if (!env.distributed()) return make_single_process_communicator();
  const std::string where = env.master_addr + ":" + std::to_string(env.master_port);
  try {
    if (backend == CommunicatorBackend::kNccl) {
#if THA4_WITH_NCCL
      return connect_nccl(env, timeout);
#else
      throw Error("this build has no NCCL process group (it needs a CUDA build of THA4 Avatar); use --backend gloo");
#endif
    }
#if THA4_WITH_GLOO
    return connect_gloo(env, timeout);
#else
    throw Error("this build has no Gloo process group: install libgloo-dev (scripts/install-deps.sh) and rebuild");
#endif
  } catch (const c10::Error& error) {
    throw Error("rank " + std::to_string(env.rank) + " of " + std::to_string(env.world_size) +
                " could not join the process group at " + where + ": " + error.what_without_backtrace());
  } catch (const std::runtime_error& error) {
    if (dynamic_cast<const Error*>(&error)) throw;
    throw Error("rank " + std::to_string(env.rank) + " of " + std::to_string(env.world_size) +
                " could not join the process group at " + where + ": " + error.what());
  }
}

void average_gradients(Communicator& communicator, const std::vector<torch::Tensor>& parameters) {
  if (communicator.world_size() == 1 || parameters.empty()) return;
  std::vector<torch::Tensor> flat_parts;
  for (const auto& parameter : parameters) {
    const torch::Tensor grad = parameter.grad();
    flat_parts.push_back(grad.defined() ? grad.reshape(-1) : torch::zeros({parameter.numel()}, parameter.options()));
  }
  std::vector<torch::Tensor> flat{torch::cat(flat_parts)};
  communicator.allreduce_sum(flat);
  flat[0].div_(communicator.world_size());
  int64_t offset = 0;
  for (const auto& parameter : parameters) {
    const int64_t n = parameter.numel();
    torch::Tensor averaged = flat[0].slice(0, offset, offset + n).view(parameter.sizes());
    if (parameter.grad().defined()) {
      parameter.mutable_grad().copy_(averaged);
    } else {
      parameter.mutable_grad() = averaged.clone();
    }
    offset += n;
  }
}

}  // namespace tha4::training
