#include "plugin/optimiser/scaling.h"

#include <cmath>
#include <limits>

namespace modak::opt {

double ScalingFit::predict(double ranks) const { return serial + parallel * std::pow(ranks, -alpha); }

double ScalingFit::efficiency(double ranks) const {
  double tn = predict(ranks);
  return tn > 0 ? predict(1) / (ranks * tn) : 0;
}

ScalingFit fit_generalised_amdahl(const std::vector<std::pair<int, double>>& m) {
  ScalingFit best;
  if (m.size() < 3) return best;
  double best_sse = std::numeric_limits<double>::infinity();
  for (int step = 5; step <= 300; ++step) {
    const double alpha = step / 100.0;
    // Linear least squares of t on x = n^-alpha.
    double sx = 0, sy = 0, sxx = 0, sxy = 0;
    for (auto [n, t] : m) {
      double x = std::pow(n, -alpha);
      sx += x, sy += t, sxx += x * x, sxy += x * t;
    }
    const double k = static_cast<double>(m.size());
    const double den = k * sxx - sx * sx;
    if (std::fabs(den) < 1e-12) continue;
    double parallel = (k * sxy - sx * sy) / den;
    double serial = (sy - parallel * sx) / k;
    if (serial < 0 || parallel < 0) continue;  // physically meaningless: time cannot be negative
    double sse = 0;
    for (auto [n, t] : m) {
      double e = serial + parallel * std::pow(n, -alpha) - t;
      sse += e * e;
    }
    if (sse < best_sse) best_sse = sse, best = ScalingFit{serial, parallel, alpha, true};
  }
  return best;
}

ScalingFit amdahl(double parallel_fraction, double t1) {
  return ScalingFit{t1 * (1 - parallel_fraction), t1 * parallel_fraction, 1.0, true};
}

int amdahl_max_ranks(double f, double eff, int ranks) {
  if (eff <= 0 || f >= 1) return ranks;
  double limit = std::round((1 - eff * f) / (eff * (1 - f)));
  return static_cast<int>(std::min<double>(ranks, std::max(1.0, limit)));
}

double holdout_error(const ScalingFit& fit, const std::vector<std::pair<int, double>>& m, int fitted_up_to) {
  double sum = 0;
  int count = 0;
  for (auto [n, t] : m)
    if (n > fitted_up_to) sum += std::fabs(fit.predict(n) - t) / t, ++count;
  return count ? sum / count : 0;
}

}  // namespace modak::opt
