// GGUF header reader: well-formed files of every value type, versions, alignment, which
// metadata is kept, and a 100 GB sparse file read from its header alone. Malformed files are
// in gguf_malformed_test.cpp.
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "catch.hpp"
#include "gguf/gguf_parser.hpp"
#include "gguf_writer.hpp"
#include "io/byte_source.hpp"
#include "vramcalc/error.hpp"
#include "vramcalc/gguf.hpp"

using namespace vramcalc;
using namespace vramcalc::test;

namespace {

GgufHeader parse(const std::string& bytes) {
  return gguf::parse_header(*io::memory_source(bytes, "test.gguf"));
}

const GgufTensor& tensor_named(const GgufHeader& header, std::string_view name) {
  for (const GgufTensor& tensor : header.tensors) {
    if (tensor.name == name) {
      return tensor;
    }
  }
  FAIL("no tensor " << name);
  throw std::logic_error("unreachable");
}

// Counts what a parser reads from a source.
class CountingSource final : public io::ByteSource {
 public:
  explicit CountingSource(std::unique_ptr<io::ByteSource> inner) : m_inner(std::move(inner)) {}
  [[nodiscard]] std::uint64_t size() const override { return m_inner->size(); }
  [[nodiscard]] const std::string& name() const override { return m_inner->name(); }
  void read(std::uint64_t offset, void* out, std::size_t length) const override {
    m_bytes += length;
    m_end = std::max<std::uint64_t>(m_end, offset + length);
    m_inner->read(offset, out, length);
  }
  [[nodiscard]] std::uint64_t bytes_read() const { return m_bytes; }
  [[nodiscard]] std::uint64_t furthest_byte() const { return m_end; }

 private:
  std::unique_ptr<io::ByteSource> m_inner;
  mutable std::uint64_t m_bytes = 0;
  mutable std::uint64_t m_end = 0;
};

}  // namespace

TEST_CASE("a small GGUF model parses from memory with its layout") {
  const GgufFixture fixture = small_model("llama", 2, 64, k_ggml_f16);
  const FixtureLayout layout = encode_gguf(fixture);
  const GgufHeader header = parse(gguf_file_bytes(fixture));
  CHECK(header.source == "test.gguf");
  CHECK(header.version == 3);
  CHECK(header.alignment == 32);
  CHECK(header.metadata.size() == 12);
  // token_embd + 9 per block + output_norm + output.
  CHECK(header.tensors.size() == 1 + 2 * 9 + 2);
  CHECK(header.tensor_info_end == layout.header.size());
  CHECK(header.data_start == (layout.header.size() + 31) / 32 * 32);
  CHECK(header.file_size == layout.file_size);
  CHECK(header.metadata[0].key == "general.architecture");
  CHECK(header.metadata[0].offset == 24);  // right after magic, version and the two counts

  // token_embd: 64 x 64 F16 = 8192 bytes at data offset 0; attn_norm: 64 F32 = 256 bytes
  // right after; attn_q: 64 x 64 F16 at 8192 + 256.
  const GgufTensor& embd = tensor_named(header, "token_embd.weight");
  CHECK(embd.offset == 0);
  CHECK(embd.bytes == 8192);
  CHECK(embd.elements == 4096);
  const GgufTensor& norm = tensor_named(header, "blk.0.attn_norm.weight");
  CHECK(norm.offset == 8192);
  CHECK(norm.bytes == 256);
  CHECK(norm.type_id == 0);
  const GgufTensor& q = tensor_named(header, "blk.0.attn_q.weight");
  CHECK(q.offset == 8448);
  CHECK(q.shape == std::vector<std::uint64_t>{64, 64});
  CHECK(q.type_id == 1);
  // attn_k: 64 x 32 (2 kv heads of 16) F16 = 4096 bytes.
  CHECK(tensor_named(header, "blk.1.attn_k.weight").bytes == 4096);
}

