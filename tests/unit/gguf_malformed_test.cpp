// Malformed GGUF headers: each is rejected with a vramcalc::Error (kind file) whose message
// names the problem and its byte offset, key or tensor. Each case names the published bug
// it stands for: a llama.cpp CVE, GHSA, issue or PR (ggml-org/llama.cpp), a bug of another GGUF
// parser, or one of the handcrafted corruptions of llama.cpp's tests/test-gguf.cpp
// (HANDCRAFTED_HEADER_*, _KV_*, _TENSORS_*, _DATA_*; "test-gguf" below). Offsets below are
// worked by hand: the fixed header is 24 bytes (magic, version, two u64 counts); a key or
// name "k" takes 8 + 1 bytes; a 1-dimension tensor info is name, n_dims (4), dim (8), type (4),
// offset (8).
#include "catch.hpp"
#include "gguf/gguf_parser.hpp"
#include "gguf_writer.hpp"
#include "io/byte_source.hpp"
#include "vramcalc/error.hpp"
#include "vramcalc/gguf.hpp"

using namespace vramcalc;
using namespace vramcalc::test;

namespace {

// The message of the error parsing `bytes` raises; every rejection is a file error with a hint.
std::string error_of(const std::string& bytes) {
  try {
    (void)gguf::parse_header(*io::memory_source(bytes, "bad.gguf"));
  } catch (const Error& error) {
    CHECK(error.kind() == ErrorKind::file);
    CHECK_FALSE(error.hint().empty());
    return error.what();
  }
  return "(accepted)";
}

std::string error_of(const GgufFixture& fixture) {
  return error_of(gguf_file_bytes(fixture));
}

std::string start(std::uint32_t version, std::uint64_t n_tensors, std::uint64_t n_kv) {
  return "GGUF" + le32(version) + le64(n_tensors) + le64(n_kv);
}

// A file with one tensor "t" and no metadata.
GgufFixture one_tensor(std::vector<std::uint64_t> shape, std::uint32_t type = k_ggml_f32) {
  GgufFixture fixture;
  fixture.tensors.push_back({"t", std::move(shape), type, std::nullopt});
  return fixture;
}

}  // namespace

TEST_CASE("GGUF with a bad magic is rejected") {
  // test-gguf HANDCRAFTED_HEADER_BAD_MAGIC.
  CHECK(error_of("GGML" + le32(3) + le64(0) + le64(0)) ==
        "bad.gguf: not a GGUF file: magic 'GGML' at offset 0, 'GGUF' expected");
  CHECK(error_of(std::string("GG")) ==
        "bad.gguf: not a GGUF file: 2 bytes, too short for the magic at offset 0");
}

TEST_CASE("GGUF versions other than 2 and 3 are rejected") {
  // test-gguf BAD_VERSION_0 / BAD_VERSION_1 / BAD_VERSION_FUTURE; GGUF spec (ggml-org/ggml
  // docs/gguf.md, version history): v1 had 32-bit counts.
  CHECK(error_of(start(1, 0, 0)) ==
        "bad.gguf: GGUF version 1 at offset 4 is not supported (32-bit counts, pre-2023-10)");
  CHECK(error_of(start(0, 0, 0)) == "bad.gguf: unsupported GGUF version 0 at offset 4");
  CHECK(error_of(start(4, 0, 0)) == "bad.gguf: unsupported GGUF version 4 at offset 4");
}

TEST_CASE("byte-swapped (big-endian) GGUF is rejected") {
  // llama.cpp's gguf.cpp detects (version & 0xFFFF) == 0. Version 3 written big-endian.
  const std::string bytes = std::string("GGUF") + std::string("\0\0\0\3", 4) + le64(0) + le64(0);
  CHECK(error_of(bytes) ==
        "bad.gguf: byte-swapped (big-endian) GGUF file: version field 50331648 at offset 4");
}

TEST_CASE("GGUF tensor and metadata counts are capped") {
  // CVE-2024-21836 (n_tensors 0x1D1D... PoC) and CVE-2024-23605 (n_kv allocation wrap).
  CHECK(error_of(start(3, 0x1D1D1D1D1D1D1D1DULL, 0)) ==
        "bad.gguf: tensor count 2097865012304223517 at offset 8 exceeds the limit of 262144");
  CHECK(error_of(start(3, 0, 1ULL << 63)) ==
        "bad.gguf: metadata count 9223372036854775808 at offset 16 exceeds the limit of 65536");
}

