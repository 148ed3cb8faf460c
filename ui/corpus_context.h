#pragma once

#include "exemplar_model.h"

#include "util/expected.h"

#include <QFutureWatcher>
#include <QObject>
#include <QString>

#include <map>
#include <memory>
#include <mutex>
#include <vector>

namespace ns {

class BpeTokenizer;
class LanguageModel;
class TokenTable;

/// A window whose peak should be centred: where it lies in its document.
struct ContextRequest {
    int64_t window = -1;
    int64_t document = -1;
    int64_t offset = 0;  ///< of the window in the document
    int length = 0;      ///< the window's tokens
    int peak = 0;        ///< index of the maximum in the window
};

/// The document tokens around a window that put its peak in the middle of `span` tokens.
struct WindowContext {
    int64_t begin = 0, end = 0;  ///< the centred span in document tokens, [begin, end)
    int64_t offset = 0;          ///< the window's offset in the document
    std::vector<int> before;     ///< document tokens [begin, offset) when begin < offset
    std::vector<int> after;      ///< document tokens [offset + length, end) when the span goes past the window
};

struct CorpusContext {
    std::map<int64_t, WindowContext> windows;   ///< by window id; only windows the span goes past
    std::map<int64_t, QString> documentWords;   ///< by document: its first words
};

/// [begin, end) of `span` tokens with the peak in the middle, moved inside the document at its edges.
std::pair<int64_t, int64_t> centredSpan(int64_t documentTokens, int64_t peakInDocument, int span);

/// The first `words` words of a text, on one line.
QString firstWords(const std::string& text, int words = 6);

/// Where documents 0, 1, ... start in the corpus file (bytes), as far as a read has gone.
using DocumentStarts = std::vector<qint64>;

/// Reads the documents of the requests (CorpusReader, the miner's documents) and tokenizes only
/// those of windows whose centred span of `span` tokens goes past the window. With `starts`, a
/// document it holds is read by seeking to it, and the starts seen on the way are added: after
/// one pass, showing another neuron reads only its own documents. Never on the GUI thread.
Expected<CorpusContext> readCorpusContext(const BpeTokenizer& tokenizer, const QString& corpusPath,
                                          const std::vector<ContextRequest>& requests, int span,
                                          DocumentStarts* starts = nullptr);

/// A row as the window alone shows it, widened to the centred span: tokens outside the window
/// get NaN activation and simulation (the model did not read them with this window), tokens of
/// the window beyond the span are left out, the peak and the marks move with the tokens.
void centreOnPeak(ExemplarModel::Row& row, const WindowContext& context, const TokenTable& table);

/// Reads corpus context on a pool thread; answers for an older generation are dropped by the caller.
class CorpusContextLoader final : public QObject {
    Q_OBJECT
public:
    CorpusContextLoader(std::shared_ptr<const LanguageModel> model, QString corpusPath, QObject* parent = nullptr);
    void load(quint64 generation, std::vector<ContextRequest> requests, int span);

Q_SIGNALS:
    void loaded(quint64 generation, const ns::CorpusContext& context);
    void failed(quint64 generation, const QString& message);

private:
    struct Answer {
        quint64 generation = 0;
        CorpusContext context;
        QString error;
    };
    /// Shared with the reads running on the pool (a newer one may start before an older ends).
    struct SharedStarts {
        std::mutex mutex;
        DocumentStarts starts;
    };
    std::shared_ptr<const LanguageModel> m_model;
    QString m_corpus;
    std::shared_ptr<SharedStarts> m_starts = std::make_shared<SharedStarts>();
    QFutureWatcher<Answer> m_watcher;
};

}  // namespace ns
