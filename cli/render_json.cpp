#include <cmath>

#include <nlohmann/json.hpp>

#include "json_text.hpp"
#include "render.hpp"
#include "vramcalc/bytes.hpp"
#include "vramcalc/engine.hpp"
#include "vramcalc/version.hpp"

namespace vramcalc::cli {

namespace {

using Json = nlohmann::ordered_json;

template <typename T>
Json or_null(const std::optional<T>& value) {
  return value ? Json(*value) : Json(nullptr);
}

Json model_json(const ModelSpec& model) {
  Json j;
  j["name"] = model.name;
  j["source"] = model_source_name(model.source);
  j["architecture"] = model.architecture;
  j["params"] = model.total_params;
  j["active_params"] = model.active_params;
  j["layers"] = model.layers.size();
  j["hidden"] = model.hidden;
  const LayerSpec& first = model.layers.front();
  j["heads"] = first.n_head;
  j["kv_heads"] = first.n_kv_head;
  j["head_dim"] = first.head_dim_k;
  j["vocab"] = model.vocab;
  j["max_context"] = model.max_context == 0 ? Json(nullptr) : Json(model.max_context);
  j["hf_repo"] = model.hf_repo.empty() ? Json(nullptr) : Json(model.hf_repo);
  if (model.shape.assumed) {
    j["assumed_shape"] = {{"reference_model", model.shape.reference_model},
                          {"overridden", model.shape.overridden}};
  } else {
    j["assumed_shape"] = nullptr;
  }
  return j;
}

// Decimals rounded to 2 places, or 3 significant digits below 1 (a speed of 0.004 tokens/s
// is not 0): stable output, no float noise.
double rounded(double value) {
  if (value != 0 && std::fabs(value) < 1) {
    const double scale = std::pow(10.0, 2 - std::floor(std::log10(std::fabs(value))));
    return std::round(value * scale) / scale;
  }
  return std::round(value * 100.0) / 100.0;
}

Json component_json(const Component& c) {
  return {{"bytes", c.bytes},
          {"low_bytes", c.low_bytes},
          {"high_bytes", c.high_bytes},
          {"provenance", provenance_name(c.provenance)},
          {"basis", c.basis}};
}

Json engine_json(const EngineDetails& engine) {
  Json settings = Json::object();
  for (const auto& setting : engine.settings) {
    if (setting.numeric) {
      settings[setting.name] = Json::parse(setting.value);
    } else {
      settings[setting.name] = setting.value;
    }
  }
  return {{"name", std::string(engine_name(engine.kind))},
          {"version", engine.version},
          {"settings", settings},
          {"equivalent_flags", engine.equivalent_flags},
          {"notes", engine.notes}};
}

Json device_json(const DevicePlan& d) {
  return {{"kind", device_kind_name(d.kind)},
          {"id", d.id.empty() ? Json(nullptr) : Json(d.id)},
          {"name", d.name},
          {"capacity_bytes", d.capacity_bytes == 0 ? Json(nullptr) : Json(d.capacity_bytes)},
          {"margin_bytes", d.margin_bytes},
          {"used_bytes", d.used_bytes},
          {"headroom_bytes", or_null(d.headroom_bytes)},
          {"weights_bytes", d.weights_bytes},
          {"kv_cache_bytes", d.kv_cache_bytes},
          {"activations_bytes", d.activations_bytes},
          {"overhead_bytes", d.overhead_bytes},
          {"other_bytes", d.other_bytes},
          {"replicated_bytes", d.replicated_bytes},
          {"first_layer", d.first_layer},
          {"layers", d.layer_count},
          {"expert_layers", d.expert_layers},
          {"fits", d.fits}};
}

Json speed_json(const std::optional<SpeedEstimate>& speed) {
  if (!speed) {
    return nullptr;
  }
  const SpeedEstimate& s = *speed;
  return {{"decode_tokens_per_s", rounded(s.decode_tokens_per_s)},
          {"expected_decode_tokens_per_s", rounded(s.expected_decode_tokens_per_s)},
          {"expected_decode_low", rounded(s.expected_decode_low)},
          {"expected_decode_high", rounded(s.expected_decode_high)},
          {"expected_decode_average_tokens_per_s",
           rounded(s.expected_decode_average_tokens_per_s)},
          {"efficiency", rounded(s.efficiency)},
          // 0 means not estimated (a device without a compute figure): null, not a speed.
          {"prefill_tokens_per_s",
           s.prefill_tokens_per_s > 0 ? Json(rounded(s.prefill_tokens_per_s)) : Json(nullptr)},
          {"expected_prefill_tokens_per_s", s.expected_prefill_tokens_per_s > 0
                                                ? Json(rounded(s.expected_prefill_tokens_per_s))
                                                : Json(nullptr)},
          {"assumptions", s.assumptions},
          {"upper_bounds", "decode_tokens_per_s and prefill_tokens_per_s are ceilings"}};
}

Json pool_json(const Plan& plan) {
  if (!plan.kv_pool) {
    return nullptr;
  }
  const KvPool& pool = *plan.kv_pool;
  return {{"bytes", pool.bytes},
          {"tokens", pool.tokens},
          {"tokens_needed", plan.pool_tokens_needed},
          {"max_concurrency", rounded(pool.max_concurrency)},
          {"block_size", pool.block_size},
          {"bytes_per_token", pool.bytes_per_token}};
}

Json plan_json(const Plan& p, const ArgvContext& argv) {
  Json j;
  j["fits"] = p.fits;
  j["headroom_bytes"] = or_null(p.headroom_bytes);
  j["strategy"] = strategy_name(p.strategy);
  j["dtype"] = p.deployment.format.name;
  j["kv_dtype_k"] = std::string(p.deployment.workload.kv_key.name);
  j["kv_dtype_v"] = std::string(p.deployment.workload.kv_value.name);
  j["context"] = p.deployment.workload.context;
  j["batch"] = p.deployment.workload.batch;
  j["cards"] = total_cards(p.deployment);
  j["tensor_parallel"] = p.tensor_parallel;
  j["pipeline_parallel"] = p.pipeline_parallel;
  j["gpu_layers"] = p.gpu_layers;
  j["cpu_layers"] = p.cpu_layers;
  j["n_cpu_moe"] = p.n_cpu_moe;
  j["output_on_gpu"] = p.output_on_gpu;
  j["total_bytes"] = p.total_bytes;
  j["gpu_bytes"] = p.gpu_bytes;
  j["host_bytes"] = p.host_bytes;
  j["replicated_bytes"] = p.replicated_bytes;
  Json devices = Json::array();
  for (const auto& d : p.devices) {
    devices.push_back(device_json(d));
  }
  j["devices"] = devices;
  j["kv_pool"] = pool_json(p);
  j["speed"] = speed_json(p.speed);
  j["slowdown"] = p.slowdown ? Json(rounded(*p.slowdown)) : Json(nullptr);
  j["engine_flags"] = p.engine_flags.empty() ? Json(nullptr) : Json(p.engine_flags);
  j["argv"] = query_argv(argv, p.deployment);
  j["notes"] = p.notes;
  return j;
}

Json memory_json(const Report& report) {
  const Plan& p = report.plan;
  const MemoryEstimate& e = p.estimate;
  // The bands: each component's relative band, applied to the deployment's sum.
  const auto scaled = [](std::uint64_t sum, const Component& c, bool high) {
    if (c.bytes == 0) {
      return sum;
    }
    const double ratio =
        static_cast<double>(high ? c.high_bytes : c.low_bytes) / static_cast<double>(c.bytes);
    return static_cast<std::uint64_t>(std::llround(static_cast<double>(sum) * ratio));
  };
  const auto band = [&](bool high) {
    return scaled(p.weights_bytes, e.weights, high) + scaled(p.kv_cache_bytes, e.kv_cache, high) +
           scaled(p.activations_bytes, e.activations, high) +
           scaled(p.overhead_bytes, e.overhead, high) + p.other_bytes;
  };
  Json memory;
  memory["weights_bytes"] = p.weights_bytes;
  memory["kv_cache_bytes"] = p.kv_cache_bytes;
  memory["activations_bytes"] = p.activations_bytes;
  memory["overhead_bytes"] = p.overhead_bytes;
  memory["other_bytes"] = p.other_bytes;
  memory["total_bytes"] = p.total_bytes;
  memory["gpu_bytes"] = p.gpu_bytes;
  memory["host_bytes"] = p.host_bytes;
  memory["total_low_bytes"] = band(false);
  memory["total_high_bytes"] = band(true);
  memory["output_buffer_bytes"] = e.output_buffer.bytes;
  memory["host_weights_bytes"] = e.host_weight_bytes;
  memory["provenance"] = {{"weights", provenance_name(e.weights.provenance)},
                          {"kv_cache", provenance_name(e.kv_cache.provenance)},
                          {"activations", provenance_name(e.activations.provenance)},
                          {"overhead", provenance_name(e.overhead.provenance)},
                          {"output_buffer", provenance_name(e.output_buffer.provenance)}};
  memory["components"] = {{"weights", component_json(e.weights)},
                          {"kv_cache", component_json(e.kv_cache)},
                          {"activations", component_json(e.activations)},
                          {"overhead", component_json(e.overhead)},
                          {"output_buffer", component_json(e.output_buffer)}};
  Json attachments = Json::array();
  for (const PlacedAttachment& a : p.attachments) {
    const AttachmentMemory& m = a.memory;
    attachments.push_back({{"kind", attachment_kind_name(m.kind)},
                           {"name", m.name},
                           {"weights", component_json(m.weights)},
                           {"kv_cache", component_json(m.kv_cache)},
                           {"compute", component_json(m.compute)},
                           {"total_bytes", m.total_bytes()},
                           {"pool_kv_bytes_per_token", m.kv_bytes_per_token},
                           {"devices", a.devices}});
  }
  memory["attachments"] = attachments;
  return memory;
}

Json hardware_json(const Report& report) {
  const Deployment& d = report.request.deployment;
  Json gpus = Json::array();
  for (const GpuGroup& group : d.gpus) {
    std::uint64_t fullest = 0;
    for (const DevicePlan& device : report.plan.devices) {
      if (device.kind == DeviceKind::gpu && device.id == group.gpu.id) {
        fullest = std::max(fullest, device.used_bytes);
      }
    }
    gpus.push_back({{"id", group.gpu.id},
                    {"name", group.gpu.name},
                    {"usable_bytes", group.gpu.usable_bytes},
                    {"usable_source", usable_source_name(group.gpu.usable_source)},
                    {"count", group.count},
                    {"per_gpu_bytes", fullest}});
  }
  Json margin = nullptr;
  if (d.margin.percent > 0) {
    margin = {{"percent", d.margin.percent}};
  } else if (d.margin.bytes > 0) {
    margin = {{"bytes", d.margin.bytes}};
  }
  Json cpu = nullptr;
  if (d.cpu) {
    cpu = {{"id", d.cpu->id},
           {"name", d.cpu->name},
           {"bandwidth_gb_s", rounded(d.cpu->bandwidth_gb_s)}};
  }
  return {{"gpus", gpus},
          {"nodes", d.nodes},
          {"cards", total_cards(d)},
          {"cpu_only", d.cpu_only},
          {"cpu", cpu},
          {"ram_bytes", or_null(d.ram_bytes)},
          {"margin", margin}};
}

Json recommendation_json(const Recommendation& rec, const ArgvContext& argv) {
  return {{"kind", recommendation_kind_name(rec.kind)},
          {"note", rec.note},
          {"argv", query_argv(argv, rec.plan.deployment)},
          {"plan", plan_json(rec.plan, argv)}};
}

Json answer_json(const std::optional<SolveAnswer>& a, const char* unit, const ArgvContext& argv) {
  if (!a) {
    return nullptr;
  }
  Json j = {{"value", a->value},
            {"unit", unit},
            {"argv", query_argv(argv, a->plan.deployment)},
            {"plan", plan_json(a->plan, argv)},
            {"next_value", or_null(a->next_value)},
            {"next", a->next_plan ? plan_json(*a->next_plan, argv) : Json(nullptr)}};
  if (std::string(unit) == "tokens") {
    j["capped_at_trained_context"] = a->capped_at_trained_context;
  }
  return j;
}

Json solve_json(const Report& report, const ArgvContext& argv) {
  const Request& rq = report.request;
  Json solve;
  if (rq.solve_max_context) {
    solve["max_context"] = answer_json(report.max_context, "tokens", argv);
  }
  if (rq.solve_max_batch) {
    solve["max_batch"] = answer_json(report.max_batch, "sequences", argv);
  }
  if (rq.solve_min_gpus) {
    solve["min_gpus"] = answer_json(report.min_gpus, "cards", argv);
  }
  if (rq.ladder) {
    solve["best_dtype"] = report.best_dtype ? Json(*report.best_dtype) : Json(nullptr);
  }
  if (rq.solve_which_gpus) {
    Json gpus = Json::array();
    for (const auto& g : report.which_gpus) {
      gpus.push_back({{"id", g.gpu->id},
                      {"name", g.gpu->name},
                      {"count", g.count},
                      {"usable_bytes", g.gpu->usable_bytes},
                      {"per_gpu_bytes", g.per_gpu_bytes},
                      {"strategy", strategy_name(g.strategy)},
                      {"expected_decode_tokens_per_s",
                       g.expected_decode_tokens_per_s
                           ? Json(rounded(*g.expected_decode_tokens_per_s))
                           : Json(nullptr)},
                      {"cost_per_hour", g.cost_per_hour ? Json(*g.cost_per_hour) : Json(nullptr)},
                      {"currency", g.cost_per_hour ? Json(g.gpu->currency) : Json(nullptr)},
                      {"argv", query_argv(argv, deployment_of(g, report.request.deployment))}});
    }
    solve["gpus"] = gpus;
    solve["gpus_order"] = rq.gpu_order == GpuOrder::cost ? "cost" : "cards";
  }
  return solve;
}

Json optional_number(const std::optional<double>& value) {
  return value ? Json(*value) : Json(nullptr);
}

Json text_or_null(const std::string& text) {
  return text.empty() ? Json(nullptr) : Json(text);
}

// A card as a database entry (data/gpus.json's keys), then what its figures come to.
Json gpu_entry_json(const GpuSpec& gpu) {
  Json j;
  j["id"] = gpu.id;
  j["name"] = gpu.name;
  j["vendor"] = text_or_null(gpu.vendor);
  j["aliases"] = gpu.aliases;
  j["architecture"] = text_or_null(gpu.architecture);
  j["form"] = text_or_null(gpu.form);
  j["launch_year"] = gpu.launch_year ? Json(*gpu.launch_year) : Json(nullptr);
  j["memory_gb"] = static_cast<double>(gpu.memory_bytes) / static_cast<double>(k_gib);
  j["usable_mib"] = gpu.usable_source == UsableMemorySource::driver
                        ? Json(gpu.usable_bytes / k_mib)
                        : Json(nullptr);
  j["ecc_reserve"] = gpu.ecc_reserve;
  j["usable_fraction"] = optional_number(gpu.usable_fraction);
  j["memory_type"] = text_or_null(gpu.memory_type);
  j["bandwidth_gb_s"] = gpu.bandwidth_gb_s > 0 ? Json(gpu.bandwidth_gb_s) : Json(nullptr);
  j["fp16_tflops"] = optional_number(gpu.fp16_tflops);
  j["fp8_tflops"] = optional_number(gpu.fp8_tflops);
  j["int8_tops"] = optional_number(gpu.int8_tops);
  j["interconnect"] = text_or_null(gpu.interconnect);
  j["interconnect_gb_s"] =
      gpu.interconnect_gb_s > 0 ? Json(gpu.interconnect_gb_s) : Json(nullptr);
  j["pcie"] = text_or_null(gpu.pcie);
  j["native_formats"] = gpu.native_formats.empty() ? Json(nullptr) : Json(gpu.native_formats);
  j["price_per_hour"] = optional_number(gpu.price_per_hour);
  j["currency"] = text_or_null(gpu.currency);
  j["default_for"] = gpu.default_for;
  j["sources"] = gpu.sources;
  j["notes"] = gpu.notes;
  j["usable_bytes"] = gpu.usable_bytes;
  j["usable_source"] = usable_source_name(gpu.usable_source);
  j["origin"] = gpu.origin;
  return j;
}

}  // namespace

std::string render_json(const Report& report, const ArgvContext& argv) {
  const Request& request = report.request;
  const Plan& plan = report.plan;
  const MemoryEstimate& e = plan.estimate;
  Json doc;
  doc["schema_version"] = k_json_schema_version;
  doc["vramcalc_version"] = std::string(version());
  doc["model"] = model_json(request.model);
  const WeightFormat& format = report.format();
  doc["precision"] = {{"dtype", format.scheme == WeightScheme::as_stored
                                    ? request.model.stored_format
                                    : format.name},
                      {"as_stored", format.scheme == WeightScheme::as_stored},
                      {"bits_per_weight", plan_bits_per_weight(plan, request.model)},
                      {"kv_dtype_k", std::string(request.deployment.workload.kv_key.name)},
                      {"kv_dtype_v", std::string(request.deployment.workload.kv_value.name)}};
  doc["workload"] = {{"context", request.deployment.workload.context},
                     {"batch", request.deployment.workload.batch}};
  doc["engine"] = engine_json(e.engine);
  doc["memory"] = memory_json(report);
  doc["kv_pool"] = pool_json(plan);
  doc["hardware"] = hardware_json(report);
  doc["fits"] = report.has_hardware ? Json(plan.fits) : Json(nullptr);
  doc["headroom_bytes"] = report.has_hardware ? or_null(plan.headroom_bytes) : Json(nullptr);
  if (request.ladder) {
    Json ladder = Json::array();
    for (const auto& row : report.ladder) {
      ladder.push_back({{"dtype", row.dtype},
                        {"weights_bytes", row.plan.weights_bytes},
                        {"total_bytes", row.plan.total_bytes},
                        {"fits", report.has_hardware ? Json(row.plan.fits) : Json(nullptr)},
                        {"argv", query_argv(argv, row.plan.deployment)}});
    }
    doc["ladder"] = ladder;
  }
  Json recs = Json::array();
  for (const auto& rec : report.recommendations) {
    recs.push_back(recommendation_json(rec, argv));
  }
  doc["recommendations"] = recs;
  // A CPU-only plan is shown without --ram too: its devices and speed are known, its verdict not.
  if (report.has_hardware || request.deployment.cpu_only) {
    doc["plan"] = plan_json(plan, argv);
    Json alternatives = Json::array();
    for (const auto& alt : report.alternatives) {
      alternatives.push_back(plan_json(alt, argv));
    }
    doc["plan"]["alternatives"] = alternatives;
    doc["speed"] = speed_json(plan.speed);
    doc["engine_flags"] = plan.engine_flags.empty() ? Json(nullptr) : Json(plan.engine_flags);
  } else {
    doc["plan"] = nullptr;
    doc["speed"] = nullptr;
    doc["engine_flags"] = nullptr;
  }
  const Request& rq = report.request;
  if (rq.solve_max_context || rq.solve_max_batch || rq.solve_min_gpus || rq.solve_which_gpus ||
      rq.ladder) {
    doc["solve"] = solve_json(report, argv);
  }
  if (rq.plot) {
    Json points = Json::array();
    for (const auto& p : report.plot) {
      points.push_back({{"x", p.x}, {"per_gpu_bytes", p.per_gpu_bytes}, {"fits", p.fits}});
    }
    const DevicePlan* fullest = fullest_gpu(plan);
    doc["plot"] = {{"axis", *rq.plot},
                   {"capacity_bytes",
                    fullest != nullptr && fullest->capacity_bytes > 0
                        ? Json(fullest->capacity_bytes - std::min(fullest->capacity_bytes,
                                                                  fullest->margin_bytes))
                        : Json(nullptr)},
                   {"points", points}};
  }
  doc["notes"] = report.notes;
  return json_text(doc);
}

std::string render_gpus_json(const std::vector<const GpuSpec*>& gpus_listed) {
  // The database's own schema, so that the listing reads back as a --gpu-db file.
  Json doc;
  doc["schema_version"] = k_gpu_db_schema_version;
  Json gpus = Json::array();
  for (const GpuSpec* gpu : gpus_listed) {
    gpus.push_back(gpu_entry_json(*gpu));
  }
  doc["gpus"] = gpus;
  return json_text(doc);
}

}  // namespace vramcalc::cli