TEST_CASE("GGUF version 2 files parse like version 3") {
  GgufFixture fixture = small_model();
  fixture.version = 2;
  const GgufHeader header = parse(gguf_file_bytes(fixture));
  CHECK(header.version == 2);
  CHECK(header.tensors.size() == 21);
}

TEST_CASE("metadata values of every GGUF type are read") {
  GgufFixture fixture;
  fixture.metadata = {
      kv_u8("a.u8", 200),
      kv_raw("a.i8", k_type_int8, std::string(1, '\xfe')),  // -2
      kv_u16("a.u16", 65000),
      kv_raw("a.i16", k_type_int16, le16(0x8000)),  // -32768
      kv_u32("a.u32", 4000000000U),
      kv_i32("a.i32", -7),
      kv_f32("a.f32", 0.5F),
      kv_bool("a.bool", true),
      kv_raw("a.bool2", k_type_bool, std::string(1, '\x02')),  // llama.cpp: != 0 is true
      kv_str("a.str", "hello"),
      kv_u64("a.u64", 1ULL << 40),
      kv_i64("a.i64", -(1LL << 40)),
      kv_f64("a.f64", -2.25),
      kv_u32_array("a.arr_u32", {1, 2, 3}),
      kv_str_array("a.arr_str", {"x", "", "yz"}),
      kv_bool_array("a.arr_bool", {true, false}),
      kv_raw("a.nested", k_type_array,
             le32(k_type_array) + le64(2) + le32(k_type_uint32) + le64(1) + le32(7) +
                 le32(k_type_int32) + le64(2) + le32(static_cast<std::uint32_t>(-1)) + le32(5)),
  };
  const GgufHeader header = parse(gguf_file_bytes(fixture));
  REQUIRE(header.metadata.size() == 17);
  CHECK(find_metadata(header, "a.u8")->unsigned_values == std::vector<std::uint64_t>{200});
  CHECK(find_metadata(header, "a.i8")->signed_values == std::vector<std::int64_t>{-2});
  CHECK(gguf_uint(*find_metadata(header, "a.u16")) == 65000);
  CHECK(find_metadata(header, "a.i16")->signed_values == std::vector<std::int64_t>{-32768});
  CHECK(gguf_uint(*find_metadata(header, "a.u32")) == 4000000000U);
  CHECK(gguf_uint(*find_metadata(header, "a.i32")) == std::nullopt);  // negative
  CHECK(find_metadata(header, "a.i32")->signed_values == std::vector<std::int64_t>{-7});
  CHECK(find_metadata(header, "a.f32")->float_values == std::vector<double>{0.5});
  CHECK(find_metadata(header, "a.bool")->type == GgufValueType::boolean);
  CHECK(gguf_uint(*find_metadata(header, "a.bool")) == 1);
  CHECK(gguf_uint(*find_metadata(header, "a.bool2")) == 1);
  CHECK(gguf_string(*find_metadata(header, "a.str")) == "hello");
  CHECK(gguf_uint(*find_metadata(header, "a.u64")) == (1ULL << 40));
  CHECK(find_metadata(header, "a.i64")->signed_values == std::vector<std::int64_t>{-(1LL << 40)});
  CHECK(find_metadata(header, "a.f64")->float_values == std::vector<double>{-2.25});
  const GgufValue& arr = *find_metadata(header, "a.arr_u32");
  CHECK(arr.type == GgufValueType::array);
  CHECK(arr.element_type == GgufValueType::uint32);
  CHECK(arr.length == 3);
  CHECK(arr.kept);
  CHECK(arr.unsigned_values == std::vector<std::uint64_t>{1, 2, 3});
  CHECK(find_metadata(header, "a.arr_str")->string_values ==
        std::vector<std::string>{"x", "", "yz"});
  CHECK(find_metadata(header, "a.arr_bool")->unsigned_values == std::vector<std::uint64_t>{1, 0});
  const GgufValue& nested = *find_metadata(header, "a.nested");
  CHECK(nested.element_type == GgufValueType::array);
  REQUIRE(nested.array_values.size() == 2);
  CHECK(nested.array_values[0].unsigned_values == std::vector<std::uint64_t>{7});
  CHECK(nested.array_values[1].signed_values == std::vector<std::int64_t>{-1, 5});
  CHECK(find_metadata(header, "a.missing") == nullptr);
  CHECK(header.tensors.empty());
}

