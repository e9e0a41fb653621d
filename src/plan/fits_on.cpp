// The reverse question (fits_on.hpp): for each catalog model, the plans of the one planner at
// its own precision and then each lower one the engine runs, until one fits.
#include "vramcalc/fits_on.hpp"

#include "vramcalc/error.hpp"
#include "vramcalc/quantization.hpp"
#include "vramcalc/recommend.hpp"

namespace vramcalc {

namespace {

// The request build_report would get for `entry` with `base` as the deployment.
Request request_for(const CatalogEntry& entry, const Deployment& base, bool context_given) {
  const HfConfigReading reading = read_catalog_entry(entry);
  Request request;
  request.model = reading.model;
  request.source.kind = ModelSourceKind::catalog;
  request.source.location = entry.id;
  if (reading.quantization) {
    request.checkpoint_format = weight_format_for(*reading.quantization);
  }
  request.context_given = context_given;
  request.deployment = base;
  return request;
}

// The first precision, from the model's own down, whose plan fits.
std::optional<FitsOnRow> best_fit(const CatalogEntry& entry, const Deployment& base,
                                  bool context_given) {
  FitsOnRow row;
  row.entry = &entry;
  row.request = request_for(entry, base, context_given);
  const WeightFormat own = default_weight_format(
      row.request.model, base.options.engine.kind, row.request.checkpoint_format);
  std::vector<WeightFormat> formats = {own};
  for (const WeightFormat* lower :
       lower_precisions(row.request.model, own, base.options.engine.kind)) {
    formats.push_back(*lower);
  }
  const Planner planner(row.request.model);
  for (const WeightFormat& format : formats) {
    Request request = row.request;
    request.format = format;
    try {
      Plan plan = planner.plan(resolved_deployment(request));
      if (plan.fits) {
        row.request = std::move(request);
        row.plan = std::move(plan);
        return row;
      }
    } catch (const Error& e) {
      if (e.kind() != ErrorKind::usage) {
        throw;
      }
      return std::nullopt;  // this deployment is not one the engine runs for this model
    }
  }
  return std::nullopt;
}

}  // namespace

std::vector<FitsOnRow> fits_on(const Deployment& base, bool context_given,
                               const std::vector<const CatalogEntry*>& entries) {
  if (base.gpus.empty()) {
    throw Error(ErrorKind::usage, "which models fit needs a card", "name the card to fit on");
  }
  std::vector<const CatalogEntry*> search = entries;
  if (search.empty()) {
    for (const CatalogEntry& entry : catalog_entries()) {
      search.push_back(&entry);
    }
  }
  std::vector<FitsOnRow> rows;
  for (const CatalogEntry* entry : search) {
    if (auto row = best_fit(*entry, base, context_given)) {
      rows.push_back(std::move(*row));
    }
  }
  return rows;
}

}  // namespace vramcalc
