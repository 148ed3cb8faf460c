#include "text/utf8.h"

namespace ns {

int decodeUtf8(std::string_view s, size_t pos, char32_t* cp) {
    const auto b0 = static_cast<unsigned char>(s[pos]);
    auto cont = [&](size_t i) {
        return i < s.size() && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80;
    };
    auto byteAt = [&](size_t i) { return static_cast<unsigned char>(s[i]) & 0x3F; };
    if (b0 < 0x80) {
        *cp = b0;
        return 1;
    }
    if (b0 >= 0xC2 && b0 <= 0xDF && cont(pos + 1)) {
        *cp = ((b0 & 0x1F) << 6) | byteAt(pos + 1);
        return 2;
    }
    if (b0 >= 0xE0 && b0 <= 0xEF && cont(pos + 1) && cont(pos + 2)) {
        const char32_t c = ((b0 & 0x0F) << 12) | (byteAt(pos + 1) << 6) | byteAt(pos + 2);
        if (c >= 0x800 && (c < 0xD800 || c > 0xDFFF)) {
            *cp = c;
            return 3;
        }
    }
    if (b0 >= 0xF0 && b0 <= 0xF4 && cont(pos + 1) && cont(pos + 2) && cont(pos + 3)) {
        const char32_t c = ((b0 & 0x07) << 18) | (byteAt(pos + 1) << 12) |
                           (byteAt(pos + 2) << 6) | byteAt(pos + 3);
        if (c >= 0x10000 && c <= 0x10FFFF) {
            *cp = c;
            return 4;
        }
    }
    *cp = 0xFFFD;
    return 1;
}

std::string toValidUtf8(std::string_view bytes) {
    std::string out;
    out.reserve(bytes.size());
    for (size_t i = 0; i < bytes.size();) {
        char32_t cp = 0;
        const int n = decodeUtf8(bytes, i, &cp);
        if (cp == 0xFFFD && n == 1 && static_cast<unsigned char>(bytes[i]) >= 0x80) {
            out += "\xEF\xBF\xBD";
        } else {
            out.append(bytes.substr(i, n));
        }
        i += n;
    }
    return out;
}

QString toDisplayText(std::string_view bytes) {
    const std::string valid = toValidUtf8(bytes);
    return QString::fromUtf8(valid.data(), static_cast<qsizetype>(valid.size()));
}

}  // namespace ns
