// Writes the seed corpora of the safetensors fuzz targets from the fixture writer:
// <dir>/safetensors/ (whole files, safetensors_fuzz) and <dir>/safetensors_index/ (indexes,
// safetensors_index_fuzz). Hidden from normal runs; after changing the writer, the fixtures or
// the formats, run
//   VRAMCALC_FUZZ_SEED_DIR=fuzz/corpus ./build/tests/vramcalc_tests "fuzz seeds: write*"
// and commit the files (.ci/run seeds each fuzzer from fuzz/corpus/<target without _fuzz>/).
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "catch.hpp"
#include "run_cli.hpp"
#include "safetensors_models.hpp"
#include "safetensors_writer.hpp"

using namespace vramcalc::test;
using FixtureTensor = vramcalc::test::SafetensorsFixtureTensor;

namespace {

std::string file_of(const std::vector<FixtureTensor>& tensors,
                    const std::map<std::string, std::string>& metadata = {{"format", "pt"}}) {
  std::uint64_t data_bytes = 0;
  const std::string header = header_json(tensors, metadata, data_bytes);
  return safetensors_bytes(header, data_bytes);
}

}  // namespace

TEST_CASE("fuzz seeds: write the corpora of the header and index targets", "[.fuzz-seeds]") {
  namespace fs = std::filesystem;
  const char* dir = std::getenv("VRAMCALC_FUZZ_SEED_DIR");
  REQUIRE(dir != nullptr);
  const fs::path files = fs::path(dir) / "safetensors";
  const fs::path indexes = fs::path(dir) / "safetensors_index";
  // The folders also hold the minimised corpus grown by fuzz campaigns (issue 9): the seeds
  // are written over their own names, the grown files are left alone.
  fs::create_directories(files);
  fs::create_directories(indexes);
  const auto seed = [&](const char* name, const std::string& bytes) {
    write_file((files / name).string(), bytes);
  };

  // Valid checkpoints of each family and quantization scheme.
  seed("llama", file_of(small_llama(2)));
  seed("mixtral", file_of(small_mixtral()));
  seed("deepseek-fp8-mtp", file_of(small_deepseek()));
  seed("gpt2-buffers", file_of({{"wte.weight", "F32", {10, 8}},
                                {"wpe.weight", "F32", {4, 8}},
                                {"h.0.attn.bias", "F32", {1, 1, 4, 4}},
                                {"h.0.attn.c_attn.weight", "F32", {8, 24}},
                                {"h.0.attn.c_attn.bias", "F32", {24}},
                                {"h.3.mlp.c_proj.weight", "F32", {32, 8}},
                                {"ln_f.bias", "F32", {8}}}));
  seed("gptq", file_of({{"model.layers.0.self_attn.q_proj.qweight", "I32", {8, 32}},
                        {"model.layers.0.self_attn.q_proj.qzeros", "I32", {2, 4}},
                        {"model.layers.0.self_attn.q_proj.scales", "F16", {2, 32}},
                        {"model.layers.0.self_attn.q_proj.g_idx", "I32", {64}},
                        {"model.layers.1.mlp.down_proj.qweight", "I32", {64, 4}},
                        {"model.layers.1.mlp.down_proj.scales", "F16", {2, 32}}}));
  seed("bnb-nvfp4-mxfp4",
       file_of({{"model.layers.0.self_attn.q_proj.weight", "U8", {64, 1}},
                {"model.layers.0.self_attn.q_proj.weight.absmax", "F32", {2}},
                {"model.layers.0.self_attn.q_proj.weight.quant_state.bitsandbytes__nf4", "U8", {8}},
                {"model.layers.0.self_attn.o_proj.weight", "U8", {8, 4}},
                {"model.layers.0.self_attn.o_proj.weight_scale", "F8_E4M3", {8, 1}},
                {"model.layers.2.mlp.experts.gate_up_proj_blocks", "U8", {2, 4, 1, 16}},
                {"model.layers.2.mlp.experts.gate_up_proj_scales", "U8", {2, 4, 1}},
                {"model.layers.3.mlp.experts.3.down_proj.weight_packed", "I32", {4, 1}},
                {"model.layers.3.mlp.experts.0.up_proj.weight", "U32", {4, 1}},
                {"model.layers.3.mlp.experts.0.up_proj.scales", "BF16", {4, 1}},
                {"model.layers.3.mlp.experts.0.up_proj.biases", "BF16", {4, 1}}}));
  seed("dtypes", file_of({{"a", "F4", {2, 6}},
                          {"b", "F6_E2M3", {4}},
                          {"c", "F6_E3M2", {4}},
                          {"d", "BOOL", {3}},
                          {"e", "C64", {1}},
                          {"f", "F8_E8M0", {2}},
                          {"g", "F8_E5M2", {2}},
                          {"h", "U16", {1}},
                          {"i", "I64", {}},
                          {"j", "U64", {0, 3}}},
                         {}));
  seed("empty-object", safetensors_bytes("{}", 0));
  seed("null-metadata", safetensors_bytes("{\"__metadata__\":null}", 0));
  seed("extra-fields", safetensors_bytes("{\"t\":{\"dtype\":\"U8\",\"shape\":[3],\"data_offsets\""
                                         ":[0,3],\"x\":{\"y\":[1,2.5,true,null,\"s\"]}}}",
                                         3));

  // Malformed: one per rejection class of the header tests.
  seed("short-file", std::string(5, '\0'));
  seed("length-past-end", safetensors_bytes("{}", 0, 1000));
  seed("length-huge", safetensors_bytes("{}", 0, 0xFFFF'FFFF'FFFF'FFFFULL));
  seed("not-json", safetensors_bytes("{\"a\": nope}", 0));
  seed("not-utf8", safetensors_bytes("{\"a\xff\":{}}", 0));
  seed("root-list", safetensors_bytes("[1,2]", 0));
  const std::string w8 = tensor_entry("w", "F32", {2}, 0, 8);
  seed("duplicate-tensor", safetensors_bytes("{" + w8 + "," + w8 + "}", 8));
  seed("duplicate-field", safetensors_bytes("{\"w\":{\"dtype\":\"F32\",\"dtype\":\"F16\","
                                            "\"shape\":[1],\"data_offsets\":[0,4]}}",
                                            4));
  seed("metadata-number", safetensors_bytes("{\"__metadata__\":{\"total\":5}}", 0));
  seed("unknown-dtype", safetensors_bytes("{" + tensor_entry("w", "F9", {2}, 0, 2) + "}", 2));
  seed("negative-shape", safetensors_bytes("{\"w\":{\"dtype\":\"F32\",\"shape\":[2,-3],"
                                           "\"data_offsets\":[0,4]}}",
                                           4));
  seed("wrapping-shape",
       safetensors_bytes(
           "{" + tensor_entry("w", "F32", {4294967296ULL, 4294967296ULL}, 0, 0) + "}", 0));
  seed("one-offset", safetensors_bytes("{\"w\":{\"dtype\":\"U8\",\"shape\":[4],"
                                       "\"data_offsets\":[0]}}",
                                       4));
  seed("reversed-offsets", safetensors_bytes("{" + tensor_entry("w", "U8", {0}, 8, 4) + "}", 8));
  seed("size-mismatch",
       safetensors_bytes("{" + tensor_entry("w", "F32", {32, 8}, 0, 2048) + "}", 2048));
  seed("gap", safetensors_bytes("{" + tensor_entry("a", "U8", {8}, 0, 8) + "," +
                                    tensor_entry("b", "U8", {8}, 16, 24) + "}",
                                24));
  seed("overlap", safetensors_bytes("{" + tensor_entry("a", "U8", {16}, 0, 16) + "," +
                                        tensor_entry("b", "U8", {16}, 8, 24) + "}",
                                    24));
  seed("past-end", safetensors_bytes("{" + tensor_entry("a", "U8", {8}, 0, 8) + "," +
                                         tensor_entry("b", "U8", {8}, 8, 16) + "}",
                                     12));
  seed("trailing", safetensors_bytes("{" + tensor_entry("a", "U8", {8}, 0, 8) + "}", 20));
  seed("deep", safetensors_bytes("{\"w\":{\"x\":" + std::string(80, '[') +
                                     std::string(80, ']') + "}}",
                                 0));
  seed("misaligned-f4", safetensors_bytes("{" + tensor_entry("w", "F4", {3}, 0, 2) + "}", 2));
  seed("layer-past-model", file_of({{"model.layers.9.mlp.up_proj.weight", "BF16", {2}}}));

  // Indexes.
  const auto index = [&](const char* name, const std::string& text) {
    write_file((indexes / name).string(), text);
  };
  index("valid", index_json({{"model.embed_tokens.weight", "model-00001-of-00002.safetensors"},
                             {"lm_head.weight", "model-00002-of-00002.safetensors"}},
                            1234));
  index("duplicate", index_json({{"a", "x.safetensors"}, {"a", "y.safetensors"}}));
  index("parent", index_json({{"a", "../x.safetensors"}}));
  index("absolute", index_json({{"a", "/abs/x.safetensors"}}));
  index("backslash", index_json({{"a", "sub\\x.safetensors"}}));
  index("nul", index_json({{"a", std::string("x.safetensors") + '\0' + "/../y"}}));
  index("not-safetensors", index_json({{"a", "x.bin"}}));
  index("no-weight-map", "{\"metadata\": {\"total_size\": 5}}");
  index("weight-map-list", "{\"weight_map\": []}");
  index("metadata-extra", "{\"metadata\": {\"total_size\": 5.5, \"x\": {\"y\": [1]}}, "
                          "\"weight_map\": {\"a\": \"b.safetensors\"}, \"z\": null}");
  index("truncated", "{\"weight_map\": {\"a\": \"b.safe");
  CHECK(fs::exists(files / "llama"));
}
