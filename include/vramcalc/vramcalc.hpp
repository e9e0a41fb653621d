#pragma once
/// The one header for embedding vramcalc (find_package(vramcalc), target vramcalc::core): the
/// documented surface of the library, in pipeline order.
///
///   LoadedModel m = load_model(spec);          // model_source.hpp: a count, the catalog, a
///                                              // config.json, GGUF, safetensors, --hf, --url
///   GpuDatabase db = GpuDatabase::built_in();  // gpu.hpp: the cards, db.resolve("L4")
///   Request r; r.model = m.model; r.deployment.gpus = {{*db.resolve("L4").gpu, 1}};
///   Report report = build_report(r);           // report.hpp: the plan (plan.hpp), verdict,
///                                              // recommendations, solvers
///   report.plan.fits, report.plan.total_bytes
///
/// Lower levels: estimate() per card (estimate.hpp), Planner::plan for one Deployment
/// (plan.hpp), training memory (train.hpp). Errors are vramcalc::Error (error.hpp); the library
/// never prints and never exits. The text and JSON documents of the command line are rendered
/// by the command line (cli/render_*), from the same Report: the JSON carries the vramcalc
/// arguments that re-run each answer, which only the command line can spell, so it is not part
/// of the library. Readers of one format (gguf.hpp, safetensors.hpp, hf_config.hpp) stay
/// available as their own headers.

#include "vramcalc/bytes.hpp"
#include "vramcalc/catalog.hpp"
#include "vramcalc/cpu.hpp"
#include "vramcalc/dtype.hpp"
#include "vramcalc/engine.hpp"
#include "vramcalc/error.hpp"
#include "vramcalc/estimate.hpp"
#include "vramcalc/fits_on.hpp"
#include "vramcalc/gpu.hpp"
#include "vramcalc/model.hpp"
#include "vramcalc/model_source.hpp"
#include "vramcalc/plan.hpp"
#include "vramcalc/recommend.hpp"
#include "vramcalc/report.hpp"
#include "vramcalc/solve.hpp"
#include "vramcalc/speed.hpp"
#include "vramcalc/train.hpp"
#include "vramcalc/version.hpp"
#include "vramcalc/workload.hpp"
