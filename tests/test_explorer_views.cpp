// What the explorer shows around a neuron, as a person reads it: the transcript as a table with
// its JSON on demand, the settings that apply to the backend chosen, a window that fits the
// screen, the run's real steps in the status bar, the L/N box and the browser's row in step with
// the neuron shown, a Cancel said in the status bar, and every shortcut listed.
#include "main_window.h"
#include "neuron_document.h"
#include "neuron_list_model.h"
#include "pages/browser_page.h"
#include "pages/transcript_page.h"
#include "settings.h"

#include "model/language_model.h"

#include <QCheckBox>
#include <QComboBox>
#include <QLineEdit>
#include <QProgressBar>
#include <QSettings>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeWidget>

#include <set>

#include "corpus_slice.h"

using namespace ns;

namespace {

// A run as the cache gives it back: typed iterations, and the transcript the roles wrote.
LoopResult refinedRun() {
    LoopResult r;
    r.neuron = QStringLiteral("0/3");
    r.seconds = 4.2;
    r.baselineValidScore = 0.412;
    r.loop.score = 0.61;
    r.baseline.score = 0.4;
    r.baseline.length = 9;
    IterationResult first{0, 0.5, {0.5}, QStringLiteral("first explanation"), true, {ModeExplanation{}}, 4};
    IterationResult kept{1, 0.55, {0.55}, QStringLiteral("add ' the' to mode 1"), true, {ModeExplanation{}}, 5};
    IterationResult none{2, 0.55, {0.55}, QStringLiteral("no revision raised the valid score by more than its length costs; stopping"),
                         false, {ModeExplanation{}}, 5};
    r.iterations = {first, kept, none};
    r.modes.resize(1);
    r.transcript = nlohmann::json::array(
        {{{"role", "splitter"}, {"step", "30 train, 10 valid and 10 test exemplars, split by document"}},
         {{"role", "explainer"}, {"step", "single-pass baseline (length 9 of 16): valid r = 0.412"}, {"valid_score", 0.412}},
         {{"role", "clusterer"},
          {"step", "1 semantic mode (valid r = 0.500, length 4)"},
          {"tried",
           {{{"modes", 1}, {"valid_score", 0.5}, {"explanations", {"the"}}},
            {{"modes", 2}, {"valid_score", 0.48}, {"explanations", {"the", "of"}}}}}},
         {{"role", "prober"}, {"step", "vocabulary: the 6000 most frequent corpus tokens, each on its own"}},
         {{"role", "refiner"},
          {"step", "iteration 1: add ' the' to mode 1"},
          {"iteration", 1},
          {"candidates",
           {{{"change", "add ' the' to mode 1"}, {"valid_score", 0.55}, {"verdict", "raises the valid score by more than its length costs"}},
            {{"change", "drop mode 1"}, {"valid_score", 0.1}, {"verdict", "does not raise the valid score by more than its length costs"}}}}},
         {{"role", "refiner"}, {"step", "iteration 2: no revision"}, {"iteration", 2}, {"candidates", nlohmann::json::array()}},
         {{"role", "scorer"}, {"step", "test r = 0.610 at length 5"}}});
    return r;
}

QStringList column(const QTreeWidget* table, int c) {
    QStringList out;
    for (int i = 0; i < table->topLevelItemCount(); ++i) out << table->topLevelItem(i)->text(c);
    return out;
}

}  // namespace

class TestExplorerViews final : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;
    std::shared_ptr<LanguageModel> m_model;
    std::unique_ptr<MainWindow> m_window;

