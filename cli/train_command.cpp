#include "train_command.hpp"

#include <charconv>
#include <cstdio>
#include <functional>

#include "cli11.hpp"

#include "flags.hpp"

#include "exit_codes.hpp"
#include "gpu_db_loading.hpp"
#include "output.hpp"
#include "quantity.hpp"
#include "render_train.hpp"
#include "terminal.hpp"
#include "vramcalc/error.hpp"
#include "vramcalc/spelling.hpp"

namespace vramcalc::cli {

namespace {

// Cards one command may name.
constexpr std::uint64_t k_max_gpus = k_max_training_gpus;

double parse_number(const std::string& text, const char* flag, double low, double high,
                    const char* hint) {
  double value = 0;
  const char* end = text.data() + text.size();
  const auto [stop, error] = std::from_chars(text.data(), end, value);
  if (error != std::errc() || stop != end || !(value >= low && value < high)) {
    throw Error(ErrorKind::input, std::string("invalid ") + flag + " '" + text + "'", hint);
  }
  return value;
}

// --margin 2GiB or 10% (as the estimate command reads it).
Margin margin_named(const std::string& text) {
  Margin margin;
  if (!text.empty() && text.back() == '%') {
    margin.percent = parse_number(text.substr(0, text.size() - 1), "--margin", 0.0, 100.0,
                                  "use a share of each card below 100%, e.g. 10%, or a size");
    return margin;
  }
  margin.bytes = parse_size(text, "--margin");
  return margin;
}

std::vector<std::string> comma_list(const std::string& text) {
  std::vector<std::string> items;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t comma = std::min(text.find(',', start), text.size());
    if (comma > start) {
      items.push_back(text.substr(start, comma - start));
    }
    start = comma + 1;
  }
  return items;
}

const WeightFormat& weight_format_named(const std::string& name) {
  if (const WeightFormat* format = find_weight_format(name)) {
    return *format;
  }
  const auto suggestion = closest_name(name, weight_format_spellings());
  throw Error(ErrorKind::input, "unknown --dtype '" + name + "'",
              (suggestion ? "did you mean '" + *suggestion + "'? " : std::string()) +
                  "the base weights: bf16, fp16, fp32; nf4 or nf4-dq for QLoRA; bnb-int8");
}

// Inference flags that have a training name: refused with a hint naming it.
void refused_flag(Flags& flags, const std::string& name, const std::string& instead,
                  const std::string& what) {
  if (CLI::Option* option =
          flags.value(name, nullptr, "", "", [name, instead, what](const std::string&) {
            throw Error(ErrorKind::usage, name + " is not a training flag",
                        "use " + instead + " (" + what + ")");
          })) {
    option->expected(0, 1);
  }
}

void setup_model(Flags& flags, TrainCommandOptions& o) {
  TrainingRequest& r = o.request;
  add_model_source_options(flags, o.source);
  flags.value("--dtype", "TYPE", "Model",
              "Storage of the base weights: bf16 (default), fp16, fp32; nf4 (QLoRA default), "
              "nf4-dq; bnb-int8 for 8-bit LoRA",
              [&r](const std::string& v) { r.format = weight_format_named(v); });
}

void setup_method(Flags& flags, TrainCommandOptions& o) {
  TrainingDeployment& d = o.request.deployment;
  flags.value("--method", "METHOD", "Training",
              "full (default: every weight), lora (adapters on frozen weights), qlora (adapters "
              "on 4-bit weights)",
              [&d](const std::string& v) { d.method = parse_train_method(v, "--method"); });
  flags.value("--lora-rank", "R", "Training", "LoRA rank (default 16)", [&o](const std::string& v) {
    o.request.deployment.lora.rank =
        static_cast<std::uint32_t>(parse_count(v, "--lora-rank", 1'000'000));
    o.lora_flags = true;
  });
  flags.value("--lora-alpha", "A", "Training", "LoRA alpha (default 2 x rank; no memory)",
              [&o](const std::string& v) {
                o.request.deployment.lora.alpha =
                    parse_number(v, "--lora-alpha", 0.0, 1e9, "a positive number, e.g. 32");
                o.request.lora_alpha_given = true;
                o.lora_flags = true;
              });
  flags.value("--lora-targets", "NAMES", "Training",
              "Adapted modules, comma-separated: all-linear (default), q_proj,v_proj, "
              "o_proj, gate_proj, up_proj, down_proj, lm_head, mlp, attention",
              [&o](const std::string& v) {
                o.request.deployment.lora.targets = comma_list(v);
                o.lora_flags = true;
              });
  flags.value("--lora-dropout", "P", "Training",
              "LoRA dropout (default 0): above 0 each adapted module keeps its dropped input",
              [&o](const std::string& v) {
                o.request.deployment.lora.dropout =
                    parse_number(v, "--lora-dropout", 0.0, 1.0,
                                 "a probability at least 0 and below 1, e.g. 0.05");
                o.lora_flags = true;
              });
  flags.value("--optimizer", "NAME", "Training",
              "adamw (default), adamw-8bit, paged-adamw-8bit, adafactor, sgd, lion",
              [&d](const std::string& v) { d.optimizer = parse_optimizer(v, "--optimizer"); });
  flags.value(
      "--precision", "POLICY", "Training",
      "bf16-mixed (default: 16-bit weights, fp32 master and states), bf16 (pure), "
      "fp16-mixed, fp32",
      [&d](const std::string& v) { d.precision = parse_train_precision(v, "--precision"); });
  flags.toggle("--optimizer-in-backward", d.optimizer_in_backward, "Training",
               "Step each parameter as its gradient is ready (torchtune optimizer_in_bwd)");
}

void setup_workload(Flags& flags, TrainCommandOptions& o) {
  TrainingRequest& r = o.request;
  TrainingDeployment& d = r.deployment;
  flags.value("--micro-batch", "N", "Workload", "Sequences per GPU per pass (default 1)",
              [&d](const std::string& v) {
                d.micro_batch = parse_count(v, "--micro-batch", k_max_training_micro_batch);
              });
  flags.value("--seq-len", "TOKENS", "Workload",
              "Tokens per sequence: 2048 (default, at most the trained context), 8k = 8192",
              [&r](const std::string& v) {
                r.deployment.seq_len = parse_token_count(v, "--seq-len");
                r.seq_len_given = true;
              });
  flags.value("--grad-accum", "N", "Workload", "Micro-batches per optimizer step (default 1)",
              [&d](const std::string& v) {
                d.grad_accum = parse_count(v, "--grad-accum", k_max_training_grad_accum);
              });
  flags.value("--grad-checkpointing", "WHICH", "Workload",
              "Activation checkpointing: none (default), selective (attention core), full",
              [&d](const std::string& v) {
                d.checkpointing = parse_checkpointing(v, "--grad-checkpointing");
              });
  flags.value("--flash-attn", "WHEN", "Workload",
              "Fused attention without s^2 scores: on (default), off (eager attention)",
              [&d](const std::string& v) {
                if (v != "on" && v != "off") {
                  throw Error(ErrorKind::input, "invalid --flash-attn '" + v + "'",
                              "use --flash-attn on or off");
                }
                d.flash_attention = v == "on";
              });
  flags.toggle("--packed", d.packed, "Workload", "Sequences packed to --seq-len (no padding)");
  flags.value("--loss", "KIND", "Workload",
              "Loss over the vocabulary: standard (default: fp32 logits), chunked (torchtune), "
              "fused (Liger fused linear cross-entropy)",
              [&d](const std::string& v) { d.loss = parse_loss_kind(v, "--loss"); });
  flags.toggle("--compile", d.compile, "Workload",
               "torch.compile or fused kernels (Liger): fused norms and SwiGLU keep less");
  flags.value("--overhead", "SIZE", "Workload",
              "CUDA context per GPU instead of the measured 1322 MiB, e.g. 800MiB",
              [&d](const std::string& v) { d.cuda_context_bytes = parse_size(v, "--overhead"); });
  refused_flag(flags, "--context", "--seq-len TOKENS", "tokens per training sequence");
  refused_flag(flags, "--batch", "--micro-batch N", "sequences per GPU per pass");
  refused_flag(flags, "--max-context", "--max-seq-len", "the longest sequence that fits");
  refused_flag(flags, "--max-batch", "--max-micro-batch", "the largest micro-batch that fits");
}

void setup_hardware(Flags& flags, TrainCommandOptions& o) {
  TrainingRequest& r = o.request;
  TrainingDeployment& d = r.deployment;
  bool& hw = o.hardware_flags;
  if (CLI::Option* option =
          flags.text("--gpu", o.gpu, "NAME", "Hardware",
                     "GPU by name: 4090, 'A100 80GB', h100 ('vramcalc gpus' lists them)")) {
    option->take_all();
  }
  flags.value("--gpus", "N", "Hardware", "GPUs per node (default 1)", [&o](const std::string& v) {
    o.gpus = static_cast<std::uint32_t>(parse_count(v, "--gpus", k_max_gpus));
  });
  flags.value("--vram", "SIZE", "Hardware",
              "Usable memory of a card not in the database: 24GB, 22.5GiB",
              [&o](const std::string& v) { o.vram = parse_size(v, "--vram"); });
  flags.value("--nodes", "N", "Hardware", "Nodes of --gpus GPUs each (default 1)",
              [&d, &hw](const std::string& v) {
                d.nodes = static_cast<std::uint32_t>(parse_count(v, "--nodes", 1024));
                hw = true;
              });
  flags.value("--parallelism", "HOW", "Hardware",
              "single (default on one GPU), ddp (default on several), zero1, zero2, zero3, fsdp, "
              "fsdp-grad-op, fsdp-hybrid",
              [&r, &hw](const std::string& v) {
                r.deployment.parallelism = parse_parallelism(v, "--parallelism");
                r.parallelism_given = true;
                hw = true;
              });
  flags.action("--offload-optimizer", "Hardware",
               "Master weights and optimizer states in host RAM (ZeRO-Offload)", [&d, &hw] {
                 d.offload_optimizer = true;
                 hw = true;
               });
  flags.action("--offload-params", "Hardware",
               "Parameter shards in host RAM too (ZeRO-Infinity, FSDP CPU offload)", [&d, &hw] {
                 d.offload_params = true;
                 d.offload_optimizer = true;
                 hw = true;
               });
  flags.value("--ram", "SIZE", "Hardware", "Host RAM per node, checked when offloading: 256GB",
              [&d](const std::string& v) { d.ram_bytes = parse_size(v, "--ram"); });
  flags.value("--margin", "SIZE|PCT", "Hardware",
              "Memory kept free on every GPU: 2GiB or 10% (default 0)",
              [&d, &hw](const std::string& v) {
                d.margin = margin_named(v);
                hw = true;
              });
}

void setup_answers(Flags& flags, TrainCommandOptions& o) {
  TrainingRequest& r = o.request;
  flags.toggle("--max-micro-batch", r.solve_max_micro_batch, "Answers",
               "Solve: the largest micro-batch that fits");
  flags.toggle("--max-seq-len", r.solve_max_seq_len, "Answers",
               "Solve: the longest sequence that fits (up to the trained length)");
  flags.toggle("--min-gpus", r.solve_min_gpus, "Answers",
               "Solve: the fewest GPUs per node that hold the run");
}

void resolve_hardware(TrainCommandOptions& o, TrainQuery& query) {
  TrainingRequest& r = query.request;
  TrainingDeployment& d = r.deployment;
  if (!o.gpu.empty() && o.vram) {
    throw Error(ErrorKind::usage, "--gpu and --vram both name the card",
                "use --gpu NAME for a known card, or --vram SIZE for any other");
  }
  if (o.gpu.empty() && !o.vram) {
    if (o.gpus) {
      throw Error(ErrorKind::usage, "--gpus counts GPUs, but no card is named",
                  "add --gpu NAME or --vram SIZE");
    }
    if (o.hardware_flags || r.solve_max_micro_batch || r.solve_max_seq_len || r.solve_min_gpus) {
      throw Error(ErrorKind::usage,
                  "--parallelism, --nodes, --offload-*, --margin and the solvers need a card",
                  "add --gpu NAME (or --vram SIZE)");
    }
    return;
  }
  if (o.gpu.size() > 1) {
    throw Error(ErrorKind::usage, "training shards over identical GPUs, but --gpu names several",
                "name one card with --gpu and count them with --gpus");
  }
  const std::uint32_t count = o.gpus.value_or(1);
  if (o.vram) {
    d.gpus = {GpuGroup{custom_gpu(*o.vram), count}};
    return;
  }
  query.database = std::make_unique<GpuDatabase>(load_gpu_database(query.gpu_db_files));
  d.gpus = {GpuGroup{*query.database->resolve(o.gpu.front()).gpu, count}};
}

}  // namespace

