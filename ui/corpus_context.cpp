#include "corpus_context.h"

#include "activations/corpus_reader.h"
#include "agents/token_table.h"
#include "model/language_model.h"

#include <QtConcurrent/QtConcurrentRun>

#include <algorithm>
#include <set>

namespace ns {

std::pair<int64_t, int64_t> centredSpan(int64_t documentTokens, int64_t peak, int span) {
    int64_t begin = peak - span / 2, end = begin + span;
    if (begin < 0) end -= begin, begin = 0;
    if (end > documentTokens) begin = std::max<int64_t>(0, begin - (end - documentTokens)), end = documentTokens;
    return {begin, end};
}

QString firstWords(const std::string& text, int words) {
    const QStringList all = QString::fromUtf8(text.data(), static_cast<qsizetype>(std::min<size_t>(text.size(), 400)))
                                .simplified().split(QLatin1Char(' '), Qt::SkipEmptyParts);
    QString out = all.mid(0, words).join(QLatin1Char(' '));
    return all.size() > words ? out + QChar(0x2026) : out;
}

Expected<CorpusContext> readCorpusContext(const BpeTokenizer& tokenizer, const QString& path,
                                          const std::vector<ContextRequest>& requests, int span, DocumentStarts* starts) {
    auto reader = CorpusReader::open(path);
    if (!reader) return Error{reader.error()};
    std::multimap<int64_t, const ContextRequest*> byDocument;
    for (const ContextRequest& r : requests) byDocument.emplace(r.document, &r);
    DocumentStarts none;
    DocumentStarts& known = starts ? *starts : none;
    CorpusContext out;
    std::string text;
    for (auto group = byDocument.begin(); group != byDocument.end(); group = byDocument.upper_bound(group->first)) {
        const int64_t doc = group->first;
        // Seek to the document, or to the last start known when it lies beyond, unless the
        // reader is already past that; then read on, noting every start.
        const auto knownCount = static_cast<int64_t>(known.size());
        if (doc < knownCount) (*reader)->seekDocument(known[static_cast<size_t>(doc)], doc);
        else if (knownCount > 0 && (*reader)->documentIndex() < knownCount - 1)
            (*reader)->seekDocument(known.back(), knownCount - 1);
        bool found = false;
        while ((*reader)->documentIndex() < doc && (*reader)->next(&text)) {
            if ((*reader)->documentIndex() == static_cast<int64_t>(known.size())) known.push_back((*reader)->documentStart());
            found = (*reader)->documentIndex() == doc;
        }
        if (!found) break;  // past the corpus's last document
        const auto [from, to] = byDocument.equal_range(doc);
        out.documentWords[doc] = firstWords(text);
        // Only a window the centred span goes past needs the document's tokens.
        bool needed = false;
        for (auto it = from; it != to; ++it) {
            const ContextRequest& r = *it->second;
            needed |= (r.peak - span / 2 < 0 && r.offset > 0) || r.peak - span / 2 + span > r.length;
        }
        if (!needed) continue;
        const std::vector<int> ids = tokenizer.encode(text);
        const auto total = static_cast<int64_t>(ids.size());
        for (auto it = from; it != to; ++it) {
            const ContextRequest& r = *it->second;
            if (r.offset + r.length > total) continue;  // not the document the window was cut from
            const auto [begin, end] = centredSpan(total, r.offset + r.peak, span);
            if (begin >= r.offset && end <= r.offset + r.length) continue;
            WindowContext c;
            c.begin = begin, c.end = end, c.offset = r.offset;
            if (begin < r.offset) c.before.assign(ids.begin() + begin, ids.begin() + r.offset);
            if (end > r.offset + r.length) c.after.assign(ids.begin() + r.offset + r.length, ids.begin() + end);
            out.windows[r.window] = std::move(c);
        }
    }
    return out;
}

void centreOnPeak(ExemplarModel::Row& row, const WindowContext& c, const TokenTable& table) {
    const auto length = static_cast<int64_t>(row.ids.size());
    const int64_t keepFrom = std::clamp<int64_t>(c.begin - c.offset, 0, length);
    const int64_t keepTo = std::clamp<int64_t>(c.end - c.offset, keepFrom, length);
    auto text = [&](int id) { return id >= 0 && id < table.vocabSize() ? table.text(id) : QString(); };
    ExemplarModel::Row out = row;
    out.ids.clear(), out.tokens.clear(), out.activations.clear(), out.simulated.clear(), out.marked.clear();
    const bool simulated = !row.simulated.isEmpty();
    auto addContext = [&](int id) {
        out.ids.push_back(id);
        out.tokens << text(id);
        out.activations << qQNaN();
        if (simulated) out.simulated << qQNaN();
    };
    for (int id : c.before) addContext(id);
    const int shift = static_cast<int>(c.before.size() - keepFrom);
    for (int64_t t = keepFrom; t < keepTo; ++t) {
        const auto k = static_cast<int>(t);
        out.ids.push_back(row.ids[static_cast<size_t>(t)]);
        out.tokens << (k < row.tokens.size() ? row.tokens[k] : text(row.ids[static_cast<size_t>(t)]));
        out.activations << (k < row.activations.size() ? row.activations[k] : qQNaN());
        if (simulated) out.simulated << (k < row.simulated.size() ? row.simulated[k] : qQNaN());
    }
    for (int id : c.after) addContext(id);
    for (int m : row.marked)
        if (m >= keepFrom && m < keepTo) out.marked << m + shift;
    out.maxIndex = row.maxIndex + shift;
    row = std::move(out);
}

CorpusContextLoader::CorpusContextLoader(std::shared_ptr<const LanguageModel> model, QString corpusPath, QObject* parent)
    : QObject(parent), m_model(std::move(model)), m_corpus(std::move(corpusPath)) {
    connect(&m_watcher, &QFutureWatcher<Answer>::finished, this, [this] {
        const Answer a = m_watcher.result();
        if (a.error.isEmpty()) Q_EMIT loaded(a.generation, a.context);
        else Q_EMIT failed(a.generation, a.error);
    });
}

void CorpusContextLoader::load(quint64 generation, std::vector<ContextRequest> requests, int span) {
    auto model = m_model;
    const QString corpus = m_corpus;
    // A newer request replaces the one running: its answer is dropped by generation.
    m_watcher.setFuture(QtConcurrent::run([model, corpus, requests = std::move(requests), span, generation, shared = m_starts] {
        Answer a;
        a.generation = generation;
        DocumentStarts starts;
        {
            std::lock_guard<std::mutex> lock(shared->mutex);
            starts = shared->starts;
        }
        auto context = readCorpusContext(model->tokenizer(), corpus, requests, span, &starts);
        {
            std::lock_guard<std::mutex> lock(shared->mutex);
            if (starts.size() > shared->starts.size()) shared->starts = std::move(starts);
        }
        if (context) a.context = std::move(*context);
        else a.error = context.error();
        return a;
    }));
}

}  // namespace ns
