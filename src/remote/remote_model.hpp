#pragma once
// load_model for remote sources (internal): a Hugging Face Hub repository and a URL.

#include "vramcalc/model_source.hpp"

namespace vramcalc::remote {

/// Tells a progress indicator that loading is over, however it ends.
class ProgressEnd {
 public:
  explicit ProgressEnd(FetchProgress* progress) : m_progress(progress) {}
  ~ProgressEnd() {
    if (m_progress != nullptr) {
      m_progress->on_finish();
    }
  }
  ProgressEnd(const ProgressEnd&) = delete;
  ProgressEnd& operator=(const ProgressEnd&) = delete;

 private:
  FetchProgress* m_progress;
};

/// The model of the Hub repository `spec.location` ("ORG/REPO[@REVISION]"): the revision
/// resolved (or taken from the cache), the files chosen (select_hub_files), read as local files
/// are read, the bytes fetched written to the cache. ModelSpec::source_detail is "ORG/REPO"
/// and ModelSpec::hub says the revision, commit and GGUF file. Throws vramcalc::Error.
[[nodiscard]] LoadedModel load_hub_model(const ModelSourceSpec& spec);

/// The model of the file at the URL `spec.location` (GGUF, safetensors with the config.json
/// beside it, or a config.json), told apart by its name, else by its first bytes. Nothing is
/// cached. Throws vramcalc::Error (input) for a URL that is not http(s), (file) offline and
/// for every read failure.
[[nodiscard]] LoadedModel load_url_model(const ModelSourceSpec& spec);

}  // namespace vramcalc::remote
