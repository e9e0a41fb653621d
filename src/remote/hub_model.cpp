// A model from a Hugging Face Hub repository: load_hub_model in remote_model.hpp.
#include <optional>

#include "gguf/gguf_parser.hpp"
#include "model_reading.hpp"
#include "remote/hub_repo.hpp"
#include "remote/hub_select.hpp"
#include "remote/remote_model.hpp"
#include "remote/remote_reads.hpp"
#include "safetensors/safetensors_files.hpp"
#include "vramcalc/error.hpp"
#include "vramcalc/gguf.hpp"

namespace vramcalc::remote {

namespace {

LoadedModel read_selection(const io::FileSet& folder, const HubSelection& selection,
                           bool converting) {
  LoadedModel loaded;
  switch (selection.layout) {
    case HubLayout::gguf:
      loaded.model = gguf_model(merge_gguf_shards(read_gguf_shards_in(folder, selection.file)));
      break;
    case HubLayout::safetensors: {
      // The weights first, as locally, so that a broken checkpoint is reported as such.
      const SafetensorsInventory inventory =
          read_safetensors_in(folder, selection.file, folder.label());
      loaded.model = safetensors_model_from(read_hf_config_in(folder, "config.json"), inventory);
      if (converting && stores_quantized(loaded.model)) {
        // As for local files: a quantized checkpoint's tensors are not its parameters.
        return converted_checkpoint(read_hf_config_in(folder, "config.json"));
      }
      break;
    }
    case HubLayout::config:
      loaded = loaded_from_reading(read_hf_config_in(folder, "config.json"));
      break;
  }
  return loaded;
}

// Caches what this load learnt; a cache that cannot be written costs a note, not the answer.
void save_to_cache(const HeaderCache& cache, const HubReference& reference,
                   const HubRevision& revision, const RemoteReads& reads,
                   std::vector<std::string>& notes) {
  try {
    if (!revision.from_cache) {
      cache.save_listing(reference.repo, revision.commit, revision.listing_text);
      cache.save_commit(reference.repo, reference.revision, revision.commit);
    }
    reads.save(reference.repo, revision.commit);
  } catch (const Error& error) {
    notes.push_back(std::string("the cache was not written: ") + error.what());
  }
}

}  // namespace

LoadedModel load_hub_model(const ModelSourceSpec& spec) {
  const RemoteSettings& settings = spec.remote;
  const HubReference reference = parse_hub_reference(spec.location);
  const ProgressEnd progress_end(spec.progress);
  std::optional<HttpSession> http;
  if (!settings.offline) {
    http.emplace(settings, spec.progress);
  }
  HttpSession* session = http ? &*http : nullptr;
  const HeaderCache cache(settings.cache_dir, settings.endpoint, settings.limits.max_file_bytes);
  const HubRevision revision = resolve_revision(session, cache, reference, settings);
  const std::string subject = reference.repo + "@" + reference.revision;
  const HubSelection selection =
      select_hub_files(revision, subject, spec.hub_file, spec.dtype);

  RemoteReads reads(session, cache, settings);
  const auto folder = hub_folder(reads, reference, revision, selection.folder);
  LoadedModel loaded;
  try {
    loaded = read_selection(*folder, selection, spec.converting && !selection.dtype_picked_file);
  } catch (const Error&) {
    std::vector<std::string> ignored;
    save_to_cache(cache, reference, revision, reads, ignored);  // what was read stays valid
    throw;
  }
  loaded.model.source_detail = reference.repo;
  loaded.model.hf_repo = reference.repo;
  const std::string file = selection.layout == HubLayout::gguf
                               ? (selection.folder.empty() ? "" : selection.folder + "/") +
                                     selection.file
                               : std::string();
  loaded.model.hub = HubOrigin{reference.repo, reference.revision, revision.commit, file,
                               selection.quant_tag};
  loaded.dtype_picked_file = selection.dtype_picked_file;
  if (!revision.note.empty()) {
    loaded.notes.push_back(revision.note);
  }
  save_to_cache(cache, reference, revision, reads, loaded.notes);
  loaded.remote = reads.stats();
  return loaded;
}

}  // namespace vramcalc::remote