void setup_train(Flags& flags, TrainCommandOptions& o) {
  setup_model(flags, o);
  setup_method(flags, o);
  setup_workload(flags, o);
  setup_hardware(flags, o);
  setup_answers(flags, o);
  add_output_options(flags, o.output);
}

TrainQuery make_train_query(TrainCommandOptions& o) {
  TrainQuery query;
  query.format = parse_format(o.output.format);
  query.color = o.output.color;
  query.gpu_db_files = o.output.gpu_db_files;
  query.request = std::move(o.request);
  TrainingRequest& r = query.request;
  if (o.lora_flags && r.deployment.method == TrainMethod::full) {
    throw Error(ErrorKind::usage, "--lora-* flags apply to --method lora or qlora",
                "add --method lora (or qlora), or drop the --lora-* flags");
  }
  // Training costs the weights in its own precision, whatever the checkpoint stores.
  r.source = model_source_spec(o.source, true);
  LoadedModel loaded = load_model(r.source);
  r.model = std::move(loaded.model);
  r.input_notes = std::move(loaded.notes);
  resolve_hardware(o, query);
  return query;
}

TrainQuery parse_train_query(const std::vector<std::string>& args) {
  std::vector<std::string> flags_only = args;
  if (!flags_only.empty() && flags_only.front() == "train") {
    flags_only.erase(flags_only.begin());
  }
  TrainCommandOptions options;
  try {
    options = parse_flags<TrainCommandOptions>(flags_only, setup_train);
  } catch (const CLI::ParseError& e) {
    throw Error(ErrorKind::usage, e.what(), "run 'vramcalc train --help' for every flag");
  }
  return make_train_query(options);
}

int exit_code_of(const TrainingReport& report) {
  const TrainingRequest& r = report.request;
  const bool answered = (r.solve_max_micro_batch && report.max_micro_batch) ||
                        (r.solve_max_seq_len && report.max_seq_len) ||
                        (r.solve_min_gpus && report.min_gpus);
  if (answered) {
    return k_exit_ok;
  }
  if (r.solve_max_micro_batch || r.solve_max_seq_len || r.solve_min_gpus) {
    return k_exit_does_not_fit;
  }
  return report.has_hardware && !report.plan.fits ? k_exit_does_not_fit : k_exit_ok;
}

int run_train(TrainCommandOptions& options) {
  TrainQuery query = make_train_query(options);
  const bool color = use_color(parse_color_mode(query.color));
  const TrainingReport report = build_training_report(std::move(query.request));
  const TrainArgvContext argv{report.request, query.gpu_db_files};
  // Render completely before writing, so a failure never leaves half a document on stdout.
  const std::string out = query.format == Format::json
                              ? render_train_json(report, argv)
                              : render_train_text(report, argv, Painter(color));
  write_output(out);
  return exit_code_of(report);
}

}  // namespace vramcalc::cli
