// neuronscope: the desktop explorer. Opens the embedded default model and corpus unless
// --model / --corpus say otherwise.
#include "interchange_dialogs.h"
#include "explanation_panel.h"
#include "main_window.h"
#include "neuron_document.h"
#include "pages/own_text_page.h"

#include "model/language_model.h"
#include "util/resource_paths.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QIcon>
#include <QMessageBox>
#include <QPointer>
#include <QPlainTextEdit>
#include <QRegularExpression>
#include <QSize>
#include <QTabWidget>
#include <QTimer>

#include <cstdio>
#include <functional>
#include <vector>

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
    const QCommandLineOption backgroundOpt(
        QStringLiteral("background"),
        QStringLiteral("Run the loop again on this neuron in the background while --neuron is shown; --screenshot is then saved while it runs."),
        QStringLiteral("L/N"));
    const QCommandLineOption approveOpt(QStringLiteral("approve"), QStringLiteral("Approve mode M (1-based) of the run shown; repeatable."),
                                        QStringLiteral("M"));
    const QCommandLineOption rejectOpt(QStringLiteral("reject"), QStringLiteral("Reject mode M of the run shown; repeatable."), QStringLiteral("M"));
    const QCommandLineOption editOpt(QStringLiteral("edit"), QStringLiteral("Edit mode M's text (its pattern kept) to TEXT; repeatable."),
                                     QStringLiteral("M=TEXT"));
    const QCommandLineOption ownTextOpt(QStringLiteral("own-text"), QStringLiteral("Type TEXT on the Own text page before the screenshot."),
                                        QStringLiteral("TEXT"));
    const QCommandLineOption reportOpt(QStringLiteral("report"), QStringLiteral("Write the PDF report of the opened neuron to FILE, and quit."),
                                       QStringLiteral("FILE"));
    const QCommandLineOption sizeOpt(QStringLiteral("window-size"), QStringLiteral("Open the window at this size, e.g. 1600x1000."),
                                     QStringLiteral("WxH"));
    parser.addOptions({modelOpt, corpusOpt, dbOpt, neuronOpt, explainOpt, tabOpt, shotOpt, importOpt, backgroundOpt, approveOpt, rejectOpt,
                       editOpt, ownTextOpt, reportOpt, sizeOpt});
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
    // Options are checked before the model loads: a typo costs no wait.
    const auto unitOf = [](const QCommandLineOption& option, const QString& value, int* layer, int* neuron) {
        const auto m = QRegularExpression(QStringLiteral("^(\\d+)/(\\d+)$")).match(value);
        bool okLayer = false, okNeuron = false;
        if (m.hasMatch()) {
            *layer = m.captured(1).toInt(&okLayer);
            *neuron = m.captured(2).toInt(&okNeuron);
        }
        if (okLayer && okNeuron) return true;
        std::fprintf(stderr, "neuronscope: --%s %s: expected layer/neuron (each fitting in 32 bits), e.g. 2/17\n",
                     qPrintable(option.names().front()), qPrintable(value));
        return false;
    };
    int layer = 0, neuron = -1, backgroundLayer = 0, backgroundNeuron = -1;
    if (parser.isSet(neuronOpt) && !unitOf(neuronOpt, parser.value(neuronOpt), &layer, &neuron)) return 2;
    if (parser.isSet(backgroundOpt) && !unitOf(backgroundOpt, parser.value(backgroundOpt), &backgroundLayer, &backgroundNeuron)) return 2;
    if (parser.isSet(backgroundOpt) && !parser.isSet(neuronOpt)) {
        std::fprintf(stderr, "neuronscope: --background needs --neuron, the neuron shown meanwhile\n");
        return 2;
    }
    // Decisions, in the order given: (mode, status, text).
    struct Decision {
        int mode;
        QString status, text;
    };
    std::vector<Decision> decisions;
    for (const QCommandLineOption* option : {&approveOpt, &rejectOpt, &editOpt})
        for (const QString& value : parser.values(*option)) {
            const QString number = option == &editOpt ? value.section(QLatin1Char('='), 0, 0) : value;
            bool ok = false;
            const int mode = number.toInt(&ok);
            const QString text = value.section(QLatin1Char('='), 1);
            if (!ok || mode < 1 || (option == &editOpt && text.trimmed().isEmpty())) {
                std::fprintf(stderr, "neuronscope: --%s %s: expected %s\n", qPrintable(option->names().front()), qPrintable(value),
                             option == &editOpt ? "M=TEXT with a mode number from 1 and a text" : "a mode number from 1");
                return 2;
            }
            decisions.push_back({mode - 1, option->names().front(), text});
        }
    QSize windowSize;
    if (parser.isSet(sizeOpt)) {
        const auto m = QRegularExpression(QStringLiteral("^(\\d{2,5})x(\\d{2,5})$")).match(parser.value(sizeOpt));
        if (!m.hasMatch()) {
            std::fprintf(stderr, "neuronscope: --window-size %s: expected WIDTHxHEIGHT, e.g. 1600x1000\n", qPrintable(parser.value(sizeOpt)));
            return 2;
        }
        windowSize = QSize(m.captured(1).toInt(), m.captured(2).toInt());
    }

    if (!open(dir, corpus, parser.isSet(dbOpt) ? parser.value(dbOpt) : ns::defaultCachePath())) return 1;
    if (windowSize.isValid()) {
        current->move(0, 0);
        current->resize(windowSize);
    }
    // Scripted start (screenshots, demos): open, run in the background, explain, decide,
    // import, type own text, show a tab, write the PDF, save, quit. Each step waits for the
    // work the one before started.
    bool explained = !parser.isSet(explainOpt);
    bool imported = !parser.isSet(importOpt);
    bool backgroundStarted = backgroundNeuron < 0, decided = decisions.empty(), typed = !parser.isSet(ownTextOpt), ownTextShown = typed;
    size_t nextDecision = 0;
    auto step = [&] {
        if (!current) return;
        ns::MainWindow& window = *current;
        const bool background = !backgroundStarted || backgroundNeuron >= 0;
        if (!backgroundStarted) {
            if (window.busy()) return;
            if (!window.current() || window.current()->name() != QStringLiteral("%1/%2").arg(backgroundLayer).arg(backgroundNeuron))
                return window.showNeuron(backgroundLayer, backgroundNeuron);
            window.explainCurrent(true);
            backgroundStarted = true;
            window.showNeuron(layer, neuron);
            neuron = -1;
            return;
        }
        if (background) {
            // The picture is of the run on its way: taken once it reports its refinement.
            if (window.busy() && !window.backgroundJobs().contains(QStringLiteral("iteration"))) return;
        } else if (window.busy()) {
            return;
        }
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
        if (!decided) {
            const Decision& d = decisions[nextDecision++];
            decided = nextDecision == decisions.size();
            ns::ExplanationPanel* panel = window.explanations();
            auto r = d.status == QLatin1String("approve")  ? panel->approve(d.mode)
                     : d.status == QLatin1String("reject") ? panel->reject(d.mode)
                                                          : panel->edit(d.mode, d.text, QString());
            if (!r) {
                std::fprintf(stderr, "neuronscope: --%s %d: %s\n", qPrintable(d.status), d.mode + 1, qPrintable(r.error()));
                QApplication::exit(1);
            }
            return;
        }
        if (!imported) {
            imported = true;
            window.importExplanations(parser.value(importOpt));
            return;
        }
        if (!typed) {
            typed = true;
            QObject::connect(window.ownText(), &ns::OwnTextPage::shown, &window, [&] { ownTextShown = true; });
            window.ownText()->editor()->setPlainText(parser.value(ownTextOpt));
            return;
        }
        if (!ownTextShown) return;
        if (parser.isSet(tabOpt))
            for (int i = 0; i < window.tabs()->count(); ++i)
                if (window.tabs()->tabText(i).replace(QStringLiteral("&&"), QStringLiteral("\x01")).remove(QLatin1Char('&'))
                        .replace(QLatin1Char('\x01'), QLatin1Char('&')).compare(parser.value(tabOpt), Qt::CaseInsensitive) == 0)
                    window.tabs()->setCurrentIndex(i);
        if (parser.isSet(reportOpt)) {
            const std::vector<int> shown{window.current() ? window.current()->target().neuron : -1};
            if (auto r = window.exportPdf(parser.value(reportOpt), shown); !r) {
                std::fprintf(stderr, "neuronscope: --report: %s\n", qPrintable(r.error()));
                return QApplication::exit(1);
            }
            if (!parser.isSet(shotOpt)) return QApplication::exit(0);
        }
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
    if (parser.isSet(neuronOpt) || parser.isSet(explainOpt) || parser.isSet(shotOpt) || parser.isSet(tabOpt) || parser.isSet(importOpt) ||
        parser.isSet(reportOpt) || !decisions.empty() || parser.isSet(ownTextOpt)) {
        QObject::connect(&script, &QTimer::timeout, step);
        script.start(300);
    }
    const int status = app.exec();
    // The window stops its workers and waits for them: a run still under way (a screenshot of a
    // run in the background quits before it ends) must not outlive the statics it reads.
    delete current.data();
    return status;
}
