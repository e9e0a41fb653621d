// The accuracy gates (docs/accuracy.md): vramcalc's predictions against the measured rows kept
// in tests/data/validation/ and tests/data/gpu_truth/, judged on the held-out rows only; the
// split follows its rule; every row is gated or says why not; the README and docs print what
// the harness computes. `vramcalc_accuracy` prints the same comparison.
#include <fstream>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "accuracy.hpp"
#include "catch.hpp"
#include "run_cli.hpp"
#include "sha1.hpp"

using namespace vramcalc::test;

namespace {

std::string read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

nlohmann::json load(const std::string& relative) {
  std::ifstream in(test_data_dir() + "/" + relative);
  return nlohmann::json::parse(in);
}

}  // namespace

TEST_CASE("sha1 of known strings") {
  // FIPS 180-4 examples.
  CHECK(sha1_hex("abc") == "a9993e364706816aba3e25717850c26c9cd0d89d");
  CHECK(sha1_hex("") == "da39a3ee5e6b4b0d3255bfef95601890afd80709");
  CHECK(sha1_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
        "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
}

TEST_CASE("every row is held out or calibration by the SHA-1 rule") {
  // A single-source set splits by model: the pinned llama.cpp runs and the H200 runs.
  const struct {
    const char* file;
    const char* key;
  } sets[] = {{"validation/throughput.json", "source"},
              {"validation/published.json", "source"},
              {"validation/llamacpp_cpu_measured.json", "model_shape"},
              {"gpu_truth/transformers_h200.json", "model"}};
  std::size_t held = 0;
  std::size_t rows = 0;
  for (const auto& set : sets) {
    const nlohmann::json doc = load(set.file);
    for (const auto& row : doc["rows"]) {
      INFO(set.file << " " << row[set.key].get<std::string>());
      const bool rule = held_out_key(row[set.key].get<std::string>());
      CHECK(row["split"] == (rule ? "held_out" : "calibration"));
      held += rule ? 1U : 0U;
      ++rows;
    }
  }
  CHECK(rows >= 382);  // the rows kept when the split was recorded: none may go missing
  CHECK(held > rows / 4);
}

TEST_CASE("every row is gated or says why not") {
  for (const AccuracyRecord& r : accuracy_records()) {
    INFO(r.dataset << " | " << r.row << " | " << r.component);
    CHECK((r.gated || !r.reason.empty()));
  }
}

TEST_CASE("every claim made on five held-out rows or more holds") {
  for (const GateResult& g : evaluate_gates(accuracy_records())) {
    INFO(g.gate->name << ": " << g.gate->claim << "; " << g.within << "/" << g.rows
                      << " within, median " << g.median_abs_error << ", worst " << g.worst_row);
    if (g.claimed) {
      CHECK(g.holds);
    }
  }
}

TEST_CASE("the decode and memory claims rest on enough held-out rows") {
  const std::vector<GateResult> results = evaluate_gates(accuracy_records());
  CHECK(results.at(0).rows >= 30);   // decode
  CHECK(results.at(1).rows >= 300);  // every memory comparison
}

TEST_CASE("README and docs print the accuracy the harness computes") {
  const std::string source = VRAMCALC_SOURCE_DIR;
  const std::string readme = read(source + "/README.md");
  const std::string docs = read(source + "/docs/accuracy.md");
  INFO("run build/tests/vramcalc_accuracy --write and commit README.md and docs/accuracy.md");
  CHECK(generated_block(readme, "accuracy") == readme_accuracy_block());
  CHECK(generated_block(docs, "accuracy-gates") == docs_gates_block());
  CHECK(generated_block(docs, "accuracy-summary") == docs_summary_block());
  CHECK(generated_block(docs, "accuracy-constants") == docs_constants_block());
}
