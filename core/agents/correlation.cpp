#include "agents/correlation.h"

#include <cmath>

namespace ns {

double pearson(const std::vector<double>& x, const std::vector<double>& y) {
    const size_t n = x.size();
    if (n < 2 || y.size() != n) return 0.0;
    double mx = 0, my = 0;
    for (size_t i = 0; i < n; ++i) {
        mx += x[i];
        my += y[i];
    }
    mx /= static_cast<double>(n);
    my /= static_cast<double>(n);
    double sxy = 0, sxx = 0, syy = 0;
    for (size_t i = 0; i < n; ++i) {  // two passes: stable when the means are large
        const double dx = x[i] - mx, dy = y[i] - my;
        sxy += dx * dy;
        sxx += dx * dx;
        syy += dy * dy;
    }
    if (!(sxx > 0) || !(syy > 0)) return 0.0;
    const double r = sxy / std::sqrt(sxx * syy);
    if (!std::isfinite(r)) return 0.0;
    return r > 1.0 ? 1.0 : (r < -1.0 ? -1.0 : r);
}

}  // namespace ns
