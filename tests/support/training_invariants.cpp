#include "training_invariants.hpp"

#include <algorithm>
#include <cmath>
#include <optional>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "query_argv.hpp"
#include "render_train.hpp"
#include "train_command.hpp"
#include "vramcalc/catalog.hpp"
#include "vramcalc/error.hpp"
#include "vramcalc/gpu.hpp"

namespace vramcalc::test {

namespace {

using Args = std::vector<std::string>;
using Json = nlohmann::json;

template <typename T>
const T& pick(std::mt19937_64& rng, const std::vector<T>& items) {
  std::uniform_int_distribution<std::size_t> d(0, items.size() - 1);
  return items[d(rng)];
}

bool chance(std::mt19937_64& rng, double p) {
  return std::uniform_real_distribution<double>(0.0, 1.0)(rng) < p;
}

void add(Args& args, std::initializer_list<std::string> more) {
  args.insert(args.end(), more);
}

}  // namespace

TrainingQueryGenerator::TrainingQueryGenerator(std::uint64_t seed) : m_rng(seed) {
  for (const auto& entry : catalog_entries()) {
    m_models.push_back(entry.id);
  }
  const GpuDatabase database = GpuDatabase::built_in();
  for (const auto& gpu : database.gpus()) {
    m_gpus.push_back(gpu.id);
  }
}

std::vector<std::string> TrainingQueryGenerator::next() {
  auto& rng = m_rng;
  Args args = {"train"};
  if (chance(rng, 0.8)) {
    add(args, {"--model", pick(rng, m_models)});
  } else {
    static const std::vector<std::string> sizes = {"0.5B", "1B", "3B", "7B", "13B", "70B"};
    add(args, {"--params", pick(rng, sizes)});
  }
  // Method, and what goes with it.
  const double m = std::uniform_real_distribution<double>(0, 1)(rng);
  const std::string method = m < 0.3 ? "full" : m < 0.65 ? "lora" : "qlora";
  static const std::vector<std::string> precisions = {"bf16-mixed", "bf16-mixed", "bf16",
                                                      "fp16-mixed", "fp32"};
  const std::string precision = pick(rng, precisions);
  if (precision != "bf16-mixed") {
    add(args, {"--precision", precision});
  }
  if (method != "full") {
    add(args, {"--method", method});
    static const std::vector<std::string> ranks = {"4", "8", "16", "32", "64", "128"};
    add(args, {"--lora-rank", pick(rng, ranks)});
    static const std::vector<std::string> targets = {"all-linear", "all-linear", "all-linear",
                                                     "q_proj,v_proj", "mlp", "attention",
                                                     "all-linear,lm_head"};
    if (chance(rng, 0.7)) {
      add(args, {"--lora-targets", pick(rng, targets)});
    }
    if (chance(rng, 0.2)) {
      add(args, {"--lora-dropout", "0.05"});
    }
    if (method == "qlora" && chance(rng, 0.4)) {
      add(args, {"--dtype", "nf4-dq"});
    } else if (method == "lora" && chance(rng, 0.1)) {
      add(args, {"--dtype", "bnb-int8"});
    }
  } else if (precision == "bf16" || precision == "bf16-mixed") {
    if (precision == "bf16-mixed" && chance(rng, 0.1)) {
      add(args, {"--dtype", "fp32"});  // autocast over fp32 weights
    }
  } else {
    add(args, {"--dtype", precision == "fp32" ? "fp32" : "fp16"});
  }
  static const std::vector<std::string> optimizers = {
      "adamw", "adamw", "adamw-8bit", "paged-adamw-8bit", "adafactor", "sgd", "lion"};
  if (const std::string& o = pick(rng, optimizers); o != "adamw") {
    add(args, {"--optimizer", o});
  }
  // Workload.
  static const std::vector<std::string> batches = {"1", "1", "2", "4", "8", "16"};
  if (chance(rng, 0.7)) {
    add(args, {"--micro-batch", pick(rng, batches)});
  }
  static const std::vector<std::string> lengths = {"512", "1024", "2048", "4096", "8192", "3000"};
  if (chance(rng, 0.8)) {
    add(args, {"--seq-len", pick(rng, lengths)});
  }
  const bool accumulate = chance(rng, 0.3);
  if (accumulate) {
    add(args, {"--grad-accum", "4"});
  }
  static const std::vector<std::string> checkpointing = {"none", "selective", "full", "full"};
  add(args, {"--grad-checkpointing", pick(rng, checkpointing)});
  if (chance(rng, 0.1)) {
    add(args, {"--flash-attn", "off"});
  }
  static const std::vector<std::string> losses = {"standard", "standard", "chunked", "fused"};
  if (const std::string& l = pick(rng, losses); l != "standard") {
    add(args, {"--loss", l});
  }
  if (chance(rng, 0.2)) {
    args.emplace_back("--compile");
  }
  if (chance(rng, 0.1)) {
    args.emplace_back("--packed");
  }
  // Hardware.
  std::string parallelism = "single";
  if (chance(rng, 0.92)) {
    if (chance(rng, 0.06)) {
      add(args, {"--vram", pick(rng, std::vector<std::string>{"16GB", "24GB", "80GiB"})});
    } else {
      add(args, {"--gpu", pick(rng, m_gpus)});
    }
    const bool several = chance(rng, 0.5);
    static const std::vector<std::string> counts = {"2", "4", "8", "3"};
    static const std::vector<std::string> multi = {"ddp", "zero1", "zero2", "zero3",
                                                   "fsdp", "fsdp-grad-op", "fsdp-hybrid"};
    if (several) {
      add(args, {"--gpus", pick(rng, counts)});
      parallelism = pick(rng, multi);
      if (parallelism == "fsdp-hybrid" || chance(rng, 0.05)) {
        add(args, {"--nodes", "2"});
      }
    } else if (chance(rng, 0.15)) {
      parallelism = chance(rng, 0.5) ? "zero3" : "fsdp";
    }
    if (parallelism != "single" || chance(rng, 0.5)) {
      add(args, {"--parallelism", parallelism});
    }
    const bool shards_params =
        parallelism == "zero3" || parallelism == "fsdp" || parallelism == "fsdp-hybrid";
    if (shards_params && chance(rng, 0.25)) {
      args.emplace_back("--offload-params");
    } else if ((parallelism == "zero1" || parallelism == "zero2" || parallelism == "zero3") &&
               chance(rng, 0.25)) {
      args.emplace_back("--offload-optimizer");
    }
    if (!accumulate && (parallelism == "single" || parallelism == "ddp" || parallelism == "fsdp") &&
        chance(rng, 0.05)) {
      args.emplace_back("--optimizer-in-backward");
    }
    if (chance(rng, 0.15)) {
      add(args, {"--ram", chance(rng, 0.5) ? "64GB" : "1TB"});
    }
    if (chance(rng, 0.1)) {
      add(args, {"--margin", chance(rng, 0.5) ? "1GiB" : "5%"});
    }
    const double q = std::uniform_real_distribution<double>(0, 1)(rng);
    if (q < 0.12) {
      args.emplace_back("--max-micro-batch");
    } else if (q < 0.24) {
      args.emplace_back("--max-seq-len");
    } else if (q < 0.34 && parallelism != "single") {
      args.emplace_back("--min-gpus");
    }
  }
  return args;
}

namespace {

struct Ran {
  cli::TrainQuery query;  // owns the card database
  TrainingReport report;
};

std::optional<Ran> run(const Args& args, std::string* refusal = nullptr) {
  try {
    Ran ran;
    ran.query = cli::parse_train_query(args);
    ran.report = build_training_report(std::move(ran.query.request));
    return ran;
  } catch (const Error& e) {
    if (refusal != nullptr) {
      *refusal = e.what();
    }
    return std::nullopt;
  }
}

const char* question_of(const TrainingRequest& r) {
  return r.solve_max_micro_batch ? "max-micro-batch"
         : r.solve_max_seq_len   ? "max-seq-len"
         : r.solve_min_gpus      ? "min-gpus"
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

  // Components add up to each device, devices to the plan; a fit is within every capacity.
  void plan_consistent(const TrainingPlan& p, const char* which) {
    expect(!p.devices.empty(), fmt::format("{}: no device", which));
    for (const DevicePlan& d : p.devices) {
      expect(d.used_bytes == d.weights_bytes + d.kv_cache_bytes + d.activations_bytes +
                                 d.overhead_bytes + d.other_bytes,
             fmt::format("{}: a device's used bytes are not the sum of its parts", which));
      if (p.fits && d.capacity_bytes != 0) {
        expect(d.used_bytes + d.margin_bytes <= d.capacity_bytes,
               fmt::format("{}: fits but {} holds {} of {}", which, d.name, d.used_bytes,
                           d.capacity_bytes));
      }
    }
    expect(p.devices.front().used_bytes == p.gpu.total_bytes() &&
               p.per_gpu_bytes == p.gpu.total_bytes(),
           fmt::format("{}: the GPU's components do not add up to its use", which));
    expect(p.host_bytes == p.host.total_bytes(),
           fmt::format("{}: the host's components do not add up", which));
    expect(p.total_bytes == p.per_gpu_bytes * p.gpu_count + p.host_bytes * p.deployment.nodes,
           fmt::format("{}: the total is not GPUs x per GPU + nodes x host", which));
    if (!p.deployment.gpus.empty()) {
      std::optional<std::int64_t> least;
      for (const DevicePlan& d : p.devices) {
        if (d.headroom_bytes) {
          least = least ? std::min(*least, *d.headroom_bytes) : *d.headroom_bytes;
        }
      }
      expect(p.headroom_bytes == least, fmt::format("{}: headroom is not the least over devices", which));
      expect(p.fits == (p.headroom_bytes && *p.headroom_bytes >= 0),
             fmt::format("{}: fits is {} but headroom is {}", which, p.fits,
                         p.headroom_bytes.value_or(0)));
    }
    if (p.step_time) {
      expect(std::isfinite(p.step_time->expected_seconds) && p.step_time->expected_seconds > 0,
             fmt::format("{}: a step time of 0 or NaN", which));
    }
  }

  void reruns_to(const TrainingPlan& p, const Ran& ran, const char* which) {
    const cli::TrainArgvContext argv{ran.report.request, ran.query.gpu_db_files};
    const Args again = cli::train_query_argv(argv, p.deployment);
    ++m_stats.reruns;
    std::string refusal;
    const std::optional<Ran> rerun = run(again, &refusal);
    if (!rerun) {
      fail(fmt::format("{}: its arguments are refused: {} [{}]", which, refusal,
                       cli::command_line(again)));
      return;
    }
    const TrainingPlan& q = rerun->report.plan;
    expect(q.fits == p.fits && q.per_gpu_bytes == p.per_gpu_bytes &&
               q.host_bytes == p.host_bytes && q.headroom_bytes == p.headroom_bytes,
           fmt::format("{}: re-run gives {} {} bytes per GPU instead of {} {} [{}]", which,
                       q.fits ? "fits" : "no fit", q.per_gpu_bytes, p.fits ? "fits" : "no fit",
                       p.per_gpu_bytes, cli::command_line(again)));
  }

  void verdict(const Ran& ran) {
    const TrainingReport& r = ran.report;
    const TrainingPlan& p = r.plan;
    plan_consistent(p, "plan");
    const bool solver = r.request.solve_max_micro_batch || r.request.solve_max_seq_len ||
                        r.request.solve_min_gpus;
    const int code = cli::exit_code_of(r);
    if (r.has_hardware && !solver) {
      expect(code == (p.fits ? 0 : 1), fmt::format("exit code {} but fits is {}", code, p.fits));
    }
    const cli::TrainArgvContext argv{r.request, ran.query.gpu_db_files};
    const Json doc = Json::parse(cli::render_train_json(r, argv));
    if (r.has_hardware) {
      expect(doc["fits"] == p.fits, "JSON fits differs from the plan");
      expect(doc["headroom_bytes"].get<std::int64_t>() == *p.headroom_bytes,
             "JSON headroom differs from the plan");
      const std::string text = cli::render_train_text(r, argv, cli::Painter(false));
      const bool says_fits = text.find("Verdict FITS") != std::string::npos;
      const bool says_not = text.find("Verdict DOES NOT FIT") != std::string::npos;
      expect(says_fits == p.fits && says_not == !p.fits, "the text verdict differs from JSON");
    } else {
      expect(doc["fits"].is_null() && doc["headroom_bytes"].is_null(), "a verdict without hardware");
    }
    expect(doc["train"]["per_gpu_bytes"] == p.per_gpu_bytes, "JSON per_gpu_bytes is not the plan's");
    unknowns_are_null(doc, "");
  }

  void unknowns_are_null(const Json& node, const std::string& path) {
    if (node.is_object()) {
      for (const auto& [key, value] : node.items()) {
        const bool rate = key.find("seconds") != std::string::npos ||
                          key.find("per_second") != std::string::npos || key == "capacity_bytes";
        if (rate && value.is_number()) {
          expect(value.get<double>() > 0,
                 fmt::format("{}.{} is {} (unknown must be null)", path, key, value.dump()));
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
    const TrainingReport& r = ran.report;
    reruns_to(r.plan, ran, "the plan");
    for (const TrainingRecommendation& rec : r.recommendations) {
      plan_consistent(rec.plan, "a recommendation");
      expect(rec.plan.fits, "a recommendation does not fit");
      reruns_to(rec.plan, ran, training_change_name(rec.kind));
    }
    for (const auto* answer : {&r.max_micro_batch, &r.max_seq_len, &r.min_gpus}) {
      if (!*answer) {
        continue;
      }
      const TrainingAnswer& a = **answer;
      plan_consistent(a.plan, "a solver answer");
      expect(a.plan.fits, "a solver answer does not fit");
      reruns_to(a.plan, ran, "a solver answer");
      if (a.next_plan) {
        expect(!a.next_plan->fits, "one step beyond a solver answer fits");
        reruns_to(*a.next_plan, ran, "one step beyond a solver answer");
      }
    }
  }

  // More micro-batch or sequence never lowers memory; more GPUs never turn a sharded fit into
  // a non-fit; a higher ZeRO stage never holds more model states; an 8-bit optimizer never
  // holds more states than AdamW; QLoRA never holds more base weights than LoRA.
  void monotone(const Ran& ran) {
    const TrainingReport& r = ran.report;
    const TrainingDeployment& base = r.request.deployment;
    const TrainingPlanner planner(r.request.model);
    const auto plan = [&](const TrainingDeployment& d) -> std::optional<TrainingPlan> {
      try {
        return planner.plan(d);
      } catch (const Error&) {
        return std::nullopt;  // past a limit, or a combination refused
      }
    };
    const TrainingPlan& a = r.plan;
    TrainingDeployment more = base;
    more.micro_batch = std::min<std::uint64_t>(base.micro_batch * 2, k_max_training_micro_batch);
    if (const auto b = plan(more)) {
      expect(b->per_gpu_bytes >= a.per_gpu_bytes, fmt::format("more micro-batch: memory falls from {} to {}",
                                                              a.per_gpu_bytes, b->per_gpu_bytes));
      expect(a.fits || !b->fits, "more micro-batch: a non-fit turns into a fit");
    }
    more = base;
    more.seq_len = base.seq_len * 2;
    if (const auto b = plan(more)) {
      expect(b->per_gpu_bytes >= a.per_gpu_bytes, fmt::format("longer sequence: memory falls from {} to {}",
                                                              a.per_gpu_bytes, b->per_gpu_bytes));
    }
    const bool sharded = base.parallelism != TrainParallelism::single &&
                         base.parallelism != TrainParallelism::ddp;
    if (!base.gpus.empty() && sharded && base.gpus.front().count >= 2) {
      more = base;
      more.gpus.front().count += 1;
      if (const auto b = plan(more)) {
        expect(!a.fits || b->fits, "more GPUs turn a fit into a non-fit");
      }
    }
    if (!base.gpus.empty() && training_gpus(base) >= 2) {
      std::optional<std::uint64_t> previous;
      for (const auto stage : {TrainParallelism::ddp, TrainParallelism::zero1,
                               TrainParallelism::zero2, TrainParallelism::zero3}) {
        more = base;
        more.parallelism = stage;
        more.offload_optimizer = more.offload_params = false;
        more.optimizer_in_backward = false;
        if (const auto b = plan(more)) {
          const std::uint64_t states = b->model_states.total_bytes();
          expect(!previous || states <= *previous,
                 fmt::format("{} holds more model states than the stage below", parallelism_name(stage)));
          previous = states;
        }
      }
    }
    if (base.optimizer == OptimizerKind::adamw) {
      more = base;
      more.optimizer = OptimizerKind::adamw_8bit;
      if (const auto b = plan(more)) {
        expect(b->model_states.optimizer_bytes <= a.model_states.optimizer_bytes,
               "8-bit AdamW holds more optimizer state than AdamW");
      }
    }
    if (base.method == TrainMethod::lora && base.format.scheme == WeightScheme::uniform_bits) {
      more = base;
      more.method = TrainMethod::qlora;
      more.format = default_training_format(TrainMethod::qlora, base.precision);
      if (const auto b = plan(more)) {
        expect(b->model_states.frozen_bytes <= a.model_states.frozen_bytes,
               "QLoRA holds more base weights than LoRA");
      }
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

void check_training_invariants(const std::vector<std::string>& args, InvariantStats& stats) {
  ++stats.queries;
  std::string refusal;
  const std::optional<Ran> ran = run(args, &refusal);
  if (!ran) {
    ++stats.refused;
    ++stats.refusals[first_words(refusal)];
    return;
  }
  const TrainingPlan& p = ran->report.plan;
  ++stats.coverage[fmt::format("{:<12} | {:<17} | {}", train_method_name(p.deployment.method),
                               parallelism_name(p.deployment.parallelism),
                               question_of(ran->report.request))];
  Checker checker(args, stats);
  checker.verdict(*ran);
  checker.answers(*ran);
  checker.monotone(*ran);
}

}  // namespace vramcalc::test
