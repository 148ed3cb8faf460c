#include "interchange/interchange.h"

#include "agents/correlation.h"

namespace ns {

std::optional<double> sequenceCorrelation(const std::vector<float>& actual, const std::vector<float>& predicted) {
    if (actual.size() != predicted.size() || actual.size() < 2) return std::nullopt;
    const auto constant = [](const std::vector<float>& v) {
        for (float x : v)
            if (x != v.front()) return false;
        return true;
    };
    if (constant(actual) || constant(predicted)) return std::nullopt;
    return pearson(std::vector<double>(actual.begin(), actual.end()), std::vector<double>(predicted.begin(), predicted.end()));
}

}  // namespace ns
