#include "invariants.hpp"

#include <algorithm>
#include <cmath>
#include <optional>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "estimate_command.hpp"
#include "query_argv.hpp"
#include "render.hpp"
#include "run_cli.hpp"
#include "vramcalc/catalog.hpp"
#include "vramcalc/error.hpp"
#include "vramcalc/gpu.hpp"

namespace vramcalc::test {

namespace {

using Args = std::vector<std::string>;
using Json = nlohmann::json;
using cli::ArgvContext;

// ---- The generator --------------------------------------------------------------------------

template <typename T>
const T& pick(std::mt19937_64& rng, const std::vector<T>& items) {
  std::uniform_int_distribution<std::size_t> d(0, items.size() - 1);
  return items[d(rng)];
}

bool chance(std::mt19937_64& rng, double p) {
  return std::uniform_real_distribution<double>(0.0, 1.0)(rng) < p;
}

// Precisions people run under each engine ("" keeps the model's own).
const std::map<std::string, std::vector<std::string>>& dtypes_by_engine() {
  static const std::map<std::string, std::vector<std::string>> table = {
      {"generic", {"", "", "fp32", "fp16", "bf16", "fp8", "int8", "int4", "exl2-4.0",
                   "exl3-3.5-h8", "hqq-int4"}},
      {"llama.cpp", {"", "q4_k_m", "q8_0", "q5_k_m", "f16", "q4_0", "iq4_xs", "q6_k", "q4_k_l",
                     "q3_k_xl", "ud-q4_k_xl"}},
      {"ollama", {"", "q4_k_m", "q8_0", "f16", "q6_k_l"}},
      {"vllm", {"", "", "fp16", "bf16", "fp8-e4m3", "awq-int4", "gptq-int4-g128",
                "gptq-int4-g64-act-order", "autoround-int4"}},
      {"sglang", {"", "bf16", "fp8-e4m3", "awq-int4", "awq-int4-g64"}},
      {"transformers", {"", "bf16", "fp16", "nf4", "bnb-int8", "bnb-int8-t6.0", "torchao-int4",
                        "hqq-int4-g64"}},
  };
  return table;
}

const std::map<std::string, std::vector<std::string>>& kv_by_engine() {
  static const std::map<std::string, std::vector<std::string>> table = {
      {"generic", {"fp8", "int8"}},       {"llama.cpp", {"q8_0", "q4_0", "q8_0,f16"}},
      {"ollama", {"q8_0"}},               {"vllm", {"fp8"}},
      {"sglang", {"fp8"}},                {"transformers", {"f16"}},
  };
  return table;
}

}  // namespace

QueryGenerator::QueryGenerator(std::uint64_t seed) : m_rng(seed) {
  for (const auto& entry : catalog_entries()) {
    m_models.push_back(entry.id);
  }
  const GpuDatabase database = GpuDatabase::built_in();
  for (const auto& gpu : database.gpus()) {
    m_gpus.push_back(gpu.id);
  }
}

std::vector<std::string> QueryGenerator::next() {
  auto& rng = m_rng;
  Args args;
  // The model: mostly the catalog, some bare parameter counts.
  const double source = std::uniform_real_distribution<double>(0, 1)(rng);
  if (source < 0.75) {
    args = {"--model", pick(rng, m_models)};
  } else if (source < 0.82) {
    static const std::vector<std::string> configs = {"llama-3.1-8b", "mixtral-8x7b", "gemma-2-9b",
                                                     "qwen2.5-7b",   "llama-2-7b",   "deepseek-v3"};
    args = {"--config", test_data_dir() + "/configs/" + pick(rng, configs) + ".json"};
  } else {
    static const std::vector<std::string> sizes = {"0.5B", "1B", "3B", "7B", "8B", "13B",
                                                   "34B",  "70B", "180B", "405B"};
    args = {"--params", pick(rng, sizes)};
  }
  static const std::vector<std::string> engines = {"generic", "generic", "llama.cpp", "ollama",
                                                   "vllm",    "vllm",    "sglang",    "transformers"};
  const std::string engine = pick(rng, engines);
  const bool pool = engine == "vllm" || engine == "sglang";
  if (engine != "generic") {
    args.insert(args.end(), {"--engine", engine});
  }
  if (const std::string dtype = pick(rng, dtypes_by_engine().at(engine)); !dtype.empty()) {
    args.insert(args.end(), {"--dtype", dtype});
  }
  if (chance(rng, 0.15)) {
    args.insert(args.end(), {"--kv-dtype", pick(rng, kv_by_engine().at(engine))});
  }
  // Workload. Pool engines refuse contexts past the trained length, so most stay short.
  static const std::vector<std::string> contexts = {"512", "2048", "4096", "4096", "8k",
                                                    "16k", "32k",  "128k", "1000", "6000"};
  if (chance(rng, 0.8)) {
    std::string context = pick(rng, contexts);
    if (pool && (context == "128k" || context == "32k") && chance(rng, 0.7)) {
      context = "8k";
    }
    args.insert(args.end(), {"--context", context});
  }
  static const std::vector<std::string> batches = {"1", "1", "1", "2", "4", "8", "16", "32", "3"};
  if (chance(rng, 0.5)) {
    args.insert(args.end(), {"--batch", pick(rng, batches)});
  }
  const bool llama = engine == "llama.cpp" || engine == "ollama";
  if (llama && chance(rng, 0.15)) {
    static const std::vector<std::string> ubatches = {"256", "1024", "4096"};
    args.insert(args.end(), {"--ubatch", pick(rng, ubatches)});
  }
  if (llama && chance(rng, 0.1)) {
    static const std::vector<std::string> n_batches = {"512", "4096", "8192"};
    args.insert(args.end(), {"--n-batch", pick(rng, n_batches)});
  }
  if (engine == "llama.cpp" && chance(rng, 0.05)) {
    args.insert(args.end(), {"--n-outputs-max", chance(rng, 0.5) ? "1" : "4"});
  }
  // The host CPU, by name or bandwidth (it sets the speed of CPU work).
  const auto add_cpu = [&] {
    if (chance(rng, 0.5)) {
      static const std::vector<std::string> cpus = {"epyc-9654", "13900k", "7950x",
                                                    "threadripper-3970x", "m2-ultra"};
      args.insert(args.end(), {"--cpu", pick(rng, cpus)});
    } else {
      args.insert(args.end(), {"--cpu-bandwidth", chance(rng, 0.5) ? "89.6" : "460.8"});
    }
  };
  // No GPU at all: CPU-only plans (engines that run on a CPU; a verdict with --ram).
  if (!pool && chance(rng, 0.06)) {
    args.emplace_back("--cpu-only");
    if (chance(rng, 0.6)) {
      args.insert(args.end(), {"--ram", chance(rng, 0.5) ? "64GB" : "512GB"});
    }
    if (chance(rng, 0.5)) {
      add_cpu();
    }
    if (chance(rng, 0.2)) {
      args.emplace_back("--ladder");
    }
    return args;
  }
  // Hardware: mostly one type of card, sometimes a custom size or mixed cards.
  const double kind = std::uniform_real_distribution<double>(0, 1)(rng);
  bool single_card = true;
  if (kind < 0.08) {
    static const std::vector<std::string> sizes = {"8GB", "16GiB", "24GB", "48GB", "80GiB", "192GB"};
    args.insert(args.end(), {"--vram", pick(rng, sizes)});
  } else if (kind < 0.13 && !pool) {
    args.insert(args.end(), {"--gpu", pick(rng, m_gpus), "--gpu", pick(rng, m_gpus)});
    single_card = false;
  } else {
    args.insert(args.end(), {"--gpu", pick(rng, m_gpus)});
  }
  const bool splits_layers = engine == "llama.cpp" || engine == "ollama" || engine == "transformers";
  if (single_card && chance(rng, 0.35)) {
    static const std::vector<std::string> counts = {"2", "2", "3", "4", "4", "6", "8"};
    args.insert(args.end(), {"--gpus", pick(rng, counts)});
    if (chance(rng, 0.05)) {
      args.insert(args.end(), {"--nodes", "2"});
    } else if (!splits_layers && chance(rng, 0.15)) {
      args.insert(args.end(), {"--parallel-mode", chance(rng, 0.5) ? "pp" : "tp"});
    }
  } else if (single_card && !splits_layers && chance(rng, 0.05)) {
    static const std::vector<std::pair<std::string, std::string>> layouts = {
        {"2", "2"}, {"4", "2"}, {"1", "3"}, {"8", "1"}, {"2", "1"}};
    const auto& [tp, pp] = pick(rng, layouts);
    args.insert(args.end(), {"--tp", tp, "--pp", pp});
  }
  // The engines' own settings.
  if (chance(rng, 0.1)) {
    if (engine == "llama.cpp" || engine == "ollama") {
      static const std::vector<std::vector<std::string>> settings = {
          {"--ubatch", "1024"}, {"--flash-attn", "off"}, {"--swa-full"}, {"--kv-unified"}};
      const auto& setting = pick(rng, settings);
      args.insert(args.end(), setting.begin(), setting.end());
    } else if (engine == "vllm") {
      static const std::vector<std::vector<std::string>> settings = {
          {"--gpu-memory-utilization", "0.8"}, {"--max-num-seqs", "64"},
          {"--max-num-batched-tokens", "2048"}, {"--block-size", "32"}};
      const auto& setting = pick(rng, settings);
      args.insert(args.end(), setting.begin(), setting.end());
    } else if (engine == "sglang") {
      args.insert(args.end(), {"--mem-fraction-static", "0.8"});
    } else if (engine == "transformers") {
      args.insert(args.end(), {"--max-new-tokens", "512"});
    }
  }
  if (!pool && chance(rng, 0.1)) {
    args.insert(args.end(), {"--margin", chance(rng, 0.5) ? "1GiB" : "5%"});
  }
  if (!pool && chance(rng, 0.12)) {
    args.insert(args.end(), {"--ram", chance(rng, 0.5) ? "64GB" : "256GB"});
  }
  if (!pool && chance(rng, 0.04)) {
    args.emplace_back("--offload");
  }
  // llama.cpp's own splits: -ngl, --n-cpu-moe (a dense model ignores it), -nkvo.
  if (llama && chance(rng, 0.12)) {
    static const std::vector<std::string> ngl = {"0", "4", "16", "24", "40", "99"};
    args.insert(args.end(), {"--n-gpu-layers", pick(rng, ngl)});
  }
  if (engine == "llama.cpp" && chance(rng, 0.06)) {
    static const std::vector<std::string> moe = {"4", "16", "99"};
    args.insert(args.end(), {"--n-cpu-moe", pick(rng, moe)});
  }
  if (engine == "llama.cpp" && chance(rng, 0.03)) {
    args.emplace_back("--no-kv-offload");
  }
  if (!pool && chance(rng, 0.1)) {
    add_cpu();
  }
  // What is served beside the model: a draft, LoRA adapters.
  if (chance(rng, 0.05)) {
    args.insert(args.end(), {"--draft", chance(rng, 0.5) ? "llama-3.2-1b" : "qwen2.5-0.5b"});
  }
  if (chance(rng, 0.05)) {
    if (chance(rng, 0.5)) {
      args.insert(args.end(), {"--max-loras", "2", "--max-lora-rank", "16"});
    } else {
      args.insert(args.end(), {"--lora", "8"});
    }
  }
  // The question.
  const double q = std::uniform_real_distribution<double>(0, 1)(rng);
  if (q < 0.1) {
    args.emplace_back("--max-context");
  } else if (q < 0.2) {
    args.emplace_back("--max-batch");
  } else if (q < 0.3) {
    args.emplace_back("--min-gpus");
  } else if (q < 0.36) {
    args.emplace_back("--ladder");
  } else if (q < 0.37) {
    args.emplace_back("--which-gpus");
  } else if (q < 0.39) {
    args.insert(args.end(), {"--plot", chance(rng, 0.5) ? "context" : "batch"});
  }
  return args;
}

namespace {

// ---- Running a query in process ---------------------------------------------------------------

struct Ran {
  cli::Query query;  // owns the cards the report points at
  Report report;
};

std::optional<Ran> run(const Args& args, std::string* refusal = nullptr) {
  try {
    Ran ran;
    ran.query = cli::parse_query(args);
    ran.report = build_report(std::move(ran.query.request));
    return ran;
  } catch (const Error& e) {
    if (refusal != nullptr) {
      *refusal = e.what();
    }
    return std::nullopt;
  }
}

const char* question_of(const Request& r) {
  return r.solve_max_context ? "max-context"
         : r.solve_max_batch ? "max-batch"
         : r.solve_min_gpus  ? "min-gpus"
         : r.solve_which_gpus ? "which-gpus"
         : r.ladder           ? "ladder"
                              : "verdict";
}

class Checker {
 public:
  Checker(const Args& args, InvariantStats& stats) : m_args(args), m_stats(stats) {}

