// The embedded model's tokenizer (a trained byte-level BPE, 4096 tokens) on arbitrary text: encode, decode.
#include "tokenizer/bpe_tokenizer.h"

#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>

#ifndef NS_FUZZ_TOKENIZER_DIR
#error "NS_FUZZ_TOKENIZER_DIR names a directory with vocab.json and merges.txt"
#endif

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static const std::optional<ns::BpeTokenizer> tok = [] {
        auto t = ns::BpeTokenizer::loadDirectory(QStringLiteral(NS_FUZZ_TOKENIZER_DIR));
        if (!t) std::abort();
        return std::optional<ns::BpeTokenizer>(std::move(*t));
    }();
    const std::string text(reinterpret_cast<const char*>(data), size);
    if (tok->decodeBytes(tok->encode(text)) != text) std::abort();
    (void)tok->encode(text, true);
    return 0;
}
