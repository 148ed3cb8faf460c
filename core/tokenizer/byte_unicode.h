#pragma once

#include <array>
#include <string>
#include <string_view>

namespace ns {

/// GPT-2's reversible map from bytes to printable code points (vocab files store tokens so).
const std::array<char32_t, 256>& byteToUnicode();

/// The UTF-8 form of `bytes` under byteToUnicode(), as written in vocab.json and merges.txt.
std::string bytesToVocabString(std::string_view bytes);

/// The inverse: false when `s` holds a code point outside the byte table.
bool vocabStringToBytes(std::string_view s, std::string* bytes);

}  // namespace ns
