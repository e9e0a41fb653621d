// Header readers: a GGUF of ~1,000 tensors and a 150k-entry vocabulary, parsed from memory and
// from a sparse file whose tensor data would be ~8 GB. Reading a model's description must not
// depend on the size of its data.
#include <benchmark/benchmark.h>

#include <unistd.h>

#include <cstdio>
#include <string>

#include "gguf_shapes.hpp"
#include "gguf_writer.hpp"
#include "vramcalc/gguf.hpp"

namespace {

using namespace vramcalc;
using namespace vramcalc::test;

// A Llama-3-8B-like description: 32 blocks x 9 tensors + head = 291 tensors per 32 layers;
// 110 layers give ~1,000 tensors. Vocabulary of 150,000 tokens.
GgufFixture large_fixture() {
  GgufFixture f = small_model("llama", 110, 4096, k_ggml_q4_k);
  for (auto& kv : f.metadata) {
    if (kv.key == "tokenizer.ggml.tokens") {
      kv = kv_token_array("tokenizer.ggml.tokens", 150000);
    }
  }
  f.metadata.push_back(kv_u32("llama.vocab_size", 150000));
  return f;
}

// A sparse file on /tmp, written once per process, removed at exit.
struct SparseFile {
  std::string path = "/tmp/vramcalc-bench-" + std::to_string(::getpid()) + ".gguf";
  SparseFile() { write_gguf(path, large_fixture()); }
  ~SparseFile() { std::remove(path.c_str()); }
  SparseFile(const SparseFile&) = delete;
  SparseFile& operator=(const SparseFile&) = delete;
};

const std::string& sparse_file() {
  static const SparseFile file;
  return file.path;
}

void BM_GgufReadHeader(benchmark::State& state) {
  std::size_t tensors = 0;
  for (auto _ : state) {
    const GgufHeader header = read_gguf_header(sparse_file());
    tensors = header.tensors.size();
    benchmark::DoNotOptimize(tensors);
  }
  state.counters["tensors"] = static_cast<double>(tensors);
}
BENCHMARK(BM_GgufReadHeader)->Unit(benchmark::kMillisecond);

void BM_GgufLoadModelFromSparseFile(benchmark::State& state) {
  for (auto _ : state) {
    const ModelSpec model = load_gguf_model(sparse_file());
    benchmark::DoNotOptimize(model.total_params);
  }
  state.counters["file_GB"] = static_cast<double>(encode_gguf(large_fixture()).file_size) / 1e9;
}
BENCHMARK(BM_GgufLoadModelFromSparseFile)->Unit(benchmark::kMillisecond);

// Llama-3.1-8B Q4_K_M (bench/gguf_shapes.hpp): 291 tensors behind a 128,256-token vocabulary
// and 280,147 merges, read from a sparse file (in the page cache after the first iteration).
// The string arrays are walked inside the reader's window, never kept.
struct Llama8bFile {
  std::string path = "/tmp/vramcalc-bench-8b-" + std::to_string(::getpid()) + ".gguf";
  std::uint64_t header_bytes = 0;
  Llama8bFile() { header_bytes = write_gguf(path, bench::llama31_8b_q4_k_m()).data_start; }
  ~Llama8bFile() { std::remove(path.c_str()); }
  Llama8bFile(const Llama8bFile&) = delete;
  Llama8bFile& operator=(const Llama8bFile&) = delete;
};

const Llama8bFile& llama_8b_file() {
  static const Llama8bFile file;
  return file;
}

void BM_GgufReadHeaderLlama31_8B(benchmark::State& state) {
  const Llama8bFile& file = llama_8b_file();
  for (auto _ : state) {
    const GgufHeader header = read_gguf_header(file.path);
    benchmark::DoNotOptimize(header.tensors.size());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(file.header_bytes));
}
BENCHMARK(BM_GgufReadHeaderLlama31_8B)->Unit(benchmark::kMillisecond);

}  // namespace
