#include "accuracy.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <optional>

#include <nlohmann/json.hpp>

#include "gguf_inventory.hpp"
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
                      std::string component, double predicted, double measured, bool gated,
                      double tolerance, std::string note = {}) {
  return {std::move(dataset), std::move(row),  std::move(engine), std::move(component),
          predicted,          measured,        gated,             tolerance,
          std::move(note)};
}

// ---- llama.cpp on the CPU, the pinned version (LLAMACPP.md) ------------------------------

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
    out.push_back(record(dataset, id, "llama.cpp", "kv", static_cast<double>(e.kv_cache.bytes),
                         exact["kv"].get<double>(), true, 0));
    out.push_back(record(dataset, id, "llama.cpp", "compute",
                         static_cast<double>(e.activations.bytes), exact["compute"].get<double>(),
                         true, 0.2 * exact["compute"].get<double>(), "worst 20%, median 5%"));
    // With CPU repacking the breakdown counts the mapped file and the repacked copy; only
    // plain loads equal the tensor bytes.
    const bool plain = exact["model"].get<std::uint64_t>() ==
                       r["llama_model_size_bytes"].get<std::uint64_t>();
    out.push_back(record(dataset, id, "llama.cpp", "weights", static_cast<double>(e.weights.bytes),
                         exact["model"].get<double>(), plain, 0,
                         plain ? "" : "CPU repack: mapped file + repacked copy"));
    if (r["measured"]["output_buf_mib"].is_number()) {
      out.push_back(record(dataset, id, "llama.cpp", "output",
                           static_cast<double>(e.output_buffer.bytes),
                           r["measured"]["output_buf_mib"].get<double>() * k_mib_d, true,
                           0.005 * k_mib_d, "log prints MiB with 2 decimals"));
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
    const std::string note = row.value("note", "");
    const Json& gated = row.contains("gated") ? row["gated"] : Json::object();
    const bool pool_engine = engine == "vllm" || engine == "sglang";
    const bool llama = engine == "llama.cpp";
    for (const auto& [component, value] : row["measured"].items()) {
      const double measured = value.get<double>();
      const bool is_gated = gated.value(component, false);
      double predicted = 0;
      double tolerance = 0.10 * measured;  // transformers, Ollama: 10%
      std::string name = component;
      if (component == "kv_bytes") {
        predicted = static_cast<double>(e.kv_cache.bytes);
        name = "kv";
        if (llama) {
          tolerance = 0.005 * k_mib_d;  // logs print MiB with two decimals
        }
      } else if (component == "output_bytes") {
        predicted = static_cast<double>(e.output_buffer.bytes);
        name = "output";
        tolerance = 0.005 * k_mib_d;
      } else if (component == "compute_bytes") {
        predicted = static_cast<double>(e.activations.bytes);
        name = "compute";
      } else if (component == "weights_bytes") {
        predicted = static_cast<double>(e.weights.bytes);
        name = "weights";
        if (pool_engine) {
          tolerance = 0.02 * measured;
        }
      } else if (component == "pool_bytes") {
        predicted = e.kv_pool ? static_cast<double>(e.kv_pool->bytes) : 0;
        tolerance = std::max(0.05 * measured, 0.5 * k_gib_d);
      } else if (component == "pool_tokens") {
        predicted = e.kv_pool ? static_cast<double>(e.kv_pool->tokens) : 0;
        const double per_token = e.kv_pool ? static_cast<double>(e.kv_pool->bytes_per_token) : 1;
        tolerance = std::max(0.05 * measured, 0.5 * k_gib_d / std::max(per_token, 1.0));
      } else if (component == "peak_bytes") {
        predicted =
            static_cast<double>(e.weights.bytes + e.kv_cache.bytes + e.activations.bytes);
        name = "peak";
      } else if (component == "total_bytes") {
        predicted = static_cast<double>(e.total_bytes);
        name = "total";
      }
      out.push_back(record("published", id, engine, name, predicted, measured, is_gated,
                           tolerance, note));
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
    const double peak = r["peak_allocated"].get<double>();
    out.push_back(record("gpu-truth H200", id, "transformers", "peak",
                         static_cast<double>(e.weights.bytes + e.kv_cache.bytes +
                                             e.activations.bytes),
                         peak, true, 0.10 * peak, "torch.cuda.max_memory_allocated"));
    const double driver = r["driver_used"].get<double>();
    out.push_back(record("gpu-truth H200", id, "transformers", "total",
                         static_cast<double>(e.total_bytes), driver, true, 0.10 * driver,
                         "NVML used memory"));
  }
}

// ---- measured decode throughput (THROUGHPUT.md), one device ------------------------------

