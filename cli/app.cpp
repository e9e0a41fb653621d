#include "app.hpp"

#include <algorithm>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cli11.hpp"

#include "check_command.hpp"
#include "command_docs.hpp"
#include "estimate_command.hpp"
#include "exit_codes.hpp"
#include "flags.hpp"
#include "gpus_command.hpp"
#include "inspect_command.hpp"
#include "models_command.hpp"
#include "output.hpp"
#include "train_command.hpp"
#include "vramcalc/error.hpp"
#include "vramcalc/escape.hpp"
#include "vramcalc/spelling.hpp"
#include "vramcalc/version.hpp"

namespace vramcalc::cli {

// Messages quote names from files and argv: escaped, they stay one line each and cannot act
// on the terminal.
void print_error(const std::string& message, const std::string& hint) {
  std::fprintf(stderr, "vramcalc: error: %s\n", escape_for_terminal(message).c_str());
  if (!hint.empty()) {
    std::fprintf(stderr, "  hint: %s\n", escape_for_terminal(hint).c_str());
  }
}

namespace {

// Every long option an app and its subcommands know, for "did you mean".
std::vector<std::string> known_flags(const CLI::App& app) {
  std::vector<std::string> flags;
  for (const CLI::Option* option : app.get_options()) {
    for (const auto& name : option->get_lnames()) {
      flags.push_back("--" + name);
    }
  }
  return flags;
}

// CLI11 reports unknown arguments in its own words; name the first one and suggest a flag.
std::string unknown_argument_hint(const CLI::App& app, int argc, char** argv) {
  const CLI::App* scope = &app;
  for (const CLI::App* sub : app.get_subcommands()) {
    scope = sub;
  }
  const auto flags = known_flags(*scope);
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg.rfind("--", 0) != 0) {
      continue;
    }
    arg = arg.substr(0, arg.find('='));
    if (std::find(flags.begin(), flags.end(), arg) == flags.end() && arg != "--help" &&
        arg != "--version") {
      if (const auto suggestion = closest_name(arg, flags)) {
        return "did you mean '" + *suggestion + "'? run 'vramcalc --help' for every flag";
      }
    }
  }
  return "run 'vramcalc --help' for every flag";
}

// Which parts of the command line a run builds. CLI11 builds each option at a cost, so a run
// builds the subcommand it names and no other: `vramcalc gpus ...` the gpus flags only, a query
// the estimate flags (plus those of any subcommand named later on the line, so that
// `vramcalc --color never gpus` parses as before). The generated man page and completions
// describe everything.
struct Needed {
  bool estimate = true;
  std::vector<std::string> subcommands;  // names whose flags to build; "*" all

  [[nodiscard]] bool has(const std::string& name) const {
    return std::find(subcommands.begin(), subcommands.end(), name) != subcommands.end() ||
           std::find(subcommands.begin(), subcommands.end(), "*") != subcommands.end();
  }
};

constexpr const char* k_subcommand_names[] = {"gpus", "models", "inspect", "train", "check"};

Needed needed_parts(int argc, char** argv) {
  Needed needed;
  if (argc < 2) {
    return needed;
  }
  const std::string first = argv[1];
  if (first.rfind("--generate-", 0) == 0) {
    needed.subcommands = {"*"};
    return needed;
  }
  for (const char* name : k_subcommand_names) {
    if (first == name) {
      needed.estimate = false;
      needed.subcommands = {name};
      return needed;
    }
  }
  for (int i = 2; i < argc; ++i) {
    for (const char* name : k_subcommand_names) {
      if (name == std::string_view(argv[i])) {
        needed.subcommands.emplace_back(name);
      }
    }
  }
  return needed;
}

// The whole command line: the app, its subcommands and the flags a run needs (Needed), bound to
// the options they fill. The man page and the completions are written from the same app.
struct CommandLine {
  CLI::App app{"vramcalc: will this model fit, on which GPU, at which precision?", "vramcalc"};
  EstimateCommandOptions estimate_options;
  GpusCommandOptions gpus_options;
  ModelsCommandOptions models_options;
  InspectCommandOptions inspect_options;
  TrainCommandOptions train_options;
  CheckCommandOptions check_options;
  CLI::App* gpus = nullptr;
  CLI::App* models = nullptr;
  CLI::App* inspect = nullptr;
  CLI::App* train = nullptr;
  CLI::App* check = nullptr;

  CommandLine(const Needed& needed, const FlagSelection& selection) {
    app.set_version_flag("-V,--version", std::string(version()));
    app.footer(
        "Examples:\n"
        "  vramcalc --params 7B --dtype fp16 --gpu L4\n"
        "  vramcalc --model llama-3.1-8b --engine vllm --gpu L40S --max-model-len 32k\n"
        "  vramcalc --params 70B --gpu A100-80GB --gpus 2 --format json\n"
        "  vramcalc --params 8B --context 32k --batch 4 --gpu 4090 --ladder\n"
        "  vramcalc train --model llama-3.1-8b --method qlora --gpu 4090\n"
        "  vramcalc check deployments.jsonl --format markdown\n"
        "\n"
        "Exit codes: 0 computed (and fits), 1 does not fit, 2 usage or input error (check: the\n"
        "worst row).\n"
        "Sizes: GB/MB/TB = 10^9/10^6/10^12 bytes, GiB/MiB/TiB = 2^30/2^20/2^40 bytes.");
    app.require_subcommand(0, 1);
    if (needed.estimate) {
      Flags flags(app, selection);
      setup_estimate(flags, estimate_options);
    }
    // A subcommand is named in help and in errors (every flag), and built when asked for.
    const auto subcommand = [&](const char* name, const char* about, auto setup,
                                auto& options) -> CLI::App* {
      if (!selection.is_every() && !needed.has(name)) {
        return nullptr;
      }
      CLI::App* sub = app.add_subcommand(name, about);
      if (needed.has(name)) {
        Flags flags(*sub, selection);
        setup(flags, options);
      }
      return sub;
    };
    gpus = subcommand("gpus", "List the GPU database", setup_gpus, gpus_options);
    models = subcommand("models", "List the built-in model catalog", setup_models, models_options);
    inspect = subcommand("inspect", "Show what vramcalc reads from a model file", setup_inspect,
                         inspect_options);
    train = subcommand(
        "train", "Training and fine-tuning memory: full, LoRA, QLoRA; DDP, ZeRO, FSDP, offload",
        setup_train, train_options);
    check = subcommand(
        "check",
        "Many deployments in one step: judge every row of a file (CI); exit code of the worst",
        setup_check, check_options);
  }
  CommandLine(const CommandLine&) = delete;
  CommandLine& operator=(const CommandLine&) = delete;
};

