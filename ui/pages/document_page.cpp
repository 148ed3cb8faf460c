#include "pages/document_page.h"

#include "neuron_document.h"

namespace ns {

void DocumentPage::setDocument(NeuronDocument* document) {
    for (const auto& c : m_connections) disconnect(c);
    m_connections.clear();
    m_document = document;
    m_alive = document;
    observe(document);
}

NeuronDocument* DocumentPage::document() const { return m_alive ? m_document : nullptr; }

}  // namespace ns
