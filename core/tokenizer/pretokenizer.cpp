#include "tokenizer/pretokenizer.h"

#include "text/utf8.h"

#include <QChar>

namespace ns {
namespace {

enum class Cls { Space, Letter, Number, Other };

bool isJsWhitespace(char32_t c) {
    switch (c) {
    case 0x09: case 0x0A: case 0x0B: case 0x0C: case 0x0D: case 0x20: case 0xA0:
    case 0x1680: case 0x2028: case 0x2029: case 0x202F: case 0x205F: case 0x3000: case 0xFEFF:
        return true;
    default:
        return c >= 0x2000 && c <= 0x200A;
    }
}

Cls classify(char32_t c) {
    if (c < 0x80) {  // fast path for ASCII
        if (isJsWhitespace(c)) return Cls::Space;
        if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') return Cls::Letter;
        if (c >= '0' && c <= '9') return Cls::Number;
        return Cls::Other;
    }
    if (isJsWhitespace(c)) return Cls::Space;
    if (QChar::isLetter(c)) return Cls::Letter;
    if (QChar::isNumber(c)) return Cls::Number;
    return Cls::Other;
}

struct Cursor {
    std::string_view s;
    // Class and byte length of the code point at pos.
    Cls at(size_t pos, int* len) const {
        char32_t cp = 0;
        *len = decodeUtf8(s, pos, &cp);
        return classify(cp);
    }
    // End of the run of class `c` starting at pos.
    size_t runEnd(size_t pos, Cls c) const {
        while (pos < s.size()) {
            int len = 0;
            if (at(pos, &len) != c) break;
            pos += len;
        }
        return pos;
    }
};

size_t contractionLength(std::string_view s, size_t i) {
    if (s[i] != '\'' || i + 1 >= s.size()) return 0;
    const std::string_view rest = s.substr(i + 1);
    for (std::string_view c : {"s", "t", "re", "ve", "m", "ll", "d"}) {
        if (rest.substr(0, c.size()) == c) return 1 + c.size();
    }
    return 0;
}

}  // namespace

std::vector<std::string_view> gpt2PreTokenize(std::string_view text) {
    std::vector<std::string_view> out;
    const Cursor cur{text};
    size_t i = 0;
    while (i < text.size()) {
        size_t end = i;
        if (const size_t n = contractionLength(text, i)) {
            end = i + n;
        } else {
            int len = 0;
            Cls c = cur.at(i, &len);
            size_t start = i;
            if (text[i] == ' ' && i + 1 < text.size()) {
                int nlen = 0;
                const Cls next = cur.at(i + 1, &nlen);
                if (next != Cls::Space) {  // " ?X+" takes the space with the run
                    c = next;
                    start = i + 1;
                }
            }
            if (c != Cls::Space) {
                end = cur.runEnd(start, c);
            } else {
                // \s+(?!\S): a run followed by a non-space gives its last character back,
                // unless the run is a single character (then \s+ takes it).
                const size_t runEnd = cur.runEnd(i, Cls::Space);
                end = runEnd;
                if (runEnd < text.size()) {
                    size_t last = i, p = i;  // start of the run's last code point
                    while (p < runEnd) {
                        last = p;
                        int l = 0;
                        cur.at(p, &l);
                        p += l;
                    }
                    if (last > i) end = last;
                }
            }
        }
        out.push_back(text.substr(i, end - i));
        i = end;
    }
    return out;
}

}  // namespace ns
