// neuronscope: the desktop explorer. Opens the embedded default model unless --model says otherwise.
#include "model/language_model.h"
#include "model_summary_window.h"
#include "util/resource_paths.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QMessageBox>

int main(int argc, char** argv) {
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("neuronscope"));
    QApplication::setOrganizationName(QStringLiteral("NeuronScope"));
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("NeuronScope: explain the neurons of a language model."));
    parser.addHelpOption();
    const QCommandLineOption modelOpt(QStringLiteral("model"), QStringLiteral("Model directory (Hugging Face layout)."), QStringLiteral("DIR"));
    const QCommandLineOption corpusOpt(QStringLiteral("corpus"), QStringLiteral("Corpus text file."), QStringLiteral("F"));
    const QCommandLineOption shotOpt(QStringLiteral("screenshot"), QStringLiteral("Save a PNG of the window and quit."), QStringLiteral("PNG"));
    parser.addOptions({modelOpt, corpusOpt, shotOpt});
    parser.process(app);

    const QString dir = parser.isSet(modelOpt) ? parser.value(modelOpt) : ns::defaultModelDir();
    const QString corpus = parser.isSet(corpusOpt) ? parser.value(corpusOpt) : ns::defaultCorpusPath();
    auto model = ns::LanguageModel::load(dir);
    if (!model) {
        QMessageBox::critical(nullptr, QStringLiteral("NeuronScope"), model.error());
        return 1;
    }
    ns::ModelSummaryWindow window(*model, corpus);
    window.show();
    if (parser.isSet(shotOpt)) {
        QApplication::processEvents();
        return window.grab().save(parser.value(shotOpt)) ? 0 : 1;
    }
    return app.exec();
}
