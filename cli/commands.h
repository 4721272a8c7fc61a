#pragma once
// Each subcommand of `tha4` registers itself on the app; main.cpp only wires them up.

#include <CLI/CLI.hpp>

namespace tha4::cli {

void add_render_command(CLI::App& app);
void add_info_command(CLI::App& app);
void add_bench_command(CLI::App& app);
void add_demo_command(CLI::App& app);
void add_puppet_command(CLI::App& app);
void add_distill_command(CLI::App& app);
void add_train_command(CLI::App& app);
// `bench tracking`, registered under the `bench` subcommand.
void add_tracking_bench_command(CLI::App& bench);
// `bench full`, registered under the `bench` subcommand.
void add_full_bench_command(CLI::App& bench);
// `bench distill`, registered under the `bench` subcommand.
void add_distill_bench_command(CLI::App& bench);
// `bench train`, registered under the `bench` subcommand.
void add_train_bench_command(CLI::App& bench);

}  // namespace tha4::cli
