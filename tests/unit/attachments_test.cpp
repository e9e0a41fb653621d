// What is served beside the language model: projector, draft model, LoRA (attachments.hpp),
// against hand-worked figures and published measurements.
#include <memory>

#include "catch.hpp"
#include "gguf_writer.hpp"
#include "vramcalc/attachments.hpp"
#include "vramcalc/catalog.hpp"
#include "vramcalc/plan.hpp"
#include "vramcalc/quantization.hpp"

using namespace vramcalc;

namespace {

// Gemma 3's SigLIP encoder as its config.json (and mmproj file) describe it: 896 px images in
// 14 px patches, width 1152, MLP 4304, 16 heads, 27 blocks
// (https://huggingface.co/google/gemma-3-12b-it/blob/main/config.json, vision_config).
ProjectorSpec gemma3_projector() {
  ProjectorSpec p;
  p.source = "mmproj-gemma3.gguf";
  p.weight_bytes = 854'200'000;
  p.weights_exact = true;
  p.tower.hidden = 1152;
  p.tower.ffn = 4304;
  p.tower.heads = 16;
  p.tower.layers = 27;
  p.tower.patch_size = 14;
  p.tower.image_size = 896;
  p.image_tokens = 4096;  // (896 / 14)^2
  return p;
}

const AttachmentMemory& only(const std::vector<AttachmentMemory>& all) {
  REQUIRE(all.size() == 1);
  return all.front();
}

constexpr double k_mib = 1024.0 * 1024.0;

}  // namespace

