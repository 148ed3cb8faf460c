#pragma once

#include <QMetaObject>
#include <QPointer>
#include <QWidget>

#include <vector>

namespace ns {

class NeuronDocument;

/// A page that shows one document and follows its signals; setDocument() drops the
/// connections to the previous one, so a document out of view never draws here.
class DocumentPage : public QWidget {
    Q_OBJECT
public:
    using QWidget::QWidget;
    void setDocument(NeuronDocument* document);
    NeuronDocument* document() const;

protected:
    /// Connects to the new document (through follow()) and shows it; nullptr shows nothing.
    virtual void observe(NeuronDocument* document) = 0;
    template <typename Signal, typename Slot>
    void follow(Signal signal, Slot slot) {
        m_connections.push_back(connect(document(), signal, this, slot));
    }

private:
    NeuronDocument* m_document = nullptr;
    QPointer<QObject> m_alive;  ///< null once the document is gone
    std::vector<QMetaObject::Connection> m_connections;
};

}  // namespace ns
