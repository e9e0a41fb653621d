// Plans a 7B model (as `vramcalc --params 7B --gpu L4` does) on one NVIDIA L4 through the
// library, and prints the verdict and the total. Exit code as vramcalc's: 0 fits, 1 does not,
// 2 error.
#include <cstdio>
#include <utility>

#include <vramcalc/vramcalc.hpp>

int main() {
  try {
    vramcalc::ModelSourceSpec source;
    source.kind = vramcalc::ModelSourceKind::params;
    source.params = 7'000'000'000;  // --params 7B: the shape is assumed from a similar model
    vramcalc::LoadedModel loaded = vramcalc::load_model(source);

    const vramcalc::GpuDatabase database = vramcalc::GpuDatabase::built_in();
    const vramcalc::GpuMatch l4 = database.resolve("L4");

    vramcalc::Request request;
    request.model = std::move(loaded.model);
    request.source = source;
    request.deployment.gpus = {vramcalc::GpuGroup{*l4.gpu, 1}};
    request.database = &database;
    const vramcalc::Report report = vramcalc::build_report(std::move(request));

    std::printf("vramcalc %.*s: 7B on 1 x %s: %s, total %.2f GB\n",
                static_cast<int>(vramcalc::version().size()), vramcalc::version().data(),
                l4.gpu->name.c_str(), report.plan.fits ? "fits" : "does not fit",
                static_cast<double>(report.plan.total_bytes) / 1e9);
    return report.plan.fits ? 0 : 1;
  } catch (const vramcalc::Error& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 2;
  }
}
