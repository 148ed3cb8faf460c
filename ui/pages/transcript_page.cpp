#include "pages/transcript_page.h"

#include "neuron_document.h"

#include <QCheckBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QStackedWidget>
#include <QTreeWidget>
#include <QVBoxLayout>

#include <algorithm>

namespace ns {
namespace {

QString text(const nlohmann::json& j, const char* key) {
    const auto it = j.find(key);
    return it != j.end() && it->is_string() ? QString::fromStdString(it->get<std::string>()) : QString();
}

QString number(double v) { return QString::number(v, 'f', 3); }

// The transcript is free-form by design (each role writes what it did): the JSON view shows all of it.
void addJson(QTreeWidgetItem* parent, const QString& key, const nlohmann::json& j) {
    auto* item = new QTreeWidgetItem(parent);
    item->setText(0, key);
    if (j.is_object()) {
        for (auto it = j.begin(); it != j.end(); ++it) addJson(item, QString::fromStdString(it.key()), it.value());
    } else if (j.is_array()) {
        item->setText(1, QObject::tr("%1 items").arg(j.size()));
        for (size_t i = 0; i < j.size(); ++i) addJson(item, QString::number(i), j[i]);
    } else {
        item->setText(1, j.is_string() ? QString::fromStdString(j.get<std::string>()) : QString::fromStdString(j.dump()));
    }
}

QTreeWidgetItem* row(QTreeWidget* table, QTreeWidgetItem* parent, const QStringList& cells) {
    auto* item = parent ? new QTreeWidgetItem(parent, cells) : new QTreeWidgetItem(table, cells);
    item->setTextAlignment(TranscriptPage::Valid, Qt::AlignRight | Qt::AlignVCenter);
    for (int c = 0; c < cells.size(); ++c) item->setToolTip(c, cells[c]);
    return item;
}

}  // namespace

TranscriptPage::TranscriptPage(QWidget* parent)
    : DocumentPage(parent), m_summary(new QLabel(this)), m_showJson(new QCheckBox(tr("JSON"), this)), m_stack(new QStackedWidget(this)),
      m_table(new QTreeWidget(this)), m_json(new QTreeWidget(this)) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    auto* head = new QHBoxLayout();
    m_summary->setTextFormat(Qt::PlainText);
    head->addWidget(m_summary, 1);
    m_showJson->setToolTip(tr("Show the transcript as the cache keeps it, every detail each role wrote"));
    head->addWidget(m_showJson);
    layout->addLayout(head);
    m_stack->addWidget(m_table);
    m_stack->addWidget(m_json);
    layout->addWidget(m_stack, 1);
    m_table->setColumnCount(ColumnCount);
    m_table->setHeaderLabels({tr("Step"), tr("Role"), tr("Change"), tr("Valid r"), tr("Kept, or why not")});
    const QStringList tips{tr("The order in which the agents acted; a refinement iteration's candidates are under it"),
                           tr("The agent that acted: splitter, decomposer, explainer, clusterer, prober, refiner, scorer"),
                           tr("What it did or proposed"),
                           tr("Pearson r of the explanation on the valid split (test for the scorer's last step)"),
                           tr("Whether the change was kept, and the acceptance rule's reason when it was not")};
    for (int c = 0; c < ColumnCount; ++c) m_table->headerItem()->setToolTip(c, tips[c]);
    m_table->setRootIsDecorated(true);
    m_table->setUniformRowHeights(true);
    m_table->setWordWrap(false);
    // The change takes the room; a verdict is short or elided, every cell's whole text in its tooltip.
    m_table->header()->setStretchLastSection(false);
    for (int c : {int(Step), int(Role), int(Valid)}) m_table->header()->setSectionResizeMode(c, QHeaderView::ResizeToContents);
    m_table->header()->setSectionResizeMode(Change, QHeaderView::Stretch);
    m_table->header()->setSectionResizeMode(Verdict, QHeaderView::Interactive);
    m_table->header()->resizeSection(Verdict, m_table->fontMetrics().horizontalAdvance(QStringLiteral("none kept: the valid score stays 0.000  ")));
    m_json->setHeaderLabels({tr("Step"), tr("Detail")});
    m_json->header()->setSectionResizeMode(0, QHeaderView::ResizeToContents);
    connect(m_showJson, &QCheckBox::toggled, this, [this](bool on) { m_stack->setCurrentWidget(on ? m_json : m_table); });
}

void TranscriptPage::observe(NeuronDocument* doc) {
    if (doc) follow(&NeuronDocument::resultChanged, [this] { redraw(); });
    redraw();
}

