// neuronscope: the desktop explorer. Opens the embedded default model and corpus unless
// --model / --corpus say otherwise.
#include "interchange_dialogs.h"
#include "main_window.h"

#include "model/language_model.h"
#include "util/resource_paths.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QIcon>
#include <QMessageBox>
#include <QPointer>
#include <QRegularExpression>
#include <QTabWidget>
#include <QTimer>

#include <cstdio>
#include <functional>

int main(int argc, char** argv) {
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("neuronscope"));
    QApplication::setOrganizationName(QStringLiteral("NeuronScope"));
    QApplication::setDesktopFileName(QStringLiteral("neuronscope"));
    QIcon icon;
    for (int size : {16, 32, 48, 64, 128, 256}) icon.addFile(QStringLiteral(":/icons/%1x%1/neuronscope.png").arg(size));
    QApplication::setWindowIcon(icon);
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("NeuronScope: explain the neurons of a language model."));
    parser.addHelpOption();
    const QCommandLineOption modelOpt(QStringLiteral("model"), QStringLiteral("Model directory (Hugging Face layout)."), QStringLiteral("DIR"));
    const QCommandLineOption corpusOpt(QStringLiteral("corpus"), QStringLiteral("Corpus text file."), QStringLiteral("F"));
    const QCommandLineOption dbOpt(QStringLiteral("db"), QStringLiteral("Cache file (default: %1).").arg(ns::defaultCachePath()),
                                   QStringLiteral("PATH"));
    const QCommandLineOption neuronOpt(QStringLiteral("neuron"), QStringLiteral("Open this neuron, as layer/neuron."), QStringLiteral("L/N"));
    const QCommandLineOption explainOpt(QStringLiteral("explain"), QStringLiteral("Explain the opened neuron at start."));
    const QCommandLineOption tabOpt(QStringLiteral("tab"), QStringLiteral("Show this tab (its title)."), QStringLiteral("NAME"));
    const QCommandLineOption shotOpt(QStringLiteral("screenshot"),
                                     QStringLiteral("Save a PNG of the window once the work started here is done, and quit."),
                                     QStringLiteral("PNG"));
    const QCommandLineOption importOpt(QStringLiteral("import"),
                                       QStringLiteral("Import explanations from this file at start; --screenshot then saves the list of results."),
                                       QStringLiteral("FILE"));
    parser.addOptions({modelOpt, corpusOpt, dbOpt, neuronOpt, explainOpt, tabOpt, shotOpt, importOpt});
    parser.process(app);

    const QString dir = parser.isSet(modelOpt) ? parser.value(modelOpt) : ns::defaultModelDir();
    const QString corpus = parser.isSet(corpusOpt) ? parser.value(corpusOpt) : ns::defaultCorpusPath();
    // File > Open and Recent open a model, corpus and cache in a new window that replaces this one.
    QPointer<ns::MainWindow> current;
    std::function<bool(const QString&, const QString&, const QString&)> open = [&](const QString& modelDir, const QString& corpusPath,
                                                                                   const QString& db) {
        auto model = ns::LanguageModel::load(modelDir);
        if (!model) {
            QMessageBox::critical(current, QStringLiteral("NeuronScope"), model.error());
            return false;
        }
        auto* next = new ns::MainWindow(*model, corpusPath, db);
        next->setAttribute(Qt::WA_DeleteOnClose);
        QObject::connect(next, &ns::MainWindow::openRequested, next,
                         [&](const QString& m, const QString& c, const QString& d) { open(m, c, d); }, Qt::QueuedConnection);
        next->show();
        if (current) current->close();
        current = next;
        return true;
    };
    if (!open(dir, corpus, parser.isSet(dbOpt) ? parser.value(dbOpt) : ns::defaultCachePath())) return 1;

    int layer = 0, neuron = -1;
    if (parser.isSet(neuronOpt)) {
        const auto m = QRegularExpression(QStringLiteral("^(\\d+)/(\\d+)$")).match(parser.value(neuronOpt));
        if (!m.hasMatch()) {
            std::fprintf(stderr, "neuronscope: --neuron expects layer/neuron, e.g. 2/17\n");
            return 2;
        }
        bool okLayer = false, okNeuron = false;
        layer = m.captured(1).toInt(&okLayer);
        neuron = m.captured(2).toInt(&okNeuron);
        if (!okLayer || !okNeuron) {
            std::fprintf(stderr, "neuronscope: --neuron %s: the layer and neuron must fit in 32 bits\n",
                         qPrintable(parser.value(neuronOpt)));
            return 2;
        }
    }
    // Scripted start (screenshots, demos): open, explain, import, show a tab, save, quit.
    bool explained = !parser.isSet(explainOpt);
    bool imported = !parser.isSet(importOpt);
    auto step = [&] {
        if (!current) return;
        ns::MainWindow& window = *current;
        if (window.busy()) return;
        if (neuron >= 0) {
            window.showNeuron(layer, neuron);
            neuron = -1;
            return;
        }
        if (!explained) {
            explained = true;
            window.explainCurrent();
            return;
        }
        if (!imported) {
            imported = true;
            window.importExplanations(parser.value(importOpt));
            return;
        }
        if (parser.isSet(tabOpt))
            for (int i = 0; i < window.tabs()->count(); ++i)
                if (window.tabs()->tabText(i).replace(QStringLiteral("&&"), QStringLiteral("\x01")).remove(QLatin1Char('&'))
                        .replace(QLatin1Char('\x01'), QLatin1Char('&')).compare(parser.value(tabOpt), Qt::CaseInsensitive) == 0)
                    window.tabs()->setCurrentIndex(i);
        if (parser.isSet(shotOpt)) {
            QApplication::processEvents();
            QWidget* shown = &window;
            if (parser.isSet(importOpt))
                if (auto* results = window.findChild<ns::ImportResultsDialog*>()) shown = results;
            const bool ok = shown->grab().save(parser.value(shotOpt));
            QApplication::exit(ok ? 0 : 1);
        }
    };
    QTimer script;
    if (parser.isSet(neuronOpt) || parser.isSet(explainOpt) || parser.isSet(shotOpt) || parser.isSet(tabOpt) || parser.isSet(importOpt)) {
        QObject::connect(&script, &QTimer::timeout, step);
        script.start(300);
    }
    return app.exec();
}