  void fail(const std::string& what) {
    m_stats.violations.push_back(cli::command_line(m_args) + ": " + what);
  }
  void expect(bool ok, const std::string& what) {
    if (!ok) {
      fail(what);
    }
  }

  // A plan adds up, and when it fits every device is within its capacity less margin.
  void plan_consistent(const Plan& p, const char* which) {
    std::uint64_t sum = 0;
    std::uint64_t weights = 0;
    for (const DevicePlan& d : p.devices) {
      sum += d.used_bytes;
      weights += d.weights_bytes;
      expect(d.used_bytes == d.weights_bytes + d.kv_cache_bytes + d.activations_bytes +
                                 d.overhead_bytes + d.other_bytes,
             fmt::format("{}: a device's used bytes are not the sum of its parts", which));
      if (p.fits && d.capacity_bytes != 0) {
        expect(d.used_bytes + d.margin_bytes <= d.capacity_bytes,
               fmt::format("{}: fits but {} holds {} of {} bytes", which, d.name, d.used_bytes,
                           d.capacity_bytes));
      }
    }
    expect(sum == p.total_bytes, fmt::format("{}: total {} is not the sum over devices {}", which,
                                             p.total_bytes, sum));
    expect(weights == p.weights_bytes, fmt::format("{}: weights do not add up", which));
    if (!p.deployment.gpus.empty()) {
      expect(p.headroom_bytes.has_value(), fmt::format("{}: no headroom with hardware", which));
      expect(p.fits == (p.headroom_bytes && *p.headroom_bytes >= 0),
             fmt::format("{}: fits is {} but headroom is {}", which, p.fits,
                         p.headroom_bytes.value_or(0)));
    }
    if (p.speed) {
      expect(std::isfinite(p.speed->expected_decode_tokens_per_s) &&
                 p.speed->expected_decode_tokens_per_s > 0,
             fmt::format("{}: a known speed of 0 or NaN", which));
    }
  }

