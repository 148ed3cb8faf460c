#include "explanation_panel.h"

#include "neuron_document.h"

#include "agents/pattern.h"
#include "interchange/decided_explanation.h"
#include "store/decisions.h"

#include <QDialog>
#include <QFontDatabase>
#include <QDialogButtonBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QListWidget>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QTableWidget>
#include <QVBoxLayout>

#include <algorithm>

namespace ns {
namespace {

QString scoreText(const std::optional<double>& v) { return v ? QString::number(*v, 'f', 3) : QObject::tr("n/a"); }

}  // namespace

ExplanationPanel::ExplanationPanel(QWidget* parent) : DocumentPage(parent) {
    auto* layout = new QVBoxLayout(this);
    m_scores = new QLabel(this);
    m_scores->setTextFormat(Qt::PlainText);
    m_scores->setWordWrap(true);
    layout->addWidget(m_scores);
    m_table = new QTableWidget(0, 6, this);
    m_table->setHorizontalHeaderLabels({tr("Mode"), tr("Explanation"), tr("Test r"), tr("Exemplars"), tr("Status"), tr("By")});
    m_table->horizontalHeader()->setSectionResizeMode(1, QHeaderView::Stretch);
    m_table->setWordWrap(true);
    m_table->verticalHeader()->setVisible(false);
    // Rows follow the wrapped text as the column width changes.
    m_table->verticalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    for (int c : {0, 2, 3, 4}) m_table->horizontalHeader()->setSectionResizeMode(c, QHeaderView::ResizeToContents);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    layout->addWidget(m_table, 3);
    auto* buttons = new QHBoxLayout();
    m_approve = new QPushButton(tr("&Approve"), this);
    m_approve->setToolTip(tr("Approve the selected mode's explanation (Ctrl+Shift+A)"));
    m_approve->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_A));
    m_edit = new QPushButton(tr("E&dit..."), this);
    m_edit->setToolTip(tr("Edit the text (and the pattern) of the selected mode; re-scored on the run's test split"));
    m_reject = new QPushButton(tr("&Reject"), this);
    m_reject->setToolTip(tr("Reject the selected mode's explanation"));
    buttons->addWidget(m_approve);
    buttons->addWidget(m_edit);
    buttons->addWidget(m_reject);
    buttons->addStretch(1);
    layout->addLayout(buttons);
    layout->addWidget(new QLabel(tr("History of the selected mode"), this));
    m_history = new QListWidget(this);
    m_history->setWordWrap(true);
    layout->addWidget(m_history, 1);
    m_importedLabel = new QLabel(tr("Written elsewhere (File > Import explanations), scored on the same test split"), this);
    layout->addWidget(m_importedLabel);
    m_imported = new QTableWidget(0, 4, this);
    m_imported->setHorizontalHeaderLabels({tr("Written by"), tr("Explanation"), tr("Their r"), tr("r on test")});
    m_imported->horizontalHeader()->setSectionResizeMode(1, QHeaderView::Stretch);
    for (int c : {0, 2, 3}) m_imported->horizontalHeader()->setSectionResizeMode(c, QHeaderView::ResizeToContents);
    m_imported->verticalHeader()->setVisible(false);
    m_imported->verticalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_imported->setWordWrap(true);
    m_imported->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_imported->horizontalHeaderItem(2)->setToolTip(tr("The score its file reports (that tool's simulator and split)"));
    m_imported->horizontalHeaderItem(3)->setToolTip(tr("NeuronScope's simulator on this neuron's test split, as the explanation above"));
    layout->addWidget(m_imported, 1);
    m_importedLabel->setVisible(false);
    m_imported->setVisible(false);
    auto report = [this](const Expected<void>& r) {
        if (!r) QMessageBox::warning(this, tr("NeuronScope"), r.error());
    };
    connect(m_approve, &QPushButton::clicked, this, [this, report] { report(approve(selectedMode())); });
    connect(m_reject, &QPushButton::clicked, this, [this, report] { report(reject(selectedMode())); });
    connect(m_edit, &QPushButton::clicked, this, &ExplanationPanel::openEditor);
    connect(m_table, &QTableWidget::itemSelectionChanged, this, &ExplanationPanel::showHistory);
    refresh();
}