private Q_SLOTS:
    void initTestCase() {
        QStandardPaths::setTestModeEnabled(true);
        QSettings().clear();
    }

    void transcriptIsATable() {
        NeuronDocument doc({0, 3, {}});
        TranscriptPage page;
        page.setDocument(&doc);
        QCOMPARE(page.table()->topLevelItemCount(), 0);
        doc.setResult(refinedRun());
        QTreeWidget* t = page.table();
        // The seven transcript steps, the first explanation (iteration 0) before probing began, and the test line.
        QCOMPARE(column(t, TranscriptPage::Role),
                 QStringLiteral("splitter explainer clusterer scorer prober refiner refiner scorer test").split(QLatin1Char(' ')));
        QCOMPARE(column(t, TranscriptPage::Step).mid(0, 8).join(QLatin1Char(' ')), QStringLiteral("1 2 3 4 5 6 7 8"));
        // Valid scores and verdicts of iterations from the typed result.
        QCOMPARE(t->topLevelItem(3)->text(TranscriptPage::Valid), QStringLiteral("0.500"));
        QCOMPARE(t->topLevelItem(5)->text(TranscriptPage::Valid), QStringLiteral("0.550"));
        QCOMPARE(t->topLevelItem(5)->text(TranscriptPage::Verdict), QStringLiteral("kept"));
        QVERIFY(t->topLevelItem(5)->text(TranscriptPage::Change).contains(QStringLiteral("add ' the' to mode 1")));
        QVERIFY(t->topLevelItem(6)->text(TranscriptPage::Verdict).startsWith(QStringLiteral("none kept")));
        QCOMPARE(t->topLevelItem(1)->text(TranscriptPage::Valid), QStringLiteral("0.412"));
        QCOMPARE(t->topLevelItem(8)->text(TranscriptPage::Valid), QStringLiteral("0.610"));
        // A candidate's verdict is one expansion away, in words, never an index like "0".
        QTreeWidgetItem* iteration = t->topLevelItem(5);
        QCOMPARE(iteration->childCount(), 2);
        QCOMPARE(iteration->child(1)->text(TranscriptPage::Change), QStringLiteral("drop mode 1"));
        QCOMPARE(iteration->child(1)->text(TranscriptPage::Valid), QStringLiteral("0.100"));
        QVERIFY(iteration->child(1)->text(TranscriptPage::Verdict).startsWith(QStringLiteral("does not raise")));
        // The clusterings tried, the one chosen marked.
        QTreeWidgetItem* clusterer = t->topLevelItem(2);
        QCOMPARE(clusterer->childCount(), 2);
        QCOMPARE(clusterer->child(0)->text(TranscriptPage::Verdict), QStringLiteral("chosen"));
        QCOMPARE(clusterer->child(1)->text(TranscriptPage::Verdict), QString());
        for (int c = 0; c < TranscriptPage::ColumnCount; ++c) QVERIFY(!t->headerItem()->toolTip(c).isEmpty());
        // The JSON on demand: every step, with all its keys.
        QVERIFY(!page.showJson()->isChecked());
        QVERIFY(t->isVisibleTo(&page) && !page.json()->isVisibleTo(&page));
        page.showJson()->setChecked(true);
        QVERIFY(page.json()->isVisibleTo(&page) && !t->isVisibleTo(&page));
        QCOMPARE(page.json()->topLevelItemCount(), 7);
        QCOMPARE(page.json()->topLevelItem(4)->child(0)->text(0), QStringLiteral("candidates"));
        doc.clearResult();
        QCOMPARE(t->topLevelItemCount(), 0);
    }

    void settingsFollowTheBackend() {
        ExplorerSettings builtin;
        SettingsDialog dialog(builtin);
        QVERIFY(!dialog.llmFields().empty());
        for (QWidget* w : dialog.llmFields()) QVERIFY(!w->isEnabled());
        dialog.backend()->setCurrentIndex(dialog.backend()->findData(QStringLiteral("openai")));
        for (QWidget* w : dialog.llmFields()) QVERIFY(w->isEnabled());
        QCOMPARE(dialog.settings().backend, QStringLiteral("openai"));
        ExplorerSettings server;
        server.backend = QStringLiteral("openai");
        SettingsDialog serverDialog(server);
        for (QWidget* w : serverDialog.llmFields()) QVERIFY(w->isEnabled());
    }

    void restoredGeometryFitsTheScreen_data() {
        QTest::addColumn<QRect>("window");
        QTest::addColumn<QRect>("available");
        QTest::addColumn<QRect>("fitted");
        const QRect laptop(0, 0, 1366, 768);
        QTest::newRow("fits already") << QRect(100, 100, 1000, 600) << laptop << QRect(100, 100, 1000, 600);
        QTest::newRow("saved on a larger screen") << QRect(0, 32, 1600, 1000) << laptop << QRect(0, 32, 1366, 736);
        QTest::newRow("off the bottom right") << QRect(900, 500, 800, 600) << laptop << QRect(566, 168, 800, 600);
        QTest::newRow("above the screen") << QRect(-50, -40, 800, 600) << laptop << QRect(0, 32, 800, 600);
        QTest::newRow("second screen") << QRect(0, 0, 1280, 820) << QRect(1366, 0, 1366, 768) << QRect(1366, 32, 1280, 736);
    }

    void restoredGeometryFitsTheScreen() {
        QFETCH(QRect, window);
        QFETCH(QRect, available);
        QFETCH(QRect, fitted);
        const QRect got = MainWindow::fittedGeometry(window, available);
        QCOMPARE(got, fitted);
        QVERIFY(available.contains(got));
    }

    void opensTheExplorer() {
        auto model = LanguageModel::load(QStringLiteral(NS_RESOURCE_DIR "/model"));
        QVERIFY(model.ok());
        m_model = *model;
        const QString corpus = writeCorpusSlice(m_dir, 150000);
        m_window = std::make_unique<MainWindow>(m_model, corpus, m_dir.filePath(QStringLiteral("cache.sqlite")));
        m_window->show();
        QTRY_VERIFY_WITH_TIMEOUT(m_window->neuronList()->rowCount() == m_model->config().nInner, 120000);
        QTRY_VERIFY(!m_window->busy());
    }

    void everyShortcutIsListed() {
        const auto list = m_window->shortcuts();
        std::set<QString> keys;
        std::map<QString, QString> byCommand;
        for (const auto& [command, key] : list) {
            QVERIFY2(keys.insert(key).second, qPrintable(QStringLiteral("%1 is taken twice").arg(key)));
            byCommand[command] = key;
        }
        QCOMPARE(byCommand[QStringLiteral("Neuron > Explain")], QKeySequence(Qt::CTRL | Qt::Key_E).toString(QKeySequence::NativeText));
        QCOMPARE(byCommand[QStringLiteral("Neuron > Cancel jobs")], QKeySequence(Qt::Key_Escape).toString(QKeySequence::NativeText));
        QVERIFY(byCommand.count(QStringLiteral("Neuron > Go to L/N")));
        QVERIFY(byCommand.count(QStringLiteral("Help > Keyboard shortcuts")));
        QVERIFY(byCommand.count(QStringLiteral("View > Transcript")));
        QVERIFY(byCommand.count(QStringLiteral("File > Export PDF")));
        QVERIFY(byCommand.count(QStringLiteral("File > Settings")));
        QVERIFY(byCommand.count(QStringLiteral("Explanations > Approve")));  // a page's button
    }

    void theBoxAndTheRowFollowTheNeuronShown() {
        BrowserPage* browser = m_window->browser();
        m_window->showNeuron(0, 7);
        QCOMPARE(browser->gotoBox()->text(), QStringLiteral("0/7"));
        // A click in the browser: the neuron opens, the box follows.
        const QModelIndex row9 = browser->shown()->mapFromSource(m_window->neuronList()->index(m_window->neuronList()->rowOf(9), 0));
        browser->view()->selectionModel()->setCurrentIndex(row9, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
        QCOMPARE(m_window->current()->name(), QStringLiteral("0/9"));
        QCOMPARE(browser->gotoBox()->text(), QStringLiteral("0/9"));
        // Go to: the new row is the one highlighted, alone.
        browser->gotoBox()->setFocus();
        browser->gotoBox()->selectAll();
        QTest::keyClicks(browser->gotoBox(), QStringLiteral("0/12"));
        QTest::keyClick(browser->gotoBox(), Qt::Key_Return);
        QCOMPARE(m_window->current()->name(), QStringLiteral("0/12"));
        const QModelIndexList selected = browser->view()->selectionModel()->selectedRows();
        QCOMPARE(selected.size(), 1);
        QCOMPARE(m_window->neuronList()->neuronAt(browser->shown()->mapToSource(selected.front()).row()), 12);
        QCOMPARE(browser->shown()->mapToSource(browser->view()->currentIndex()).row(), m_window->neuronList()->rowOf(12));
        // Every column header explains itself.
        for (int c = 0; c < NeuronListModel::ColumnCount; ++c)
            QVERIFY(!browser->view()->model()->headerData(c, Qt::Horizontal, Qt::ToolTipRole).toString().isEmpty());
    }

    void progressCountsTheRunsSteps() {
        // The steps the current unit's run goes through, as the status bar's progress says them.
        m_window->showNeuron(0, 3);
        NeuronDocument* doc = m_window->current();
        QStringList steps, bar;
        const auto followSteps = connect(doc, &NeuronDocument::jobChanged, this, [&] {
            if (!doc->jobStep().isEmpty() && (steps.isEmpty() || steps.back() != doc->jobStep())) steps << doc->jobStep();
        });
        auto* progress = m_window->statusBar()->findChild<QProgressBar*>();
        QVERIFY(progress);
        const auto followBar = connect(progress, &QProgressBar::valueChanged, this, [&] { bar << progress->text(); });
        m_window->explainCurrent();
        QTRY_VERIFY_WITH_TIMEOUT(!m_window->busy(), 240000);
        disconnect(followSteps);  // the lambdas hold this function's locals
        disconnect(followBar);
        QVERIFY(m_window->result());
        const QString all = steps.join(QStringLiteral(" | "));
        for (const char* stage : {"splitting the exemplars", "finding components by ablation", "single-pass baseline", "scoring on test"})
            QVERIFY2(steps.contains(QLatin1String(stage)), qPrintable(all));
        const int refinements = static_cast<int>(m_window->result()->iterations.size()) - 1;
        if (refinements > 0) QVERIFY2(steps.contains(QStringLiteral("iteration 1 of %1").arg(LoopOptions{}.maxIterations)), qPrintable(all));
        // The bar names the unit and the step, and its value rises with the steps.
        QVERIFY2(!bar.filter(QStringLiteral("Explaining 0/3: scoring on test")).isEmpty(), qPrintable(bar.join(QStringLiteral(" | "))));
        QVERIFY(bar.filter(QStringLiteral("Explaining 0/3")).size() >= 4);
    }

    void cancelIsAStatusMessage() {
        m_window->showNeuron(0, 4);
        m_window->explainCurrent(true);
        QVERIFY(m_window->busy());
        m_window->cancelJobs();
        QTRY_VERIFY_WITH_TIMEOUT(!m_window->busy(), 60000);
        QCOMPARE(m_window->statusBar()->currentMessage(), QStringLiteral("Cancelled: Explaining 0/4"));
        QVERIFY(!m_window->result());
    }

    void cleanupTestCase() { m_window.reset(); }
};

QTEST_MAIN(TestExplorerViews)
#include "test_explorer_views.moc"