  // Re-running a plan's arguments gives the same plan.
  void reruns_to(const Plan& p, const Report& report, const cli::Query& query, const char* which) {
    const ArgvContext argv{report.request, query.gpu_db_files};
    const Args again = cli::query_argv(argv, p.deployment);
    ++m_stats.reruns;
    std::string refusal;
    const std::optional<Ran> ran = run(again, &refusal);
    if (!ran) {
      fail(fmt::format("{}: its arguments are refused: {} [{}]", which, refusal,
                       cli::command_line(again)));
      return;
    }
    const Plan& q = ran->report.plan;
    expect(q.fits == p.fits && q.total_bytes == p.total_bytes && q.strategy == p.strategy &&
               q.headroom_bytes == p.headroom_bytes,
           fmt::format("{}: re-run gives {} {} bytes ({}) instead of {} {} bytes ({}) [{}]", which,
                       q.fits ? "fits" : "no fit", q.total_bytes, strategy_name(q.strategy),
                       p.fits ? "fits" : "no fit", p.total_bytes, strategy_name(p.strategy),
                       cli::command_line(again)));
  }

  void verdict(const Ran& ran) {
    const Report& r = ran.report;
    const Plan& p = r.plan;
    plan_consistent(p, "plan");
    const bool solver = r.request.solve_max_context || r.request.solve_max_batch ||
                        r.request.solve_min_gpus || r.request.solve_which_gpus;
    const int code = cli::exit_code_of(r);
    if (r.has_hardware && !solver) {
      expect(code == (p.fits ? 0 : 1), fmt::format("exit code {} but fits is {}", code, p.fits));
    }
    const ArgvContext argv{r.request, ran.query.gpu_db_files};
    const Json doc = Json::parse(cli::render_json(r, argv));
    if (r.has_hardware) {
      expect(doc["fits"] == p.fits, "JSON fits differs from the plan");
      expect(doc["headroom_bytes"].get<std::int64_t>() == *p.headroom_bytes,
             "JSON headroom differs from the plan");
      const std::string text = cli::render_text(r, argv, cli::Painter(false));
      const bool says_fits = text.find("Verdict FITS") != std::string::npos;
      const bool says_not = text.find("Verdict DOES NOT FIT") != std::string::npos;
      expect(says_fits == p.fits && says_not == !p.fits, "the text verdict differs from JSON");
    } else {
      expect(doc["fits"].is_null() && doc["headroom_bytes"].is_null(),
             "a verdict without hardware");
    }
    expect(doc["memory"]["total_bytes"] == p.total_bytes, "memory.total_bytes is not the plan's");
    unknowns_are_null(doc, "");
  }

