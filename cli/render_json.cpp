#include <cmath>

#include <nlohmann/json.hpp>

#include "json_text.hpp"
#include "render.hpp"
#include "vramcalc/engine.hpp"
#include "vramcalc/version.hpp"

namespace vramcalc::cli {

namespace {

using Json = nlohmann::ordered_json;

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
  if (model.shape.assumed) {
    j["assumed_shape"] = {{"reference_model", model.shape.reference_model},
                          {"overridden", model.shape.overridden}};
  } else {
    j["assumed_shape"] = nullptr;
  }
  return j;
}

// Decimals rounded to 2 places: stable output, no float noise.
double rounded(double value) {
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

Json recommendation_json(const Recommendation& rec) {
  Json j;
  j["kind"] = recommendation_kind_name(rec.kind);
  switch (rec.kind) {
    case RecommendationKind::quantize:
      j["dtype"] = rec.dtype;
      j["total_bytes"] = rec.total_bytes;
      break;
    case RecommendationKind::offload:
      j["strategy"] = rec.strategy;
      j["gpu_layers"] = rec.gpu_layers;
      j["cpu_layers"] = rec.cpu_layers;
      j["n_cpu_moe"] = rec.n_cpu_moe;
      j["cpu_bytes"] = rec.cpu_bytes;
      j["gpu_bytes"] = rec.gpu_bytes;
      j["engine_flags"] = rec.engine_flags;
      break;
    case RecommendationKind::multi_gpu:
      j["count"] = rec.count;
      j["per_gpu_bytes"] = rec.per_gpu_bytes;
      break;
  }
  j["slowdown"] = rounded(rec.slowdown);
  j["note"] = rec.note;
  return j;
}

Json device_json(const DevicePlan& d) {
  return {{"kind", device_kind_name(d.kind)},
          {"id", d.id},
          {"name", d.name},
          {"capacity_bytes", d.capacity_bytes == 0 ? Json(nullptr) : Json(d.capacity_bytes)},
          {"used_bytes", d.used_bytes},
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

Json speed_json(const SpeedEstimate& s) {
  return {{"decode_tokens_per_s", rounded(s.decode_tokens_per_s)},
          {"expected_decode_tokens_per_s", rounded(s.expected_decode_tokens_per_s)},
          {"expected_decode_low", rounded(s.expected_decode_low)},
          {"expected_decode_high", rounded(s.expected_decode_high)},
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

Json plan_json(const Plan& p) {
  Json j;
  j["fits"] = p.fits;
  j["strategy"] = strategy_name(p.strategy);
  j["tensor_parallel"] = p.tensor_parallel;
  j["pipeline_parallel"] = p.pipeline_parallel;
  j["gpu_layers"] = p.gpu_layers;
  j["cpu_layers"] = p.cpu_layers;
  j["n_cpu_moe"] = p.n_cpu_moe;
  j["total_bytes"] = p.total_bytes;
  j["replicated_bytes"] = p.replicated_bytes;
  Json devices = Json::array();
  for (const auto& d : p.devices) {
    devices.push_back(device_json(d));
  }
  j["devices"] = devices;
  if (p.kv_pool) {
    j["kv_pool"] = {{"bytes", p.kv_pool->bytes},
                    {"tokens", p.kv_pool->tokens},
                    {"max_concurrency", rounded(p.kv_pool->max_concurrency)}};
  }
  j["speed"] = speed_json(p.speed);
  j["slowdown"] = rounded(p.slowdown);
  j["engine_flags"] = p.engine_flags;
  j["notes"] = p.notes;
  return j;
}

Json answer_json(const std::optional<SolveAnswer>& a, const char* unit) {
  if (!a) {
    return nullptr;
  }
  return {{"value", a->value},
          {"unit", unit},
          {"per_gpu_bytes", a->per_gpu_bytes},
          {"capacity_bytes", a->capacity_bytes},
          {"next_value", a->next_value == 0 ? Json(nullptr) : Json(a->next_value)},
          {"next_per_gpu_bytes", a->next_value == 0 ? Json(nullptr) : Json(a->next_per_gpu_bytes)}};
}

Json gpu_json(const GpuSpec& gpu) {
  Json j;
  j["id"] = gpu.id;
  j["name"] = gpu.name;
  j["vendor"] = gpu.vendor;
  j["aliases"] = gpu.aliases;
  j["memory_bytes"] = gpu.memory_bytes;
  j["usable_bytes"] = gpu.usable_bytes;
  j["usable_source"] = usable_source_name(gpu.usable_source);
  j["memory_type"] = gpu.memory_type;
  j["bandwidth_gb_s"] = gpu.bandwidth_gb_s;
  j["fp16_tflops"] = gpu.fp16_tflops ? Json(*gpu.fp16_tflops) : Json(nullptr);
  j["fp8_tflops"] = gpu.fp8_tflops ? Json(*gpu.fp8_tflops) : Json(nullptr);
  j["int8_tops"] = gpu.int8_tops ? Json(*gpu.int8_tops) : Json(nullptr);
  j["interconnect"] = gpu.interconnect;
  j["interconnect_gb_s"] = gpu.interconnect_gb_s;
  j["pcie"] = gpu.pcie;
  j["sources"] = gpu.sources;
  j["origin"] = gpu.origin;
  return j;
}

}  // namespace

std::string render_json(const Report& report) {
  const Request& request = report.request;
  const MemoryEstimate& e = report.estimate;
  Json doc;
  doc["schema_version"] = k_json_schema_version;
  doc["vramcalc_version"] = std::string(version());
  doc["model"] = model_json(request.model);
  doc["precision"] = {{"dtype", report.format.scheme == WeightScheme::as_stored
                                    ? request.model.stored_format
                                    : report.format.name},
                      {"as_stored", report.format.scheme == WeightScheme::as_stored},
                      {"bits_per_weight", bits_per_weight(report.estimate, request.model)},
                      {"kv_dtype_k", std::string(request.workload.kv_key.name)},
                      {"kv_dtype_v", std::string(request.workload.kv_value.name)}};
  doc["workload"] = {{"context", request.workload.context}, {"batch", request.workload.batch}};
  doc["engine"] = engine_json(e.engine);

  Json memory;
  memory["weights_bytes"] = e.weights.bytes;
  memory["kv_cache_bytes"] = e.kv_cache.bytes;
  memory["activations_bytes"] = e.activations.bytes;
  memory["overhead_bytes"] = e.overhead.bytes;
  memory["total_bytes"] = e.total_bytes;
  memory["total_low_bytes"] = e.total_low_bytes;
  memory["total_high_bytes"] = e.total_high_bytes;
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
  doc["memory"] = memory;
  if (e.kv_pool) {
    const KvPool& pool = *e.kv_pool;
    doc["kv_pool"] = {{"bytes", pool.bytes},
                      {"tokens", pool.tokens},
                      {"max_concurrency", std::round(pool.max_concurrency * 100.0) / 100.0},
                      {"block_size", pool.block_size},
                      {"bytes_per_token", pool.bytes_per_token},
                      {"tokens_needed", report.fit ? Json(report.fit->pool_tokens_needed)
                                                   : Json(nullptr)}};
  } else {
    doc["kv_pool"] = nullptr;
  }

  if (request.hardware) {
    Json card = gpu_json(request.hardware->gpu);
    Json gpu;
    gpu["id"] = card["id"];
    gpu["name"] = card["name"];
    gpu["usable_bytes"] = card["usable_bytes"];
    gpu["usable_source"] = card["usable_source"];
    gpu["count"] = request.hardware->count;
    gpu["per_gpu_bytes"] = report.fit->per_gpu_bytes;
    doc["hardware"] = {{"gpus", Json::array({gpu})}};
    doc["fits"] = report.fit->fits;
    doc["headroom_bytes"] = report.fit->headroom_bytes;
  } else {
    doc["hardware"] = {{"gpus", Json::array()}};
    doc["fits"] = nullptr;
    doc["headroom_bytes"] = nullptr;
  }
  if (request.ladder) {
    Json ladder = Json::array();
    for (const auto& row : report.ladder) {
      ladder.push_back({{"dtype", row.dtype},
                        {"weights_bytes", row.weights_bytes},
                        {"total_bytes", row.total_bytes},
                        {"fits", row.fits ? Json(*row.fits) : Json(nullptr)}});
    }
    doc["ladder"] = ladder;
  }
  Json recs = Json::array();
  for (const auto& rec : report.recommendations) {
    recs.push_back(recommendation_json(rec));
  }
  doc["recommendations"] = recs;
  if (report.plan) {
    doc["plan"] = plan_json(*report.plan);
    Json alternatives = Json::array();
    for (const auto& alt : report.alternatives) {
      alternatives.push_back(plan_json(alt));
    }
    doc["plan"]["alternatives"] = alternatives;
    doc["speed"] = speed_json(report.plan->speed);
    doc["engine_flags"] = report.plan->engine_flags;
  } else {
    doc["plan"] = nullptr;
    doc["speed"] = nullptr;
    doc["engine_flags"] = nullptr;
  }
  const Request& rq = report.request;
  if (rq.solve_max_context || rq.solve_max_batch || rq.solve_min_gpus || rq.solve_which_gpus ||
      rq.ladder) {
    Json solve;
    if (rq.solve_max_context) {
      solve["max_context"] = answer_json(report.max_context, "tokens");
    }
    if (rq.solve_max_batch) {
      solve["max_batch"] = answer_json(report.max_batch, "sequences");
    }
    if (rq.solve_min_gpus) {
      solve["min_gpus"] = answer_json(report.min_gpus, "cards");
    }
    if (rq.ladder) {
      solve["best_dtype"] = report.best_dtype ? Json(*report.best_dtype) : Json(nullptr);
    }
    if (rq.solve_which_gpus) {
      Json gpus = Json::array();
      for (const auto& g : report.which_gpus) {
        gpus.push_back({{"id", g.id},
                        {"name", g.name},
                        {"count", g.count},
                        {"usable_bytes", g.usable_bytes},
                        {"per_gpu_bytes", g.per_gpu_bytes},
                        {"strategy", g.strategy},
                        {"expected_decode_tokens_per_s", rounded(g.expected_decode_tokens_per_s)}});
      }
      solve["gpus"] = gpus;
    }
    doc["solve"] = solve;
  }
  if (rq.plot) {
    Json points = Json::array();
    for (const auto& p : report.plot) {
      points.push_back({{"x", p.x}, {"per_gpu_bytes", p.per_gpu_bytes}, {"fits", p.fits}});
    }
    doc["plot"] = {{"axis", *rq.plot},
                   {"capacity_bytes", report.fit ? report.fit->capacity_bytes : 0},
                   {"points", points}};
  }
  doc["notes"] = report.notes;
  return json_text(doc);
}

std::string render_gpus_json(const GpuDatabase& database) {
  Json doc;
  doc["schema_version"] = k_json_schema_version;
  Json gpus = Json::array();
  for (const auto& gpu : database.gpus()) {
    gpus.push_back(gpu_json(gpu));
  }
  doc["gpus"] = gpus;
  return json_text(doc);
}

}  // namespace vramcalc::cli