TEST_CASE("GGUF counts must be backed by bytes in the file") {
  // gguf-py huntr PoCs: counts that loop past EOF. 1000 pairs need >= 14 bytes each, 10 tensor
  // infos >= 33 each: 14330 bytes, and 100 follow the 24-byte header.
  CHECK(error_of(start(3, 10, 1000) + std::string(100, '\0')) ==
        "bad.gguf: truncated: 1000 metadata pairs and 10 tensor infos (counts at offsets 16 and "
        "8) need at least 14330 bytes but only 100 remain");
}

TEST_CASE("GGUF string lengths are checked before allocating") {
  // CVE-2024-23496 (gguf_fread_str length) and tinygrad's read_str (huge length, tiny file).
  CHECK(error_of(start(3, 0, 1) + le64(1ULL << 40) + std::string(20, '\0')) ==
        "bad.gguf: metadata key #0 length 1099511627776 at offset 24 exceeds the limit of 65535 "
        "bytes");
  // Key "k" (24..33), type STRING (33..37), length 1000 at 37, 3 bytes of text at 45.
  CHECK(error_of(start(3, 0, 1) + gguf_string("k") + le32(k_type_string) + le64(1000) + "abc") ==
        "bad.gguf: truncated: metadata 'k' of 1000 bytes at offset 45 needs 1000 bytes but only "
        "3 remain (file size 48)");
  CHECK(error_of(start(3, 0, 1) + gguf_string("k") + le32(k_type_string) + le64((1ULL << 30) + 1) +
                 "abc") ==
        "bad.gguf: metadata 'k' length 1073741825 at offset 37 exceeds the limit of 1073741824 "
        "bytes");
}

TEST_CASE("GGUF metadata keys must be non-empty and unique") {
  // test-gguf KV_BAD_KEY_SIZE / DUPLICATE_KEY; PR #19856 (gguf-py duplicate keys).
  CHECK(error_of(start(3, 0, 1) + le64(0) + le32(k_type_uint32) + le32(1) + std::string(8, '\0')) ==
        "bad.gguf: metadata key #0 is empty at offset 24");
  GgufFixture duplicate;
  duplicate.metadata = {kv_u32("a", 1), kv_u32("a", 2)};  // each pair: 9 + 4 + 4 = 17 bytes
  CHECK(error_of(duplicate) ==
        "bad.gguf: duplicate metadata key 'a' at offset 41 (first at offset 24)");
}

TEST_CASE("GGUF metadata value types above 12 are rejected") {
  // test-gguf KV_BAD_TYPE; gguf.cpp (type read as 32 bits, >= 13 invalid: GGUF_TYPE_COUNT).
  CHECK(error_of(start(3, 0, 1) + gguf_string("k") + le32(13) + le32(0) + std::string(8, '\0')) ==
        "bad.gguf: metadata 'k' value type is 13 at offset 33; GGUF value types are 0..12");
  CHECK(error_of(start(3, 0, 1) + gguf_string("k") + le32(k_type_array) + le32(0xFFFFFFFFU) +
                 le64(0)) ==
        "bad.gguf: metadata 'k' element type is 4294967295 at offset 37; GGUF value types are "
        "0..12");
}

TEST_CASE("GGUF array sizes are checked against the bytes that remain") {
  // CVE-2024-21825 (array count x element size); PR #19856 (1 Gi element cap).
  // Key (24..33), type ARRAY (33..37), element type (37..41), count at 41, elements at 49.
  CHECK(error_of(start(3, 0, 1) + gguf_string("k") + le32(k_type_array) + le32(k_type_uint32) +
                 le64(1000)) ==
        "bad.gguf: truncated: metadata 'k': array of 1000 UINT32 elements at offset 49 needs "
        "4000 bytes but only 0 remain (file size 49)");
  CHECK(error_of(start(3, 0, 1) + gguf_string("k") + le32(k_type_array) + le32(k_type_string) +
                 le64(1ULL << 20) + std::string(64, '\0')) ==
        "bad.gguf: truncated: metadata 'k': array of 1048576 STRING elements at offset 49 needs "
        "8388608 bytes but only 64 remain (file size 113)");
  CHECK(error_of(start(3, 0, 1) + gguf_string("k") + le32(k_type_array) + le32(k_type_uint8) +
                 le64((1ULL << 30) + 1)) ==
        "bad.gguf: metadata 'k': array of 1073741825 elements at offset 41 exceeds the limit of "
        "1073741824");
}