// The single-device speed input of a throughput row: the catalog model stored as the row's
// dtype (or as published), its decode reads at the row's mean depth, on the row's card or CPU.
SpeedInput throughput_input(const Json& row, const GpuDatabase& database) {
  const HfConfigReading reading =
      read_catalog_entry(find_catalog_entry(row["model"]["catalog"].get<std::string>()));
  const ModelSpec& model = reading.model;
  const WeightFormat format =
      row.contains("dtype")  ? *find_weight_format(row["dtype"].get<std::string>())
      : reading.quantization ? *weight_format_for(*reading.quantization)
                             : *find_weight_format(model.native_dtype.value_or("fp16"));
  const WeightBreakdown reads = decode_weight_reads(model, format);
  Workload depth;
  depth.context = row["depth_tokens"].get<std::uint64_t>();
  std::uint64_t kv = 0;
  for (const auto& layer : model.layers) {
    kv += layer_kv_bytes(layer, depth);
  }
  const Json& d = row["device"];
  SpeedDevice device;
  device.kind = d["kind"] == "cpu" ? SpeedDeviceKind::cpu : SpeedDeviceKind::gpu;
  device.name = d["name"].get<std::string>();
  if (d.contains("gpu")) {
    const GpuSpec& gpu = *database.resolve(d["gpu"].get<std::string>()).gpu;
    device.bandwidth_gb_s = gpu.bandwidth_gb_s;
    device.compute_tflops = gpu.fp16_tflops.value_or(0);
  } else {
    device.bandwidth_gb_s = d["bandwidth_gb_s"].get<double>();
  }
  device.weight_bytes = reads.total_bytes;
  device.kv_bytes = kv;
  device.active_params = model.active_params;
  // Below 8 bits per weight read: k-quants, Q4_0, GPTQ/AWQ int4, MXFP4 (Q8_0 is 8.5 bits).
  device.quantized =
      static_cast<double>(reads.total_bytes) * 8.0 < 8.0 * static_cast<double>(model.active_params);
  SpeedInput input;
  input.devices.push_back(device);
  input.layers = static_cast<std::uint32_t>(model.layers.size());
  input.hidden = model.hidden;
  input.context = depth.context;
  return input;
}

// "llama.cpp (Docker)", "gpt-fast (PyTorch, torch.compile)" -> "llama.cpp", "gpt-fast".
std::string engine_family(const std::string& engine) {
  return engine.substr(0, engine.find_first_of(" ("));
}

}  // namespace

std::vector<AccuracyRecord> throughput_records() {
  const Json doc = load_json(test_data_dir() + "/validation/throughput.json");
  const GpuDatabase database = GpuDatabase::built_in();
  std::vector<AccuracyRecord> out;
  for (const Json& row : doc["rows"]) {
    const SpeedEstimate speed = estimate_speed(throughput_input(row, database));
    const double measured = row["tokens_per_s"].get<double>();
    std::string note = row["device"]["name"].get<std::string>() + ", " +
                       row["model"]["catalog"].get<std::string>() + " " +
                       row.value("dtype", std::string("as published"));
    out.push_back(record("throughput", row["id"].get<std::string>(),
                         engine_family(row["engine"].get<std::string>()), "decode",
                         speed.expected_decode_tokens_per_s, measured, true, 0.30 * measured,
                         std::move(note)));
  }
  return out;
}

double AccuracyRecord::relative_error() const {
  return measured == 0 ? 0 : (predicted - measured) / measured;
}

bool AccuracyRecord::within_tolerance() const {
  return std::abs(predicted - measured) <= tolerance;
}

std::vector<AccuracyRecord> accuracy_records() {
  std::vector<AccuracyRecord> out;
  llamacpp_cpu(out);
  published(out);
  gpu_truth(out);
  for (auto& r : throughput_records()) {
    out.push_back(std::move(r));
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
    std::vector<double> errors;
    for (const AccuracyRecord* r : rows) {
      const double error = std::abs(r->relative_error());
      errors.push_back(error);
      if (error >= s.worst_abs_error) {
        s.worst_abs_error = error;
        s.worst_row = r->row;
      }
      if (r->gated) {
        ++s.gated;
        s.within += r->within_tolerance() ? 1U : 0U;
      }
    }
    std::sort(errors.begin(), errors.end());
    const std::size_t n = errors.size();
    s.rows = n;
    s.median_abs_error = n % 2 == 1 ? errors[n / 2] : (errors[n / 2 - 1] + errors[n / 2]) / 2;
    out.push_back(s);
  }
  return out;
}

}  // namespace vramcalc::test
