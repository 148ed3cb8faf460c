// vocab.json, merges.txt and a text, separated by "\n====\n" lines: loading, then encoding,
// then decoding back to the same bytes.
#include "fuzz_input.h"

#include "tokenizer/bpe_tokenizer.h"

#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const auto parts = fuzz::splitInput(data, size, 3);
    const QString vocab = fuzz::writeInput("vocab", reinterpret_cast<const uint8_t*>(parts[0].constData()), parts[0].size());
    const QString merges = fuzz::writeInput("merges", reinterpret_cast<const uint8_t*>(parts[1].constData()), parts[1].size());
    auto tok = ns::BpeTokenizer::load(vocab, merges);
    if (tok) {
        const std::string text = parts[2].toStdString();
        if (tok->decodeBytes(tok->encode(text)) != text) std::abort();  // byte-level BPE loses nothing
        (void)tok->encode(text, true);
    }
    QFile::remove(vocab);
    QFile::remove(merges);
    return 0;
}