  // No field that means "unknown" holds 0: speeds and capacities are null or positive.
  void unknowns_are_null(const Json& node, const std::string& path) {
    if (node.is_object()) {
      for (const auto& [key, value] : node.items()) {
        const bool rate = key.find("tokens_per_s") != std::string::npos ||
                          key.find("_gb_s") != std::string::npos || key == "capacity_bytes";
        if (rate && value.is_number()) {
          expect(value.get<double>() > 0, fmt::format("{}.{} is {} (unknown must be null)", path,
                                                       key, value.dump()));
        }
        if (value.is_number_float()) {
          expect(std::isfinite(value.get<double>()), fmt::format("{}.{} is not finite", path, key));
        }
        unknowns_are_null(value, path + "." + key);
      }
    } else if (node.is_array()) {
      for (const auto& value : node) {
        unknowns_are_null(value, path);
      }
    }
  }

  void answers(const Ran& ran) {
    const Report& r = ran.report;
    const cli::Query& query = ran.query;
    reruns_to(r.plan, r, query, "the plan");
    for (const Recommendation& rec : r.recommendations) {
      plan_consistent(rec.plan, "a recommendation");
      expect(rec.plan.fits, "a recommendation does not fit");
      reruns_to(rec.plan, r, query, recommendation_kind_name(rec.kind));
    }
    for (const Plan& alt : r.alternatives) {
      plan_consistent(alt, "an alternative");
      reruns_to(alt, r, query, "an alternative");
    }
    for (const auto* answer : {&r.max_context, &r.max_batch, &r.min_gpus}) {
      if (!*answer) {
        continue;
      }
      const SolveAnswer& a = **answer;
      plan_consistent(a.plan, "a solver answer");
      expect(a.plan.fits, "a solver answer does not fit");
      reruns_to(a.plan, r, query, "a solver answer");
      if (a.next_plan) {
        expect(!a.next_plan->fits, "one step beyond a solver answer fits");
        if (answer != &r.min_gpus) {
          reruns_to(*a.next_plan, r, query, "one step beyond a solver answer");
        }
      }
    }
    if (r.min_gpus && r.min_gpus->value > 1) {
      // N - 1 cards in the mode asked: does not fit, or is refused.
      // (--min-gpus counts the cards of one node.)
      Deployment fewer = r.request.deployment;
      fewer.nodes = 1;
      fewer.gpus.front().count = static_cast<std::uint32_t>(r.min_gpus->value - 1);
      fewer.tensor_parallel = 0;
      fewer.pipeline_parallel = 0;
      const ArgvContext argv{r.request, query.gpu_db_files};
      const std::optional<Ran> below = run(cli::query_argv(argv, fewer));
      expect(!below || !below->report.plan.fits, "--min-gpus N - 1 fits");
    }
    for (std::size_t i = 0; i < r.which_gpus.size() && i < 3; ++i) {
      // A row keeps its deployment and figures, not its plan: re-run them.
      const GpuOption& row = r.which_gpus[i];
      Plan figures;
      figures.deployment = deployment_of(row, r.request.deployment);
      figures.fits = true;
      figures.total_bytes = row.total_bytes;
      figures.strategy = row.strategy;
      figures.headroom_bytes = row.headroom_bytes;
      reruns_to(figures, r, query, "a --which-gpus row");
    }
    if (!r.ladder.empty()) {
      for (std::size_t i = 1; i < r.ladder.size(); ++i) {
        expect(r.ladder[i].plan.weights_bytes <= r.ladder[i - 1].plan.weights_bytes,
               "a lower precision of the ladder has more weights");
      }
    }
  }

