#pragma once

#include <cstdint>

namespace ns {

/// SplitMix64 (Steele et al. 2014): a fast, well-mixed 64-bit hash for seeded, reproducible
/// choices (sampling keys, splits) that must not depend on the standard library's generators.
inline uint64_t splitmix64(uint64_t x) {
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

}  // namespace ns
