#include "report_writer.h"

#include "charts.h"
#include "plot.h"
#include "report_layout.h"
#include "token_strip_delegate.h"

#include "agents/token_table.h"
#include "interchange/decided_explanation.h"
#include "model/language_model.h"
#include "store/decisions.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QPainter>
#include <QPdfWriter>

#include <algorithm>
#include <numeric>

namespace ns {
namespace {

const QColor kGrey(70, 70, 70);
const QColor kRejected(150, 150, 150);

QString shortHash(const QString& h) { return h.isEmpty() ? QStringLiteral("hash not given") : h.left(12); }

QString identity(const QString& name, const QString& path, const QString& hash) {
    if (path.isEmpty() && hash.isEmpty()) return name;
    return QStringLiteral("%1  (%2, %3)").arg(name, QDir::toNativeSeparators(path), shortHash(hash));
}

QString score(const std::optional<double>& v) { return v ? QString::number(*v, 'f', 3) : QStringLiteral("n/a"); }

void head(ReportLayout& page, const ReportHeader& h, const LoopResult& r) {
    page.text(QStringLiteral("NeuronScope: neuron %1").arg(r.neuron), 16, true);
    page.text(QStringLiteral("Model: %1\nCorpus: %2\nBackend: %3    Date: %4    Run %5, seed %6")
                  .arg(identity(h.model, h.modelPath, h.modelHash), identity(h.corpus, h.corpusPath, h.corpusHash),
                       r.backend.isEmpty() ? h.backend : r.backend, h.date.toString(QStringLiteral("yyyy-MM-dd HH:mm t")))
                  .arg(r.runId)
                  .arg(r.seed),
              8, false, kGrey);
}

/// The whole explanation beside single-pass at the same length, and as decided.
void headline(ReportLayout& page, const NeuronReport& nr, const std::vector<Review>& reviews) {
    const LoopResult& r = nr.result;
    if (!r.testScored) {
        page.text(QStringLiteral("Not scored on test: the run stopped (%1).").arg(r.stopped), 9.5, true);
        return;
    }
    const QFont f = ReportLayout::font(8.5), b = ReportLayout::font(8.5, true);
    const std::vector<double> w{0.52, 0.16, 0.32};
    page.row({{QStringLiteral("Test correlation (Pearson over every test token)"), b}, {QStringLiteral("r"), b},
              {QStringLiteral("description length"), b}},
             w);
    page.row({{QStringLiteral("Whole explanation, %1 modes, as proposed").arg(r.modes.size()), f}, {score(r.loop.score), b},
              {QString::number(r.loop.length), f}},
             w);
    page.row({{QStringLiteral("Single-pass at equal length (one explanation, same budget)"), f}, {score(r.baseline.score), f},
              {QString::number(r.baseline.length), f}},
             w);
    page.row({{QStringLiteral("Whole explanation on the random exemplars alone"), f}, {score(r.loop.randomScore), f}, {QString(), f}}, w);
    const auto ofRun = decisionsOfRun(reviews, r.runId);
    const bool changed = std::any_of(ofRun.begin(), ofRun.end(), [](const Review& v) {
        return v.status == decision::edited || v.status == decision::rejected;
    });
    if (changed) {
        const auto whole = decidedWholeScore(r, reviews);
        page.row({{QStringLiteral("Whole explanation as decided (edits in, rejected modes out)"), f},
                  {whole ? score(whole) : QStringLiteral("not scored"), b},
                  {whole ? QString() : QStringLiteral("a text-only edit needs the LLM simulator"), f}},
                 w);
    }
    page.space(30);
}

/// Label, sentence, status and test r of each mode; rejected modes greyed and marked.
void modes(ReportLayout& page, const NeuronReport& nr, const std::vector<Review>& reviews) {
    const LoopResult& r = nr.result;
    auto decided = decidedModes(r.modes, nr.decided);
    std::vector<const DecidedMode*> decidedOf(r.modes.size(), nullptr);
    if (decided)
        for (const DecidedMode& d : *decided) decidedOf[static_cast<size_t>(d.mode)] = &d;
    const std::vector<double> w{0.6, 0.18, 0.22};
    const QFont b = ReportLayout::font(8, true);
    page.row({{QStringLiteral("Mode: label, then the explanation"), b}, {QStringLiteral("Status"), b},
              {QStringLiteral("Test r (test exemplars)"), b}},
             w);
    int rejected = 0;
    for (size_t m = 0; m < r.modes.size(); ++m) {
        const ModeResult& mode = r.modes[m];
        const Review d = m < nr.decided.size() ? nr.decided[m] : Review{};
        const DecidedMode* now = decidedOf[m];
        const bool isRejected = d.status == decision::rejected;
        const bool edited = now && carriesEdit(mode.explanation, d);
        rejected += isRejected;
        const ModeExplanation& shown = edited ? now->explanation : mode.explanation;
        QString status = d.status.isEmpty() ? QStringLiteral("proposed by the agents") : QStringLiteral("%1 by %2").arg(d.status, d.author);
        if (edited && !now->patternChanged) status += QStringLiteral(" (text only)");
        else if (edited) status += QStringLiteral(" (new pattern)");
        QString testR;
        if (isRejected) testR = QStringLiteral("left out (as proposed: %1)").arg(score(mode.score));
        else if (edited)
            // A mode's own r needs the test exemplars the run assigned to it, which the run does
            // not keep: an edit is scored within the whole explanation only.
            testR = scoredDecision(reviews, d).scored && decisionScoreHolds(r.modes, scoredDecision(reviews, d))
                        ? QStringLiteral("scored in the whole as decided")
                        : QStringLiteral("not scored");
        else if (mode.score) testR = QStringLiteral("%1 (%2)").arg(score(mode.score)).arg(mode.exemplarCount);
        else testR = r.testScored ? QStringLiteral("n/a (no test exemplar)") : QStringLiteral("n/a (not scored)");
        const QColor ink = isRejected ? kRejected : QColor(Qt::black);
        // The agents' label names the mode (its cluster) also when a person rewrote its text.
        page.row({{QStringLiteral("Mode %1: %2%3\n%4")
                       .arg(m + 1)
                       .arg(displayLabel(mode.explanation),
                            isRejected ? QStringLiteral("  [rejected]") : edited ? QStringLiteral("  [edited]") : QString(), shown.text),
                   ReportLayout::font(8.5), ink},
                  {status, ReportLayout::font(8), ink},
                  {testR, ReportLayout::font(8.5, !isRejected && !edited && mode.score.has_value()), ink}},
                 w, isRejected ? kRejected : modeColour(static_cast<int>(m)));
    }
    QString note = QStringLiteral("A mode's test r is its explanation on the test exemplars the run's clusterer assigned to it, with the "
                                  "random ones; n/a where none is assigned. Single-pass: %1")
                       .arg(r.baselineExplanation.text);
    if (rejected) note.prepend(QStringLiteral("Rejected modes (greyed) are not part of the explanation as decided. "));
    page.space(10);
    page.text(note, 7.5, false, kGrey);
}

void imported(ReportLayout& page, const NeuronReport& nr) {
    if (nr.imported.empty()) return;
    page.text(QStringLiteral("Written elsewhere, scored by NeuronScope on the same test split"), 9.5, true);
    for (const ImportedExplanation& e : nr.imported) {
        const QString by = e.explainer.isEmpty() ? e.format : QStringLiteral("%1, %2").arg(e.explainer, e.format);
        const QString theirs = e.reportedScore ? QStringLiteral("; their r = %1").arg(*e.reportedScore, 0, 'f', 3) : QString();
        const QString ours = e.score ? QStringLiteral("test r = %1").arg(*e.score, 0, 'f', 3) : QStringLiteral("not scored");
        page.text(QStringLiteral("%1 (%2%3): %4").arg(by, ours, theirs, e.text), 8.5);
    }
}

void charts(ReportLayout& page, const NeuronReport& nr) {
    const LoopResult& r = nr.result;
    QCustomPlot refinement;
    refinement.resize(900, 330);
    drawRefinement(refinement, RefinementSeries::of(r), QStringLiteral("No refinement iteration was kept"));
    page.charts({&refinement},
                {QStringLiteral("Refinement: valid correlation of the whole explanation and of each mode per iteration; dashed, "
                                "single-pass on valid. Negative values are drawn below 0.")},
                page.width() * 33 / 90);
    QCustomPlot hist, map;
    hist.resize(620, 420);
    map.resize(620, 420);
    drawHistogram(hist, nr.record.histogram);
    drawClusterMap(map, r.points, QStringLiteral("No component was placed on the map"));
    page.charts({&hist, &map},
                {QStringLiteral("Activations of every corpus token, counts on a log scale."),
                 QStringLiteral("Modes map: the atomic components of the training exemplars on their first two principal "
                                "components, coloured by mode (counts in the legend).")},
                page.width() * 21 / 90);
}

/// Up to `before` tokens before the peak and `after` after it.
std::pair<int, int> around(int peak, int size, int before, int after) {
    const int from = std::max(0, std::min(peak - before, size - before - after - 1));
    return {from, std::min(size, from + before + after + 1)};
}

void exemplars(ReportLayout& page, const NeuronReport& nr, const TokenTable& table) {
    page.text(QStringLiteral("Top exemplars (each window around its peak, framed; colour on the neuron's maximum %1)")
                  .arg(nr.record.stats.max, 0, 'f', 2),
              10, true);
    const float scale = static_cast<float>(std::max(1e-6, nr.record.stats.max));
    int shown = 0;
    for (const Exemplar& ex : nr.record.top) {
        if (!ex.window || shown == 8) continue;
        const int size = static_cast<int>(ex.window->tokens.size());
        const auto [from, to] = around(ex.maxIndex, size, 26, 14);
        QStringList tokens;
        std::vector<float> acts;
        for (int i = from; i < to; ++i) {
            const int id = ex.window->tokens[static_cast<size_t>(i)];
            tokens << (id >= 0 && id < table.vocabSize() ? table.text(id) : QString());
            acts.push_back(static_cast<size_t>(i) < ex.activations.size() ? ex.activations[static_cast<size_t>(i)] : 0.f);
        }
        ++shown;
        page.tokens(QStringLiteral("#%1   max %2 at \u201C%3\u201D   doc %4, window %5")
                        .arg(shown)
                        .arg(ex.max, 0, 'f', 2)
                        .arg(TokenStripDelegate::shown(tokens.value(ex.maxIndex - from)))
                        .arg(ex.window->document)
                        .arg(ex.window->id),
                    tokens, acts, scale, ex.maxIndex - from);
    }
    if (shown == 0) page.text(QStringLiteral("No top exemplar is stored for this neuron."), 8.5, false, kGrey);
}

void outputs(ReportLayout& page, const ReportHeader& h, const NeuronReport& nr, const TokenTable& table) {
    // A calibration neuron (no layer) has no output weights.
    if (!h.languageModel || nr.record.layer < 0 || nr.record.neuron < 0) return;
    auto out = outputTokens(*h.languageModel, nr.record.layer, nr.record.neuron, 10);
    if (!out) {
        page.text(QStringLiteral("Output weights: %1").arg(out.error()), 8, false, kGrey);
        return;
    }
    auto list = [&](const std::vector<std::pair<float, int>>& v) {
        QStringList s;
        for (const auto& [logit, id] : v)
            s << QStringLiteral("%1 %2").arg(quotedToken(id >= 0 && id < table.vocabSize() ? table.text(id) : QString())).arg(logit, 0, 'f', 2);
        return s.join(QStringLiteral(",  "));
    };
    page.text(QStringLiteral("Output weights through the unembedding (logit contribution, LayerNorm left out)"), 10, true);
    page.text(QStringLiteral("Promoted: %1").arg(list(out->promoted)), 8.5);
    page.text(QStringLiteral("Suppressed: %1").arg(list(out->suppressed)), 8.5);
}

}  // namespace

ReportHeader reportHeader(const LanguageModel& model, const QString& corpusPath, const QString& corpusHash, const QString& backend) {
    ReportHeader h;
    h.model = QFileInfo(model.directory()).fileName();
    h.modelPath = QFileInfo(model.directory()).absoluteFilePath();
    h.modelHash = model.fingerprint();
    h.corpus = QFileInfo(corpusPath).fileName();
    h.corpusPath = QFileInfo(corpusPath).absoluteFilePath();
    h.corpusHash = corpusHash;
    h.backend = backend;
    h.languageModel = &model;
    return h;
}

Expected<OutputTokens> outputTokens(const LanguageModel& model, int layer, int neuron, size_t count) {
    auto logits = model.outputLogits(layer, neuron);
    if (!logits) return Error{logits.error()};
    std::vector<int> order(logits->size());
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](int a, int b) { return (*logits)[static_cast<size_t>(a)] > (*logits)[static_cast<size_t>(b)]; });
    OutputTokens out;
    for (size_t i = 0; i < count && 2 * i < order.size(); ++i) {
        const int top = order[i], bottom = order[order.size() - 1 - i];
        out.promoted.emplace_back((*logits)[static_cast<size_t>(top)], top);
        out.suppressed.emplace_back((*logits)[static_cast<size_t>(bottom)], bottom);
    }
    return out;
}