void ExplanationPanel::observe(NeuronDocument* doc) {
    m_pending.clear();
    if (doc) {
        follow(&NeuronDocument::resultChanged, [this] {
            m_pending.clear();
            refresh();
            if (m_table->rowCount() > 0) m_table->selectRow(0);
        });
        follow(&NeuronDocument::reviewsChanged, [this] { refresh(); });
        follow(&NeuronDocument::importedChanged, [this] { showImported(); });
    }
    refresh();
    if (m_table->rowCount() > 0) m_table->selectRow(0);
    showImported();
}

void ExplanationPanel::showImported() {
    static const std::vector<ImportedExplanation> none;
    const auto& rows = document() ? document()->imported() : none;
    m_imported->setRowCount(static_cast<int>(rows.size()));
    const auto score = [](const std::optional<double>& v) { return v ? QString::number(*v, 'f', 3) : QString(); };
    for (size_t i = 0; i < rows.size(); ++i) {
        const ImportedExplanation& e = rows[i];
        const QString by = e.explainer.isEmpty() ? e.format : QStringLiteral("%1 (%2)").arg(e.explainer, e.format);
        const QString tested = e.score ? score(e.score) : tr("not scored");
        const QStringList cells{by, e.text, score(e.reportedScore), tested};
        for (int c = 0; c < cells.size(); ++c) {
            auto* item = new QTableWidgetItem(cells[c]);
            // Free text needs an LLM simulator: Settings > backend, then import again.
            item->setToolTip(e.note.isEmpty() ? tr("from %1, %2").arg(e.origin, e.createdAt)
                                              : tr("from %1, %2\n%3").arg(e.origin, e.createdAt, e.note));
            m_imported->setItem(static_cast<int>(i), c, item);
        }
    }
    m_importedLabel->setVisible(!rows.empty());
    m_imported->setVisible(!rows.empty());
}

int ExplanationPanel::selectedMode() const {
    const auto rows = m_table->selectionModel()->selectedRows();
    return rows.isEmpty() ? -1 : rows.first().row();
}

std::vector<Review> ExplanationPanel::latest() const { return document() ? document()->latestDecisions() : std::vector<Review>{}; }

void ExplanationPanel::refresh() {
    const NeuronDocument* doc = document();
    const bool shown = doc && doc->result();
    // Decisions need a stored run of a real neuron.
    const bool decidable = shown && !doc->target().synthetic() && doc->result()->runId > 0;
    for (QPushButton* b : {m_approve, m_edit, m_reject}) b->setEnabled(decidable);
    if (!shown) {
        m_table->setRowCount(0);
        m_history->clear();
        m_scores->setText(doc && doc->job() != NeuronDocument::Job::None ? tr("Explaining: %1").arg(doc->jobStep())
                                                                         : tr("Not explained yet: press Explain."));
        return;
    }
    const LoopResult& r = *doc->result();
    const auto decided = latest();
    m_scores->setText(headline(r, doc->reviews()));
    auto asDecided = decidedModes(r.modes, decided);
    std::vector<const DecidedMode*> decidedOf(r.modes.size(), nullptr);
    if (asDecided)
        for (const DecidedMode& d : *asDecided) decidedOf[static_cast<size_t>(d.mode)] = &d;
    const int selected = selectedMode();
    m_table->setRowCount(static_cast<int>(r.modes.size()));
    for (size_t m = 0; m < r.modes.size(); ++m) {
        const int row = static_cast<int>(m);
        const ModeResult& mode = r.modes[m];
        const Review& d = decided[m];
        const DecidedMode* now = decidedOf[m];
        const bool edited = now && carriesEdit(mode.explanation, d);
        const QString sentence = edited ? d.text : mode.explanation.text;
        const auto [score, why] = modeScoreCell(r, mode, d, now, m_pending.count(row) > 0);
        // The agents' label names the mode (its cluster) also when a person rewrote its text.
        const QString shown = displayLabel(mode.explanation) + (edited ? tr("  [edited]") : QString()) + QLatin1Char('\n') + sentence;
        const QStringList cells{QString::number(m + 1), shown, score,
                                QString::number(mode.exemplarCount), d.status.isEmpty() ? tr("proposed") : d.status,
                                d.status.isEmpty() ? tr("agent") : tr("%1, %2").arg(d.author, d.createdAt)};
        for (int c = 0; c < cells.size(); ++c) m_table->setItem(row, c, new QTableWidgetItem(cells[c]));
        m_table->item(row, 1)->setToolTip(edited ? tr("The agents' label of this mode, then the text as a person edited it")
                                                 : tr("Label (at most %1 words), then the explanation").arg(kMaxLabelWords));
        m_table->item(row, 2)->setToolTip(why);
        m_table->item(row, 3)->setToolTip(tr("Test exemplars the run's clusterer assigns to this mode"));
        if (d.status == decision::rejected)
            for (int c = 0; c < cells.size(); ++c) m_table->item(row, c)->setForeground(palette().color(QPalette::Disabled, QPalette::Text));
    }
    m_table->resizeRowsToContents();
    if (selected >= 0 && selected < m_table->rowCount()) m_table->selectRow(selected);
    showHistory();
}

