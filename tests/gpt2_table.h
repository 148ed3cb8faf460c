#pragma once

#include "agents/token_table.h"
#include "tokenizer/bpe_tokenizer.h"

#include <memory>

/// The exact GPT-2 tokenizer of tests/data/gpt2 and its token table, for tests of patterns and
/// classes; false when the files cannot be read.
inline bool loadGpt2Table(std::unique_ptr<ns::BpeTokenizer>& tok, std::unique_ptr<ns::TokenTable>& table) {
    auto t = ns::BpeTokenizer::loadDirectory(QStringLiteral(NS_TEST_DATA_DIR "/gpt2"));
    if (!t.ok()) return false;
    tok = std::make_unique<ns::BpeTokenizer>(*t);
    table = std::make_unique<ns::TokenTable>(*tok);
    return true;
}
