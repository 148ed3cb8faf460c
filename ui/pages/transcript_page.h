#pragma once

#include "pages/document_page.h"

class QCheckBox;
class QLabel;
class QStackedWidget;
class QTreeWidget;

namespace ns {

struct LoopResult;

/// The Transcript page: every step the agents took in the document's run, as a table (step,
/// role, change, valid score, kept or why not; a refinement iteration's candidates under it),
/// and the transcript's JSON on demand.
class TranscriptPage final : public DocumentPage {
    Q_OBJECT
public:
    enum Column { Step, Role, Change, Valid, Verdict, ColumnCount };
    explicit TranscriptPage(QWidget* parent = nullptr);
    /// The readable table.
    QTreeWidget* table() const { return m_table; }
    /// The transcript as JSON, shown instead of the table when "JSON" is ticked.
    QTreeWidget* json() const { return m_json; }
    QCheckBox* showJson() const { return m_showJson; }

protected:
    void observe(NeuronDocument* document) override;

private:
    void redraw();
    void fillTable(const LoopResult& result);
    QLabel* m_summary;
    QCheckBox* m_showJson;
    QStackedWidget* m_stack;
    QTreeWidget* m_table;
    QTreeWidget* m_json;
};

}  // namespace ns
