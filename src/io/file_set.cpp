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
      if (it->is_regular_file(ignored)) {  // follows links, as opening does
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
    std::error_code error;
    return fs::is_regular_file(path_of(name), error);
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