TEST_CASE("GGUF arrays nested more than two deep are rejected") {
  // gguf-py RecursionError PoC (01data-ai nested arrays). ARRAY of ARRAY of ARRAY: the
  // innermost array's element type would be read at offset 61.
  const std::string nested = le32(k_type_array) + le32(k_type_array) + le64(1) +
                             le32(k_type_array) + le64(1) + le32(k_type_uint8) + le64(0);
  CHECK(error_of(start(3, 0, 1) + gguf_string("k") + nested + std::string(32, '\0')) ==
        "bad.gguf: metadata 'k'[][]: arrays nested more than 2 deep at offset 61");
}

TEST_CASE("general.alignment must be a UINT32 power of two of at most 1 MiB") {
  // PR #19856 (alignment not a power of 2); oss-sec 2026-05-15 V-01 (alignment 0x80000000);
  // test-gguf KV_BAD_ALIGN.
  GgufFixture wrong_type;
  wrong_type.metadata = {kv_u64("general.alignment", 64)};
  CHECK(error_of(wrong_type) ==
        "bad.gguf: general.alignment at offset 24 has type UINT64; UINT32 is required");
  GgufFixture odd;
  odd.metadata = {kv_u32("general.alignment", 48)};
  CHECK(error_of(odd) ==
        "bad.gguf: general.alignment at offset 24 is 48; a power of two up to 1048576 is "
        "required");
  GgufFixture huge;
  huge.metadata = {kv_u32("general.alignment", 0x80000000U)};
  CHECK(error_of(huge) ==
        "bad.gguf: general.alignment at offset 24 is 2147483648; a power of two up to 1048576 "
        "is required");
  GgufFixture zero;
  zero.metadata = {kv_u32("general.alignment", 0)};
  CHECK(error_of(zero) ==
        "bad.gguf: general.alignment at offset 24 is 0; a power of two up to 1048576 is "
        "required");
}

TEST_CASE("GGUF tensor names must be 1 to 63 bytes and unique") {
  // test-gguf TENSORS_BAD_NAME_SIZE / DUPLICATE_NAME (GGML_MAX_NAME = 64 with the NUL).
  GgufFixture long_name;
  long_name.tensors.push_back({std::string(64, 'a'), {32}, k_ggml_f32, std::nullopt});
  CHECK(error_of(long_name) ==
        "bad.gguf: tensor #0 name length 64 at offset 24 exceeds the limit of 63 bytes");
  GgufFixture empty_name;
  empty_name.tensors.push_back({"", {32}, k_ggml_f32, std::nullopt});
  CHECK(error_of(empty_name) == "bad.gguf: tensor #0 name is empty at offset 24");
  GgufFixture duplicate = one_tensor({32});
  duplicate.tensors.push_back({"t", {32}, k_ggml_f32, std::nullopt});  // infos are 33 bytes
  CHECK(error_of(duplicate) == "bad.gguf: duplicate tensor name 't' at offset 57");
}

TEST_CASE("GGUF tensors must have 1 to 4 dimensions") {
  // ggml PR #709 (n_dims > 4 overflowed ne[]), gguf-tools #25, gguf-py #25378.
  CHECK(error_of(one_tensor({1, 1, 1, 1, 1})) ==
        "bad.gguf: tensor 't' has 5 dimensions at offset 33; 1 to 4 are allowed (GGML_MAX_DIMS)");
  CHECK(error_of(one_tensor({})) ==
        "bad.gguf: tensor 't' has 0 dimensions at offset 33; 1 to 4 are allowed (GGML_MAX_DIMS)");
}