QString ExplanationPanel::headline(const LoopResult& r, const std::vector<Review>& reviews) const {
    QString text;
    if (!r.testScored)
        text = tr("%1: not scored on test (the run stopped: %2; %3 backend)").arg(r.neuron, r.stopped, r.backend);
    else
        text = tr("%1 on test: r = %2 for the whole explanation as proposed; single-pass %3 at equal length; random exemplars "
                  "alone %4 (%5 backend)%6")
                   .arg(r.neuron)
                   .arg(r.loop.score, 0, 'f', 3)
                   .arg(r.baseline.score, 0, 'f', 3)
                   .arg(r.loop.randomScore, 0, 'f', 3)
                   .arg(r.backend, r.stopped.isEmpty() ? QString() : tr("; partial: %1").arg(r.stopped));
    const auto ofRun = decisionsOfRun(reviews, r.runId);
    const bool changed = std::any_of(ofRun.begin(), ofRun.end(), [](const Review& v) {
        return v.status == decision::edited || v.status == decision::rejected;
    });
    if (!changed) return text;
    const auto whole = decidedWholeScore(r, reviews);
    return text + QLatin1Char('\n') +
           (whole ? tr("As decided (edits in, rejected modes out): r = %1 for the whole explanation").arg(*whole, 0, 'f', 3)
                  : tr("As decided (edits in, rejected modes out): the whole explanation is not scored (a text-only edit needs "
                       "the LLM simulator: Settings > Backend)"));
}

std::pair<QString, QString> ExplanationPanel::modeScoreCell(const LoopResult& r, const ModeResult& mode, const Review& d,
                                                            const DecidedMode* decided, bool pending) const {
    if (pending) return {tr("scoring..."), tr("The decision is being kept (and the explanation scored with it)")};
    if (d.status == decision::rejected)
        return {tr("rejected"), tr("Left out of the explanation; as proposed it scored %1").arg(scoreText(mode.score))};
    if (!decided || !carriesEdit(mode.explanation, d)) {
        if (mode.score) return {scoreText(mode.score), tr("This mode on its %1 test exemplars and the random ones").arg(mode.exemplarCount)};
        if (!r.testScored) return {tr("n/a"), tr("The run was not scored on test")};
        return {tr("n/a"), tr("No test exemplar is assigned to this mode: a score on random exemplars alone would say nothing about it")};
    }
    // An edit's own score would need the test exemplars the run's clusterer assigned to the
    // mode, which the run does not keep: the edit is scored within the whole explanation only.
    // An approval of an edit stands on the edit's score.
    const Review edit = scoredDecision(document()->reviews(), d);
    const bool holds = edit.scored && decisionScoreHolds(r.modes, edit);
    if (!decided->patternChanged)
        return holds ? std::pair{tr("edited text, scored in whole"),
                                 tr("Only the text changed; the LLM simulator scored it within the whole explanation (above)")}
                     : std::pair{tr("not scored"), tr("Only the text changed: the agents' pattern no longer describes it, and "
                                                      "free text needs the LLM simulator (Settings > Backend) to be scored")};
    return holds ? std::pair{tr("edited, scored in whole"),
                             tr("The new pattern is scored within the whole explanation (above); a mode's own r needs the test "
                                "exemplars the run assigned to it, which the run does not keep")}
                 : std::pair{tr("not scored"), tr("Not scored when it was kept: another mode's text-only edit left the whole "
                                                  "explanation without an offline simulation. The line above gives the whole as "
                                                  "decided now")};
}