QString quotedToken(const QString& token) {
    QString shown = TokenStripDelegate::shown(token);
    if (!token.isEmpty() && token.trimmed().isEmpty() && !token.contains(QLatin1Char('\n')) && !token.contains(QLatin1Char('\t')))
        shown.replace(QLatin1Char(' '), QChar(0x2423));  // open box: a token of spaces alone
    return QStringLiteral("\u201C%1\u201D").arg(shown);
}

Expected<void> writeReport(const QString& path, const ReportHeader& header, const std::vector<NeuronReport>& neurons,
                           const TokenTable& table, const std::function<bool(int, int)>& progress) {
    QPdfWriter writer(path);
    writer.setPageSize(QPageSize(QPageSize::A4));
    writer.setPageMargins(QMarginsF(15, 15, 15, 15), QPageLayout::Millimeter);
    writer.setResolution(300);
    writer.setTitle(QStringLiteral("NeuronScope report"));
    writer.setCreator(QStringLiteral("NeuronScope"));
    QPainter painter;
    if (!painter.begin(&writer)) return makeError(QStringLiteral("%1: cannot write the PDF").arg(path));
    ReportLayout page(writer, painter);
    for (size_t n = 0; n < neurons.size(); ++n) {
        const NeuronReport& nr = neurons[n];
        // A neuron starts on a new page unless a good part of the page is still free: no page
        // is left mostly blank between two neurons.
        page.breakUnlessFree(0.3);
        if (n > 0 && page.remaining() < page.pageHeight()) page.space(60);
        std::vector<Review> reviews = nr.reviews;
        if (reviews.empty()) {
            // Only the latest decision per mode was given: in the order they were made.
            for (const Review& v : nr.decided)
                if (!v.status.isEmpty()) reviews.push_back(v);
            std::sort(reviews.begin(), reviews.end(), [](const Review& a, const Review& b) { return a.id < b.id; });
        }
        head(page, header, nr.result);
        headline(page, nr, reviews);
        modes(page, nr, reviews);
        imported(page, nr);
        charts(page, nr);
        exemplars(page, nr, table);
        outputs(page, header, nr, table);
        if (progress && !progress(static_cast<int>(n + 1), static_cast<int>(neurons.size()))) {
            painter.end();
            QFile::remove(path);
            return makeError(QStringLiteral("cancelled"));
        }
    }
    if (!painter.end()) return makeError(QStringLiteral("%1: cannot finish the PDF").arg(path));
    if (QFileInfo(path).size() == 0) return makeError(QStringLiteral("%1: the PDF is empty").arg(path));
    return {};
}

}  // namespace ns
