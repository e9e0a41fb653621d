// The verdict of a plan, decided in this one place: each device's margin, headroom and fit,
// the sums over devices, and fits <=> headroom >= 0. docs/formulas.md, "Placement".
#include <algorithm>
#include <cassert>
#include <cmath>

#include "plan/placement_internal.hpp"
#include "vramcalc/bytes.hpp"

namespace vramcalc::plan_detail {

std::uint64_t margin_bytes(const Margin& margin, std::uint64_t capacity) {
  if (margin.percent > 0) {
    return static_cast<std::uint64_t>(
        std::floor(static_cast<double>(capacity) * margin.percent / 100.0));
  }
  return margin.bytes;
}

namespace {

void settle_device(DevicePlan& device, const Margin& margin) {
  device.used_bytes = checked_add(
      checked_add(checked_add(device.weights_bytes, device.kv_cache_bytes, "device"),
                  checked_add(device.activations_bytes, device.overhead_bytes, "device"),
                  "device"),
      device.other_bytes, "device");
  device.margin_bytes = device.kind == DeviceKind::gpu && device.capacity_bytes != 0
                            ? margin_bytes(margin, device.capacity_bytes)
                            : 0;
  if (device.capacity_bytes == 0) {
    device.headroom_bytes.reset();
    device.fits = true;
    return;
  }
  device.headroom_bytes = signed_difference(device.capacity_bytes, device.used_bytes) -
                          static_cast<std::int64_t>(device.margin_bytes);
  device.fits = *device.headroom_bytes >= 0;
}

}  // namespace

std::optional<std::int64_t> settle_devices(std::vector<DevicePlan>& devices, const Margin& margin) {
  std::optional<std::int64_t> headroom;
  for (auto& device : devices) {
    settle_device(device, margin);
    if (device.headroom_bytes) {
      headroom = headroom ? std::min(*headroom, *device.headroom_bytes) : *device.headroom_bytes;
    }
  }
  return headroom;
}

void settle(Plan& plan) {
  plan.weights_bytes = plan.kv_cache_bytes = plan.activations_bytes = 0;
  plan.overhead_bytes = plan.other_bytes = plan.total_bytes = 0;
  plan.gpu_bytes = plan.host_bytes = plan.replicated_bytes = 0;
  std::optional<std::int64_t> headroom;
  const auto lower = [&headroom](std::int64_t value) {
    headroom = headroom ? std::min(*headroom, value) : value;
  };
  for (auto& device : plan.devices) {
    settle_device(device, plan.deployment.margin);
    plan.weights_bytes += device.weights_bytes;
    plan.kv_cache_bytes += device.kv_cache_bytes;
    plan.activations_bytes += device.activations_bytes;
    plan.overhead_bytes += device.overhead_bytes;
    plan.other_bytes += device.other_bytes;
    plan.total_bytes = checked_add(plan.total_bytes, device.used_bytes, "plan total");
    (device.kind == DeviceKind::gpu ? plan.gpu_bytes : plan.host_bytes) += device.used_bytes;
    plan.replicated_bytes += device.replicated_bytes;
    if (device.headroom_bytes) {
      lower(*device.headroom_bytes);
    }
  }
  // A pool engine also needs its pool to hold the workload: the spare tokens, in bytes.
  if (plan.kv_pool && headroom) {
    const std::int64_t spare_tokens =
        signed_difference(plan.kv_pool->tokens, plan.pool_tokens_needed);
    lower(spare_tokens * static_cast<std::int64_t>(std::max<std::uint64_t>(
                             plan.kv_pool->bytes_per_token, 1)));
  }
  plan.headroom_bytes = headroom;
  plan.fits = headroom.has_value() && *headroom >= 0;
  // The invariant every answer relies on: a plan that fits has no device over its capacity
  // less margin, and no pool short of the workload.
  assert(!plan.fits || std::all_of(plan.devices.begin(), plan.devices.end(),
                                   [](const DevicePlan& d) { return d.fits; }));
  assert(!plan.fits || !plan.kv_pool || plan.kv_pool->tokens >= plan.pool_tokens_needed);
}

}  // namespace vramcalc::plan_detail
