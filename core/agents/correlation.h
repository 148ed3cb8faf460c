#pragma once

#include <vector>

namespace ns {

/// Pearson correlation of two equally long series (Bills et al. 2023 pool every token of every
/// exemplar of a split into one pair of series). 0 when either side is constant, the series are
/// empty or their lengths differ: a score is never NaN or infinite.
double pearson(const std::vector<double>& x, const std::vector<double>& y);

}  // namespace ns