void ExplanationPanel::showHistory() {
    m_history->clear();
    const int mode = selectedMode();
    const NeuronDocument* doc = document();
    if (mode < 0 || !doc || !doc->result() || static_cast<size_t>(mode) >= doc->result()->modes.size()) return;
    const LoopResult& r = *doc->result();
    m_history->addItem(tr("proposed by the agents (%1): %2").arg(r.backend, r.modes[static_cast<size_t>(mode)].explanation.text));
    for (const Review& v : doc->reviews()) {
        if (v.mode != mode) continue;
        // Decisions about earlier runs stay in the history, marked; they do not apply to this run.
        const bool thisRun = v.explanationId == r.runId;
        const bool changes = v.status == decision::edited || v.status == decision::rejected;
        const bool holds = v.scored && (!thisRun || decisionScoreHolds(r.modes, v));
        const QString scored = !changes ? QString()
                               : holds  ? tr(" (whole explanation with it: r = %1)").arg(v.score, 0, 'f', 3)
                                        : tr(" (not scored)");
        const QString run = thisRun ? QString() : tr(" [about an earlier run]");
        m_history->addItem(tr("%1 by %2 at %3%4: %5%6").arg(v.status, v.author, v.createdAt, scored, v.text, run));
    }
}

Expected<void> ExplanationPanel::decide(int mode, const QString& status, const QString& text, const QString& pattern, bool rescore) {
    const NeuronDocument* doc = document();
    if (!doc || !doc->result() || doc->target().synthetic() || doc->result()->runId <= 0)
        return makeError(tr("Explain the neuron first."));
    const LoopResult& r = *doc->result();
    if (mode < 0 || static_cast<size_t>(mode) >= r.modes.size()) return makeError(tr("Select a mode first."));
    if (m_pending.count(mode)) return makeError(tr("The last decision about mode %1 is still being kept.").arg(mode + 1));
    Review v;
    // The frame fills in the model and corpus hashes.
    v.layer = doc->target().layer;
    v.neuron = doc->target().neuron;
    v.mode = mode;
    v.status = status;
    v.text = text;
    v.pattern = pattern;
    v.author = QStringLiteral("person");
    v.explanationId = r.runId;
    std::vector<ModeExplanation> whole;
    if (rescore) {
        // The whole explanation with this decision in it, each other mode as it stands now (a
        // rejected one left out).
        std::vector<Review> withThis = latest();
        withThis[static_cast<size_t>(mode)] = v;
        auto decided = decidedModes(r.modes, withThis);
        if (!decided) return Error{decided.error()};
        for (const DecidedMode& d : *decided) whole.push_back(d.explanation);
        // Every mode rejected: nothing is left to score.
        rescore = !whole.empty();
    }
    m_pending.insert(mode);
    refresh();
    Q_EMIT decisionRequested(doc->target(), v, whole, rescore);
    return {};
}

void ExplanationPanel::settle(const ExplainTarget& target, int mode) {
    const NeuronDocument* doc = document();
    if (!doc || DocumentSet::keyOf(doc->target()) != DocumentSet::keyOf(target)) return;
    m_pending.erase(mode);
    refresh();
}

Expected<void> ExplanationPanel::approve(int mode) {
    const NeuronDocument* doc = document();
    if (!doc || !doc->result() || mode < 0 || static_cast<size_t>(mode) >= doc->result()->modes.size())
        return makeError(tr("Select a mode first."));
    const Review last = latest()[static_cast<size_t>(mode)];
    const bool edited = carriesEdit(doc->result()->modes[static_cast<size_t>(mode)].explanation, last);
    return decide(mode, decision::approved, edited ? last.text : doc->result()->modes[static_cast<size_t>(mode)].explanation.text,
                  edited ? last.pattern : QString(), false);
}

