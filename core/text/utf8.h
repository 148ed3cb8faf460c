#pragma once

#include <QString>

#include <string>
#include <string_view>

namespace ns {

/// Returns `bytes` as valid UTF-8: every invalid or truncated sequence becomes U+FFFD.
/// Tokens are byte strings and may hold part of a character; every text shown or written as
/// JSON passes through here, while token ids keep the exact bytes.
std::string toValidUtf8(std::string_view bytes);

/// The same as a QString.
QString toDisplayText(std::string_view bytes);

/// Decodes one code point at `pos`; returns its length in bytes (1 and U+FFFD when invalid).
int decodeUtf8(std::string_view s, size_t pos, char32_t* cp);

}  // namespace ns
