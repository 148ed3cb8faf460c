#include "model/half_float.h"

#include <cstring>

namespace ns {
namespace {
uint32_t bitsOf(float f) {
    uint32_t u;
    std::memcpy(&u, &f, 4);
    return u;
}
float floatOf(uint32_t u) {
    float f;
    std::memcpy(&f, &u, 4);
    return f;
}
}  // namespace

float halfToFloat(uint16_t h) {
    const uint32_t sign = (h & 0x8000u) << 16;
    const uint32_t exp = (h >> 10) & 0x1F;
    const uint32_t mant = h & 0x3FF;
    if (exp == 0) {  // zero or subnormal: mant * 2^-24
        const float v = static_cast<float>(mant) * (1.0f / 16777216.0f);
        return sign ? -v : v;
    }
    if (exp == 31) return floatOf(sign | 0x7F800000u | (mant << 13));
    return floatOf(sign | ((exp + 112) << 23) | (mant << 13));
}

uint16_t floatToHalf(float f) {
    const uint32_t x = bitsOf(f);
    const uint16_t sign = static_cast<uint16_t>((x >> 16) & 0x8000u);
    const uint32_t absx = x & 0x7FFFFFFFu;
    if (absx >= 0x7F800000u)  // inf or nan
        return sign | 0x7C00u | (absx > 0x7F800000u ? 0x200u : 0);
    if (absx >= 0x477FF000u) return sign | 0x7C00u;  // rounds past the largest half: inf
    if (absx < 0x38800000u) {                         // below the smallest normal half
        const float v = floatOf(absx) * 16777216.0f;   // in units of 2^-24
        const uint32_t r = static_cast<uint32_t>(v);
        const float frac = v - static_cast<float>(r);
        uint32_t m = r + ((frac > 0.5f || (frac == 0.5f && (r & 1))) ? 1 : 0);
        return sign | static_cast<uint16_t>(m);
    }
    uint32_t m = absx + 0xC8000FFFu + ((absx >> 13) & 1);  // rebias and round to nearest even
    return sign | static_cast<uint16_t>(m >> 13);
}

float bfloat16ToFloat(uint16_t b) { return floatOf(static_cast<uint32_t>(b) << 16); }

uint16_t floatToBfloat16(float f) {
    const uint32_t x = bitsOf(f);
    if ((x & 0x7FFFFFFFu) > 0x7F800000u) return static_cast<uint16_t>((x >> 16) | 0x40);
    return static_cast<uint16_t>((x + 0x7FFFu + ((x >> 16) & 1)) >> 16);
}

}  // namespace ns
