#include "explanation_panel.h"

#include "agents/explain_session.h"
#include "agents/pattern.h"
#include "interchange/decided_explanation.h"

#include <QDialog>
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

namespace ns {

ExplanationPanel::ExplanationPanel(CacheDb* db, ExplainSession* session, QString modelHash, QString corpusHash, QWidget* parent)
    : QWidget(parent), m_db(db), m_session(session), m_modelHash(std::move(modelHash)), m_corpusHash(std::move(corpusHash)) {
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
    m_edit->setToolTip(tr("Edit the text (and the pattern) of the selected mode; re-scored on save"));
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
    clear(tr("Not explained yet: press Explain."));
}

void ExplanationPanel::clear(const QString& message) {
    m_result = nlohmann::json();
    m_reviews.clear();
    m_table->setRowCount(0);
    m_history->clear();
    m_scores->setText(message);
    for (QPushButton* b : {m_approve, m_edit, m_reject}) b->setEnabled(false);
}

void ExplanationPanel::setResult(int layer, int neuron, const nlohmann::json& r) {
    m_layer = layer;
    m_neuron = neuron;
    m_result = r;
    for (QPushButton* b : {m_approve, m_edit, m_reject}) b->setEnabled(layer >= 0);
    refresh();
    if (m_table->rowCount() > 0) m_table->selectRow(0);
}

void ExplanationPanel::showImported(int layer, int neuron) {
    std::vector<ImportedExplanation> rows;
    if (m_db && layer >= 0) {
        auto r = m_db->importedExplanations(m_modelHash, m_corpusHash, layer, neuron);
        if (r) rows = std::move(*r);
    }
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

std::vector<Review> ExplanationPanel::latest() const {
    return latestDecisions(m_result.is_object() ? m_result.value("modes", nlohmann::json::array()).size() : 0, m_reviews);
}

void ExplanationPanel::refresh() {
    if (m_db && m_layer >= 0) {
        auto r = m_db->reviews(m_modelHash, m_corpusHash, m_layer, m_neuron);
        m_reviews = r ? *r : std::vector<Review>{};
    }
    const auto& modes = m_result.value("modes", nlohmann::json::array());
    m_scores->setText(tr("%1 on test: r = %2 for the whole explanation; single-pass %3; random exemplars alone %4 (%5 backend)")
                          .arg(QString::fromStdString(m_result.value("neuron", std::string())))
                          .arg(m_result.value("score", 0.0), 0, 'f', 3)
                          .arg(m_result.value("baseline_score", 0.0), 0, 'f', 3)
                          .arg(m_result.value("random_score", 0.0), 0, 'f', 3)
                          .arg(QString::fromStdString(m_result.value("backend", std::string()))));
    const auto decided = latest();
    const int selected = selectedMode();
    m_table->setRowCount(static_cast<int>(modes.size()));
    for (size_t m = 0; m < modes.size(); ++m) {
        const int row = static_cast<int>(m);
        const Review& d = decided[m];
        const bool edited = d.status == QLatin1String("edited");
        const QString text = edited ? d.text : QString::fromStdString(modes[m].value("explanation", std::string()));
        const auto& modeScore = modes[m].value("score", nlohmann::json());
        const QString score = !edited ? (modeScore.is_number() ? QString::number(modeScore.get<double>(), 'f', 3) : tr("n/a"))
                              : d.scored ? tr("%1 (whole, edited)").arg(d.score, 0, 'f', 3)
                                         : tr("not scored");
        const QStringList cells{QString::number(m + 1), text, score, QString::number(modes[m].value("exemplar_count", 0)),
                                d.status.isEmpty() ? tr("proposed") : d.status,
                                d.status.isEmpty() ? tr("agent") : tr("%1, %2").arg(d.author, d.createdAt)};
        for (int c = 0; c < cells.size(); ++c) m_table->setItem(row, c, new QTableWidgetItem(cells[c]));
    }
    m_table->resizeRowsToContents();
    if (selected >= 0 && selected < m_table->rowCount()) m_table->selectRow(selected);
    showHistory();
}

void ExplanationPanel::showHistory() {
    m_history->clear();
    const int mode = selectedMode();
    if (mode < 0) return;
    const auto& modes = m_result.value("modes", nlohmann::json::array());
    if (static_cast<size_t>(mode) < modes.size())
        m_history->addItem(tr("proposed by the agents (%1): %2")
                               .arg(QString::fromStdString(m_result.value("backend", std::string())),
                                    QString::fromStdString(modes[static_cast<size_t>(mode)].value("explanation", std::string()))));
    for (const Review& r : m_reviews)
        if (r.mode == mode)
            m_history->addItem(tr("%1 by %2 at %3%4: %5")
                                   .arg(r.status, r.author, r.createdAt,
                                        r.status == QLatin1String("edited")
                                            ? (r.scored ? tr(" (whole r = %1)").arg(r.score, 0, 'f', 3) : tr(" (not scored)"))
                                            : QString(),
                                        r.text));
}

Expected<void> ExplanationPanel::decide(int mode, const QString& status, const QString& text, const QString& pattern, bool rescore) {
    if (!m_db || m_layer < 0) return makeError(tr("Explain the neuron first."));
    const auto& modes = m_result.value("modes", nlohmann::json::array());
    if (mode < 0 || static_cast<size_t>(mode) >= modes.size()) return makeError(tr("Select a mode first."));
    Review r;
    r.modelHash = m_modelHash;
    r.corpusHash = m_corpusHash;
    r.layer = m_layer;
    r.neuron = m_neuron;
    r.mode = mode;
    r.status = status;
    r.text = text;
    r.pattern = pattern;
    r.author = QStringLiteral("person");
    if (rescore && m_session) {
        // The whole explanation with this decision in it, each other mode as it stands now
        // (a rejected one left out).
        std::vector<Review> withThis = m_reviews;
        withThis.push_back(r);
        auto decided = decidedModes(m_result, withThis);
        if (!decided) return Error{decided.error()};
        std::vector<ModeExplanation> whole;
        nlohmann::json request = nlohmann::json::array();
        bool textOnly = false;
        for (const DecidedMode& d : *decided) {
            const ModeExplanation& e = d.explanation;
            textOnly = textOnly || !e.pattern;
            request.push_back({{"text", e.text.toStdString()}, {"pattern", e.pattern ? patternToJson(*e.pattern) : nlohmann::json()}});
            whole.push_back(e);
        }
        if (textOnly && m_textSimulator) {
            // The LLM simulator is slow: the worker scores it and the decision is kept then.
            const int id = m_nextRequest++;
            m_pending[id] = r;
            m_table->setItem(mode, 2, new QTableWidgetItem(tr("scoring...")));
            Q_EMIT rescoreRequested(id, m_layer, m_neuron, QByteArray::fromStdString(request.dump()), m_result.value("seed", uint64_t(0)));
            return {};
        }
        const ExplainTarget target{m_layer, m_neuron, {}};
        auto score = m_session->rescore(target, whole, m_result.value("seed", uint64_t(0)));
        if (!score) return Error{score.error()};
        r.scored = score->has_value();
        r.score = score->value_or(0.0);
    }
    auto id = m_db->addReview(r);
    if (!id) return Error{id.error()};
    refresh();
    Q_EMIT reviewed();
    return {};
}

void ExplanationPanel::finishRescore(int request, bool scored, double score, const QString& error) {
    const auto it = m_pending.find(request);
    if (it == m_pending.end()) return;
    Review r = it->second;
    m_pending.erase(it);
    if (!error.isEmpty()) {
        QMessageBox::warning(this, tr("NeuronScope"), tr("Scoring the edit failed: %1").arg(error));
        refresh();
        return;
    }
    r.scored = scored;
    r.score = score;
    if (auto id = m_db->addReview(r); !id) QMessageBox::warning(this, tr("NeuronScope"), id.error());
    if (r.layer == m_layer && r.neuron == m_neuron) refresh();
    Q_EMIT reviewed();
}

Expected<void> ExplanationPanel::approve(int mode) {
    const auto& modes = m_result.value("modes", nlohmann::json::array());
    if (mode < 0 || static_cast<size_t>(mode) >= modes.size()) return makeError(tr("Select a mode first."));
    const Review last = latest()[static_cast<size_t>(mode)];
    const QString text = last.status == QLatin1String("edited") ? last.text
                                                                : QString::fromStdString(modes[static_cast<size_t>(mode)].value("explanation", std::string()));
    return decide(mode, QStringLiteral("approved"), text, last.pattern, false);
}

Expected<void> ExplanationPanel::reject(int mode) {
    const auto& modes = m_result.value("modes", nlohmann::json::array());
    if (mode < 0 || static_cast<size_t>(mode) >= modes.size()) return makeError(tr("Select a mode first."));
    return decide(mode, QStringLiteral("rejected"), QString::fromStdString(modes[static_cast<size_t>(mode)].value("explanation", std::string())),
                  {}, false);
}

Expected<void> ExplanationPanel::edit(int mode, const QString& text, const QString& patternJson) {
    if (text.trimmed().isEmpty()) return makeError(tr("An explanation needs some text."));
    QString pattern = patternJson.trimmed();
    if (!pattern.isEmpty()) {
        auto p = patternFromJson(nlohmann::json::parse(pattern.toStdString(), nullptr, false));
        if (!p) return makeError(tr("The pattern is not valid: %1").arg(p.error()));
        pattern = QString::fromStdString(patternToJson(*p).dump());
    }
    // A pattern is what the offline simulator runs: an edited text without one is scored by the
    // LLM simulator when one is set, else shown as not scored.
    return decide(mode, QStringLiteral("edited"), text.trimmed(), pattern, true);
}

void ExplanationPanel::openEditor() {
    const int mode = selectedMode();
    const auto& modes = m_result.value("modes", nlohmann::json::array());
    if (mode < 0 || static_cast<size_t>(mode) >= modes.size()) return;
    const Review last = latest()[static_cast<size_t>(mode)];
    const auto& m = modes[static_cast<size_t>(mode)];
    QDialog dialog(this);
    dialog.setWindowTitle(tr("Edit mode %1").arg(mode + 1));
    auto* layout = new QVBoxLayout(&dialog);
    layout->addWidget(new QLabel(tr("Explanation"), &dialog));
    auto* text = new QPlainTextEdit(last.status == QLatin1String("edited") ? last.text
                                                                           : QString::fromStdString(m.value("explanation", std::string())),
                                    &dialog);
    layout->addWidget(text);
    layout->addWidget(new QLabel(tr("Pattern (JSON; leave empty when only the text changes: it is then not scored)"), &dialog));
    const QString pattern = last.status == QLatin1String("edited") ? last.pattern
                            : m.contains("pattern") && !m["pattern"].is_null() ? QString::fromStdString(m["pattern"].dump(2))
                                                                               : QString();
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
