// Hub repositories: references, the revision API's answer, quantization tags in GGUF file
// names, and which files of a repository make the model.
#include "catch.hpp"
#include "remote/hub_repo.hpp"
#include "remote/hub_select.hpp"
#include "safetensors_writer.hpp"
#include "vramcalc/error.hpp"

using namespace vramcalc;
using namespace vramcalc::remote;
using vramcalc::test::error_message;

namespace {

const std::string k_commit = "0123456789abcdef0123456789abcdef01234567";

HubRevision revision_of(const std::vector<std::string>& paths) {
  HubRevision revision;
  revision.commit = k_commit;
  for (const std::string& path : paths) {
    revision.files.push_back({path, 1'000'000'000});
  }
  return revision;
}

HubSelection select(const std::vector<std::string>& paths, const std::string& dtype = "",
                    const std::string& file = "") {
  return select_hub_files(revision_of(paths), "acme/m@main", file, dtype);
}

}  // namespace

TEST_CASE("hub references follow huggingface_hub's repo id rules") {
  CHECK(parse_hub_reference("meta-llama/Llama-3.1-8B-Instruct").repo ==
        "meta-llama/Llama-3.1-8B-Instruct");
  CHECK(parse_hub_reference("meta-llama/Llama-3.1-8B-Instruct").revision == "main");
  CHECK(parse_hub_reference("gpt2").repo == "gpt2");
  const HubReference pinned = parse_hub_reference("Qwen/Qwen2.5-7B@refs/pr/12");
  CHECK(pinned.repo == "Qwen/Qwen2.5-7B");
  CHECK(pinned.revision == "refs/pr/12");
  for (const char* bad : {"", "a/b/c", "acme/../etc", "acme/.hidden", "acme/x-", "-acme/x",
                          "acme/a--b", "acme/a b", "acme/x@", "acme/x@a b", "acme/",
                          "/x"}) {
    INFO(bad);
    CHECK_THROWS_AS(parse_hub_reference(bad), Error);
  }
  CHECK_THROWS_AS(parse_hub_reference("acme/" + std::string(97, 'a')), Error);
}

TEST_CASE("the revision listing is read strictly") {
  const std::string good = R"({"id":"acme/m","sha":")" + k_commit +
                           R"(","siblings":[{"rfilename":"b/x.gguf","size":12,)"
                           R"("lfs":{"size":12}},{"rfilename":"config.json"}]})";
  const HubRevision revision = parse_listing(good, "test");
  CHECK(revision.commit == k_commit);
  REQUIRE(revision.files.size() == 2);
  CHECK(revision.files[0].path == "b/x.gguf");  // sorted
  CHECK(revision.files[0].size == 12U);
  CHECK_FALSE(revision.files[1].size.has_value());
  const auto fails = [](const std::string& text) {
    return error_message([&] { (void)parse_listing(text, "test"); });
  };
  CHECK(fails("{not json").find("not JSON") != std::string::npos);
  CHECK(fails(R"({"sha":"abc","siblings":[]})").find("40 hexadecimal") != std::string::npos);
  CHECK(fails(R"({"sha":")" + k_commit + R"("})").find("no siblings") != std::string::npos);
  for (const char* path : {"../x", "/etc/passwd", "a/../b", "a//b", "a\\\\b", "./a", "a/"}) {
    INFO(path);
    CHECK(fails(R"({"sha":")" + k_commit + R"(","siblings":[{"rfilename":")" + path + "\"}]}")
              .find("file name") != std::string::npos);
  }
  CHECK(fails(std::string(100, '[')).find("nested") != std::string::npos);
}

TEST_CASE("quantization tags in GGUF file names") {
  CHECK(gguf_quant_tag("Llama-3.2-1B-Instruct-Q4_K_M.gguf") == "Q4_K_M");
  CHECK(gguf_quant_tag("qwen2.5-7b-instruct-q4_k_m-00001-of-00002.gguf") == "Q4_K_M");
  CHECK(gguf_quant_tag("Meta-Llama-3.1-8B-Instruct-IQ4_XS.gguf") == "IQ4_XS");
  CHECK(gguf_quant_tag("model.F16.gguf") == "F16");
  CHECK(gguf_quant_tag("Qwen3-30B-A3B-UD-Q4_K_XL.gguf") == "Q4_K_XL");  // not a llama ftype
  CHECK(gguf_quant_tag("Q8_0-but-really-BF16.gguf") == "BF16");        // the last one
  CHECK(gguf_quant_tag("model.gguf").empty());
}

TEST_CASE("which files of a repository make the model") {
  const std::vector<std::string> gguf_repo = {
      "README.md", "m-Q4_K_M.gguf", "m-Q8_0.gguf", "mmproj-m-F16.gguf",
      "Q2_K/m-Q2_K-00001-of-00002.gguf", "Q2_K/m-Q2_K-00002-of-00002.gguf"};
  const HubSelection q8 = select(gguf_repo, "q8_0");
  CHECK(q8.layout == HubLayout::gguf);
  CHECK(q8.file == "m-Q8_0.gguf");
  CHECK(q8.quant_tag == "Q8_0");
  CHECK(q8.dtype_picked_file);
  const HubSelection split = select(gguf_repo, "Q2_K");
  CHECK(split.folder == "Q2_K");
  CHECK(split.file == "m-Q2_K-00001-of-00002.gguf");
  const std::string several = error_message([&] { (void)select(gguf_repo); });
  CHECK(several.find("holds 3 GGUF models: Q2_K/m-Q2_K-00001-of-00002.gguf (Q2_K, 2 files, "
                     "2.00 GB), m-Q4_K_M.gguf (Q4_K_M, 1.00 GB), m-Q8_0.gguf (Q8_0, 1.00 GB)") !=
        std::string::npos);
  CHECK(error_message([&] { (void)select(gguf_repo, "fp16"); }).find("matches none") !=
        std::string::npos);
  CHECK(select({"m-F16.gguf", "m-Q4_0.gguf"}, "fp16").file == "m-F16.gguf");
  CHECK(select({"only-Q4_0.gguf", "mmproj.gguf"}).file == "only-Q4_0.gguf");

  const std::vector<std::string> st_repo = {"config.json", "model-00001-of-00002.safetensors",
                                            "model-00002-of-00002.safetensors",
                                            "model.safetensors.index.json", "original/x.pth"};
  CHECK(select(st_repo).layout == HubLayout::safetensors);
  const HubSelection converted = select(st_repo, "int4");
  CHECK(converted.layout == HubLayout::safetensors);  // converted after reading, as locally
  CHECK_FALSE(converted.dtype_picked_file);
  // Beside a checkpoint, a GGUF file is taken only when it matches.
  auto mixed = st_repo;
  mixed.push_back("gguf/m-Q4_K_M.gguf");
  CHECK(select(mixed, "q4_k_m").layout == HubLayout::gguf);
  CHECK(select(mixed, "int8").layout == HubLayout::safetensors);

  CHECK(select({"config.json", "README.md"}).layout == HubLayout::config);
  CHECK(error_message([&] { (void)select({"README.md"}); }).find("has no config.json and no")
        != std::string::npos);
  CHECK(error_message([&] { (void)select({"model.safetensors"}); })
            .find("has no config.json: the safetensors") != std::string::npos);
  const HubSelection named = select(gguf_repo, "q8_0", "m-Q4_K_M.gguf");
  CHECK(named.file == "m-Q4_K_M.gguf");
  CHECK_FALSE(named.dtype_picked_file);  // --dtype then converts, as for a local file
  CHECK(error_message([&] { (void)select(gguf_repo, "", "README.md"); })
            .find("not a model file") != std::string::npos);
}
