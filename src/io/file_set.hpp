#pragma once
// The files of one folder, addressed by plain name: a local directory, or a folder of a remote
// repository. Readers of multi-file models (safetensors shards and their index, split GGUF
// files) find their siblings through this, so the same reader serves local and remote files.

#include <memory>
#include <string>
#include <vector>

#include "io/byte_source.hpp"

namespace vramcalc::io {

class FileSet {
 public:
  virtual ~FileSet() = default;
  FileSet() = default;
  FileSet(const FileSet&) = delete;
  FileSet& operator=(const FileSet&) = delete;

  /// Plain names (no folder) of the regular files in the folder, sorted. Throws
  /// vramcalc::Error (kind file) when the folder cannot be listed.
  [[nodiscard]] virtual std::vector<std::string> names() const = 0;
  /// Whether the folder holds a file of that name.
  [[nodiscard]] virtual bool has(const std::string& name) const = 0;
  /// Opens a file of the folder. Throws vramcalc::Error (kind file) when it cannot be read.
  [[nodiscard]] virtual std::unique_ptr<ByteSource> open(const std::string& name) const = 0;
  /// How messages name a file of the folder (a path, "ORG/REPO/name", a URL).
  [[nodiscard]] virtual std::string path_of(const std::string& name) const = 0;
  /// How messages name the folder itself.
  [[nodiscard]] virtual std::string label() const = 0;
};

/// The files of a local directory (`folder` may be empty: the current directory).
[[nodiscard]] std::unique_ptr<FileSet> local_folder(const std::string& folder);

}  // namespace vramcalc::io
