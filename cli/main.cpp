// tha4: THA4 avatar engine from the command line.
#include "cli/cli_common.h"
#include "cli/commands.h"

#include <exception>
#include <iostream>

int main(int argc, char** argv) {
  tha4::cli::set_program_arguments(argc, argv);
  CLI::App app{"tha4 - Talking Head Anime 4 avatar engine (render, inspect, benchmark, demo, distill)"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("tha4 ") + THA4_VERSION);
  tha4::cli::add_render_command(app);
  tha4::cli::add_info_command(app);
  tha4::cli::add_bench_command(app);
  tha4::cli::add_demo_command(app);
  tha4::cli::add_puppet_command(app);
  tha4::cli::add_distill_command(app);
  tha4::cli::add_train_command(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const std::exception& e) {
    std::cerr << "tha4: error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
