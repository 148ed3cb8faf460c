// The explorer driven as a person would, offscreen: it mines the first layer at start, opens a
// neuron, runs the loop on a calibration neuron and shows the chart grow while it runs.
#include "correlation_chart.h"
#include "explanation_panel.h"
#include "interchange_dialogs.h"
#include "exemplar_model.h"
#include "main_window.h"
#include "neuron_list_model.h"

#include "model/language_model.h"

#include <QComboBox>
#include <QFile>
#include <QProcess>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTableWidget>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTest>

#include <nlohmann/json.hpp>

#include "corpus_slice.h"

using namespace ns;

class TestMainWindow final : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;
    std::shared_ptr<LanguageModel> m_model;
    std::unique_ptr<MainWindow> m_window;

private Q_SLOTS:
    void initTestCase() {
        QStandardPaths::setTestModeEnabled(true);  // settings and layout go to a test location
        QSettings().clear();
        auto model = LanguageModel::load(QStringLiteral(NS_RESOURCE_DIR "/model"));
        QVERIFY(model.ok());
        m_model = *model;
        const QString corpus = writeCorpusSlice(m_dir, 150000);
        m_window = std::make_unique<MainWindow>(m_model, corpus, m_dir.filePath(QStringLiteral("cache.sqlite")));
        m_window->show();
    }

    void minesTheFirstLayerAtStart() {
        QTRY_VERIFY_WITH_TIMEOUT(m_window->neuronList()->rowCount() == m_model->config().nInner, 120000);
        QTRY_VERIFY(!m_window->busy());
        QVERIFY(m_window->exemplars()->rowCount() > 0);
    }

    void opensANeuron() {
        m_window->showNeuron(0, 7);
        QTRY_VERIFY_WITH_TIMEOUT(m_window->neuronList()->layer() == 0, 60000);
        QVERIFY(m_window->exemplars()->rowCount() > 0);
        QVERIFY(m_window->windowTitle().contains(QStringLiteral("NeuronScope")));
    }

    void chartGrowsWhileTheLoopRuns() {
        // Each point is counted as it arrives, with whether the worker was still running then.
        int pointsWhileBusy = 0;
        const auto c = connect(m_window->chart(), &CorrelationChart::pointAdded, this, [&](int points) {
            if (m_window->busy()) pointsWhileBusy = std::max(pointsWhileBusy, points);
        });
        m_window->explainSynthetic(QStringLiteral(NS_TEST_DATA_DIR "/calibration/the_after_of.json"));
        QVERIFY(m_window->busy());
        QTRY_VERIFY_WITH_TIMEOUT(!m_window->busy(), 120000);
        disconnect(c);
        QVERIFY2(pointsWhileBusy >= 2, qPrintable(QStringLiteral("%1 points seen while running").arg(pointsWhileBusy)));
        const auto& r = m_window->result();
        QVERIFY(r.is_object() && r.at("modes").size() >= 2);
        QCOMPARE(m_window->chart()->points(), static_cast<int>(r.at("iterations").size()));
    }

    void approveAndEditExplanations() {
        m_window->showNeuron(0, 7);
        m_window->explainCurrent();
        QTRY_VERIFY_WITH_TIMEOUT(!m_window->busy(), 180000);
        const auto& r = m_window->result();
        QVERIFY(r.is_object() && !r.at("modes").empty());
        ExplanationPanel* panel = m_window->explanations();
        QCOMPARE(panel->table()->rowCount(), static_cast<int>(r.at("modes").size()));

        QVERIFY(panel->approve(0).ok());
        QCOMPARE(panel->latest()[0].status, QStringLiteral("approved"));
        QCOMPARE(panel->latest()[0].author, QStringLiteral("person"));
        QCOMPARE(panel->table()->item(0, 4)->text(), QStringLiteral("approved"));

        // An edit with a pattern is re-scored offline; the table shows the new score.
        const QString pattern = QStringLiteral("{\"literals\": [{\"token\": \" the\", \"weight\": 1.0}]}");
        QVERIFY(panel->edit(0, QStringLiteral("Fires on ' the'."), pattern).ok());
        QVERIFY(panel->latest()[0].scored);
        QVERIFY(std::isfinite(panel->latest()[0].score));
        QVERIFY(panel->table()->item(0, 2)->text().contains(QStringLiteral("edited")));
        // A text-only edit has nothing to simulate: "not scored", never a stale score.
        QVERIFY(panel->edit(0, QStringLiteral("Fires on articles."), QString()).ok());
        QVERIFY(!panel->latest()[0].scored);
        QCOMPARE(panel->table()->item(0, 2)->text(), QStringLiteral("not scored"));
        // A broken pattern is refused with its reason.
        auto bad = panel->edit(0, QStringLiteral("x"), QStringLiteral("{\"class\": \"flavour\"}"));
        QVERIFY(!bad.ok() && bad.error().contains(QStringLiteral("unknown token class")));
        // The browser shows the decision, and the history survives reopening the neuron.
        const int row = m_window->neuronList()->rowOf(7);
        QCOMPARE(m_window->neuronList()->index(row, NeuronListModel::Status).data().toString(), QStringLiteral("edited"));
        m_window->showNeuron(0, 8);
        m_window->showNeuron(0, 7);
        QCOMPARE(panel->latest()[0].status, QStringLiteral("edited"));
        QCOMPARE(panel->latest()[0].text, QStringLiteral("Fires on articles."));
    }

    void exemplarsByModeAndByMiss() {
        m_window->showNeuron(0, 7);
        QComboBox* filter = m_window->exemplarFilter();
        const int modes = static_cast<int>(m_window->result().at("modes").size());
        QCOMPARE(filter->count(), 1 + modes + 2);
        const int all = m_window->shownExemplars()->rowCount();
        int byMode = 0;
        for (int m = 0; m < modes; ++m) {
            filter->setCurrentIndex(1 + m);
            for (int r = 0; r < m_window->shownExemplars()->rowCount(); ++r)
                QCOMPARE(m_window->shownExemplars()->index(r, 0).data(ExemplarModel::ModeRole).toInt(), m);
            byMode += m_window->shownExemplars()->rowCount();
        }
        QVERIFY(byMode <= all);
        filter->setCurrentIndex(1 + modes);  // worst false positives first
        auto* shown = m_window->shownExemplars();
        QCOMPARE(shown->rowCount(), all);
        for (int r = 1; r < shown->rowCount(); ++r)
            QVERIFY(shown->index(r - 1, 0).data(ExemplarModel::FalsePositiveRole).toFloat() >=
                    shown->index(r, 0).data(ExemplarModel::FalsePositiveRole).toFloat());
        filter->setCurrentIndex(0);
    }

    void exportsAPdfWithEveryMode() {
        const QString pdf = m_dir.filePath(QStringLiteral("report.pdf"));
        auto r = m_window->exportPdf(pdf, {7});
        QVERIFY2(r.ok(), qPrintable(r.ok() ? QString() : r.error()));
        QProcess text;
        text.start(QStringLiteral("pdftotext"), {QStringLiteral("-layout"), pdf, QStringLiteral("-")});
        QVERIFY(text.waitForFinished(60000));
        const QString content = QString::fromUtf8(text.readAllStandardOutput()).simplified();
        QVERIFY2(content.contains(QStringLiteral("neuron 0/7")), qPrintable(content.left(300)));
        const auto& result = m_window->result();
        const auto decided = m_window->explanations()->latest();
        for (size_t m = 0; m < result.at("modes").size(); ++m) {
            const bool edited = decided[m].status == QStringLiteral("edited");
            const QString explanation = edited ? decided[m].text : QString::fromStdString(result.at("modes")[m].at("explanation").get<std::string>());
            // Long sentences wrap over lines: compare the first words.
            QVERIFY2(content.contains(explanation.simplified().left(40)), qPrintable(explanation));
            const QString score = edited ? QStringLiteral("not scored")
                                         : QString::number(result.at("modes")[m].at("score").get<double>(), 'f', 3);
            QVERIFY2(content.contains(score), qPrintable(score));
        }
        QVERIFY(content.contains(QString::number(result.at("baseline_score").get<double>(), 'f', 3)));
        QVERIFY(!m_window->exportPdf(pdf, {9}).ok());  // not explained: nothing to report
    }

    void exportsALayerAndImportsItBack() {
        // Neuron 8 as the agents left it; neuron 7 carries a person's free-text edit.
        m_window->showNeuron(0, 8);
        m_window->explainCurrent();
        QTRY_VERIFY_WITH_TIMEOUT(!m_window->busy(), 180000);
        QSignalSpy exported(m_window.get(), &MainWindow::layerExported);
        const QString file = m_dir.filePath(QStringLiteral("layer0.jsonl"));
        m_window->exportLayer({7, 8, 9}, QStringLiteral("neuronpedia"), file, QStringLiteral("tiny"));
        QTRY_VERIFY_WITH_TIMEOUT(!m_window->busy(), 60000);
        QCOMPARE(exported.count(), 1);
        QFile f(file);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QList<QByteArray> lines = f.readAll().trimmed().split('\n');
        QCOMPARE(lines.size(), 2);  // neuron 9 has no explanation
        const QString dir = m_dir.filePath(QStringLiteral("openai"));
        m_window->exportLayer({7, 8, 9}, QStringLiteral("openai"), dir);
        QTRY_VERIFY_WITH_TIMEOUT(!m_window->busy(), 60000);
        QVERIFY(QFile::exists(dir + QStringLiteral("/neurons/0/9.json")));
        QVERIFY(QFile::exists(dir + QStringLiteral("/explanations/0/8.jsonl")));
        QVERIFY(!QFile::exists(dir + QStringLiteral("/explanations/0/9.jsonl")));

        QSignalSpy imported(m_window.get(), &MainWindow::explanationsImported);
        m_window->importExplanations(file);
        QTRY_VERIFY_WITH_TIMEOUT(!m_window->busy(), 60000);
        QCOMPARE(imported.count(), 1);
        const auto rows = nlohmann::json::parse(imported.first().first().toByteArray().toStdString());
        QCOMPARE(rows.size(), size_t(2));
        // The edited neuron's free text needs an LLM simulator; the other comes back exactly.
        QVERIFY2(rows[0].at("neuron") == 7 && rows[0].at("score").is_null(), rows[0].dump().c_str());
        QVERIFY(QString::fromStdString(rows[0].at("note").get<std::string>()).contains(QStringLiteral("LLM")));
        QVERIFY2(rows[1].at("neuron") == 8 && rows[1].at("score").is_number(), rows[1].dump().c_str());
        QCOMPARE(rows[1].at("score").get<double>(), rows[1].at("neuronscope_score").get<double>());
        // The results are listed, and the neuron's panel shows what was written elsewhere.
        auto* dialog = m_window->findChild<ImportResultsDialog*>();
        QVERIFY(dialog && dialog->isVisible());
        QCOMPARE(dialog->table()->rowCount(), 2);
        dialog->close();
        m_window->showNeuron(0, 8);
        QTableWidget* elsewhere = m_window->explanations()->importedTable();
        QVERIFY(elsewhere->isVisibleTo(m_window->explanations()));
        QCOMPARE(elsewhere->rowCount(), 1);
        QCOMPARE(elsewhere->item(0, 3)->text(), QString::number(rows[1].at("score").get<double>(), 'f', 3));
        // The report carries them too.
        const QString pdf = m_dir.filePath(QStringLiteral("imported.pdf"));
        QVERIFY(m_window->exportPdf(pdf, {8}).ok());
        QProcess text;
        text.start(QStringLiteral("pdftotext"), {pdf, QStringLiteral("-")});
        QVERIFY(text.waitForFinished(60000));
        const QString content = QString::fromUtf8(text.readAllStandardOutput()).simplified();
        QVERIFY2(content.contains(QStringLiteral("Written elsewhere")), qPrintable(content.left(400)));
        QVERIFY(content.contains(QStringLiteral("test r = %1").arg(rows[1].at("score").get<double>(), 0, 'f', 3)));
    }
};

QTEST_MAIN(TestMainWindow)
#include "test_main_window.moc"
