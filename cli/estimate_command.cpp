#include "estimate_command.hpp"

#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <functional>

#include "cli11.hpp"
#include <fmt/format.h>

#include "exit_codes.hpp"
#include "flag_conflicts.hpp"
#include "flags.hpp"
#include "gpu_db_loading.hpp"
#include "output.hpp"
#include "quantity.hpp"
#include "render.hpp"
#include "terminal.hpp"
#include "vramcalc/bytes.hpp"
#include "vramcalc/cpu.hpp"
#include "vramcalc/engine.hpp"
#include "vramcalc/error.hpp"
#include "vramcalc/spelling.hpp"

namespace vramcalc::cli {

namespace {

// Cards one command may name: a whole rack of 8-GPU nodes is far below this.
constexpr std::uint64_t k_max_gpus = 1024;

std::string listing(const std::vector<std::string>& names) {
  std::string valid;
  for (const auto& known : names) {
    valid += (valid.empty() ? "" : ", ") + known;
  }
  return valid;
}

std::string suggestion_for(const std::string& name, const std::vector<std::string>& spellings) {
  const auto suggestion = closest_name(name, spellings);
  return suggestion ? "did you mean '" + *suggestion + "'? " : std::string();
}

const WeightFormat& weight_format_named(const std::string& name) {
  if (const WeightFormat* format = find_weight_format(name)) {
    return *format;
  }
  const auto suggestion = suggest_weight_format(name);
  throw Error(ErrorKind::input, "unknown --dtype '" + name + "'",
              (suggestion ? "did you mean '" + *suggestion + "'? " : std::string()) +
                  "known precisions: " + listing(weight_format_names()) +
                  "; with any group size or bits: gptq-int4-g64, awq-int4-g32, exl2-4.0, "
                  "exl3-3.5, hqq-int4-g64, autoround-int4, torchao-int4-g64, bnb-int8-t6.0");
}

EngineKind engine_named(const std::string& name) {
  if (const auto kind = find_engine(name)) {
    return *kind;
  }
  throw Error(ErrorKind::input, "unknown --engine '" + name + "'",
              suggestion_for(name, engine_names()) + "known engines: " + listing(engine_names()));
}

KvType kv_type_named(const std::string& name) {
  if (const KvType* type = find_kv_type(name)) {
    return *type;
  }
  throw Error(ErrorKind::input, "unknown --kv-dtype '" + name + "'",
              suggestion_for(name, kv_type_names()) + "known KV types: " + listing(kv_type_names()));
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

FlashAttention flash_attention_named(const std::string& text) {
  if (text == "on") {
    return FlashAttention::on;
  }
  if (text == "off") {
    return FlashAttention::off;
  }
  if (text == "auto") {
    return FlashAttention::automatic;
  }
  throw Error(ErrorKind::input, "invalid --flash-attn '" + text + "'",
              "use --flash-attn on, off or auto");
}

ParallelMode parallel_mode_named(const std::string& text) {
  if (text == "auto") {
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

OffloadKind offload_named(const std::string& text) {
  if (text == "auto") {
    return OffloadKind::automatic;
  }
  if (text == "layers") {
    return OffloadKind::layers;
  }
  if (text == "experts") {
    return OffloadKind::experts;
  }
  throw Error(ErrorKind::input, "invalid --offload '" + text + "'",
              "use --offload (the engine's best), --offload=layers or --offload=experts");
}

// A number of layers, 0 included (-ngl 0: none on the GPU).
std::uint32_t layer_count(const std::string& text, const char* flag) {
  return text == "0" ? 0U : static_cast<std::uint32_t>(parse_count(text, flag, 100'000));
}

const CpuSpec& cpu_named(const std::string& name) {
  if (const CpuSpec* cpu = find_cpu(name)) {
    return *cpu;
  }
  // Ids and ids without the vendor ("epyc-9654"): what people type.
  std::vector<std::string> spellings = cpu_names();
  for (const std::string& id : cpu_names()) {
    spellings.push_back(id.substr(id.find('-') + 1));
  }
  throw Error(ErrorKind::input, "unknown --cpu '" + name + "'",
              suggestion_for(name, spellings) + "known CPUs: " + listing(cpu_names()) +
                  "; or give --cpu-bandwidth GB/s");
}

// --cpu-bandwidth 89.6 or 89.6GB/s: decimal GB per second.
double bandwidth_named(const std::string& text) {
  std::string number = text;
  for (const char* unit : {"GB/s", "gb/s", "GBps"}) {
    const std::string tail(unit);
    if (number.size() > tail.size() &&
        number.compare(number.size() - tail.size(), tail.size(), tail) == 0) {
      number.resize(number.size() - tail.size());
      break;
    }
  }
  double value = 0;
  const char* end = number.data() + number.size();
  const auto [stop, error] = std::from_chars(number.data(), end, value);
  if (error != std::errc() || stop != end || !(value > 0.0 && value <= 100000.0)) {
    throw Error(ErrorKind::input, "invalid --cpu-bandwidth '" + text + "'",
                "use the DRAM bandwidth in GB/s, e.g. 89.6 (dual-channel DDR5-5600)");
  }
  return value;
}

// --margin 2GiB or 10%.
Margin margin_named(const std::string& text) {
  Margin margin;
  if (!text.empty() && text.back() == '%') {
    const std::string number = text.substr(0, text.size() - 1);
    double value = -1;
    const char* end = number.data() + number.size();
    const auto [stop, error] = std::from_chars(number.data(), end, value);
    if (error != std::errc() || stop != end || !(value >= 0.0 && value < 100.0)) {
      throw Error(ErrorKind::input, "invalid --margin '" + text + "'",
                  "use a share of each card below 100%, e.g. 10%, or a size, e.g. 2GiB");
    }
    margin.percent = value;
    return margin;
  }
  margin.bytes = parse_size(text, "--margin");
  return margin;
}

// --kv-dtype K or K,V (keys and values may differ, as llama.cpp's -ctk/-ctv). "auto" (vLLM's
// and SGLang's default for --kv-cache-dtype) is the model's 16-bit type.
void apply_kv_types(const std::string& text, Workload& workload) {
  if (text == "auto") {
    workload.kv_key = default_kv_type();
    workload.kv_value = default_kv_type();
    return;
  }
  const auto comma = text.find(',');
  workload.kv_key = kv_type_named(text.substr(0, comma));
  workload.kv_value =
      comma == std::string::npos ? workload.kv_key : kv_type_named(text.substr(comma + 1));
}

// The engine settings of a flag's name, for messages: "ubatch" -> "--ubatch".
std::string flag_of_setting(const std::string& setting) {
  std::string flag = "--" + setting;
  std::replace(flag.begin(), flag.end(), '_', '-');
  return flag;
}

void check_engine_flags(const EngineSettings& settings) {
  const auto misplaced = misplaced_settings(settings);
  if (misplaced.empty()) {
    return;
  }
  const MisplacedSetting& m = misplaced.front();
  const std::string flag = flag_of_setting(m.setting);
  throw Error(ErrorKind::usage,
              flag + " applies to " + m.engines + ", not to --engine " +
                  std::string(engine_name(settings.kind)),
              "add --engine " + m.engines + " or drop " + flag);
}

void setup_model_and_precision(Flags& flags, EstimateCommandOptions& o) {
  Request& r = o.request;
  add_model_source_options(flags, o.source);
  flags.value("--dtype", "TYPE", "Precision",
              "Weight precision: fp32, fp16, bf16, fp8, int8, int4, q4_k_m, nf4, awq, ... "
              "(default: the model's own, else fp16)",
              [&r, &o](const std::string& v) {
                r.format = weight_format_named(v);
                o.source.dtype = v; // in a --hf repository of GGUF files: which file
              });
  flags.value("--kv-dtype,--kv-cache-dtype", "TYPE[,TYPE]", "Precision",
              "KV-cache precision: f16 (default), bf16, f32, fp8, int8, q8_0, q4_0, ...; K,V to "
              "differ (q8_0,f16); auto = 16-bit (vLLM/SGLang's --kv-cache-dtype)",
              [&r](const std::string& v) { apply_kv_types(v, r.deployment.workload); });
  // llama.cpp's -ctk/-ctv: keys and values separately (after --kv-dtype when both are given).
  flags.value("--cache-type-k", "TYPE", "Precision",
              "llama.cpp's -ctk: KV-cache precision of the keys (f16, q8_0, q4_0, ...)",
              [&r](const std::string& v) { r.deployment.workload.kv_key = kv_type_named(v); });
  flags.value("--cache-type-v", "TYPE", "Precision",
              "llama.cpp's -ctv: KV-cache precision of the values",
              [&r](const std::string& v) { r.deployment.workload.kv_value = kv_type_named(v); });
}

void setup_workload(Flags& flags, EstimateCommandOptions& o) {
  Request& r = o.request;
  flags.value("--context,--max-model-len", "TOKENS", "Workload",
              "Tokens per sequence: 4096 (default, at most the model's trained length; Ollama: "
              "its own default), 8k = 8192, 128k = 131072",
              [&r](const std::string& v) {
                r.deployment.workload.context = parse_token_count(v, "--context");
                r.context_given = true;
              });
  flags.value("-c,--ctx-size", "TOKENS", "Workload",
              "llama.cpp's context: the tokens of all --parallel sequences together (each gets "
              "TOKENS / N); instead of --context",
              [&o](const std::string& v) { o.ctx_size = parse_token_count(v, "--ctx-size"); });
  flags.value("--batch,--parallel", "N", "Workload",
              "Sequences served at once (default 1; llama.cpp's -np)", [&r](const std::string& v) {
                r.deployment.workload.batch = parse_count(v, "--batch", k_max_batch);
              });
  flags.value("--overhead", "SIZE", "Workload",
              fmt::format("Runtime overhead per card instead of the measured {} MiB, e.g. 500MiB",
                          k_runtime_overhead_bytes / k_mib),
              [&r](const std::string& v) {
                r.deployment.options.overhead_bytes = parse_size(v, "--overhead");
              });
  flags.toggle("--allow-long-context", r.deployment.allow_long_context, "Workload",
               "Contexts beyond the model's trained length (vLLM's "
               "VLLM_ALLOW_LONG_MAX_MODEL_LEN=1, SGLang's override)");
}

void setup_engine(Flags& flags, EstimateCommandOptions& o) {
  EngineSettings& s = o.request.deployment.options.engine;
  flags.value("--engine", "NAME", "Engine",
              "Serving engine: generic (default), llama.cpp, ollama, vllm, sglang, transformers",
              [&s](const std::string& v) { s.kind = engine_named(v); });
  flags.value("--ubatch", "N", "Engine",
              "llama.cpp/Ollama micro-batch n_ubatch (default 512; at most --n-batch)",
              [&s](const std::string& v) {
                s.ubatch = static_cast<std::uint32_t>(parse_count(v, "--ubatch", 1'000'000));
              });
  flags.value("--n-batch", "N", "Engine",
              "llama.cpp/Ollama logical batch n_batch, llama.cpp's -b: tokens per decode call "
              "(default 2048; not --batch, the sequences)",
              [&s](const std::string& v) {
                s.n_batch = static_cast<std::uint32_t>(parse_count(v, "--n-batch", 1'000'000));
              });
  flags.value("--n-outputs-max", "N", "Engine",
              "llama.cpp n_outputs_max: logits rows the compute buffer reserves (default the "
              "micro-batch; a server reserving one output per slot: its slots)",
              [&s](const std::string& v) {
                s.n_outputs_max =
                    static_cast<std::uint32_t>(parse_count(v, "--n-outputs-max", 1'000'000));
              });
  flags.value("--n-gpu-layers,--ngl", "N", "Engine",
              "llama.cpp -ngl / Ollama num_gpu: the last N layers on the GPUs, the output too "
              "when N exceeds the layer count (default: the planner's choice)",
              [&s](const std::string& v) { s.n_gpu_layers = layer_count(v, "--n-gpu-layers"); });
  flags.value("--n-cpu-moe", "N", "Engine",
              "llama.cpp --n-cpu-moe: the routed experts of the first N layers in CPU RAM",
              [&s](const std::string& v) { s.n_cpu_moe = layer_count(v, "--n-cpu-moe"); });
  flags.toggle("--no-kv-offload", s.no_kv_offload, "Engine",
               "llama.cpp -nkvo: the KV cache (and attention) in CPU RAM");
  flags.value("--flash-attn", "WHEN", "Engine",
              "llama.cpp/Ollama flash attention: on, off, auto (default)",
              [&s](const std::string& v) { s.flash_attn = flash_attention_named(v); });
  flags.toggle("--swa-full", s.swa_full, "Engine",
               "llama.cpp: full-size caches for sliding-window layers");
  flags.toggle("--kv-unified", s.kv_unified, "Engine",
               "llama.cpp: one KV cache shared by all sequences");
  flags.value("--gpu-memory-utilization", "FRACTION", "Engine",
              "vLLM: fraction of the card it takes (default 0.9)", [&s](const std::string& v) {
                s.gpu_memory_utilization = parse_fraction(v, "--gpu-memory-utilization");
              });
  flags.value("--mem-fraction-static", "FRACTION", "Engine",
              "SGLang: fraction for weights and KV pool (default by TP: 0.88 on one card)",
              [&s](const std::string& v) {
                s.mem_fraction_static = parse_fraction(v, "--mem-fraction-static");
              });
  flags.value("--max-num-batched-tokens", "TOKENS", "Engine",
              "vLLM/SGLang: tokens per prefill chunk (default 8192)", [&s](const std::string& v) {
                s.max_num_batched_tokens = parse_token_count(v, "--max-num-batched-tokens");
              });
  flags.value("--max-num-seqs", "N", "Engine", "vLLM: sequences per step (default 256)",
              [&s](const std::string& v) {
                s.max_num_seqs =
                    static_cast<std::uint32_t>(parse_count(v, "--max-num-seqs", 1'000'000));
              });
  flags.value("--block-size", "N", "Engine", "vLLM: KV block size in tokens (default 16)",
              [&s](const std::string& v) {
                s.block_size = static_cast<std::uint32_t>(parse_count(v, "--block-size", 1024));
              });
  flags.value(
      "--max-new-tokens", "TOKENS", "Engine",
      "transformers: tokens generated after the prompt (default 0)",
      [&s](const std::string& v) { s.max_new_tokens = parse_token_count(v, "--max-new-tokens"); });
}

void setup_hardware(Flags& flags, EstimateCommandOptions& o) {
  Deployment& d = o.request.deployment;
  bool& hw = o.hardware_flags;
  if (CLI::Option* gpu = flags.text("--gpu", o.gpu, "NAME", "Hardware",
                                    "GPU by name: L4, 4090, 'A100 80GB', h100 ('vramcalc gpus' "
                                    "lists them); repeat for mixed cards")) {
    gpu->take_all();
  }
  flags.value("--gpus", "N", "Hardware", "Number of such cards (default 1; see --parallel-mode)",
              [&o](const std::string& v) {
                o.gpus = static_cast<std::uint32_t>(parse_count(v, "--gpus", k_max_gpus));
              });
  flags.value("--vram", "SIZE", "Hardware",
              "Usable memory of a card not in the database: 24GB, 22.5GiB",
              [&o](const std::string& v) {
                o.vram = parse_size(v, "--vram");
                check_usable_memory(*o.vram, "--vram");
              });
  flags.value("--nodes", "N", "Hardware",
              "Nodes of --gpus cards each: tensor parallel within, pipeline across",
              [&d, &hw](const std::string& v) {
                d.nodes = static_cast<std::uint32_t>(parse_count(v, "--nodes", 1024));
                hw = true;
              });
  flags.value("--parallel-mode", "MODE", "Hardware",
              "How identical cards split the model: auto (default: tensor parallel when the "
              "count divides the heads, else tensor x pipeline, else pipeline), tp, pp",
              [&d, &hw](const std::string& v) {
                d.mode = parallel_mode_named(v);
                hw = true;
              });
  flags.value("--tp,--tensor-parallel-size", "N", "Hardware",
              "Tensor-parallel degree (with --pp: cards = tp x pp; vLLM's -tp)",
              [&d, &hw](const std::string& v) {
                d.tensor_parallel = static_cast<std::uint32_t>(parse_count(v, "--tp", k_max_gpus));
                hw = true;
              });
  flags.value("--pp,--pipeline-parallel-size", "N", "Hardware",
              "Pipeline-parallel degree (stages; vLLM's -pp)", [&d, &hw](const std::string& v) {
                d.pipeline_parallel =
                    static_cast<std::uint32_t>(parse_count(v, "--pp", k_max_gpus));
                hw = true;
              });
  if (CLI::Option* offload =
          flags.value("--offload", "[KIND]", "Hardware",
                      "Plan CPU offload even when the cards hold the model: the engine's best, or "
                      "--offload=layers / --offload=experts (llama.cpp); accelerate streams layers",
                      [&d, &hw](const std::string& v) {
                        d.force_offload = true;
                        d.offload = offload_named(v);
                        hw = true;
                      })) {
    offload->expected(0, 1)->default_str("auto");
  }
  flags.value("--unified-limit", "SIZE", "Hardware",
              "Unified memory (Apple, AMD APUs, GB10): the most of it the GPU may use, when raised "
              "from the default (macOS: sudo sysctl iogpu.wired_limit_mb=MiB)",
              [&o](const std::string& v) { o.unified_limit = parse_size(v, "--unified-limit"); });
  flags.value("--ram", "SIZE", "Hardware",
              "Host RAM available for offload: 64GB (offload may then be the plan when the cards "
              "are short)",
              [&d](const std::string& v) { d.ram_bytes = parse_size(v, "--ram"); });
  flags.toggle("--cpu-only", d.cpu_only, "Hardware",
               "No GPU: every layer on the CPU (llama.cpp, Ollama, transformers); --ram for a "
               "verdict");
  flags.value("--cpu", "NAME", "Hardware",
              "Host CPU for offloaded or CPU-only layers, by name: epyc-9654, 13900k, ... (its "
              "DRAM bandwidth; default dual-channel DDR5-3200, 51.2 GB/s)",
              [&d, &o](const std::string& v) {
                if (o.cpu_bandwidth_given) {
                  throw Error(ErrorKind::usage, "--cpu and --cpu-bandwidth both name the CPU",
                              "use one of them");
                }
                d.cpu = cpu_named(v);
              });
  flags.value("--cpu-bandwidth", "GB/s", "Hardware",
              "Host CPU by its DRAM bandwidth in GB/s (channels x MT/s x 8 / 1000): 89.6",
              [&d, &o](const std::string& v) {
                if (d.cpu) {
                  throw Error(ErrorKind::usage, "--cpu and --cpu-bandwidth both name the CPU",
                              "use one of them");
                }
                d.cpu = custom_cpu(bandwidth_named(v));
                o.cpu_bandwidth_given = true;
              });
  flags.value("--margin", "SIZE|PCT", "Hardware",
              "Memory kept free on every card, like llama.cpp's --fit-target: 2GiB or 10% "
              "(default 0; vLLM/SGLang: lower their fraction instead)",
              [&d, &hw](const std::string& v) {
                d.margin = margin_named(v);
                hw = true;
              });
}

void setup_answers(Flags& flags, EstimateCommandOptions& o) {
  Request& r = o.request;
  flags.toggle("--max-context", r.solve_max_context, "Answers",
               "Solve: the largest context that fits (up to the trained length)");
  flags.toggle("--max-batch", r.solve_max_batch, "Answers",
               "Solve: the most sequences at once that fit");
  flags.toggle("--min-gpus", r.solve_min_gpus, "Answers",
               "Solve: the fewest cards of --gpu that hold it, and in which layout");
  flags.toggle("--which-gpus", r.solve_which_gpus, "Answers",
               "Solve: every GPU in the database that runs it on 1, 2, 4 or 8 cards");
  flags.value("--sort", "ORDER", "Answers",
              "How --which-gpus ranks: cards (fewest, the default) or cost (price_per_hour x "
              "cards, from a --gpu-db that prices its cards)",
              [&r](const std::string& v) {
                if (v == "cards") {
                  r.gpu_order = GpuOrder::cards;
                } else if (v == "cost") {
                  r.gpu_order = GpuOrder::cost;
                } else {
                  throw Error(ErrorKind::input, "invalid --sort '" + v + "'",
                              "use --sort cards or --sort cost");
                }
                r.gpu_order_given = true;
              });
  flags.value("--plot", "AXIS", "Answers",
              "Chart memory against context or batch, with the card's capacity",
              [&r](const std::string& v) {
                if (v != "context" && v != "batch") {
                  throw Error(ErrorKind::input, "invalid --plot '" + v + "'",
                              "use --plot context or --plot batch");
                }
                r.plot = v;
              });
  flags.toggle("--ladder", r.ladder, "Answers",
               "Show the precision ladder fp32 -> 16-bit -> int8 -> int4");
}

// The cards the flags name, into the deployment; the database stays with the query.
void resolve_hardware(EstimateCommandOptions& o, Query& query) {
  Deployment& d = query.request.deployment;
  if (!o.gpu.empty() && o.vram) {
    throw Error(ErrorKind::usage, "--gpu and --vram both name the card",
                "use --gpu NAME for a known card, or --vram SIZE for any other");
  }
  const bool degrees = d.tensor_parallel > 0 || d.pipeline_parallel > 0;
  if (o.gpu.empty() && !o.vram) {
    if (d.cpu_only) {
      if (o.gpus || o.hardware_flags) {
        throw Error(ErrorKind::usage,
                    "--cpu-only plans without a GPU: --gpus, --nodes, --tp, --pp, --offload, "
                    "--margin and --parallel-mode do not apply",
                    "drop them, or name a card instead of --cpu-only");
      }
      return;
    }
    if (o.gpus) {
      throw Error(ErrorKind::usage, "--gpus counts cards, but no card is named",
                  "add --gpu NAME or --vram SIZE");
    }
    if (o.hardware_flags || query.request.solve_max_context || query.request.solve_max_batch ||
        query.request.solve_min_gpus || query.request.plot) {
      throw Error(ErrorKind::usage,
                  "--max-context, --max-batch, --min-gpus, --plot, --offload, --nodes, --tp, "
                  "--pp, --margin and --parallel-mode need a card",
                  "add --gpu NAME (or --vram SIZE)");
    }
    return;
  }
  // --tp/--pp alone say how many cards: tp x pp.
  const std::uint32_t implied = degrees ? std::max<std::uint32_t>(d.tensor_parallel, 1) *
                                              std::max<std::uint32_t>(d.pipeline_parallel, 1)
                                        : 1;
  const std::uint32_t count =
      o.gpus ? *o.gpus : (degrees && d.nodes == 1 ? implied : 1);
  if (o.vram) {
    d.gpus = {GpuGroup{custom_gpu(*o.vram), count}};
    return;
  }
  query.database = std::make_unique<GpuDatabase>(load_gpu_database(query.gpu_db_files));
  const GpuMatch match = query.database->resolve(o.gpu.front());
  d.gpus = {GpuGroup{*match.gpu, count}};
  query.request.variants = match.variants;
  // --gpu repeated: mixed cards, one of each further name.
  for (std::size_t i = 1; i < o.gpu.size(); ++i) {
    d.gpus.push_back({*query.database->resolve(o.gpu[i]).gpu, 1});
  }
  if (d.gpus.size() > 1 && query.request.solve_min_gpus) {
    throw Error(ErrorKind::usage, "--min-gpus counts cards of one type, but --gpu names several",
                "name one card with --gpu for --min-gpus");
  }
  if (d.gpus.size() > 1 && o.gpus && *o.gpus > 1) {
    throw Error(ErrorKind::usage, "--gpus counts cards of one type, but --gpu names several",
                "repeat --gpu once per card for mixed cards (--gpu 4090 --gpu 3090)");
  }
}

// --ctx-size N with --parallel P: llama.cpp's n_ctx is shared, n_ctx_seq = n_ctx / n_seq
// (src/llama-context.cpp), so each sequence gets N / P tokens; the plan is then the same as
// --context N/P --batch P, which is how an answer re-runs.
std::optional<std::string> apply_ctx_size(const EstimateCommandOptions& o, Request& request) {
  if (!o.ctx_size) {
    return std::nullopt;
  }
  if (request.context_given) {
    throw Error(ErrorKind::usage, "--ctx-size and --context both give the context",
                "use --ctx-size N (llama.cpp's total for all --parallel sequences) or --context N "
                "(tokens per sequence)");
  }
  Workload& w = request.deployment.workload;
  if (*o.ctx_size < w.batch) {
    throw Error(ErrorKind::input,
                fmt::format("--ctx-size {} leaves no token for each of {} sequences", *o.ctx_size,
                            w.batch),
                "--ctx-size is shared by --parallel sequences: give at least one token each");
  }
  w.context = *o.ctx_size / w.batch;
  request.context_given = true;
  if (w.batch == 1) {
    return std::nullopt;
  }
  return fmt::format(
      "--ctx-size {} shared by {} sequences: {} tokens each (llama.cpp's n_ctx / n_parallel)",
      *o.ctx_size, w.batch, w.context);
}

// --params 7 is seven parameters: a bare number below a million is almost surely a count in
// billions typed without its unit.
std::optional<std::string> bare_params_note(const ModelSourceOptions& source) {
  if (!source.params_given) {
    return std::nullopt;
  }
  const std::string& text = source.params;
  const bool bare = !text.empty() && text.find_first_not_of("0123456789.") == std::string::npos;
  if (!bare || std::strtod(text.c_str(), nullptr) >= 1e6) {
    return std::nullopt;
  }
  return fmt::format("--params {} means {} parameters; did you mean --params {}B?", text, text,
                     text);
}

// --unified-limit: a unified-memory card's GPU share raised (or lowered) from its default; the
// rest of its memory stays the CPU's and the OS's.
void apply_unified_limit(const EstimateCommandOptions& o, Deployment& d) {
  if (!o.unified_limit) {
    return;
  }
  bool any = false;
  for (GpuGroup& group : d.gpus) {
    GpuSpec& gpu = group.gpu;
    if (gpu.form != "unified") {
      continue;
    }
    any = true;
    if (*o.unified_limit > gpu.memory_bytes) {
      throw Error(ErrorKind::input,
                  "--unified-limit is more than the " + std::to_string(gpu.memory_bytes >> 30) +
                      " GiB of memory " + gpu.name + " has",
                  "give at most its memory, less what the OS needs (8 GiB or more)");
    }
    check_usable_memory(*o.unified_limit, "--unified-limit");
    gpu.usable_bytes = *o.unified_limit;
    gpu.usable_source = UsableMemorySource::user;
  }
  if (!any) {
    throw Error(ErrorKind::usage, "--unified-limit applies to unified-memory cards only",
                "name an Apple M-series, AMD APU or GB10 card with --gpu, or drop --unified-limit");
  }
}

}  // namespace

std::vector<std::string> with_engine_spellings(std::vector<std::string> args) {
  static constexpr std::pair<std::string_view, std::string_view> k_spellings[] = {
      {"-tp", "--tensor-parallel-size"}, {"-pp", "--pipeline-parallel-size"},
      {"-ctk", "--cache-type-k"},        {"-ctv", "--cache-type-v"},
      {"-np", "--parallel"},
  };
  for (std::string& arg : args) {
    if (arg == "--") {
      break;
    }
    for (const auto& [engine, ours] : k_spellings) {
      if (arg == engine) {
        arg = ours;
      }
    }
  }
  return args;
}

void setup_estimate(Flags& flags, EstimateCommandOptions& o) {
  setup_model_and_precision(flags, o);
  setup_workload(flags, o);
  setup_engine(flags, o);
  setup_hardware(flags, o);
  setup_answers(flags, o);
  add_attachment_options(flags, o.attachments);
  add_output_options(flags, o.output);
}

Query make_query(EstimateCommandOptions& o) {
  check_flag_conflicts(o);
  Query query;
  query.format = parse_format(o.output.format);
  query.color = o.output.color;
  query.gpu_db_files = o.output.gpu_db_files;
  query.request = std::move(o.request);
  Request& request = query.request;
  check_engine_flags(request.deployment.options.engine);
  const auto shared_context = apply_ctx_size(o, request);
  request.source = model_source_spec(o.source, request.format.has_value());
  LoadedModel loaded = load_model_with_progress(request.source);
  if (loaded.dtype_picked_file) {
    request.format.reset();  // --dtype chose the file: its weights are costed as stored
  }
  request.model = std::move(loaded.model);
  request.input_notes = std::move(loaded.notes);
  if (shared_context) {
    request.input_notes.push_back(*shared_context);
  }
  if (const auto note = bare_params_note(o.source)) {
    request.input_notes.insert(request.input_notes.begin(), *note);
  }
  request.checkpoint_format = loaded.stored_format;
  resolve_hardware(o, query);
  apply_unified_limit(o, request.deployment);
  request.deployment.attachments =
      make_attachments(o.attachments, request.model, request.deployment.options.engine.kind,
                       request.input_notes);
  if (request.gpu_order_given && !request.solve_which_gpus) {
    throw Error(ErrorKind::usage, "--sort ranks the cards of --which-gpus",
                "add --which-gpus, or drop --sort");
  }
  if (request.solve_which_gpus && !query.database) {
    query.database = std::make_unique<GpuDatabase>(load_gpu_database(query.gpu_db_files));
  }
  request.database = query.database.get();
  return query;
}

Query parse_query(const std::vector<std::string>& args) {
  EstimateCommandOptions options;
  try {
    options = parse_flags<EstimateCommandOptions>(with_engine_spellings(args), setup_estimate);
  } catch (const CLI::Success&) {  // --help: CLI11 signals it as a "successful" parse error
    throw Error(ErrorKind::usage, "--help asks for the help text, not for an estimate",
                "drop --help from the arguments");
  } catch (const CLI::ParseError& e) {
    throw Error(ErrorKind::usage, e.what(), "run 'vramcalc --help' for every flag");
  }
  return make_query(options);
}

int exit_code_of(const Report& report) {
  const Request& rq = report.request;
  // A solver or listing that found an answer exits 0 (the verdict is about the workload as
  // given; the answer is the point of the question).
  const bool answered = (rq.solve_max_context && report.max_context) ||
                        (rq.solve_max_batch && report.max_batch) ||
                        (rq.solve_min_gpus && report.min_gpus) ||
                        (rq.solve_which_gpus && !report.which_gpus.empty());
  if (answered) {
    return k_exit_ok;
  }
  const bool asked = rq.solve_max_context || rq.solve_max_batch || rq.solve_min_gpus ||
                     rq.solve_which_gpus;
  if (asked) {
    return k_exit_does_not_fit;
  }
  return report.has_hardware && !report.plan.fits ? k_exit_does_not_fit : k_exit_ok;
}

int run_estimate(EstimateCommandOptions& options) {
  Query query = make_query(options);
  const bool color = use_color(parse_color_mode(query.color));
  const Report report = build_report(std::move(query.request));
  const ArgvContext argv{report.request, query.gpu_db_files};
  // Render completely before writing, so a failure never leaves half a document on stdout.
  const std::string out = query.format == Format::json ? render_json(report, argv)
                                                       : render_text(report, argv, Painter(color));
  write_output(out);
  return exit_code_of(report);
}

}  // namespace vramcalc::cli
