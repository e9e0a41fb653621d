// Local directories as a FileSet: file_set.hpp.
#include "io/file_set.hpp"

#include <algorithm>
#include <filesystem>
#include <system_error>

#include "vramcalc/error.hpp"

namespace vramcalc::io {

namespace {

namespace fs = std::filesystem;

class LocalFolder final : public FileSet {
 public:
  explicit LocalFolder(std::string folder) : m_folder(std::move(folder)) {}

  [[nodiscard]] std::vector<std::string> names() const override {
    std::vector<std::string> names;
    std::error_code error;
    const fs::path folder = m_folder.empty() ? fs::path(".") : fs::path(m_folder);
    for (fs::directory_iterator it(folder, error), end; !error && it != end;
         it.increment(error)) {
      std::error_code ignored;
      // Anything but a folder (following links, as opening does): a FIFO or a device among the
      // shards is then refused by name when opened rather than silently skipped.
      if (!it->is_directory(ignored)) {
        names.push_back(it->path().filename().string());
      }
    }
    if (error) {
      throw Error(ErrorKind::file, "cannot list '" + label() + "': " + error.message(),
                  "check the path and permissions");
    }
    std::sort(names.begin(), names.end());
    return names;
  }

  [[nodiscard]] bool has(const std::string& name) const override {
    // Present of whatever type: opening refuses a FIFO, a device or a directory with its own
    // message rather than "missing".
    std::error_code error;
    return fs::exists(fs::symlink_status(path_of(name), error));
  }

  [[nodiscard]] std::unique_ptr<ByteSource> open(const std::string& name) const override {
    return open_file(path_of(name));
  }

  [[nodiscard]] std::string path_of(const std::string& name) const override {
    return m_folder.empty() ? name : (fs::path(m_folder) / name).string();
  }

  [[nodiscard]] std::string label() const override {
    return m_folder.empty() ? std::string(".") : m_folder;
  }

 private:
  std::string m_folder;
};

}  // namespace

std::unique_ptr<FileSet> local_folder(const std::string& folder) {
  return std::make_unique<LocalFolder>(folder);
}

}  // namespace vramcalc::io
