#include "activations/corpus_windows.h"

#include "activations/corpus_reader.h"
#include "tokenizer/bpe_tokenizer.h"

#include <algorithm>

namespace ns {

namespace {
constexpr size_t kMinTail = 8;
}

void cutWindows(const std::vector<int>& ids, int64_t document, int windowTokens, int64_t* nextId,
                const std::function<void(std::shared_ptr<TokenWindow>)>& emit) {
    const size_t W = static_cast<size_t>(windowTokens);
    for (size_t start = 0; start < ids.size(); start += W) {
        // A document's last few tokens make no useful exemplar of their own.
        if (start > 0 && ids.size() - start < kMinTail) break;
        auto w = std::make_shared<TokenWindow>();
        w->id = (*nextId)++;
        w->document = document;
        w->offset = static_cast<int64_t>(start);
        w->tokens.assign(ids.begin() + static_cast<std::ptrdiff_t>(start),
                         ids.begin() + static_cast<std::ptrdiff_t>(std::min(ids.size(), start + W)));
        emit(std::move(w));
    }
}

Expected<std::shared_ptr<const CorpusWindows>> readCorpusWindows(const BpeTokenizer& tokenizer, const QString& path,
                                                                 int windowTokens, int64_t maxTokens) {
    auto reader = CorpusReader::open(path);
    if (!reader) return Error{reader.error()};
    auto out = std::make_shared<CorpusWindows>();
    out->path = path;
    out->windowTokens = windowTokens;
    std::string doc;
    int64_t nextId = 0;
    while (out->tokens < maxTokens && (*reader)->next(&doc)) {
        cutWindows(tokenizer.encode(doc), (*reader)->documentIndex(), windowTokens, &nextId,
                   [&](std::shared_ptr<TokenWindow> w) {
                       out->tokens += static_cast<int64_t>(w->tokens.size());
                       out->windows.push_back(std::move(w));
                   });
    }
    return std::shared_ptr<const CorpusWindows>(std::move(out));
}

}  // namespace ns
