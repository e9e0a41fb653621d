#pragma once
// The default command: plan a model on hardware, judge the fit, answer the solvers.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "model_source.hpp"
#include "output_options.hpp"
#include "attachment_options.hpp"
#include "vramcalc/gpu.hpp"
#include "vramcalc/report.hpp"

namespace vramcalc::cli {

class Flags;

/// The flags as read. Each flag is declared once with its parser (setup_estimate): typed
/// values go straight into `request`; the model source and card names stay text until the
/// model and the GPU database are loaded (make_query).
struct EstimateCommandOptions {
  ModelSourceOptions source;
  Request request;                        ///< every typed flag lands here
  std::vector<std::string> gpu;           ///< --gpu, repeatable: mixed cards
  std::optional<std::uint64_t> vram;      ///< --vram
  std::optional<std::uint32_t> gpus;      ///< --gpus
  bool hardware_flags = false;            ///< a flag that needs a card was given
  /// --ctx-size (llama.cpp's -c): the context of all --parallel sequences together.
  std::optional<std::uint64_t> ctx_size;
  bool cpu_bandwidth_given = false;       ///< --cpu-bandwidth (not --cpu) named the CPU
  /// --unified-limit: the most of a unified-memory card's RAM the GPU may use.
  std::optional<std::uint64_t> unified_limit;
  AttachmentOptions attachments;          ///< --mmproj, --draft, --lora, ...
  OutputOptions output;
};

/// The engines' single-dash spellings that CLI11 cannot declare (it takes one letter after a
/// single dash) rewritten to their long names: -tp, -pp (vLLM), -ctk, -ctv, -np (llama.cpp).
/// Only whole arguments are rewritten; values are left alone.
[[nodiscard]] std::vector<std::string> with_engine_spellings(std::vector<std::string> args);

/// Declares the estimate flags.
void setup_estimate(Flags& flags, EstimateCommandOptions& options);

/// A query ready to run: the request with its model loaded and cards resolved, the database
/// they came from, and how to print the answer.
struct Query {
  std::unique_ptr<GpuDatabase> database;  ///< owns the cards `request` points at
  Request request;
  Format format = Format::text;
  std::string color = "auto";
  std::vector<std::string> gpu_db_files;  ///< --gpu-db, to re-run an answer
};

/// Loads the model and the cards the flags name and checks the flags against each other.
/// Throws vramcalc::Error on bad input.
[[nodiscard]] Query make_query(EstimateCommandOptions& options);

/// Parses `args` (the arguments after the program name) as the estimate command, as the
/// command line would: for tests and for re-running an answer's arguments.
[[nodiscard]] Query parse_query(const std::vector<std::string>& args);

/// The exit code of a report: 0 computed and fits (or a solver answered), 1 does not fit.
[[nodiscard]] int exit_code_of(const Report& report);

/// Runs the estimate; returns the exit code. Throws vramcalc::Error on bad input.
[[nodiscard]] int run_estimate(EstimateCommandOptions& options);

}  // namespace vramcalc::cli
