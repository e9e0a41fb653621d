#include <cmath>

#include <nlohmann/json.hpp>

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
      j["gpu_layers"] = rec.gpu_layers;
      j["cpu_layers"] = rec.cpu_layers;
      j["cpu_bytes"] = rec.cpu_bytes;
      j["gpu_bytes"] = rec.gpu_bytes;
      break;
    case RecommendationKind::multi_gpu:
      j["count"] = rec.count;
      j["per_gpu_bytes"] = rec.per_gpu_bytes;
      break;
  }
  j["note"] = rec.note;
  return j;
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
  doc["notes"] = report.notes;
  return doc.dump(2) + "\n";
}

std::string render_gpus_json(const GpuDatabase& database) {
  Json doc;
  doc["schema_version"] = k_json_schema_version;
  Json gpus = Json::array();
  for (const auto& gpu : database.gpus()) {
    gpus.push_back(gpu_json(gpu));
  }
  doc["gpus"] = gpus;
  return doc.dump(2) + "\n";
}

}  // namespace vramcalc::cli
