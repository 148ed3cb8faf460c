#pragma once

#include <QMainWindow>

#include <memory>

namespace ns {

class LanguageModel;

/// The window the app opens on start: which model is loaded, its shape and where its neurons
/// are, and the corpus it mines by default.
class ModelSummaryWindow final : public QMainWindow {
    Q_OBJECT
public:
    ModelSummaryWindow(std::shared_ptr<LanguageModel> model, const QString& corpusPath, QWidget* parent = nullptr);

private:
    std::shared_ptr<LanguageModel> m_model;
};

}  // namespace ns