TEST_CASE("GGUF tensor dimensions must be between 1 and 2^63-1") {
  // Zhuxs div-by-zero PoC and safetensors-cpp's zero-product bypass (dimension 0);
  // CVE-2024-21802 (info->ne, negative as int64).
  CHECK(error_of(one_tensor({32, 0})) ==
        "bad.gguf: tensor 't' dimension 1 is 0 at offset 45; it must be between 1 and 2^63-1");
  CHECK(error_of(one_tensor({1ULL << 63})) ==
        "bad.gguf: tensor 't' dimension 0 is 9223372036854775808 at offset 37; it must be "
        "between 1 and 2^63-1");
}

TEST_CASE("GGUF tensor element counts may not overflow") {
  // llama.cpp issue #27203: ne = (INT64_MAX, 2) makes nelements negative; gguf-rs #15 and
  // gguf-py #25378: the u64 product of dimensions wraps (2^32 x 2^32 = 0).
  CHECK(error_of(one_tensor({0x7FFFFFFFFFFFFFFFULL, 2})) ==
        "bad.gguf: tensor 't' has more than 2^63-1 elements (dimension 1 = 2 at offset 45)");
  CHECK(error_of(one_tensor({1ULL << 32, 1ULL << 32})) ==
        "bad.gguf: tensor 't' has more than 2^63-1 elements (dimension 1 = 4294967296 at offset "
        "45)");
}

TEST_CASE("GGUF tensor byte sizes may not overflow") {
  // CVE-2026-33298: nelements x type_size wraps. 2^62 F32 elements are 2^64 bytes.
  // The type field of a 1-dimension tensor "t" is at 24 + 9 + 4 + 8 = 45.
  CHECK(error_of(one_tensor({1ULL << 62})) ==
        "bad.gguf: tensor 't' takes more than 2^64 bytes (type at offset 45)");
}

TEST_CASE("GGUF tensor types must be known ggml types") {
  // CVE-2024-42477-style / ctransformers huntr PoC: unchecked type indexes type_traits.
  CHECK(error_of(one_tensor({32}, 42)) ==
        "bad.gguf: tensor 't' has unknown ggml type 42 at offset 45");
  CHECK(error_of(one_tensor({32}, 0xFFFFFFFFU)) ==
        "bad.gguf: tensor 't' has unknown ggml type 4294967295 at offset 45");
  // Removed ids have blck_size 0 in ggml (ggml.c type_traits).
  CHECK(error_of(one_tensor({32}, 31)) ==
        "bad.gguf: tensor 't' has ggml type 31 (Q4_0_4_4), which ggml removed at offset 45");
}

TEST_CASE("GGUF tensor rows must hold whole blocks") {
  // gguf.cpp: ne[0] % blck_size == 0 (Ollama's division-by-zero advisory: zero dims/blocks).
  CHECK(error_of(one_tensor({100}, 12)) ==
        "bad.gguf: tensor 't' first dimension 100 is not a multiple of the Q4_K block of 256 "
        "elements (type at offset 45)");
}

TEST_CASE("GGUF tensor offsets must be aligned") {
  // test-gguf TENSORS_BAD_OFFSET / BAD_ALIGN. The offset field of "t" is at
  // 24 + 9 + 4 + 8 + 4 = 49.
  GgufFixture fixture = one_tensor({32});
  fixture.tensors[0].offset = 16;
  CHECK(error_of(fixture) ==
        "bad.gguf: tensor 't' data offset 16 at offset 49 is not a multiple of the alignment 32");
}

TEST_CASE("GGUF tensors may not overlap") {
  // QuintinShaw/openasr PR #73 (gaps/overlaps unchecked); gguf.cpp requires each offset to be
  // the padded end of the tensor before it.
  GgufFixture fixture;
  fixture.tensors.push_back({"a", {64}, k_ggml_f32, 0});    // [0, 256)
  fixture.tensors.push_back({"b", {64}, k_ggml_f32, 128});  // [128, 384)
  CHECK(error_of(fixture) ==
        "bad.gguf: tensors 'a' and 'b' overlap: data offset 128 lies inside [0, 256)");
}

