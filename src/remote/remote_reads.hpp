#pragma once
// The remote files of one load (internal): opened once each, shared by the readers through
// FileSets (a Hub repository folder at a commit, or the folder of a URL), and afterwards
// counted and written to the cache.

#include <memory>
#include <string>
#include <vector>

#include "io/file_set.hpp"
#include "remote/header_cache.hpp"
#include "remote/hub_repo.hpp"
#include "remote/remote_file.hpp"

namespace vramcalc::remote {

class RemoteReads {
 public:
  /// `http` is null offline. Everything passed must outlive this object.
  RemoteReads(HttpSession* http, const HeaderCache& cache, const RemoteSettings& settings);

  /// `path` of the Hub repository `repo` at `commit`, opened once (from the cache when held).
  [[nodiscard]] const RemoteFile& hub_file(const std::string& repo, const std::string& commit,
                                           const std::string& path);
  /// The file at `url`, opened once; `name` is how messages name it.
  [[nodiscard]] const RemoteFile& url_file(const std::string& url, const std::string& name);

  /// Writes what was fetched of each Hub file to the cache. Throws vramcalc::Error (kind
  /// file) when the cache cannot be written.
  void save(const std::string& repo, const std::string& commit) const;

  /// What was read: files, bytes over the network and from the cache, requests.
  [[nodiscard]] RemoteRead stats() const;

 private:
  struct Opened {
    std::string key;   // repository path or URL
    std::unique_ptr<RemoteFile> file;
  };
  const RemoteFile* find(const std::string& key) const;

  HttpSession* m_http;
  const HeaderCache& m_cache;
  const RemoteSettings& m_settings;
  std::vector<Opened> m_opened;
};

/// The files of `folder` ("" for the top) of a Hub repository at a commit, as its listing
/// names them.
[[nodiscard]] std::unique_ptr<io::FileSet> hub_folder(RemoteReads& reads, const HubReference& ref,
                                                      const HubRevision& revision,
                                                      const std::string& folder);

/// The files beside `url` (its folder): `name` (the URL's own file name) opens `url` itself,
/// query included; other names are fetched from the folder. The folder cannot be listed.
[[nodiscard]] std::unique_ptr<io::FileSet> url_folder_files(RemoteReads& reads,
                                                            const std::string& url,
                                                            const std::string& name);

}  // namespace vramcalc::remote