TEST_CASE("projector compute: llama.cpp's clip graph for one gemma3 image") {
  Attachments a;
  a.projector = gemma3_projector();
  const ModelSpec base = catalog_model("gemma-3-12b");
  Workload w;
  EngineSettings flash;
  flash.kind = EngineKind::llama_cpp;
  flash.flash_attn = FlashAttention::on;
  EngineSettings plain = flash;
  plain.flash_attn = FlashAttention::off;
  // Flash attention: 4096 x (4304 + 3 x 1152) x 4 B = 127,139,840 B.
  const AttachmentMemory on = only(attachment_memory(a, base, w, flash));
  CHECK(on.compute.bytes == 127'139'840ULL);
  // Without: + 16 heads x 4096^2 x 4 B = 1,073,741,824 B more.
  const AttachmentMemory off = only(attachment_memory(a, base, w, plain));
  CHECK(off.compute.bytes == 127'139'840ULL + 1'073'741'824ULL);
  // llama.cpp's own report for gemma3 on an MI300X: 121 MiB with flash attention, 1132 MiB
  // without (https://github.com/gpustack/gguf-parser-go/issues/44): within 2%.
  CHECK(static_cast<double>(on.compute.bytes) / k_mib == Approx(121.0).epsilon(0.02));
  CHECK(static_cast<double>(off.compute.bytes) / k_mib == Approx(1132.0).epsilon(0.02));
  // The weights are the file's, exactly; an encoder keeps no KV cache.
  CHECK(on.weights.bytes == 854'200'000ULL);
  CHECK(on.weights.provenance == Provenance::exact);
  CHECK(on.kv_cache.bytes == 0);
  // Other engines run the encoder in 16 bits with fused attention: half, with no T^2 term.
  EngineSettings vllm;
  vllm.kind = EngineKind::vllm;
  CHECK(only(attachment_memory(a, base, w, vllm)).compute.bytes == 127'139'840ULL / 2);
}

TEST_CASE("vision tower parameters: gemma3's SigLIP encoder and projector") {
  VisionTower t = gemma3_projector().tower;
  t.out_hidden = 3840;
  // Block: 4 h^2 + 4 h (q, k, v, o and biases) + 2 h f + h + f (fc1, fc2 and biases) + 4 h
  // (two LayerNorms) = 5,308,416 + 4,608 + 9,916,416 + 5,456 + 4,608 = 15,239,504; x 27 =
  // 411,466,608. Patch embedding 3 x 14^2 x 1152 + 1152 = 678,528; positions 64^2 x 1152 =
  // 4,718,592; post-norm 2,304; projection 1152 x 3840 + 3840 = 4,427,520. Sum 421,293,552 —
  // with the text model's 11,766,034,176 that is 12,187,327,728, the released checkpoint's
  // 12.19B parameters.
  CHECK(vision_tower_params(t) == 421'293'552ULL);
  ModelSpec model = catalog_model("gemma-3-12b");
  REQUIRE(model.vision.has_value());
  const auto projector = config_projector(model);
  REQUIRE(projector.has_value());
  CHECK(projector->weight_bytes == 2 * 421'293'552ULL);
  CHECK(projector->image_tokens == 4096);
  CHECK_FALSE(projector->weights_exact);
}

TEST_CASE("read_mmproj: an mmproj GGUF's tensors and clip.vision keys") {
  test::TempDir dir;
  test::GgufFixture f;
  f.metadata = {test::kv_str("general.architecture", "clip"),
                test::kv_u32("clip.vision.embedding_length", 1152),
                test::kv_u32("clip.vision.feed_forward_length", 4304),
                test::kv_u32("clip.vision.attention.head_count", 16),
                test::kv_u32("clip.vision.block_count", 27),
                test::kv_u32("clip.vision.patch_size", 14),
                test::kv_u32("clip.vision.image_size", 896)};
  f.tensors = {{"v.patch_embd.weight", {14, 14, 3, 1152}, test::k_ggml_f16, {}},
               {"v.blk.0.attn_q.weight", {1152, 1152}, test::k_ggml_f16, {}},
               {"v.blk.0.ffn_up.weight", {1152, 4304}, test::k_ggml_f16, {}}};
  const std::string path = dir.file("mmproj.gguf");
  test::write_gguf(path, f);
  const ProjectorSpec p = read_mmproj(path);
  // 14 x 14 x 3 x 1152 + 1152^2 + 1152 x 4304 elements at 2 bytes.
  CHECK(p.weight_bytes == 2ULL * (677'376 + 1'327'104 + 4'958'208));
  CHECK(p.weights_exact);
  CHECK(p.tower.hidden == 1152);
  CHECK(p.image_tokens == 4096);
  // A GGUF that is not a projector is refused by name.
  const std::string model_path = dir.file("model.gguf");
  test::write_gguf(model_path, test::small_model());
  CHECK_THROWS_WITH(read_mmproj(model_path), Catch::Contains("not a vision projector"));
}

TEST_CASE("LoRA: rank x (in + out) of every attention and MLP projection") {
  const ModelSpec base = catalog_model("llama-3.1-8b");
  Attachments a;
  a.lora = LoraSpec{};
  a.lora->rank = 64;
  a.lora->max_loras = 4;
  EngineSettings vllm;
  vllm.kind = EngineKind::vllm;
  // Per layer and rank: q 4096 + 4096, k 4096 + 1024, v 4096 + 1024, o 4096 + 4096, gate and
  // up 4096 + 14336 each, down 14336 + 4096 = 81,920; x 32 layers x rank 64 x 2 B x 4 slots.
  const AttachmentMemory m = only(attachment_memory(a, base, Workload{}, vllm));
  CHECK(m.weights.bytes == 81'920ULL * 32 * 64 * 2 * 4);
  CHECK(m.weights.bytes == 1'342'177'280ULL);
  a.lora->rank = 8192;  // above the model's width
  CHECK_THROWS_WITH(attachment_memory(a, base, Workload{}, vllm),
                    Catch::Contains("above the model's width"));
}

TEST_CASE("draft model: its own KV under llama.cpp and a share of every pooled token under vLLM") {
  const ModelSpec target = catalog_model("llama-3.1-8b");
  Attachments a;
  DraftSpec draft;
  draft.model = std::make_shared<const ModelSpec>(catalog_model("llama-3.2-1b"));
  draft.format = *find_weight_format("bf16");
  draft.source = "llama-3.2-1b";
  a.draft = draft;
  Workload w;
  w.context = 4096;
  EngineSettings llama;
  llama.kind = EngineKind::llama_cpp;
  const AttachmentMemory own = only(attachment_memory(a, target, w, llama));
  // 16 layers x 8 KV heads x 64 x (K + V) x 2 B = 32,768 B per token; 4096 tokens.
  CHECK(own.kv_cache.bytes == 32'768ULL * 4096);
  CHECK(own.weights.bytes == 2'471'628'800ULL);  // 1,235,814,400 parameters x 2 B
  EngineSettings vllm;
  vllm.kind = EngineKind::vllm;
  const AttachmentMemory pooled = only(attachment_memory(a, target, w, vllm));
  CHECK(pooled.kv_cache.bytes == 0);
  CHECK(pooled.kv_bytes_per_token == 32'768ULL);
  // Placed: the pool's tokens carry the draft's bytes, so it holds fewer of them.
  Deployment d;
  d.format = *find_weight_format("bf16");
  d.workload = w;
  d.options.engine = vllm;
  d.gpus = {GpuGroup{custom_gpu(80ULL << 30), 1}};
  const Planner planner(target);
  const Plan alone = planner.plan(d);
  d.attachments = a;
  const Plan with = planner.plan(d);
  REQUIRE(alone.kv_pool.has_value());
  REQUIRE(with.kv_pool.has_value());
  CHECK(with.kv_pool->bytes_per_token == alone.kv_pool->bytes_per_token + 32'768ULL);
  CHECK(with.kv_pool->tokens < alone.kv_pool->tokens);
  CHECK(with.weights_bytes == alone.weights_bytes + own.weights.bytes);
  REQUIRE(with.attachments.size() == 1);
  CHECK(with.attachments.front().devices == std::vector<std::string>{"custom"});
}
