#include "pages/transcript_page.h"

#include "neuron_document.h"

#include <QHeaderView>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace ns {
namespace {

// The transcript is free-form by design (each role writes what it did), so it is shown as a tree.
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

}  // namespace

TranscriptPage::TranscriptPage(QWidget* parent) : DocumentPage(parent), m_tree(new QTreeWidget(this)) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_tree);
    m_tree->setHeaderLabels({tr("Step"), tr("Detail")});
    m_tree->header()->setSectionResizeMode(0, QHeaderView::ResizeToContents);
}

void TranscriptPage::observe(NeuronDocument* doc) {
    if (doc) follow(&NeuronDocument::resultChanged, [this] { redraw(); });
    redraw();
}

void TranscriptPage::redraw() {
    m_tree->clear();
    const NeuronDocument* doc = document();
    if (!doc || !doc->result() || !doc->result()->transcript.is_array()) return;
    for (const auto& step : doc->result()->transcript) {
        if (!step.is_object()) continue;
        auto* item = new QTreeWidgetItem(m_tree);
        item->setText(0, QString::fromStdString(step.value("role", std::string())));
        item->setText(1, QString::fromStdString(step.value("step", std::string())));
        for (auto it = step.begin(); it != step.end(); ++it)
            if (it.key() != "role" && it.key() != "step") addJson(item, QString::fromStdString(it.key()), it.value());
    }
}

}  // namespace ns
