// Weight formats and KV types: names, aliases and byte costs.
#include "catch.hpp"
#include "vramcalc/dtype.hpp"

using namespace vramcalc;

TEST_CASE("weight formats and their aliases") {
  CHECK(find_weight_format("fp32")->bits == 32);
  CHECK(find_weight_format("float32")->name == "fp32");
  CHECK(find_weight_format("FP16")->name == "fp16");
  CHECK(find_weight_format("half")->name == "fp16");
  CHECK(find_weight_format("float16")->name == "fp16");
  CHECK(find_weight_format("bfloat16")->name == "bf16");
  CHECK(find_weight_format("e4m3")->name == "fp8");
  CHECK(find_weight_format("int8")->bits == 8);
  CHECK(find_weight_format("int4")->bits == 4);
  CHECK(find_weight_format("fp13") == nullptr);
  CHECK(find_weight_format("") == nullptr);
}

TEST_CASE("uniform weight bytes are parameters x bits / 8 and rounded up") {
  // The seed's table: 7B -> 28 / 14 / 7 / 3.5 GB for fp32 / fp16 / int8 / int4.
  CHECK(uniform_weight_bytes(*find_weight_format("fp32"), 7'000'000'000ULL) == 28'000'000'000ULL);
  CHECK(uniform_weight_bytes(*find_weight_format("fp16"), 7'000'000'000ULL) == 14'000'000'000ULL);
  CHECK(uniform_weight_bytes(*find_weight_format("int8"), 7'000'000'000ULL) == 7'000'000'000ULL);
  CHECK(uniform_weight_bytes(*find_weight_format("int4"), 7'000'000'000ULL) == 3'500'000'000ULL);
  CHECK(uniform_weight_bytes(*find_weight_format("int4"), 3) == 2);  // 1.5 bytes -> 2
}

TEST_CASE("KV types charge whole ggml blocks") {
  CHECK(find_kv_type("fp16")->name == "f16");
  CHECK(find_kv_type("float32")->name == "f32");
  CHECK(find_kv_type("e4m3")->name == "fp8");
  CHECK(find_kv_type("nope") == nullptr);
  // 1024 elements (8 kv heads x 128): f16 2048 bytes; q8_0 32 blocks x 34 = 1088; q4_0 x 18 = 576.
  CHECK(kv_row_bytes(*find_kv_type("f16"), 1024) == 2048);
  CHECK(kv_row_bytes(*find_kv_type("q8_0"), 1024) == 1088);
  CHECK(kv_row_bytes(*find_kv_type("q4_0"), 1024) == 576);
  CHECK(kv_row_bytes(*find_kv_type("fp8"), 1024) == 1024);
  CHECK(kv_row_bytes(*find_kv_type("f32"), 1024) == 4096);
  CHECK(default_kv_type().name == "f16");
}

TEST_CASE("near misses of format names suggest an accepted spelling") {
  CHECK(suggest_weight_format("q4km") == std::optional<std::string>("q4_k_m"));
  CHECK(suggest_weight_format("Q4-K-M") == std::optional<std::string>("q4_k_m"));
  CHECK(suggest_weight_format("q8") == std::optional<std::string>("q8_0"));
  CHECK(suggest_weight_format("q6kl") == std::optional<std::string>("q6_k_l"));
  CHECK(suggest_weight_format("udq4kxl") == std::optional<std::string>("ud-q4_k_xl"));
  CHECK(suggest_weight_format("bfloat") == std::optional<std::string>("bfloat16"));
  CHECK_FALSE(suggest_weight_format("zzzzzzzzzzzzzzzz").has_value());
  // Whatever is suggested is itself accepted.
  for (const char* typo : {"q4km", "q8", "fp61", "nf5", "gptq-int4-g48", "awq4", "exl2", "hqq4",
                           "q3kxl", "iq4xs", "int3", "bnb8bit", "mxfp", "autoround", "torchao"}) {
    INFO(typo);
    const auto suggestion = suggest_weight_format(typo);
    if (suggestion) {
      CHECK(find_weight_format(*suggestion) != nullptr);
    }
  }
}
