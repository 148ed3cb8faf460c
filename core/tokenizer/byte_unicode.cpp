#include "tokenizer/byte_unicode.h"

#include "text/utf8.h"

#include <unordered_map>

namespace ns {
namespace {

void appendUtf8(char32_t c, std::string* out) {
    if (c < 0x80) {
        out->push_back(static_cast<char>(c));
    } else if (c < 0x800) {
        out->push_back(static_cast<char>(0xC0 | (c >> 6)));
        out->push_back(static_cast<char>(0x80 | (c & 0x3F)));
    } else {  // the table stays below U+0800
        out->push_back(static_cast<char>(0xE0 | (c >> 12)));
        out->push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
        out->push_back(static_cast<char>(0x80 | (c & 0x3F)));
    }
}

const std::unordered_map<char32_t, unsigned char>& unicodeToByte() {
    static const auto table = [] {
        std::unordered_map<char32_t, unsigned char> m;
        const auto& fwd = byteToUnicode();
        for (int b = 0; b < 256; ++b) m[fwd[b]] = static_cast<unsigned char>(b);
        return m;
    }();
    return table;
}

}  // namespace

const std::array<char32_t, 256>& byteToUnicode() {
    static const auto table = [] {
        std::array<char32_t, 256> t{};
        auto printable = [](int b) {
            return (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
        };
        int n = 0;
        for (int b = 0; b < 256; ++b) t[b] = printable(b) ? char32_t(b) : char32_t(256 + n++);
        return t;
    }();
    return table;
}

std::string bytesToVocabString(std::string_view bytes) {
    std::string out;
    out.reserve(bytes.size() * 2);
    const auto& t = byteToUnicode();
    for (unsigned char b : bytes) appendUtf8(t[b], &out);
    return out;
}

bool vocabStringToBytes(std::string_view s, std::string* bytes) {
    bytes->clear();
    const auto& inv = unicodeToByte();
    for (size_t i = 0; i < s.size();) {
        char32_t cp = 0;
        const int n = decodeUtf8(s, i, &cp);
        const auto it = inv.find(cp);
        if (it == inv.end()) return false;
        bytes->push_back(static_cast<char>(it->second));
        i += n;
    }
    return true;
}

}  // namespace ns
