#pragma once
// The train subcommand: memory of training and fine-tuning a model on GPUs, its verdict,
// recommendations, solvers and the frameworks' settings.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "model_source.hpp"
#include "output_options.hpp"
#include "vramcalc/gpu.hpp"
#include "vramcalc/train.hpp"

namespace vramcalc::cli {

class Flags;

/// The flags as read. Each flag is declared once with its parser (setup_train): typed values go
/// straight into `request`; the model source and card names stay text until the model and the
/// GPU database are loaded (make_train_query).
struct TrainCommandOptions {
  ModelSourceOptions source;
  TrainingRequest request;
  std::vector<std::string> gpu;       ///< --gpu
  std::optional<std::uint64_t> vram;  ///< --vram
  std::optional<std::uint32_t> gpus;  ///< --gpus
  bool hardware_flags = false;        ///< a flag that needs a card was given
  bool lora_flags = false;            ///< a --lora-* flag was given (needs lora or qlora)
  OutputOptions output;
};

/// Declares the train flags (on the subcommand).
void setup_train(Flags& flags, TrainCommandOptions& options);

/// A training query ready to run: the request with its model loaded and its card resolved.
struct TrainQuery {
  std::unique_ptr<GpuDatabase> database;  ///< owns the card `request` holds a copy of
  TrainingRequest request;
  Format format = Format::text;
  std::string color = "auto";
  std::vector<std::string> gpu_db_files;  ///< --gpu-db, to re-run an answer
};

/// Loads the model and the card the flags name. Throws vramcalc::Error on bad input.
[[nodiscard]] TrainQuery make_train_query(TrainCommandOptions& options);

/// Parses `args` as the train command would (a leading "train" is skipped): for tests and for
/// re-running an answer's arguments.
[[nodiscard]] TrainQuery parse_train_query(const std::vector<std::string>& args);

/// 0 computed and fits (or a solver answered), 1 does not fit (or no answer), as the estimate.
[[nodiscard]] int exit_code_of(const TrainingReport& report);

/// Runs the train command; returns the exit code. Throws vramcalc::Error on bad input.
[[nodiscard]] int run_train(TrainCommandOptions& options);

}  // namespace vramcalc::cli
