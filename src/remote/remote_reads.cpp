// The remote files of one load, and FileSets over them: remote_reads.hpp.
#include "remote/remote_reads.hpp"

#include <algorithm>

#include "remote/url.hpp"

namespace vramcalc::remote {

namespace {

bool ends_with(std::string_view text, std::string_view tail) {
  return text.size() >= tail.size() && text.substr(text.size() - tail.size()) == tail;
}

// A reader's handle on a file RemoteReads keeps: the bytes outlive the reader.
class SharedSource final : public io::ByteSource {
 public:
  explicit SharedSource(const RemoteFile& file) : m_file(file) {}
  [[nodiscard]] std::uint64_t size() const override { return m_file.size(); }
  [[nodiscard]] const std::string& name() const override { return m_file.name(); }
  void read(std::uint64_t offset, void* out, std::size_t length) const override {
    m_file.read(offset, out, length);
  }

 private:
  const RemoteFile& m_file;
};

class HubFolder final : public io::FileSet {
 public:
  HubFolder(RemoteReads& reads, const HubReference& ref, const HubRevision& revision,
            std::string folder)
      : m_reads(reads), m_ref(ref), m_revision(revision), m_folder(std::move(folder)) {}

  [[nodiscard]] std::vector<std::string> names() const override {
    std::vector<std::string> names;
    const std::string prefix = m_folder.empty() ? "" : m_folder + "/";
    for (const HubFile& file : m_revision.files) {
      if (file.path.rfind(prefix, 0) == 0 &&
          file.path.find('/', prefix.size()) == std::string::npos) {
        names.push_back(file.path.substr(prefix.size()));
      }
    }
    return names;  // the listing is sorted by path, so these are sorted by name
  }
  [[nodiscard]] bool has(const std::string& name) const override {
    const std::string path = repo_path(name);
    return std::any_of(m_revision.files.begin(), m_revision.files.end(),
                       [&](const HubFile& file) { return file.path == path; });
  }
  [[nodiscard]] std::unique_ptr<io::ByteSource> open(const std::string& name) const override {
    return std::make_unique<SharedSource>(
        m_reads.hub_file(m_ref.repo, m_revision.commit, repo_path(name)));
  }
  [[nodiscard]] std::string path_of(const std::string& name) const override {
    return m_ref.repo + "/" + repo_path(name);
  }
  [[nodiscard]] std::string label() const override {
    return m_ref.repo + (m_folder.empty() ? "" : "/" + m_folder);
  }

 private:
  [[nodiscard]] std::string repo_path(const std::string& name) const {
    return m_folder.empty() ? name : m_folder + "/" + name;
  }

  RemoteReads& m_reads;
  const HubReference& m_ref;
  const HubRevision& m_revision;
  std::string m_folder;
};

class UrlFolder final : public io::FileSet {
 public:
  UrlFolder(RemoteReads& reads, std::string url, std::string name)
      : m_reads(reads), m_url(std::move(url)), m_name(std::move(name)),
        m_folder(url_folder(m_url)) {}

  [[nodiscard]] std::vector<std::string> names() const override { return {m_name}; }
  [[nodiscard]] bool has(const std::string& name) const override {
    try {
      (void)m_reads.url_file(url_of(name), path_of(name));
      return true;
    } catch (const Error&) {
      return false;  // not there, or not readable: the reader reports it as missing
    }
  }
  [[nodiscard]] std::unique_ptr<io::ByteSource> open(const std::string& name) const override {
    return std::make_unique<SharedSource>(m_reads.url_file(url_of(name), path_of(name)));
  }
  [[nodiscard]] std::string path_of(const std::string& name) const override {
    return display_url(url_of(name));
  }
  [[nodiscard]] std::string label() const override { return display_url(m_folder); }

 private:
  [[nodiscard]] std::string url_of(const std::string& name) const {
    return name == m_name ? m_url : m_folder + name;
  }

  RemoteReads& m_reads;
  std::string m_url;
  std::string m_name;
  std::string m_folder;
};

}  // namespace

RemoteReads::RemoteReads(HttpSession* http, const HeaderCache& cache,
                         const RemoteSettings& settings)
    : m_http(http), m_cache(cache), m_settings(settings) {}

const RemoteFile* RemoteReads::find(const std::string& key) const {
  for (const Opened& opened : m_opened) {
    if (opened.key == key) {
      return opened.file.get();
    }
  }
  return nullptr;
}

const RemoteFile& RemoteReads::hub_file(const std::string& repo, const std::string& commit,
                                        const std::string& path) {
  if (const RemoteFile* file = find(path)) {
    return *file;
  }
  RemoteFileSpec spec;
  spec.url = hub_file_url(m_settings, repo, commit, path);
  spec.name = repo + "/" + path;
  spec.label = path;
  spec.cached = m_cache.file(repo, commit, path);
  spec.context = {spec.name, repo, commit, path, &m_settings};
  m_opened.push_back({path, std::make_unique<RemoteFile>(m_http, std::move(spec),
                                                         m_settings.limits)});
  return *m_opened.back().file;
}

const RemoteFile& RemoteReads::url_file(const std::string& url, const std::string& name) {
  if (const RemoteFile* file = find(url)) {
    return *file;
  }
  RemoteFileSpec spec;
  spec.url = url;
  spec.name = name;
  spec.label = url_file_name(url);
  spec.context = {name, "", "", "", &m_settings};
  m_opened.push_back({url, std::make_unique<RemoteFile>(m_http, std::move(spec),
                                                        m_settings.limits)});
  return *m_opened.back().file;
}

void RemoteReads::save(const std::string& repo, const std::string& commit) const {
  for (const Opened& opened : m_opened) {
    if (opened.file->fetched()) {
      m_cache.save_file(repo, commit, opened.key, opened.file->size(), opened.file->extents());
    }
  }
}

RemoteRead RemoteReads::stats() const {
  RemoteRead read;
  read.offline = m_http == nullptr;
  if (m_http != nullptr) {
    read.bytes_downloaded = m_http->bytes_received();
    read.requests = m_http->requests();
  }
  for (const Opened& opened : m_opened) {
    read.files.push_back(opened.file->name());
    read.bytes_from_cache += opened.file->bytes_from_cache();
    const std::string name = url_file_name(opened.key).empty() ? opened.key
                                                                : url_file_name(opened.key);
    if (ends_with(name, ".gguf") || ends_with(name, ".safetensors")) {
      read.weight_file_bytes += opened.file->size();
    }
  }
  return read;
}

std::unique_ptr<io::FileSet> hub_folder(RemoteReads& reads, const HubReference& ref,
                                        const HubRevision& revision, const std::string& folder) {
  return std::make_unique<HubFolder>(reads, ref, revision, folder);
}

std::unique_ptr<io::FileSet> url_folder_files(RemoteReads& reads, const std::string& url,
                                              const std::string& name) {
  return std::make_unique<UrlFolder>(reads, url, name);
}

}  // namespace vramcalc::remote
