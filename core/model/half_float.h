#pragma once

#include <cstdint>

namespace ns {

/// IEEE binary16 and bfloat16 conversions (round to nearest even), for safetensors I/O.
float halfToFloat(uint16_t h);
uint16_t floatToHalf(float f);
float bfloat16ToFloat(uint16_t b);
uint16_t floatToBfloat16(float f);

}  // namespace ns
