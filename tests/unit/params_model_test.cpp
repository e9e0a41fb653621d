// A bare parameter count: nearest reference shape, overrides, parameter split.
#include "catch.hpp"
#include "vramcalc/error.hpp"
#include "vramcalc/params_model.hpp"

using namespace vramcalc;

TEST_CASE("the nearest reference model is chosen on a log scale") {
  CHECK(nearest_reference_shape(7'000'000'000ULL).model == "Llama-3.1-8B");
  CHECK(nearest_reference_shape(500'000'000ULL).model == "Qwen2.5-0.5B");
  CHECK(nearest_reference_shape(125'000ULL).model == "Qwen2.5-0.5B");
  CHECK(nearest_reference_shape(1'000'000'000ULL).model == "Llama-3.2-1B");
  CHECK(nearest_reference_shape(70'000'000'000ULL).model == "Llama-3.1-70B");
  CHECK(nearest_reference_shape(1'500'000'000'000ULL).model == "Llama-3.1-405B");
  // Between 14B and 32B the geometric midpoint is ~21.99B.
  CHECK(nearest_reference_shape(21'000'000'000ULL).model == "Qwen2.5-14B");
  CHECK(nearest_reference_shape(23'000'000'000ULL).model == "Qwen2.5-32B");
}

TEST_CASE("a parameter count takes the reference shape and says so") {
  const ModelSpec m = model_from_params(7'000'000'000ULL, {});
  CHECK(m.total_params == 7'000'000'000ULL);
  CHECK(m.layers.size() == 32);
  CHECK(m.hidden == 4096);
  CHECK(m.layers[0].n_head == 32);
  CHECK(m.layers[0].n_kv_head == 8);
  CHECK(m.layers[0].head_dim_k == 128);
  CHECK(m.vocab == 128256);
  CHECK(m.shape.assumed);
  CHECK(m.shape.reference_model == "Llama-3.1-8B");
  std::uint64_t sum = m.embedding_params + m.head_params;
  for (const auto& layer : m.layers) {
    sum += layer.params;
  }
  CHECK(sum == m.total_params);
}

TEST_CASE("overrides replace parts of the shape and head_dim follows hidden / heads") {
  ShapeOverrides o;
  o.hidden = 5120;
  o.heads = 40;
  const ModelSpec m = model_from_params(7'000'000'000ULL, o);
  CHECK(m.layers[0].head_dim_k == 128);
  CHECK(m.layers[0].n_kv_head == 8);
  CHECK(m.shape.overridden == std::vector<std::string>{"hidden", "heads"});
  ShapeOverrides explicit_dim;
  explicit_dim.head_dim = 96;
  CHECK(model_from_params(7'000'000'000ULL, explicit_dim).layers[0].head_dim_k == 96);
  ShapeOverrides mha;
  mha.kv_heads = 32;
  CHECK(model_from_params(7'000'000'000ULL, mha).layers[0].n_kv_head == 32);
}

TEST_CASE("inconsistent overrides are refused") {
  ShapeOverrides bad_groups;
  bad_groups.kv_heads = 5;  // 32 heads / 5
  CHECK_THROWS_AS(model_from_params(7'000'000'000ULL, bad_groups), Error);
  ShapeOverrides bad_hidden;
  bad_hidden.hidden = 4100;  // not divisible by 32 heads, no head-dim
  CHECK_THROWS_AS(model_from_params(7'000'000'000ULL, bad_hidden), Error);
  ShapeOverrides zero;
  zero.layers = 0;
  CHECK_THROWS_AS(model_from_params(7'000'000'000ULL, zero), Error);
  CHECK_THROWS_AS(model_from_params(0, {}), Error);
  CHECK_THROWS_AS(model_from_params(k_max_params + 1, {}), Error);
}

TEST_CASE("tiny counts keep embeddings to at most half the parameters") {
  const ModelSpec m = model_from_params(125'000ULL, {});
  CHECK(m.embedding_params + m.head_params <= 62'500ULL);
  std::uint64_t sum = m.embedding_params + m.head_params;
  for (const auto& layer : m.layers) {
    sum += layer.params;
  }
  CHECK(sum == 125'000ULL);
}
