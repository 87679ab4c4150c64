// Strong-scaling models for MPI jobs: MODAK's Amdahl cap, and a generalised Amdahl law fitted
// to measurements, t(n) = serial + parallel * n^-alpha (alpha = 1 is Amdahl's law).
#pragma once

#include <utility>
#include <vector>

namespace modak::opt {

struct ScalingFit {
  double serial = 0, parallel = 0, alpha = 1;
  bool ok = false;
  double predict(double ranks) const;
  // Parallel efficiency t(1) / (n t(n)).
  double efficiency(double ranks) const;
};

// Least squares for serial and parallel at each alpha of a fine grid (serial >= 0), keeping the
// best; needs at least three measurements.
ScalingFit fit_generalised_amdahl(const std::vector<std::pair<int, double>>& measurements);

// Amdahl's law with parallel fraction F: t(n) = t1 ((1 - F) + F / n).
ScalingFit amdahl(double parallel_fraction, double t1 = 1.0);

// MODAK's scaler: the largest rank count whose Amdahl efficiency 1/(n(1-F)+F) stays at or above
// `min_efficiency`, i.e. min(ranks, round((1 - eff F) / (eff (1 - F)))).
int amdahl_max_ranks(double parallel_fraction, double min_efficiency, int ranks);

// Mean absolute percentage error of `fit` on the measurements with n > `fitted_up_to`.
double holdout_error(const ScalingFit& fit, const std::vector<std::pair<int, double>>& measurements, int fitted_up_to);

}  // namespace modak::opt