TEST_CASE("GGUF tensor data must lie inside the file") {
  // CVE-2026-7482 "Bleeding Llama" (offset + size beyond the file); test-gguf DATA_NOT_ENOUGH_DATA.
  const GgufFixture fixture = small_model();
  const FixtureLayout layout = encode_gguf(fixture);
  std::string bytes = gguf_file_bytes(fixture);
  bytes.pop_back();
  CHECK(error_of(bytes) ==
        "bad.gguf: tensor 'output.weight' data (offset " + std::to_string(layout.offsets.back()) +
            ", " + std::to_string(layout.bytes.back()) + " bytes, from data start " +
            std::to_string(layout.data_start) + ") lies past the end of the file (" +
            std::to_string(layout.file_size - 1) + " bytes)");
}

TEST_CASE("GGUF tensor ends that wrap 64 bits are caught") {
  // CVE-2025-53630 (sizes whose sum wraps) and PR #24759 (GGML_PAD bypass: F32 ne0 =
  // SIZE_MAX / 4 gives nbytes = 2^64 - 4, which padding wrapped to 0).
  GgufFixture wrap_offset = one_tensor({32});
  wrap_offset.tensors[0].offset = 0xFFFFFFFFFFFFFFE0ULL;  // aligned to 32
  const FixtureLayout layout = encode_gguf(wrap_offset);
  CHECK(error_of(layout.header + std::string(4096, '\0')) ==
        "bad.gguf: tensor 't' data (offset 18446744073709551584, 128 bytes, from data start " +
            std::to_string(layout.data_start) + ") lies past the end of the file (" +
            std::to_string(layout.header.size() + 4096) + " bytes)");
  const GgufFixture pad_bypass = one_tensor({0x3FFFFFFFFFFFFFFFULL});
  const FixtureLayout pad_layout = encode_gguf(pad_bypass);
  CHECK(error_of(pad_layout.header + std::string(64, '\0')) ==
        "bad.gguf: tensor 't' data (offset 0, 18446744073709551612 bytes, from data start " +
            std::to_string(pad_layout.data_start) + ") lies past the end of the file (" +
            std::to_string(pad_layout.header.size() + 64) + " bytes)");
}

TEST_CASE("a GGUF header cut inside the tensor table is rejected") {
  // Truncation (llama-model-loader "corrupted or incomplete"): the last field of the table is
  // output.weight's 8-byte data offset; cut 4 bytes into it.
  const FixtureLayout layout = encode_gguf(small_model());
  const std::string cut = layout.header.substr(0, layout.header.size() - 4);
  CHECK(error_of(cut) == "bad.gguf: truncated: tensor 'output.weight' data offset at offset " +
                             std::to_string(layout.header.size() - 8) +
                             " needs 8 bytes but only 4 remain (file size " +
                             std::to_string(cut.size()) + ")");
}

TEST_CASE("GGUF headers larger than 1 GiB are rejected") {
  // Bounds the work a sparse file can cause (vramcalc caps parse time and memory): an
  // array of 2^30 bytes (within the array cap) starting at offset 49 ends past 1 GiB.
  const TempDir dir;
  const std::string path = dir.file("huge-header.gguf");
  write_sparse_file(path,
                    start(3, 0, 1) + gguf_string("k") + le32(k_type_array) + le32(k_type_uint8) +
                        le64(1ULL << 30),
                    2ULL << 30);
  try {
    (void)read_gguf_header(path);
    FAIL("expected an error");
  } catch (const Error& error) {
    CHECK(std::string(error.what()) ==
          path +
              ": metadata 'k': array of 1073741824 UINT8 elements at offset 49 takes the "
              "header past 134217728 bytes, more than any real model");
  }
}

TEST_CASE("names with odd bytes are escaped in GGUF errors") {
  GgufFixture duplicate;
  duplicate.metadata = {kv_u32(std::string("a\n\xff", 3), 1), kv_u32(std::string("a\n\xff", 3), 2)};
  CHECK(error_of(duplicate) ==
        "bad.gguf: duplicate metadata key 'a\\x0a\\xff' at offset 43 (first at offset 24)");
}

TEST_CASE("a missing GGUF file is a file error naming it") {
  try {
    (void)read_gguf_header("/nonexistent/model.gguf");
    FAIL("expected an error");
  } catch (const Error& error) {
    CHECK(error.kind() == ErrorKind::file);
    CHECK(std::string(error.what()).find("/nonexistent/model.gguf") != std::string::npos);
  }
}
