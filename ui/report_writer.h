#pragma once

#include "activations/neuron_record.h"
#include "agents/loop_types.h"
#include "store/cache_db.h"
#include "util/expected.h"

#include <QDateTime>
#include <QString>

#include <functional>
#include <vector>

namespace ns {

class TokenTable;

/// One neuron's section of a report.
struct NeuronReport {
    NeuronRecord record;
    LoopResult result;            ///< the stored run (loopResultOf)
    std::vector<Review> decided;  ///< the latest decision per mode (empty status: as proposed)
    std::vector<ImportedExplanation> imported;  ///< explanations other tools wrote, scored on the same split
};

struct ReportHeader {
    QString model, corpus, backend;
    QDateTime date = QDateTime::currentDateTime();
};

/// Writes a PDF: for each neuron its explanations (label, sentence, status and score beside the
/// single-pass baseline, and those imported from other tools), the refinement chart, the activation histogram, the cluster map of its modes and
/// its top exemplars with token highlighting. Text stays text (searchable, extractable).
/// Needs a QGuiApplication (the offscreen platform does).
/// `progress(done, total)` is called after each neuron; returning false cancels (the file is
/// removed).
Expected<void> writeReport(const QString& pdfPath, const ReportHeader& header, const std::vector<NeuronReport>& neurons,
                           const TokenTable& table, const std::function<bool(int, int)>& progress = {});

}  // namespace ns
