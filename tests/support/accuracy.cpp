#include "accuracy.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "calibration.hpp"
#include "gguf_inventory.hpp"
#include "throughput_rows.hpp"
#include "run_cli.hpp"
#include "vramcalc/bytes.hpp"
#include "vramcalc/catalog.hpp"
#include "vramcalc/engine.hpp"
#include "vramcalc/estimate.hpp"
#include "vramcalc/gguf.hpp"
#include "vramcalc/gpu.hpp"
#include "vramcalc/hf_config.hpp"
#include "vramcalc/params_model.hpp"
#include "vramcalc/quantization.hpp"
#include "vramcalc/speed.hpp"

namespace vramcalc::test {

namespace {

using Json = nlohmann::json;

constexpr double k_mib_d = 1024.0 * 1024.0;
constexpr double k_gib_d = 1024.0 * 1024.0 * 1024.0;

Json load_json(const std::string& path) {
  std::ifstream in(path);
  return Json::parse(in);
}

struct RowModel {
  ModelSpec model;
  std::optional<WeightFormat> stored_format;
};

// A model the row describes by its shape (the log printed the shape, not the model's name).
ModelSpec shape_model(const Json& s) {
  ShapeOverrides o;
  o.layers = s.at("layers").get<std::uint32_t>();
  o.hidden = s.at("hidden").get<std::uint32_t>();
  o.heads = s.at("heads").get<std::uint32_t>();
  o.kv_heads = s.at("kv_heads").get<std::uint32_t>();
  o.head_dim = s.at("head_dim").get<std::uint32_t>();
  o.vocab = s.at("vocab").get<std::uint32_t>();
  // Without a parameter count in the row, a count of the right size: only the weights depend
  // on it, and rows without one compare no weights.
  const std::uint64_t params =
      s.contains("params") ? s["params"].get<std::uint64_t>()
                           : static_cast<std::uint64_t>(*o.layers) * 12ULL * *o.hidden * *o.hidden;
  ModelSpec m = model_from_params(params, o);
  m.architecture = s.at("arch").get<std::string>();
  m.name = "shape from the log";
  m.tied_embeddings = s.value("tied", false);
  for (auto& layer : m.layers) {
    layer.ffn_dim = s.at("ffn").get<std::uint32_t>();
  }
  m.shape = {};
  return m;
}

RowModel model_for(const Json& spec) {
  RowModel result;
  if (spec.contains("catalog")) {
    HfConfigReading reading = read_catalog_entry(find_catalog_entry(spec["catalog"].get<std::string>()));
    result.model = std::move(reading.model);
    if (reading.quantization) {
      result.stored_format = weight_format_for(*reading.quantization);
    }
  } else {
    result.model = shape_model(spec.at("shape"));
  }
  return result;
}

// GGUF models rebuilt from the inventories, one sparse file each, cached by file name.
const ModelSpec& inventory_model(const std::string& file) {
  static std::map<std::string, ModelSpec> cache;
  auto it = cache.find(file);
  if (it == cache.end()) {
    const Inventory inventory = load_inventory(inventory_dir() + "/" + file + ".json");
    const std::string path = temp_dir() + "/" + inventory.file;
    write_gguf(path, inventory.fixture);
    it = cache.emplace(file, load_gguf_model(path)).first;
  }
  return it->second;
}

KvType kv_type(const std::string& name) {
  const KvType* type = find_kv_type(name);
  return type != nullptr ? *type : default_kv_type();
}

AccuracyRecord record(std::string dataset, std::string row, std::string engine,
                      std::string component, double predicted, double measured, bool held_out,
                      bool gated, std::string reason = {}, std::string note = {}) {
  AccuracyRecord r;
  r.dataset = std::move(dataset);
  r.row = std::move(row);
  r.engine = std::move(engine);
  r.component = std::move(component);
  r.predicted = predicted;
  r.measured = measured;
  r.held_out = held_out;
  r.gated = gated;
  r.reason = std::move(reason);
  r.note = std::move(note);
  return r;
}

// ---- llama.cpp on the CPU, the pinned version (de3ff815, llamacpp_cpu_measured.json) ------

void llamacpp_cpu(std::vector<AccuracyRecord>& out) {
  const Json doc = load_json(test_data_dir() + "/validation/llamacpp_cpu_measured.json");
  const std::string dataset = "llama.cpp CPU (pinned de3ff815)";
  for (const Json& r : doc["rows"]) {
    const ModelSpec& model = inventory_model(r["file"].get<std::string>());
    const std::uint64_t n_seq = r["n_seq"].get<std::uint64_t>();
    Workload w;
    w.batch = n_seq;
    w.context = div_ceil(r["ctx"].get<std::uint64_t>(), n_seq);
    w.kv_key = kv_type(r["type_k"].get<std::string>());
    w.kv_value = kv_type(r["type_v"].get<std::string>());
    EstimateOptions options;
    options.engine.kind = EngineKind::llama_cpp;
    options.engine.ubatch = r["n_ubatch"].get<std::uint32_t>();
    options.engine.n_batch = r["n_batch"].get<std::uint32_t>();
    // The resolved setting where the log printed it, else the requested one ("auto").
    const std::string resolved = r["flash_attn_resolved"].is_string()
                                     ? r["flash_attn_resolved"].get<std::string>()
                                     : std::string("auto");
    const std::string requested = r["flash_attn"].get<std::string>();
    options.engine.flash_attn =
        resolved == "enabled" || requested == "on" ? FlashAttention::on
        : resolved == "disabled" || requested == "off" ? FlashAttention::off
                                                        : FlashAttention::automatic;
    options.engine.swa_full = r["swa_full"].get<bool>();
    options.engine.kv_unified = r["kv_unified"].get<bool>();
    const MemoryEstimate e = estimate(model, as_stored_format(), w, options);
    const Json& exact = r["measured"]["exact_bytes"];
    const std::string id = r["id"].get<std::string>();
    const bool held = r["split"] == "held_out";
    out.push_back(record(dataset, id, "llama.cpp", "kv", static_cast<double>(e.kv_cache.bytes),
                         exact["kv"].get<double>(), held, true));
    out.push_back(record(dataset, id, "llama.cpp", "compute",
                         static_cast<double>(e.activations.bytes), exact["compute"].get<double>(),
                         held, true));
    // With CPU repacking the breakdown counts the mapped file and the repacked copy; only
    // plain loads equal the tensor bytes.
    const bool plain = exact["model"].get<std::uint64_t>() ==
                       r["llama_model_size_bytes"].get<std::uint64_t>();
    out.push_back(record(dataset, id, "llama.cpp", "weights", static_cast<double>(e.weights.bytes),
                         exact["model"].get<double>(), held, plain,
                         plain ? "" : "CPU repacking: the breakdown counts the mapped file and "
                                      "the repacked copy"));
    if (r["measured"]["output_buf_mib"].is_number()) {
      out.push_back(record(dataset, id, "llama.cpp", "output",
                           static_cast<double>(e.output_buffer.bytes),
                           r["measured"]["output_buf_mib"].get<double>() * k_mib_d, held, true,
                           "", "the log prints MiB with 2 decimals"));
    }
  }
}

// ---- published logs ---------------------------------------------------------------------

EstimateOptions options_from(const Json& row, const RowModel& model,
                             const std::optional<GpuDatabase>& database) {
  EstimateOptions options;
  options.engine.kind = *find_engine(row["engine"].get<std::string>());
  const Json& s = row["settings"];
  if (s.contains("ubatch")) {
    options.engine.ubatch = s["ubatch"].get<std::uint32_t>();
  }
  if (s.contains("n_batch")) {
    options.engine.n_batch = s["n_batch"].get<std::uint32_t>();
  }
  if (s.contains("n_outputs_max")) {
    options.engine.n_outputs_max = s["n_outputs_max"].get<std::uint32_t>();
  }
  if (s.contains("flash_attn")) {
    options.engine.flash_attn = s["flash_attn"] == "on" ? FlashAttention::on : FlashAttention::off;
  }
  options.engine.swa_full = s.value("swa_full", false);
  options.engine.kv_unified = s.value("kv_unified", false);
  if (s.contains("gpu_memory_utilization")) {
    options.engine.gpu_memory_utilization = s["gpu_memory_utilization"].get<double>();
  }
  if (s.contains("max_num_batched_tokens")) {
    options.engine.max_num_batched_tokens = s["max_num_batched_tokens"].get<std::uint64_t>();
  }
  if (s.contains("max_num_seqs")) {
    options.engine.max_num_seqs = s["max_num_seqs"].get<std::uint32_t>();
  }
  if (s.contains("max_new_tokens")) {
    options.engine.max_new_tokens = s["max_new_tokens"].get<std::uint64_t>();
  }
  options.gpu_count = s.value("tp", 1U);
  if (row.contains("gpu")) {
    const Json& g = row["gpu"];
    if (g.contains("cuda_total_bytes")) {
      options.gpu = custom_gpu(g["cuda_total_bytes"].get<std::uint64_t>());
    } else {
      options.gpu = *database->resolve(g["id"].get<std::string>()).gpu;
    }
  }
  (void)model;
  return options;
}

void published(std::vector<AccuracyRecord>& out) {
  const Json doc = load_json(test_data_dir() + "/validation/published.json");
  const std::optional<GpuDatabase> database = GpuDatabase::built_in();
  for (const Json& row : doc["rows"]) {
    const RowModel model = model_for(row["model"]);
    const WeightFormat format =
        row.contains("dtype") ? *find_weight_format(row["dtype"].get<std::string>())
        : model.stored_format ? *model.stored_format
                              : *find_weight_format(model.model.native_dtype.value_or("fp16"));
    Workload w;
    w.context = row["workload"]["context"].get<std::uint64_t>();
    w.batch = row["workload"]["batch"].get<std::uint64_t>();
    w.kv_key = kv_type(row["workload"].value("kv_k", "f16"));
    w.kv_value = kv_type(row["workload"].value("kv_v", "f16"));
    const EstimateOptions options = options_from(row, model, database);
    const MemoryEstimate e = estimate(model.model, format, w, options);
    const std::string engine = row["engine"].get<std::string>();
    const std::string id = row["id"].get<std::string>();
    const std::string note =
        row.contains("note") && row["note"].is_string() ? row["note"].get<std::string>() : "";
    const bool held = row["split"] == "held_out";
    const Json& gated = row.contains("gated") ? row["gated"] : Json::object();
    for (const auto& [component, value] : row["measured"].items()) {
      const double measured = value.get<double>();
      const bool is_gated = gated.value(component, false);
      double predicted = 0;
      std::string name = component;
      if (component == "kv_bytes") {
        predicted = static_cast<double>(e.kv_cache.bytes);
        name = "kv";
      } else if (component == "output_bytes") {
        predicted = static_cast<double>(e.output_buffer.bytes);
        name = "output";
      } else if (component == "compute_bytes") {
        predicted = static_cast<double>(e.activations.bytes);
        name = "compute";
      } else if (component == "weights_bytes") {
        predicted = static_cast<double>(e.weights.bytes);
        name = "weights";
      } else if (component == "pool_bytes") {
        predicted = e.kv_pool ? static_cast<double>(e.kv_pool->bytes) : 0;
      } else if (component == "pool_tokens") {
        predicted = e.kv_pool ? static_cast<double>(e.kv_pool->tokens) : 0;
      } else if (component == "peak_bytes") {
        predicted =
            static_cast<double>(e.weights.bytes + e.kv_cache.bytes + e.activations.bytes);
        name = "peak";
      } else if (component == "total_bytes") {
        predicted = static_cast<double>(e.total_bytes);
        name = "total";
      }
      const std::string reason =
          is_gated ? std::string() : row.value("reasons", Json::object()).value(component, "");
      out.push_back(
          record("published", id, engine, name, predicted, measured, held, is_gated, reason, note));
    }
  }
}

// ---- our own transformers measurements (H200) ------------------------------------------

void gpu_truth(std::vector<AccuracyRecord>& out) {
  const Json doc = load_json(test_data_dir() + "/gpu_truth/transformers_h200.json");
  std::map<std::string, ModelSpec> models;
  for (const Json& r : doc["rows"]) {
    if (!r["error"].is_null()) {
      continue;
    }
    const std::string name = r["model"].get<std::string>();
    if (models.count(name) == 0) {
      models[name] = load_hf_config(test_data_dir() + "/configs/gpu-truth-" + name + ".json");
    }
    Workload w;
    w.context = r["prompt"].get<std::uint64_t>();
    w.batch = r["batch"].get<std::uint64_t>();
    EstimateOptions options;
    options.engine.kind = EngineKind::transformers;
    options.engine.max_new_tokens = r["new_tokens"].get<std::uint64_t>();
    const MemoryEstimate e = estimate(models[name], *find_weight_format("bf16"), w, options);
    const std::string id = name + " " + std::to_string(w.context) + "x" + std::to_string(w.batch);
    const bool held = r["split"] == "held_out";
    const double peak = r["peak_allocated"].get<double>();
    out.push_back(record("gpu-truth H200", id, "transformers", "peak",
                         static_cast<double>(e.weights.bytes + e.kv_cache.bytes +
                                             e.activations.bytes),
                         peak, held, true, "", "torch.cuda.max_memory_allocated"));
    const double driver = r["driver_used"].get<double>();
    out.push_back(record("gpu-truth H200", id, "transformers", "total",
                         static_cast<double>(e.total_bytes), driver, held, true, "",
                         "NVML used memory"));
  }
}

}  // namespace

std::vector<AccuracyRecord> throughput_records() {
  std::vector<AccuracyRecord> out;
  const SpeedConstants& k = calibrated_speed_constants();
  for (const ThroughputRow& row : throughput_rows()) {
    out.push_back(record("throughput", row.id, row.engine, "decode",
                         predicted_tokens_per_s(row, k), row.measured, row.held_out, row.gated,
                         row.reason, row.description));
  }
  return out;
}

double AccuracyRecord::relative_error() const {
  return measured == 0 ? 0 : (predicted - measured) / measured;
}

const std::vector<AccuracyRecord>& accuracy_records() {
  static const std::vector<AccuracyRecord> all = [] {
    std::vector<AccuracyRecord> out;
    llamacpp_cpu(out);
    published(out);
    gpu_truth(out);
    for (auto& r : throughput_records()) {
      out.push_back(std::move(r));
    }
    return out;
  }();
  return all;
}

// ---- gates --------------------------------------------------------------------------------

namespace {

bool pinned(const AccuracyRecord& r) {
  return r.dataset.rfind("llama.cpp CPU", 0) == 0;
}
bool memory(const AccuracyRecord& r) {
  return r.component != "decode";
}

double median_of(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  return n == 0 ? 0 : n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

std::string percent(double share) {
  return fmt::format("{:.1f}%", 100.0 * share);
}

}  // namespace

const std::vector<Gate>& gates() {
  static const std::vector<Gate> all = [] {
    std::vector<Gate> g;
    const auto add = [&g](std::string name, std::string claim, double tolerance, double absolute,
                          double share, double median, bool (*selects)(const AccuracyRecord&)) {
      Gate gate;
      gate.name = std::move(name);
      gate.claim = std::move(claim);
      gate.tolerance = tolerance;
      gate.absolute = absolute;
      gate.min_share = share;
      gate.max_median = median;
      gate.selects = selects;
      g.push_back(std::move(gate));
    };
    add("decode tokens/s (throughput.json)", "≥ 80% within ±30%, median ≤ 15%", 0.30, -1, 0.80,
        0.15, [](const AccuracyRecord& r) { return r.component == "decode"; });
    add("every memory comparison", "≥ 85% within ±10%", 0.10, -1, 0.85, -1, memory);
    add("totals and peaks: an engine's total, a framework's peak, a pool's bytes",
        "median ≤ 3%", 0.03, -1, 0, 0.03, [](const AccuracyRecord& r) {
          return r.component == "total" || r.component == "peak" || r.component == "pool_bytes";
        });
    add("vLLM/SGLang pool tokens", "median ≤ 3%", 0.03, -1, 0, 0.03,
        [](const AccuracyRecord& r) { return r.component == "pool_tokens"; });
    add("llama.cpp/Ollama compute buffer, published logs", "median ≤ 5%", 0.05, -1, 0, 0.05,
        [](const AccuracyRecord& r) { return r.dataset == "published" && r.component == "compute"; });
    add("llama.cpp KV cache, pinned version", "every row exact to the byte", 0, 0, 1.0, -1,
        [](const AccuracyRecord& r) { return pinned(r) && r.component == "kv"; });
    add("llama.cpp model buffer, pinned version", "every row exact to the byte", 0, 0, 1.0, -1,
        [](const AccuracyRecord& r) { return pinned(r) && r.component == "weights"; });
    add("llama.cpp compute buffer, pinned version", "every row within ±20%, median ≤ 5%", 0.20,
        -1, 1.0, 0.05, [](const AccuracyRecord& r) { return pinned(r) && r.component == "compute"; });
    add("llama.cpp output buffer", "every row within 0.005 MiB (the log's rounding)", 0,
        0.005 * k_mib_d, 1.0, -1, [](const AccuracyRecord& r) { return r.component == "output"; });
    add("llama.cpp/Ollama KV cache, published logs", "every row within ±1%", 0.01, -1, 1.0, -1,
        [](const AccuracyRecord& r) { return r.dataset == "published" && r.component == "kv"; });
    return g;
  }();
  return all;
}

std::vector<GateResult> evaluate_gates(const std::vector<AccuracyRecord>& records) {
  std::vector<GateResult> out;
  for (const Gate& gate : gates()) {
    GateResult result;
    result.gate = &gate;
    std::vector<double> errors;
    for (const AccuracyRecord& r : records) {
      if (!r.held_out || !r.gated || !gate.selects(r)) {
        continue;
      }
      const double error = std::abs(r.relative_error());
      errors.push_back(error);
      const bool within = gate.absolute >= 0 ? std::abs(r.predicted - r.measured) <= gate.absolute
                                             : error <= gate.tolerance + 1e-12;
      result.within += within ? 1U : 0U;
      if (error >= result.worst_abs_error) {
        result.worst_abs_error = error;
        result.worst_row = r.row;
      }
    }
    result.rows = errors.size();
    result.median_abs_error = median_of(errors);
    result.claimed = result.rows >= 5;
    const double share =
        result.rows == 0 ? 0 : static_cast<double>(result.within) / static_cast<double>(result.rows);
    result.holds = result.rows > 0 && share + 1e-12 >= gate.min_share &&
                   (gate.max_median < 0 || result.median_abs_error <= gate.max_median + 1e-12);
    out.push_back(result);
  }
  return out;
}

std::vector<AccuracySummary> summarize(const std::vector<AccuracyRecord>& records) {
  std::map<std::tuple<std::string, std::string, std::string>, std::vector<const AccuracyRecord*>>
      groups;
  for (const auto& r : records) {
    groups[{r.dataset, r.engine, r.component}].push_back(&r);
  }
  std::vector<AccuracySummary> out;
  for (const auto& [key, rows] : groups) {
    AccuracySummary s;
    std::tie(s.dataset, s.engine, s.component) = key;
    std::vector<double> held;
    std::vector<double> calibration;
    for (const AccuracyRecord* r : rows) {
      const double error = std::abs(r->relative_error());
      if (!r->gated) {
        ++s.ungated;
      } else if (r->held_out) {
        held.push_back(error);
        if (error >= s.held_out_worst) {
          s.held_out_worst = error;
          s.worst_row = r->row;
        }
      } else {
        calibration.push_back(error);
      }
    }
    s.held_out = held.size();
    s.held_out_median = median_of(held);
    s.calibration = calibration.size();
    s.calibration_median = median_of(calibration);
    out.push_back(s);
  }
  return out;
}

LeaveOneSourceOut leave_one_source_out() {
  static const LeaveOneSourceOut result = [] {
    const std::vector<double> errors = leave_one_source_out_errors();
    const std::vector<ThroughputRow>& rows = throughput_rows();
    LeaveOneSourceOut out;
    std::vector<double> abs_errors;
    std::set<std::string> sources;
    for (std::size_t i = 0; i < rows.size(); ++i) {
      if (!rows[i].gated) {
        continue;
      }
      sources.insert(rows[i].source);
      abs_errors.push_back(std::abs(errors[i]));
      out.within += std::abs(errors[i]) <= 0.30 ? 1U : 0U;
    }
    out.rows = abs_errors.size();
    out.sources = sources.size();
    out.median_abs_error = median_of(abs_errors);
    return out;
  }();
  return result;
}

// ---- generated text -------------------------------------------------------------------------

namespace {

std::string gate_status(const GateResult& g) {
  if (g.rows == 0) {
    return "no held-out row";
  }
  if (!g.claimed) {
    return fmt::format("reported, not claimed ({} rows)", g.rows);
  }
  return g.holds ? "holds" : "FAILS";
}

std::string gate_result_text(const GateResult& g) {
  std::string text = fmt::format("{}/{} within, median {}", g.within, g.rows,
                                 percent(g.median_abs_error));
  return text;
}

}  // namespace

std::string readme_accuracy_block() {
  const std::vector<GateResult> results = evaluate_gates(accuracy_records());
  std::string out = "| claim (held-out rows only) | target | rows | result | |\n|---|---|---:|---|---|\n";
  for (const GateResult& g : results) {
    out += fmt::format("| {} | {} | {} | {} | {} |\n", g.gate->name, g.gate->claim, g.rows,
                       gate_result_text(g), gate_status(g));
  }
  const LeaveOneSourceOut loso = leave_one_source_out();
  out += fmt::format(
      "\nLeave one source out (each source's decode rows predicted by constants fitted without "
      "it, over all {} gated rows of {} sources): {}/{} within ±30%, median {}.\n",
      loso.rows, loso.sources, loso.within, loso.rows, percent(loso.median_abs_error));
  return out;
}

std::string docs_gates_block() {
  const std::vector<GateResult> results = evaluate_gates(accuracy_records());
  std::string out =
      "| claim | target | held-out rows | within | median | worst | worst row | status |\n"
      "|---|---|---:|---:|---:|---:|---|---|\n";
  for (const GateResult& g : results) {
    out += fmt::format("| {} | {} | {} | {} | {} | {} | {} | {} |\n", g.gate->name,
                       g.gate->claim, g.rows, g.within, percent(g.median_abs_error),
                       percent(g.worst_abs_error), g.worst_row.empty() ? "-" : "`" + g.worst_row + "`",
                       gate_status(g));
  }
  const LeaveOneSourceOut loso = leave_one_source_out();
  out += fmt::format(
      "\nLeave one source out, decode: {} gated rows of {} sources, each predicted by constants "
      "fitted on the calibration rows of every other source: {}/{} within ±30%, median |error| "
      "{}.\n",
      loso.rows, loso.sources, loso.within, loso.rows, percent(loso.median_abs_error));
  return out;
}

std::string docs_summary_block() {
  std::string out =
      "| dataset | engine | component | held-out rows | median | worst | worst row | "
      "calibration rows | median | not gated |\n"
      "|---|---|---|---:|---:|---:|---|---:|---:|---:|\n";
  for (const AccuracySummary& s : summarize(accuracy_records())) {
    out += fmt::format("| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |\n", s.dataset,
                       s.engine, s.component, s.held_out,
                       s.held_out > 0 ? percent(s.held_out_median) : "-",
                       s.held_out > 0 ? percent(s.held_out_worst) : "-",
                       s.worst_row.empty() ? "-" : "`" + s.worst_row + "`", s.calibration,
                       s.calibration > 0 ? percent(s.calibration_median) : "-", s.ungated);
  }
  return out;
}

std::string docs_constants_block() {
  std::string out = "| constant | value | unit | derived from |\n|---|---:|---|---|\n";
  for (const DerivedConstant& c : derived_constants()) {
    out += fmt::format("| `{}` | {:g} | {} | {} |\n", c.name, c.value, c.unit, c.basis);
  }
  return out;
}

std::string generated_block(const std::string& document, const std::string& name) {
  const std::string begin = "<!-- " + name + ":begin -->\n";
  const std::string end = "<!-- " + name + ":end -->";
  const auto b = document.find(begin);
  const auto e = document.find(end);
  if (b == std::string::npos || e == std::string::npos || e < b) {
    return {};
  }
  return document.substr(b + begin.size(), e - b - begin.size());
}

std::string with_generated_block(const std::string& document, const std::string& name,
                                 const std::string& text) {
  const std::string begin = "<!-- " + name + ":begin -->\n";
  const std::string end = "<!-- " + name + ":end -->";
  const auto b = document.find(begin);
  const auto e = document.find(end);
  if (b == std::string::npos || e == std::string::npos || e < b) {
    return document;
  }
  return document.substr(0, b + begin.size()) + text + document.substr(e);
}

}  // namespace vramcalc::test
