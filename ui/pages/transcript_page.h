#pragma once

#include "pages/document_page.h"

class QTreeWidget;

namespace ns {

/// The Transcript page: every step the agents took in the document's run.
class TranscriptPage final : public DocumentPage {
    Q_OBJECT
public:
    explicit TranscriptPage(QWidget* parent = nullptr);
    QTreeWidget* tree() const { return m_tree; }

protected:
    void observe(NeuronDocument* document) override;

private:
    void redraw();
    QTreeWidget* m_tree;
};

}  // namespace ns
