#pragma once

#include "activations/neuron_record.h"
#include "agents/loop_types.h"
#include "store/cache_db.h"
#include "util/expected.h"

#include <QDateTime>
#include <QString>

#include <functional>
#include <utility>
#include <vector>

namespace ns {

class LanguageModel;
class TokenTable;

/// One neuron's section of a report.
struct NeuronReport {
    NeuronRecord record;
    LoopResult result;            ///< the stored run (loopResultOf)
    std::vector<Review> decided;  ///< the latest decision per mode (empty status: as proposed)
    std::vector<Review> reviews;  ///< every decision about the neuron, oldest first (for the score as decided); may be empty
    std::vector<ImportedExplanation> imported;  ///< explanations other tools wrote, scored on the same split
};

/// Who and what a report is about. The first three are names; the rest, when given, identify
/// them (reportHeader fills every field).
struct ReportHeader {
    QString model, corpus, backend;
    QDateTime date = QDateTime::currentDateTime();
    QString modelPath, modelHash, corpusPath, corpusHash;
    /// For the tokens the neurons' output weights promote and suppress (left out without it).
    const LanguageModel* languageModel = nullptr;
};

/// The header of a report on `model` over the corpus at `corpusPath` (SHA-256 `corpusHash`).
ReportHeader reportHeader(const LanguageModel& model, const QString& corpusPath, const QString& corpusHash, const QString& backend);

/// The tokens a neuron's output weights promote most and suppress most through the
/// unembedding, (logit, token) each, `count` of each.
struct OutputTokens {
    std::vector<std::pair<float, int>> promoted, suppressed;
};
Expected<OutputTokens> outputTokens(const LanguageModel& model, int layer, int neuron, size_t count);
/// A token as a report quotes it: in quotes, line breaks and tabs as symbols, and a token of
/// spaces alone with each space shown, so that leading spaces and blank tokens can be read.
QString quotedToken(const QString& token);

/// Writes a PDF: a page head naming model and corpus (name, path, short hash), backend and
/// date; for each neuron the whole explanation's test r beside single-pass at equal length
/// (and as decided, when modes were edited or rejected), a table of its modes (label,
/// sentence, status, test r with its number of test exemplars; rejected modes greyed and
/// marked), explanations imported from other tools, the refinement chart, the activation
/// histogram and the modes map, each with a caption, its top exemplars with their maximum and
/// the peak token framed, and the tokens its output weights promote and suppress, quoted.
/// Text stays text (searchable, extractable). Needs a QGuiApplication (offscreen does).
/// `progress(done, total)` is called after each neuron; returning false cancels (the file is
/// removed).
Expected<void> writeReport(const QString& pdfPath, const ReportHeader& header, const std::vector<NeuronReport>& neurons,
                           const TokenTable& table, const std::function<bool(int, int)>& progress = {});

}  // namespace ns
