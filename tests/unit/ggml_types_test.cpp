// ggml storage types: the table by id and by name, whole-block row sizes, tensor sizes.
// Expected sizes come from the block layouts in ggml-common.h, worked by hand below:
// https://github.com/ggml-org/llama.cpp/blob/01243c587feceaa5d6a6c2305535ef2f549c48b8/ggml/src/ggml-common.h
#include <limits>
#include <set>

#include "catch.hpp"
#include "vramcalc/error.hpp"
#include "vramcalc/ggml_types.hpp"

using namespace vramcalc;

TEST_CASE("ggml types by id carry ggml's block sizes") {
  const GgmlType* q4_k = ggml_type_by_id(12);
  REQUIRE(q4_k != nullptr);
  CHECK(q4_k->name == "Q4_K");
  CHECK(q4_k->block_elements == 256);
  CHECK(q4_k->block_bytes == 144);  // d,dmin (4) + scales[12] + qs[128]
  CHECK(ggml_type_by_id(0)->name == "F32");
  CHECK(ggml_type_by_id(1)->block_bytes == 2);
  CHECK(ggml_type_by_id(8)->block_bytes == 34);    // Q8_0: f16 d + 32 int8
  CHECK(ggml_type_by_id(9)->block_bytes == 36);    // Q8_1: ggml-common.h, not gguf-py's 40
  CHECK(ggml_type_by_id(14)->block_bytes == 210);  // Q6_K: 128 + 64 + 16 + 2
  CHECK(ggml_type_by_id(23)->block_bytes == 136);  // IQ4_XS
  CHECK(ggml_type_by_id(30)->name == "BF16");
  CHECK(ggml_type_by_id(39)->block_bytes == 17);  // MXFP4: E8M0 + 16 bytes of E2M1
  CHECK(ggml_type_by_id(40)->block_elements == 64);
  CHECK(ggml_type_by_id(41)->name == "Q1_0");
}

TEST_CASE("removed and unknown ggml type ids have no entry") {
  for (const std::uint32_t removed : {4U, 5U, 31U, 32U, 33U, 36U, 37U, 38U}) {
    CHECK(ggml_type_by_id(removed) == nullptr);
  }
  CHECK(ggml_type_by_id(42) == nullptr);
  CHECK(ggml_type_by_id(1000) == nullptr);
  CHECK(ggml_type_by_id(std::numeric_limits<std::uint32_t>::max()) == nullptr);
}

TEST_CASE("the ggml type table lists 34 types with unique ids and names") {
  std::set<std::uint32_t> ids;
  std::set<std::string_view> names;
  for (const GgmlType& type : ggml_types()) {
    ids.insert(type.id);
    names.insert(type.name);
    CHECK(type.block_elements > 0);
    CHECK(type.block_bytes > 0);
    CHECK(ggml_type_by_id(type.id) == &type);
  }
  CHECK(ggml_types().size() == 34);
  CHECK(ids.size() == 34);
  CHECK(names.size() == 34);
}

TEST_CASE("ggml types by name ignore case") {
  CHECK(ggml_type_by_name("q4_k")->id == 12);
  CHECK(ggml_type_by_name("Q8_0")->id == 8);
  CHECK(ggml_type_by_name("bf16")->id == 30);
  CHECK(ggml_type_by_name("Iq4_Xs")->id == 23);
  CHECK(ggml_type_by_name(" f16 ")->id == 1);
  CHECK(ggml_type_by_name("q4_0_4_4") == nullptr);  // removed
  CHECK(ggml_type_by_name("q4_k_m") == nullptr);    // a file type (mix), not a tensor type
  CHECK(ggml_type_by_name("") == nullptr);
}

TEST_CASE("bits per element of ggml types") {
  CHECK(ggml_bits_per_element(*ggml_type_by_name("q4_k")) == 4.5);
  CHECK(ggml_bits_per_element(*ggml_type_by_name("q6_k")) == 6.5625);
  CHECK(ggml_bits_per_element(*ggml_type_by_name("q8_0")) == 8.5);
  CHECK(ggml_bits_per_element(*ggml_type_by_name("iq4_xs")) == 4.25);
  CHECK(ggml_bits_per_element(*ggml_type_by_name("f32")) == 32.0);
}

TEST_CASE("row bytes count whole blocks") {
  CHECK(row_bytes(*ggml_type_by_name("q4_k"), 4096) == 16 * 144);
  CHECK(row_bytes(*ggml_type_by_name("q8_0"), 4096) == 128 * 34);
  CHECK(row_bytes(*ggml_type_by_name("f16"), 3) == 6);
  CHECK(row_bytes(*ggml_type_by_name("q1_0"), 256) == 2 * 18);
  CHECK(row_bytes(*ggml_type_by_name("q4_0"), 0) == 0);
}

TEST_CASE("row bytes reject a partial block") {
  try {
    (void)row_bytes(*ggml_type_by_name("q4_k"), 100);
    FAIL("expected an error");
  } catch (const Error& error) {
    CHECK(error.kind() == ErrorKind::input);
    CHECK(std::string(error.what()) ==
          "100 elements are not a whole number of Q4_K blocks (256 elements each)");
  }
}

TEST_CASE("row and tensor bytes reject overflow") {
  CHECK_THROWS_AS(row_bytes(*ggml_type_by_name("f64"), std::numeric_limits<std::uint64_t>::max()),
                  Error);
  const std::vector<std::uint64_t> huge = {1ULL << 32, 1ULL << 32};
  CHECK_THROWS_AS(tensor_bytes(*ggml_type_by_name("f32"), huge), Error);
  CHECK_THROWS_AS(tensor_bytes(*ggml_type_by_name("f32"), std::vector<std::uint64_t>{}), Error);
}

TEST_CASE("tensor bytes multiply the row by the outer dimensions") {
  // Llama-3.2-1B output in Q6_K: 2048 / 256 = 8 blocks x 210 = 1680 bytes a row, 128256 rows.
  const std::vector<std::uint64_t> output = {2048, 128256};
  CHECK(tensor_bytes(*ggml_type_by_name("q6_k"), output) == 215'470'080);
  // OLMoE experts in Q8_0: 2048 / 32 x 34 = 2176 bytes a row, 1024 x 64 rows.
  const std::vector<std::uint64_t> experts = {2048, 1024, 64};
  CHECK(tensor_bytes(*ggml_type_by_name("q8_0"), experts) == 2176ULL * 1024 * 64);
  CHECK(element_count(experts) == 2048ULL * 1024 * 64);
  CHECK(element_count(std::vector<std::uint64_t>{1ULL << 40, 1ULL << 40}) == std::nullopt);
}