void TranscriptPage::redraw() {
    m_table->clear();
    m_json->clear();
    m_summary->clear();
    const NeuronDocument* doc = document();
    if (!doc || !doc->result()) {
        m_summary->setText(doc ? tr("Not explained yet: press Explain.") : QString());
        return;
    }
    const LoopResult& r = *doc->result();
    fillTable(r);
    if (!r.transcript.is_array()) return;
    for (const auto& step : r.transcript) {
        if (!step.is_object()) continue;
        auto* item = new QTreeWidgetItem(m_json);
        item->setText(0, text(step, "role"));
        item->setText(1, text(step, "step"));
        for (auto it = step.begin(); it != step.end(); ++it)
            if (it.key() != "role" && it.key() != "step") addJson(item, QString::fromStdString(it.key()), it.value());
    }
}

void TranscriptPage::fillTable(const LoopResult& r) {
    const int refinements = std::max(0, static_cast<int>(r.iterations.size()) - 1);
    int kept = 0;
    for (const IterationResult& it : r.iterations) kept += it.index > 0 && it.kept;
    m_summary->setText(tr("%1 steps; %n refinement iteration(s), %2 kept; %3 s", nullptr, refinements)
                           .arg(r.transcript.is_array() ? r.transcript.size() : 0)
                           .arg(kept)
                           .arg(r.seconds, 0, 'f', 1));
    int number = 0;
    bool firstShown = false;
    // The typed iteration 0 (the first explanation) is not a transcript step: it sits where the
    // loop reported it, after the modes were explained and before probing began.
    const auto showFirst = [&] {
        if (firstShown || r.iterations.empty()) return;
        firstShown = true;
        const IterationResult& first = r.iterations.front();
        row(m_table, nullptr, {QString::number(++number), tr("scorer"), first.change, ::ns::number(first.validScore), tr("kept")});
    };
    const nlohmann::json steps = r.transcript.is_array() ? r.transcript : nlohmann::json::array();
    for (const auto& step : steps) {
        if (!step.is_object()) continue;
        const QString role = text(step, "role");
        if (role == QLatin1String("prober") || role == QLatin1String("refiner") || role == QLatin1String("scorer")) showFirst();
        const auto iteration = step.find("iteration");
        if (role == QLatin1String("refiner") && iteration != step.end() && iteration->is_number_integer()) {
            // A refinement iteration: its outcome from the typed result, its candidates from the transcript.
            const int index = iteration->get<int>();
            const auto typed = std::find_if(r.iterations.begin(), r.iterations.end(), [&](const IterationResult& it) { return it.index == index; });
            QString change = text(step, "step"), valid, verdict;
            if (typed != r.iterations.end()) {
                change = typed->change;
                valid = ::ns::number(typed->validScore);
                verdict = typed->kept ? tr("kept") : tr("none kept: the valid score stays %1").arg(::ns::number(typed->validScore));
            }
            QTreeWidgetItem* item = row(m_table, nullptr, {QString::number(++number), role, tr("iteration %1: %2").arg(index).arg(change), valid, verdict});
            const auto candidates = step.find("candidates");
            if (candidates != step.end() && candidates->is_array()) {
                int c = 0;
                for (const auto& cand : *candidates) {
                    const auto v = cand.find("valid_score");
                    row(m_table, item,
                        {QStringLiteral("%1.%2").arg(number).arg(++c), tr("candidate"), text(cand, "change"),
                         v != cand.end() && v->is_number() ? ::ns::number(v->get<double>()) : QString(), text(cand, "verdict")});
                }
                item->setToolTip(Change, tr("%1 candidates; expand the row to read each verdict").arg(c));
            }
            continue;
        }
        QString valid;
        if (role == QLatin1String("explainer") && step.contains("valid_score")) valid = ::ns::number(r.baselineValidScore);
        QTreeWidgetItem* item = row(m_table, nullptr, {QString::number(++number), role, text(step, "step"), valid, QString()});
        // The clusterer's clusterings tried, one child each.
        const auto tried = step.find("tried");
        if (role == QLatin1String("clusterer") && tried != step.end() && tried->is_array()) {
            for (const auto& k : *tried) {
                QStringList texts;
                if (const auto e = k.find("explanations"); e != k.end() && e->is_array())
                    for (const auto& t : *e) texts << (t.is_string() ? QString::fromStdString(t.get<std::string>()) : QString());
                const auto v = k.find("valid_score");
                const auto modes = k.find("modes");
                row(m_table, item,
                    {QString(), tr("%n mode(s)", nullptr, modes != k.end() && modes->is_number_integer() ? modes->get<int>() : 0),
                     texts.join(QStringLiteral(" | ")), v != k.end() && v->is_number() ? ::ns::number(v->get<double>()) : QString(),
                     !r.iterations.empty() && texts.size() == static_cast<qsizetype>(r.iterations.front().modes.size()) ? tr("chosen")
                                                                                                          : QString()});
            }
        }
    }
    showFirst();
    if (r.testScored && !r.modes.empty())
        row(m_table, nullptr, {QString(), tr("test"), tr("the explanation on the test split"), ::ns::number(r.loop.score),
                               tr("single-pass %1 at length %2").arg(::ns::number(r.baseline.score)).arg(r.baseline.length)});
}

}  // namespace ns
