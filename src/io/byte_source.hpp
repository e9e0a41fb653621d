#pragma once
// Bounded random access to the bytes of a model file (or a buffer, for tests and fuzzing).
// Readers of GGUF and safetensors headers read only what they need through this, so a 100 GB
// file costs what a 1 MB one does, and every read is checked against the size first.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace vramcalc::io {

class ByteSource {
 public:
  virtual ~ByteSource() = default;
  ByteSource() = default;
  ByteSource(const ByteSource&) = delete;
  ByteSource& operator=(const ByteSource&) = delete;

  /// Total size in bytes.
  [[nodiscard]] virtual std::uint64_t size() const = 0;
  /// Copies `length` bytes at `offset` into `out`. Throws vramcalc::Error (kind file) naming
  /// the source and offset when the range runs past the end or the read fails.
  virtual void read(std::uint64_t offset, void* out, std::size_t length) const = 0;
  /// Name used in messages (the path, or "<memory>").
  [[nodiscard]] virtual const std::string& name() const = 0;
};

/// A file opened read-only; reads with pread, never maps or loads the whole file.
[[nodiscard]] std::unique_ptr<ByteSource> open_file(const std::string& path);

/// A view of bytes owned by the caller (which must outlive the source).
[[nodiscard]] std::unique_ptr<ByteSource> memory_source(std::string_view bytes,
                                                       std::string name = "<memory>");

}  // namespace vramcalc::io
