#include "estimate_command.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <initializer_list>

#include <CLI/CLI.hpp>

#include "exit_codes.hpp"
#include "gpu_db_loading.hpp"
#include "quantity.hpp"
#include "render.hpp"
#include "terminal.hpp"
#include "vramcalc/engine.hpp"
#include "vramcalc/error.hpp"
#include "vramcalc/params_model.hpp"
#include "vramcalc/report.hpp"
#include "vramcalc/spelling.hpp"

namespace vramcalc::cli {

namespace {

KvType kv_type_named(const std::string& name);

// Cards one command may name: a whole rack of 8-GPU nodes is far below this.
constexpr std::uint64_t k_max_gpus = 1024;
const WeightFormat& weight_format_named(const std::string& name) {
  if (const WeightFormat* format = find_weight_format(name)) {
    return *format;
  }
  const auto suggestion = closest_name(name, weight_format_spellings());
  std::string valid;
  for (const auto& known : weight_format_names()) {
    valid += (valid.empty() ? "" : ", ") + known;
  }
  throw Error(ErrorKind::input, "unknown --dtype '" + name + "'",
              (suggestion ? "did you mean '" + *suggestion + "'? " : std::string()) +
                  "known precisions: " + valid);
}

EngineKind engine_named(const std::string& name) {
  if (const auto kind = find_engine(name)) {
    return *kind;
  }
  const auto names = engine_names();
  const auto suggestion = closest_name(name, names);
  std::string valid;
  for (const auto& known : names) {
    valid += (valid.empty() ? "" : ", ") + known;
  }
  throw Error(ErrorKind::input, "unknown --engine '" + name + "'",
              (suggestion ? "did you mean '" + *suggestion + "'? " : std::string()) +
                  "known engines: " + valid);
}

double parse_fraction(const std::string& text, const char* flag) {
  double value = 0;
  const char* end = text.data() + text.size();
  const auto [stop, error] = std::from_chars(text.data(), end, value);
  if (error != std::errc() || stop != end || !(value > 0.0 && value <= 1.0)) {
    throw Error(ErrorKind::input, std::string("invalid ") + flag + " '" + text + "'",
                "use a fraction of the card between 0 and 1, e.g. 0.9");
  }
  return value;
}

// Engine flags that only mean something to some engines: naming one with another engine is a
// usage error, not a silent no-op.
void check_engine_flag(const std::string& value, bool set, const char* flag, EngineKind engine,
                       std::initializer_list<EngineKind> allowed, const char* engines) {
  if (!set && value.empty()) {
    return;
  }
  if (std::find(allowed.begin(), allowed.end(), engine) == allowed.end()) {
    throw Error(ErrorKind::usage,
                std::string(flag) + " applies to " + engines + ", not to --engine " +
                    std::string(engine_name(engine)),
                std::string("add --engine ") + engines + " or drop " + flag);
  }
}

EngineSettings engine_from_options(const EstimateCommandOptions& o) {
  EngineSettings s;
  s.kind = engine_named(o.engine);
  using K = EngineKind;
  const auto llama = {K::llama_cpp, K::ollama};
  const auto pool = {K::vllm, K::sglang};
  check_engine_flag(o.ubatch, false, "--ubatch", s.kind, llama, "llama.cpp or ollama");
  check_engine_flag(o.flash_attn, false, "--flash-attn", s.kind, llama, "llama.cpp or ollama");
  check_engine_flag({}, o.swa_full, "--swa-full", s.kind, llama, "llama.cpp or ollama");
  check_engine_flag({}, o.kv_unified, "--kv-unified", s.kind, llama, "llama.cpp or ollama");
  check_engine_flag(o.gpu_memory_utilization, false, "--gpu-memory-utilization", s.kind,
                    {K::vllm}, "vllm");
  check_engine_flag(o.mem_fraction_static, false, "--mem-fraction-static", s.kind, {K::sglang},
                    "sglang");
  check_engine_flag(o.max_num_batched_tokens, false, "--max-num-batched-tokens", s.kind, pool,
                    "vllm or sglang");
  check_engine_flag(o.max_num_seqs, false, "--max-num-seqs", s.kind, {K::vllm}, "vllm");
  check_engine_flag(o.block_size, false, "--block-size", s.kind, {K::vllm}, "vllm");
  check_engine_flag(o.max_new_tokens, false, "--max-new-tokens", s.kind, {K::transformers},
                    "transformers");
  if (!o.ubatch.empty()) {
    s.ubatch = static_cast<std::uint32_t>(parse_count(o.ubatch, "--ubatch", 1'000'000));
  }
  if (!o.flash_attn.empty()) {
    if (o.flash_attn == "on") {
      s.flash_attn = FlashAttention::on;
    } else if (o.flash_attn == "off") {
      s.flash_attn = FlashAttention::off;
    } else if (o.flash_attn == "auto") {
      s.flash_attn = FlashAttention::automatic;
    } else {
      throw Error(ErrorKind::input, "invalid --flash-attn '" + o.flash_attn + "'",
                  "use --flash-attn on, off or auto");
    }
  }
  s.swa_full = o.swa_full;
  s.kv_unified = o.kv_unified;
  if (!o.gpu_memory_utilization.empty()) {
    s.gpu_memory_utilization = parse_fraction(o.gpu_memory_utilization, "--gpu-memory-utilization");
  }
  if (!o.mem_fraction_static.empty()) {
    s.mem_fraction_static = parse_fraction(o.mem_fraction_static, "--mem-fraction-static");
  }
  if (!o.max_num_batched_tokens.empty()) {
    s.max_num_batched_tokens =
        parse_token_count(o.max_num_batched_tokens, "--max-num-batched-tokens");
  }
  if (!o.max_num_seqs.empty()) {
    s.max_num_seqs = static_cast<std::uint32_t>(parse_count(o.max_num_seqs, "--max-num-seqs",
                                                            1'000'000));
  }
  if (!o.block_size.empty()) {
    s.block_size = static_cast<std::uint32_t>(parse_count(o.block_size, "--block-size", 1024));
  }
  if (!o.max_new_tokens.empty()) {
    s.max_new_tokens = parse_token_count(o.max_new_tokens, "--max-new-tokens");
  }
  return s;
}

// --kv-dtype K or K,V (keys and values may differ, as llama.cpp's -ctk/-ctv).
void apply_kv_types(const std::string& text, Workload& workload) {
  const auto comma = text.find(',');
  workload.kv_key = kv_type_named(text.substr(0, comma));
  workload.kv_value =
      comma == std::string::npos ? workload.kv_key : kv_type_named(text.substr(comma + 1));
}

KvType kv_type_named(const std::string& name) {
  if (const KvType* type = find_kv_type(name)) {
    return *type;
  }
  const auto names = kv_type_names();
  const auto suggestion = closest_name(name, names);
  std::string valid;
  for (const auto& known : names) {
    valid += (valid.empty() ? "" : ", ") + known;
  }
  throw Error(ErrorKind::input, "unknown --kv-dtype '" + name + "'",
              (suggestion ? "did you mean '" + *suggestion + "'? " : std::string()) +
                  "known KV types: " + valid);
}

std::optional<Hardware> hardware_from_options(const EstimateCommandOptions& options,
                                              std::vector<const GpuSpec*>& variants,
                                              std::vector<GpuSpec>& more_gpus,
                                              std::optional<GpuDatabase>& database) {
  if (!options.gpu.empty() && !options.vram.empty()) {
    throw Error(ErrorKind::usage, "--gpu and --vram both name the card",
                "use --gpu NAME for a known card, or --vram SIZE for any other");
  }
  if (options.gpu.empty() && options.vram.empty()) {
    if (!options.gpus.empty()) {
      throw Error(ErrorKind::usage, "--gpus counts cards, but no card is named",
                  "add --gpu NAME or --vram SIZE");
    }
    return std::nullopt;
  }
  Hardware hardware;
  if (!options.gpus.empty()) {
    hardware.count = static_cast<std::uint32_t>(parse_count(options.gpus, "--gpus", k_max_gpus));
  }
  if (!options.vram.empty()) {
    hardware.gpu = custom_gpu(parse_size(options.vram, "--vram"));
    return hardware;
  }
  database = load_gpu_database(options.output.gpu_db_files);
  const GpuMatch match = database->resolve(options.gpu.front());
  hardware.gpu = *match.gpu;
  variants = match.variants;
  // --gpu repeated: mixed cards, one of each further name.
  for (std::size_t i = 1; i < options.gpu.size(); ++i) {
    more_gpus.push_back(*database->resolve(options.gpu[i]).gpu);
  }
  if (!more_gpus.empty() && hardware.count > 1) {
    throw Error(ErrorKind::usage, "--gpus counts cards of one type, but --gpu names several",
                "repeat --gpu once per card for mixed cards (--gpu 4090 --gpu 3090)");
  }
  return hardware;
}

ParallelMode parallel_mode_named(const std::string& text) {
  if (text.empty() || text == "auto") {
    return ParallelMode::automatic;
  }
  if (text == "tp") {
    return ParallelMode::tensor;
  }
  if (text == "pp") {
    return ParallelMode::pipeline;
  }
  throw Error(ErrorKind::input, "invalid --parallel-mode '" + text + "'",
              "use --parallel-mode tp (tensor parallel), pp (pipeline stages) or auto");
}

}  // namespace

void setup_estimate(CLI::App& app, EstimateCommandOptions& o) {
  const auto add = [&](const char* name, std::string& target, const char* help, const char* group,
                       const char* type) {
    app.add_option(name, target, help)->group(group)->type_name(type);
  };
  add_model_source_options(app, o.source);
  add("--dtype", o.dtype,
      "Weight precision: fp32, fp16, bf16, fp8, int8, int4 (default: the model's own, else fp16)",
      "Precision", "TYPE");
  add("--kv-dtype", o.kv_dtype,
      "KV-cache precision: f16 (default), bf16, f32, fp8, int8, q8_0, q4_0, ...; K,V to differ "
      "(q8_0,f16)",
      "Precision", "TYPE[,TYPE]");
  app.add_option("--context,--max-model-len", o.context,
                 "Tokens per sequence: 4096 (default; Ollama: its own default), 8k = 8192, "
                 "128k = 131072")
      ->group("Workload")
      ->type_name("TOKENS")
      ->each([&o](const std::string&) { o.context_given = true; });
  app.add_option("--batch,--parallel", o.batch,
                 "Sequences served at once (default 1; llama.cpp's -np)")
      ->group("Workload")
      ->type_name("N");
  add("--engine", o.engine,
      "Serving engine: generic (default), llama.cpp, ollama, vllm, sglang, transformers",
      "Engine", "NAME");
  add("--ubatch", o.ubatch, "llama.cpp/Ollama micro-batch n_ubatch (default 512)", "Engine", "N");
  add("--flash-attn", o.flash_attn, "llama.cpp/Ollama flash attention: on, off, auto (default)",
      "Engine", "WHEN");
  app.add_flag("--swa-full", o.swa_full, "llama.cpp: full-size caches for sliding-window layers")
      ->group("Engine");
  app.add_flag("--kv-unified", o.kv_unified, "llama.cpp: one KV cache shared by all sequences")
      ->group("Engine");
  add("--gpu-memory-utilization", o.gpu_memory_utilization,
      "vLLM: fraction of the card it takes (default 0.9)", "Engine", "FRACTION");
  add("--mem-fraction-static", o.mem_fraction_static,
      "SGLang: fraction for weights and KV pool (default by TP: 0.88 on one card)", "Engine",
      "FRACTION");
  add("--max-num-batched-tokens", o.max_num_batched_tokens,
      "vLLM/SGLang: tokens per prefill chunk (default 8192)", "Engine", "TOKENS");
  add("--max-num-seqs", o.max_num_seqs, "vLLM: sequences per step (default 256)", "Engine", "N");
  add("--block-size", o.block_size, "vLLM: KV block size in tokens (default 16)", "Engine", "N");
  add("--max-new-tokens", o.max_new_tokens,
      "transformers: tokens generated after the prompt (default 0)", "Engine", "TOKENS");
  add("--overhead", o.overhead,
      "Runtime overhead per card instead of the measured 1322 MiB, e.g. 500MiB", "Workload",
      "SIZE");
  app.add_option("--gpu", o.gpu,
                 "GPU by name: L4, 4090, 'A100 80GB', h100 ('vramcalc gpus' lists them); "
                 "repeat for mixed cards")
      ->group("Hardware")
      ->type_name("NAME")
      ->take_all();
  add("--nodes", o.nodes, "Nodes of --gpus cards each: tensor parallel within, pipeline across",
      "Hardware", "N");
  add("--parallel-mode", o.parallel_mode,
      "How several cards split the model: tp (tensor parallel, default), pp (pipeline stages)",
      "Hardware", "MODE");
  app.add_flag("--offload", o.offload,
               "Plan CPU offload (llama.cpp layers or MoE experts; accelerate streaming) even "
               "when the cards hold the model")
      ->group("Hardware");
  app.add_flag("--max-context", o.max_context, "Solve: the largest context that fits")
      ->group("Answers");
  app.add_flag("--max-batch", o.max_batch, "Solve: the most sequences at once that fit")
      ->group("Answers");
  app.add_flag("--min-gpus", o.min_gpus, "Solve: the fewest cards of --gpu that hold it")
      ->group("Answers");
  app.add_flag("--which-gpus", o.which_gpus,
               "Solve: every GPU in the database that runs it on 1, 2, 4 or 8 cards")
      ->group("Answers");
  add("--plot", o.plot, "Chart memory against context or batch, with the card's capacity",
      "Answers", "AXIS");
  add("--gpus", o.gpus, "Number of such cards (tensor parallel; must divide the heads)",
      "Hardware", "N");
  add("--vram", o.vram, "Usable memory of a card not in the database: 24GB, 22.5GiB", "Hardware",
      "SIZE");
  add("--ram", o.ram,
      "Host RAM available for offload: 64GB (offload may then be the plan when the cards are short)",
      "Hardware", "SIZE");
  app.add_flag("--ladder", o.ladder, "Show the precision ladder fp32 -> 16-bit -> int8 -> int4")
      ->group("Answers");
  add_output_options(app, o.output);
}

int run_estimate(const EstimateCommandOptions& options) {
  const Format format = parse_format(options.output.format);
  const bool color = use_color(parse_color_mode(options.output.color));

  Request request;
  LoadedModel loaded = load_model_from(options.source, options.dtype);
  request.model = std::move(loaded.model);
  request.input_notes = std::move(loaded.notes);
  request.format = loaded.stored_format;
  if (!options.dtype.empty() && !loaded.dtype_picked_file) {
    request.format = weight_format_named(options.dtype);
  }
  if (!options.kv_dtype.empty()) {
    apply_kv_types(options.kv_dtype, request.workload);
  }
  request.options.engine = engine_from_options(options);
  request.workload.context = parse_token_count(options.context, "--context");
  request.workload.batch = parse_count(options.batch, "--batch", k_max_batch);
  if (!options.overhead.empty()) {
    request.options.overhead_bytes = parse_size(options.overhead, "--overhead");
  }
  if (!options.ram.empty()) {
    request.ram_bytes = parse_size(options.ram, "--ram");
  }
  std::optional<GpuDatabase> database;
  request.hardware = hardware_from_options(options, request.variants, request.more_gpus, database);
  request.ladder = options.ladder;
  if (!options.nodes.empty()) {
    request.nodes = static_cast<std::uint32_t>(parse_count(options.nodes, "--nodes", 1024));
  }
  request.mode = parallel_mode_named(options.parallel_mode);
  request.force_offload = options.offload;
  const bool needs_cards = options.max_context || options.max_batch || options.min_gpus ||
                           !options.plot.empty() || options.offload || !options.nodes.empty() ||
                           !options.parallel_mode.empty();
  if (needs_cards && !request.hardware) {
    throw Error(ErrorKind::usage,
                "--max-context, --max-batch, --min-gpus, --plot, --offload, --nodes and "
                "--parallel-mode need a card",
                "add --gpu NAME (or --vram SIZE)");
  }
  if (!options.plot.empty() && options.plot != "context" && options.plot != "batch") {
    throw Error(ErrorKind::input, "invalid --plot '" + options.plot + "'",
                "use --plot context or --plot batch");
  }
  request.solve_max_context = options.max_context;
  request.solve_max_batch = options.max_batch;
  request.solve_min_gpus = options.min_gpus;
  request.solve_which_gpus = options.which_gpus;
  if (!options.plot.empty()) {
    request.plot = options.plot;
  }
  if (options.which_gpus) {
    if (!database) {
      database = load_gpu_database(options.output.gpu_db_files);
    }
    request.database = &*database;
  }
  if (request.options.engine.kind == EngineKind::ollama && !options.context_given) {
    // Ollama picks its own default context by the card's memory.
    request.workload.context = ollama_default_context(
        request.hardware ? request.hardware->gpu.usable_bytes : 0, request.model.max_context);
  }

  const Report report = build_report(std::move(request));
  // Render completely before writing, so a failure never leaves half a document on stdout.
  const std::string out = format == Format::json ? render_json(report)
                                                 : render_text(report, Painter(color));
  std::fwrite(out.data(), 1, out.size(), stdout);
  // A solver or listing that found an answer exits 0 (the verdict is about the workload as
  // given; the answer is the point of the question).
  const bool answered = (report.request.solve_max_context && report.max_context) ||
                        (report.request.solve_max_batch && report.max_batch) ||
                        (report.request.solve_min_gpus && report.min_gpus) ||
                        (report.request.solve_which_gpus && !report.which_gpus.empty());
  if (answered) {
    return k_exit_ok;
  }
  const bool asked = report.request.solve_max_context || report.request.solve_max_batch ||
                     report.request.solve_min_gpus || report.request.solve_which_gpus;
  if (asked) {
    return k_exit_does_not_fit;
  }
  return report.fit && !report.fit->fits ? k_exit_does_not_fit : k_exit_ok;
}

}  // namespace vramcalc::cli