TEST_CASE("empty GGUF arrays and strings are read") {
  // Fuzz regression (gguf_fuzz, UBSan): a kept array of 0 fixed-size elements copied 0 bytes
  // into an empty vector's null data() with memcpy.
  GgufFixture fixture;
  fixture.metadata = {kv_zero_array("e", k_type_uint8, 0), kv_u32_array("f", {}),
                      kv_str_array("g", {}), kv_str("h", "")};
  const GgufHeader header = parse(gguf_file_bytes(fixture));
  CHECK(find_metadata(header, "e")->kept);
  CHECK(find_metadata(header, "e")->length == 0);
  CHECK(find_metadata(header, "f")->unsigned_values.empty());
  CHECK(find_metadata(header, "g")->length == 0);
  CHECK(gguf_string(*find_metadata(header, "h")) == "");
}

TEST_CASE("long GGUF arrays and strings keep only their length") {
  GgufFixture fixture;
  fixture.metadata = {
      kv_token_array("tokenizer.ggml.tokens", 70000),
      kv_zero_array("tokenizer.ggml.scores", k_type_float32, 70000),
      kv_zero_array("per_layer", k_type_uint32, k_gguf_max_kept_array_elements),
      kv_str("long", std::string(k_gguf_max_kept_string_bytes + 1, 'x')),
      kv_str("after", "still read"),
  };
  const GgufHeader header = parse(gguf_file_bytes(fixture));
  const GgufValue& tokens = *find_metadata(header, "tokenizer.ggml.tokens");
  CHECK(tokens.length == 70000);
  CHECK_FALSE(tokens.kept);
  CHECK(tokens.string_values.empty());
  CHECK_FALSE(find_metadata(header, "tokenizer.ggml.scores")->kept);
  CHECK(find_metadata(header, "tokenizer.ggml.scores")->length == 70000);
  const GgufValue& per_layer = *find_metadata(header, "per_layer");
  CHECK(per_layer.kept);
  CHECK(per_layer.unsigned_values.size() == k_gguf_max_kept_array_elements);
  CHECK_FALSE(find_metadata(header, "long")->kept);
  CHECK(gguf_string(*find_metadata(header, "long")) == std::nullopt);
  CHECK(gguf_string(*find_metadata(header, "after")) == "still read");
}

TEST_CASE("general.alignment sets where the GGUF data section starts") {
  GgufFixture fixture = small_model();
  fixture.metadata.push_back(kv_u32("general.alignment", 256));
  fixture.alignment = 256;
  const GgufHeader header = parse(gguf_file_bytes(fixture));
  CHECK(header.alignment == 256);
  CHECK(header.data_start % 256 == 0);
  CHECK(header.data_start >= header.tensor_info_end);
  CHECK(header.data_start - header.tensor_info_end < 256);
  for (const GgufTensor& tensor : header.tensors) {
    CHECK(tensor.offset % 256 == 0);
  }
}

TEST_CASE("a GGUF file with no tensors has its data section where its header ends") {
  GgufFixture fixture;
  fixture.metadata = {kv_str("general.architecture", "llama")};
  const std::string bytes = encode_gguf(fixture).header;  // not padded
  const GgufHeader header = parse(bytes);
  CHECK(header.tensors.empty());
  CHECK(header.tensor_info_end == bytes.size());
}