Expected<void> ExplanationPanel::reject(int mode) {
    const NeuronDocument* doc = document();
    if (!doc || !doc->result() || mode < 0 || static_cast<size_t>(mode) >= doc->result()->modes.size())
        return makeError(tr("Select a mode first."));
    // Leaving a mode out changes the whole explanation: it is scored again without it.
    return decide(mode, decision::rejected, doc->result()->modes[static_cast<size_t>(mode)].explanation.text, {}, true);
}

Expected<void> ExplanationPanel::edit(int mode, const QString& text, const QString& patternJson) {
    const NeuronDocument* doc = document();
    if (!doc || !doc->result() || mode < 0 || static_cast<size_t>(mode) >= doc->result()->modes.size())
        return makeError(tr("Select a mode first."));
    if (text.trimmed().isEmpty()) return makeError(tr("An explanation needs some text."));
    const ModeExplanation& proposed = doc->result()->modes[static_cast<size_t>(mode)].explanation;
    QString pattern = patternJson.trimmed();
    if (!pattern.isEmpty()) {
        auto p = patternFromJson(nlohmann::json::parse(pattern.toStdString(), nullptr, false));
        if (!p) return makeError(tr("The pattern is not valid: %1").arg(p.error()));
        pattern = QString::fromStdString(patternToJson(*p).dump());
    }
    Review asEdited;
    asEdited.status = decision::edited;
    asEdited.pattern = pattern;
    // The agents' pattern kept with a new text no longer describes it: the edit is text only,
    // scored by the LLM simulator when one is set, else shown as not scored.
    if (!editChangesPattern(proposed, asEdited)) {
        if (text.trimmed() == proposed.text) return makeError(tr("Nothing was changed: edit the text or the pattern."));
        pattern.clear();
    }
    return decide(mode, decision::edited, text.trimmed(), pattern, true);
}

void ExplanationPanel::openEditor() {
    const int mode = selectedMode();
    const NeuronDocument* doc = document();
    if (!doc || !doc->result() || mode < 0 || static_cast<size_t>(mode) >= doc->result()->modes.size()) return;
    const Review last = latest()[static_cast<size_t>(mode)];
    const ModeExplanation& m = doc->result()->modes[static_cast<size_t>(mode)].explanation;
    const bool edited = carriesEdit(m, last);
    QDialog dialog(this);
    dialog.setWindowTitle(tr("Edit mode %1: %2").arg(mode + 1).arg(displayLabel(m)));
    auto* layout = new QVBoxLayout(&dialog);
    layout->addWidget(new QLabel(tr("Explanation"), &dialog));
    auto* text = new QPlainTextEdit(edited ? last.text : m.text, &dialog);
    layout->addWidget(text);
    auto* patternNote = new QLabel(tr("Pattern (JSON), what the offline simulator runs. Change it to have the edit scored; "
                                      "with the pattern left as it is, only the text changed: the edit is then scored by the "
                                      "LLM simulator when one is set (Settings > Backend), else not scored."),
                                   &dialog);
    patternNote->setWordWrap(true);
    layout->addWidget(patternNote);
    const QString pattern = edited && !last.pattern.isEmpty() ? QString::fromStdString(nlohmann::json::parse(last.pattern.toStdString(), nullptr, false).dump(2))
                            : m.pattern ? QString::fromStdString(patternToJson(*m.pattern).dump(2)) : QString();
    auto* patternEdit = new QPlainTextEdit(pattern, &dialog);
    patternEdit->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    layout->addWidget(patternEdit, 1);
    auto* box = new QDialogButtonBox(QDialogButtonBox::Save | QDialogButtonBox::Cancel, &dialog);
    layout->addWidget(box);
    connect(box, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
    connect(box, &QDialogButtonBox::accepted, &dialog, [&] {
        auto r = edit(mode, text->toPlainText(), patternEdit->toPlainText());
        if (!r) QMessageBox::warning(&dialog, tr("NeuronScope"), r.error());
        else dialog.accept();
    });
    dialog.resize(640, 480);
    dialog.exec();
}

}  // namespace ns