  // More context, batch or cards: memory never falls and a fit never turns into a non-fit.
  void monotone(const Ran& ran) {
    const Report& r = ran.report;
    if (!r.has_hardware) {
      return;
    }
    const ArgvContext argv{r.request, ran.query.gpu_db_files};
    const Deployment& base = r.request.deployment;
    const bool pool = pool_engine(base.options.engine.kind);
    const auto compare = [&](const Deployment& more, const char* what) {
      const std::optional<Ran> bigger = run(cli::query_argv(argv, more));
      if (!bigger) {
        return;  // refused (a context past the trained length, a layout the mode refuses)
      }
      const Plan& b = bigger->report.plan;
      const Plan& a = r.plan;
      if (!pool && a.strategy == b.strategy && total_cards(a.deployment) == total_cards(b.deployment)) {
        expect(b.total_bytes >= a.total_bytes,
               fmt::format("{}: memory falls from {} to {}", what, a.total_bytes, b.total_bytes));
      }
      if (pool && std::string(what) != "more cards") {
        expect(b.pool_tokens_needed >= a.pool_tokens_needed, fmt::format("{}: fewer tokens needed", what));
      }
      if (std::string(what) == "more cards") {
        expect(!a.fits || b.fits, "more cards turn a fit into a non-fit");
      } else {
        expect(a.fits || !b.fits, fmt::format("{}: a non-fit turns into a fit", what));
      }
    };
    Deployment context = base;
    context.workload.context = std::min<std::uint64_t>(base.workload.context * 2, k_max_context_tokens);
    compare(context, "more context");
    Deployment batch = base;
    batch.workload.batch = std::min<std::uint64_t>(base.workload.batch * 2, k_max_batch);
    compare(batch, "more batch");
    if (base.gpus.size() == 1 && base.nodes == 1 && base.tensor_parallel == 0 &&
        base.pipeline_parallel == 0 && !base.force_offload) {
      Deployment cards = base;
      cards.gpus.front().count += 1;
      compare(cards, "more cards");
    }
  }