// The hidden generators, each only as the whole command line: `vramcalc --generate-man` and
// `vramcalc --generate-completion SHELL` print what `cmake --install` installs. Returns
// nothing when argv asks for neither.
std::optional<std::string> generated_document(const CommandLine& line, int argc, char** argv) {
  if (argc < 2) {
    return std::nullopt;
  }
  const std::string first = argv[1];
  if (first == "--generate-man") {
    if (argc != 2) {
      throw Error(ErrorKind::usage, "--generate-man takes no other argument",
                  "run 'vramcalc --generate-man > vramcalc.1'");
    }
    return man_page(describe_commands(line.app), std::string(version()));
  }
  if (first == "--generate-completion" || first.rfind("--generate-completion=", 0) == 0) {
    const bool joined = first != "--generate-completion";
    if (joined ? argc != 2 : argc != 3) {
      throw Error(ErrorKind::usage, "--generate-completion takes one shell and no other argument",
                  "run 'vramcalc --generate-completion bash' (or zsh, fish)");
    }
    const std::string shell = joined ? first.substr(first.find('=') + 1) : argv[2];
    return completion_script(describe_commands(line.app), shell);
  }
  return std::nullopt;
}

}  // namespace

int run_app(int argc, char** argv) {
  prepare_standard_streams();
  try {
    const Needed needed = needed_parts(argc, argv);
    // The engines' single-dash spellings (-tp, -ctk, ...) become their long names first.
    const std::vector<std::string> args =
        with_engine_spellings(std::vector<std::string>(argv + 1, argv + argc));
    // The man page and the completions describe every flag.
    const bool generating = argc >= 2 && std::string_view(argv[1]).rfind("--generate-", 0) == 0;
    if (generating) {
      const CommandLine line(needed, FlagSelection::every());
      if (const auto document = generated_document(line, argc, argv)) {
        write_output(*document);
        finish_output();
        return k_exit_ok;
      }
    }
    // The flags the arguments name (flags.hpp); when that parse fails, the whole command line
    // parses again, for help, errors and "did you mean" as they always are.
    auto line = std::make_unique<CommandLine>(needed, FlagSelection::named_in(args));
    bool parsed = false;
    try {
      std::vector<std::string> reversed(args.rbegin(), args.rend());
      line->app.parse(reversed);
      parsed = true;
    } catch (const CLI::CallForVersion&) {
      write_output("vramcalc " + std::string(version()) + "\n");
      finish_output();
      return k_exit_ok;
    } catch (const CLI::ParseError&) {
      line = std::make_unique<CommandLine>(needed, FlagSelection::every());
    }
    CLI::App& app = line->app;
    if (!parsed) {
      try {
        std::vector<std::string> reversed(args.rbegin(), args.rend());
        app.parse(reversed);
      } catch (const CLI::CallForHelp&) {
        write_output(app.help());
        finish_output();
        return k_exit_ok;
      } catch (const CLI::CallForAllHelp&) {
        write_output(app.help("", CLI::AppFormatMode::All));
        finish_output();
        return k_exit_ok;
      } catch (const CLI::CallForVersion&) {
        write_output("vramcalc " + std::string(version()) + "\n");
        finish_output();
        return k_exit_ok;
      } catch (const CLI::ExtrasError& e) {
        print_error(e.what(), unknown_argument_hint(app, argc, argv));
        return k_exit_error;
      } catch (const CLI::ParseError& e) {
        print_error(e.what(), "run 'vramcalc --help' for every flag");
        return k_exit_error;
      }
    }
    // The command runs with its options alone: the command line (CLI11's app, its flags and
    // their texts) is freed first, so the command reuses its memory rather than touching new
    // pages (each costs a short process more than most of its work: docs/performance.md).
    const auto run_alone = [&line](auto& options, auto command) {
      auto own = std::move(options);
      line.reset();
      return command(own);
    };
    CommandLine& done = *line;
    const auto chosen = [](const CLI::App* sub) { return sub != nullptr && sub->parsed(); };
    const int code = chosen(done.gpus)      ? run_alone(done.gpus_options, run_gpus)
                     : chosen(done.models)  ? run_alone(done.models_options, run_models)
                     : chosen(done.inspect) ? run_alone(done.inspect_options, run_inspect)
                     : chosen(done.train)   ? run_alone(done.train_options, run_train)
                     : chosen(done.check)   ? run_alone(done.check_options, run_check)
                                            : run_alone(done.estimate_options, run_estimate);
    finish_output();
    return code;
  } catch (const Error& e) {
    print_error(e.what(), e.hint());
    return k_exit_error;
  } catch (const std::exception& e) {
    print_error(std::string("internal error: ") + e.what(),
                "please report this with the command line that caused it");
    return k_exit_error;
  }
}

}  // namespace vramcalc::cli