TEST_CASE("a 100 GB sparse GGUF is read from its header bytes alone") {
  // 90 blocks of width 8192 in F16: q and o 8192 x 8192 (128 MiB each), k and v 8192 x 4096
  // (64 MiB each), gate, up and down 8192 x 16384 (256 MiB each): 1152 MiB a block, 101.25 GiB
  // in all, plus embeddings and norms.
  const TempDir dir;
  const std::string path = dir.file("big.gguf");
  const GgufFixture fixture = small_model("llama", 90, 8192, k_ggml_f16);
  const FixtureLayout layout = write_gguf(path, fixture);
  REQUIRE(std::filesystem::file_size(path) > 100'000'000'000ULL);

  auto source = std::make_unique<CountingSource>(io::open_file(path));
  const CountingSource& counter = *source;
  const GgufHeader header = gguf::parse_header(counter);
  CHECK(header.tensors.size() == 1 + 90 * 9 + 2);
  CHECK(header.file_size == layout.file_size);
  // The reader reads ahead in 64 KiB windows: it may look at most that far past the header.
  constexpr std::uint64_t k_read_ahead = 64 * 1024;
  CHECK(counter.furthest_byte() <= header.tensor_info_end + k_read_ahead);
  CHECK(counter.bytes_read() <= header.tensor_info_end + k_read_ahead);
  CHECK(header.tensor_info_end < 200 * 1024);

  const ModelSpec model = load_gguf_model(path);
  const std::uint64_t block_bytes = 1152ULL * 1024 * 1024 + 2 * 8192 * 4;  // + two F32 norms
  const std::uint64_t outside = 2ULL * 8192 * 64 * 2 + 8192 * 4;  // embd, output, final norm
  std::uint64_t total = 0;
  for (const TensorInfo& tensor : model.tensors) {
    total += tensor.stored_bytes;
  }
  CHECK(total == 90 * block_bytes + outside);
  CHECK(model.layers.size() == 90);
}

namespace {

// The fuzz target's seed corpus: small whole files (tensor data included) that reach the
// reader's and the model builder's paths.
std::vector<std::pair<std::string, GgufFixture>> fuzz_seeds() {
  std::vector<std::pair<std::string, GgufFixture>> seeds;
  const auto save = [&](const std::string& name, const GgufFixture& fixture) {
    seeds.emplace_back(name, fixture);
  };
  const auto drop = [](GgufFixture& fixture, std::string_view key) {
    std::erase_if(fixture.metadata, [&](const FixtureKv& kv) { return kv.key == key; });
  };
  save("llama_q8_0.gguf", small_model("llama", 1, 32, k_ggml_q8_0));
  GgufFixture gemma = small_model("gemma2", 2, 32, k_ggml_f16);
  gemma.metadata.push_back(kv_u32("gemma2.attention.sliding_window", 16));
  save("gemma2_swa.gguf", gemma);
  GgufFixture v2 = small_model("qwen2", 1, 32, k_ggml_q8_0);
  v2.version = 2;
  save("qwen2_v2.gguf", v2);
  GgufFixture arrays = small_model("mimo2", 2, 32, k_ggml_q8_0);
  drop(arrays, "mimo2.feed_forward_length");
  arrays.metadata.push_back(kv_u32_array("mimo2.feed_forward_length", {64, 32}));
  arrays.metadata.push_back(kv_u32("mimo2.attention.sliding_window", 8));
  arrays.metadata.push_back(kv_bool_array("mimo2.attention.sliding_window_pattern", {true, false}));
  arrays.metadata.push_back(kv_u32("general.alignment", 64));
  arrays.alignment = 64;
  save("per_layer_arrays_align64.gguf", arrays);
  GgufFixture moe = small_model("olmoe", 1, 32, k_ggml_q8_0);
  moe.metadata.push_back(kv_u32("olmoe.expert_count", 4));
  moe.metadata.push_back(kv_u32("olmoe.expert_used_count", 2));
  moe.metadata.push_back(kv_u32("olmoe.expert_shared_count", 1));
  moe.tensors.push_back({"blk.0.ffn_gate_inp.weight", {32, 4}, k_ggml_f32, std::nullopt});
  moe.tensors.push_back({"blk.0.ffn_up_exps.weight", {32, 16, 4}, k_ggml_q8_0, std::nullopt});
  moe.tensors.push_back({"blk.0.ffn_down_exps.weight", {32, 32, 4}, k_ggml_q8_0, std::nullopt});
  moe.tensors.push_back({"blk.0.ffn_up_shexp.weight", {32, 16}, k_ggml_q8_0, std::nullopt});
  save("moe.gguf", moe);
  GgufFixture mla = small_model("deepseek2", 1, 32, k_ggml_q8_0);
  mla.metadata.push_back(kv_u32("deepseek2.attention.kv_lora_rank", 16));
  mla.metadata.push_back(kv_u32("deepseek2.attention.key_length_mla", 12));
  mla.metadata.push_back(kv_u32("deepseek2.attention.value_length_mla", 8));
  mla.metadata.push_back(kv_u32("deepseek2.rope.dimension_count", 4));
  save("mla.gguf", mla);
  GgufFixture hybrid = small_model("jamba", 2, 32, k_ggml_q8_0);
  drop(hybrid, "jamba.attention.head_count_kv");
  hybrid.metadata.push_back(kv_u32_array("jamba.attention.head_count_kv", {0, 2}));
  hybrid.metadata.push_back(kv_u32("jamba.ssm.conv_kernel", 4));
  hybrid.metadata.push_back(kv_u32("jamba.ssm.inner_size", 64));
  hybrid.metadata.push_back(kv_u32("jamba.ssm.state_size", 16));
  hybrid.tensors.push_back({"blk.0.ssm_conv1d.weight", {4, 64}, k_ggml_f32, std::nullopt});
  save("hybrid_ssm.gguf", hybrid);
  GgufFixture shard = small_model("llama", 1, 32, k_ggml_q8_0);
  shard.metadata.push_back(kv_u16("split.no", 0));
  shard.metadata.push_back(kv_u16("split.count", 1));
  shard.metadata.push_back(kv_i32("split.tensors.count", 11));
  save("split_keys.gguf", shard);
  GgufFixture types;
  types.metadata = {
      kv_u8("a", 1),
      kv_i64("b", -1),
      kv_f64("c", 1.5),
      kv_bool("d", true),
      kv_str_array("e", {"x", "y"}),
      kv_raw("f", k_type_array,
             le32(k_type_array) + le64(1) + le32(k_type_uint8) + le64(2) + std::string("\1\2"))};
  save("value_types.gguf", types);
  return seeds;
}

}  // namespace

TEST_CASE("GGUF fuzz seeds are well-formed files") {
  for (const auto& [name, fixture] : fuzz_seeds()) {
    INFO(name);
    const GgufHeader header = parse(gguf_file_bytes(fixture));
    if (find_metadata(header, "general.architecture") != nullptr) {
      CHECK(gguf_model(header).layers.size() >= 1);
    }
  }
}

// Writes the seeds: run with VRAMCALC_FUZZ_SEED_DIR=<folder> and the tag.
TEST_CASE("write GGUF fuzz seeds", "[.fuzz-seeds]") {
  const char* root = std::getenv("VRAMCALC_FUZZ_SEED_DIR");
  REQUIRE(root != nullptr);
  // fuzz/corpus/<target without _fuzz>/, the layout .ci/run seeds each fuzzer from.
  const std::filesystem::path dir = std::filesystem::path(root) / "gguf";
  std::filesystem::create_directories(dir);
  for (const auto& [name, fixture] : fuzz_seeds()) {
    std::ofstream(dir / name, std::ios::binary) << gguf_file_bytes(fixture);
  }
}