 private:
  const Args& m_args;
  InvariantStats& m_stats;
};

std::string first_words(const std::string& message) {
  std::string out;
  int words = 0;
  for (const char c : message) {
    if (c == ' ' && ++words == 4) {
      break;
    }
    out += std::isdigit(static_cast<unsigned char>(c)) != 0 ? '#' : c;
  }
  return out;
}

}  // namespace

void check_invariants(const std::vector<std::string>& args, InvariantStats& stats) {
  ++stats.queries;
  std::string refusal;
  const std::optional<Ran> ran = run(args, &refusal);
  if (!ran) {
    ++stats.refused;
    ++stats.refusals[first_words(refusal)];
    return;
  }
  const Report& r = ran->report;
  ++stats.coverage[fmt::format("{:<12} | {:<17} | {}", engine_name(r.plan.deployment.options.engine.kind),
                               strategy_name(r.plan.strategy), question_of(r.request))];
  Checker checker(args, stats);
  checker.verdict(*ran);
  checker.answers(*ran);
  checker.monotone(*ran);
}

std::string coverage_table(const InvariantStats& stats) {
  std::string out = fmt::format("{:<12} | {:<17} | {:<11} | queries\n", "engine", "strategy", "question");
  for (const auto& [key, count] : stats.coverage) {
    out += fmt::format("{:<45} | {}\n", key, count);
  }
  out += fmt::format("queries {}, refused {} ({:.1f}%), answers re-run {}, violations {}\n",
                     stats.queries, stats.refused,
                     stats.queries == 0 ? 0.0 : 100.0 * static_cast<double>(stats.refused) /
                                                    static_cast<double>(stats.queries),
                     stats.reruns, stats.violations.size());
  for (const auto& [words, count] : stats.refusals) {
    out += fmt::format("  refused {}x: {}...\n", count, words);
  }
  return out;
}

}  // namespace vramcalc::test
