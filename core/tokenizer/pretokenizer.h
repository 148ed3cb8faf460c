#pragma once

#include <string_view>
#include <vector>

namespace ns {

/// Splits UTF-8 text into GPT-2 "words", exactly as GPT-2's pattern
///   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
/// does, with JavaScript's definition of \s (the reference encoder's). Pieces are views into
/// `text` and together cover it; invalid UTF-8 bytes are kept and classed as symbols.
std::vector<std::string_view> gpt2PreTokenize(std::string_view text);

}  // namespace ns
