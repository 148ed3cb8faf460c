// The explorer driven as a person would, offscreen: it mines the first layer at start, opens a
// neuron, runs the loop on a calibration neuron and shows the chart grow while it runs; a run
// for one neuron goes on in the background while another is shown; decisions stay with the run
// they judged; re-scoring uses the split stored with the run; a Cancel before a queued job
// starts is kept.
#include "correlation_chart.h"
#include "explanation_panel.h"
#include "interchange_dialogs.h"
#include "exemplar_model.h"
#include "explain_worker.h"
#include "main_window.h"
#include "neuron_document.h"
#include "neuron_list_model.h"
#include "pages/own_text_page.h"

#include "agents/explain_session.h"
#include "agents/pattern.h"
#include "store/cache_db.h"
#include "store/decisions.h"

#include "model/language_model.h"

#include <QComboBox>
#include <QFile>
#include <QListWidget>
#include <QPlainTextEdit>
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
    QString m_corpus;

    NeuronDocument* documentOf(int layer, int neuron) const { return m_window->documents()->find({layer, neuron, {}}); }
    static QString calibrationSpec() { return QStringLiteral(NS_TEST_DATA_DIR "/calibration/the_after_of.json"); }
    static const QString kThePattern;

private Q_SLOTS:
    void initTestCase() {
        QStandardPaths::setTestModeEnabled(true);  // settings and layout go to a test location
        QSettings().clear();
        auto model = LanguageModel::load(QStringLiteral(NS_RESOURCE_DIR "/model"));
        QVERIFY(model.ok());
        m_model = *model;
        m_corpus = writeCorpusSlice(m_dir, 150000);
        m_window = std::make_unique<MainWindow>(m_model, m_corpus, m_dir.filePath(QStringLiteral("cache.sqlite")));
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
        m_window->explainSynthetic(calibrationSpec());
        QVERIFY(m_window->busy());
        QTRY_VERIFY_WITH_TIMEOUT(!m_window->busy(), 120000);
        disconnect(c);
        QVERIFY2(pointsWhileBusy >= 2, qPrintable(QStringLiteral("%1 points seen while running").arg(pointsWhileBusy)));
        const auto& r = m_window->result();
        QVERIFY(r && r->modes.size() >= 2);
        QCOMPARE(m_window->chart()->points(), static_cast<int>(r->iterations.size()));
    }

    void approveAndEditExplanations() {
        m_window->showNeuron(0, 7);
        m_window->explainCurrent();
        QTRY_VERIFY_WITH_TIMEOUT(!m_window->busy(), 180000);
        const auto& r = m_window->result();
        QVERIFY(r && !r->modes.empty() && r->runId > 0);
        ExplanationPanel* panel = m_window->explanations();
        QCOMPARE(panel->table()->rowCount(), static_cast<int>(r->modes.size()));
        // Each mode's label heads its sentence.
        QVERIFY(panel->table()->item(0, 1)->text().startsWith(displayLabel(r->modes[0].explanation) + QLatin1Char('\n')));

        // Decisions are kept by the worker and shown once kept, tied to the run shown.
        QVERIFY(panel->approve(0).ok());
        QTRY_COMPARE(panel->latest()[0].status, QStringLiteral("approved"));
        QCOMPARE(panel->latest()[0].author, QStringLiteral("person"));
        QCOMPARE(panel->latest()[0].explanationId, r->runId);
        QVERIFY(!panel->latest()[0].createdAt.isEmpty());
        QCOMPARE(panel->table()->item(0, 4)->text(), QStringLiteral("approved"));

        // An edit with a pattern is re-scored offline; the table shows the new score.
        QVERIFY(panel->edit(0, QStringLiteral("Fires on ' the'."), kThePattern).ok());
        QTRY_COMPARE(panel->latest()[0].status, QStringLiteral("edited"));
        QVERIFY(panel->latest()[0].scored);
        QVERIFY(std::isfinite(panel->latest()[0].score));
        QVERIFY(panel->table()->item(0, 2)->text().contains(QStringLiteral("edited")));
        // A text-only edit has nothing to simulate: "not scored", never a stale score.
        QVERIFY(panel->edit(0, QStringLiteral("Fires on articles."), QString()).ok());
        QTRY_COMPARE(panel->latest()[0].text, QStringLiteral("Fires on articles."));
        QVERIFY(!panel->latest()[0].scored);
        QCOMPARE(panel->table()->item(0, 2)->text(), QStringLiteral("not scored"));
        // A broken pattern is refused with its reason.
        auto bad = panel->edit(0, QStringLiteral("x"), QStringLiteral("{\"class\": \"flavour\"}"));
        QVERIFY(!bad.ok() && bad.error().contains(QStringLiteral("unknown token class")));
        // The browser shows the decision, and the history survives reopening the neuron.
        const int row = m_window->neuronList()->rowOf(7);
        QCOMPARE(m_window->neuronList()->index(row, NeuronListModel::Status).data().toString(),
                 QStringLiteral("1 edited of %1").arg(r->modes.size()));
        m_window->showNeuron(0, 8);
        m_window->showNeuron(0, 7);
        QCOMPARE(panel->latest()[0].status, QStringLiteral("edited"));
        QCOMPARE(panel->latest()[0].text, QStringLiteral("Fires on articles."));
    }

    void exemplarsByModeAndByMiss() {
        m_window->showNeuron(0, 7);
        QComboBox* filter = m_window->exemplarFilter();
        const int modes = static_cast<int>(m_window->result()->modes.size());
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
        const LoopResult& result = *m_window->result();
        const auto decided = m_window->explanations()->latest();
        for (size_t m = 0; m < result.modes.size(); ++m) {
            const bool edited = decided[m].status == QStringLiteral("edited");
            const QString explanation = edited ? decided[m].text : result.modes[m].explanation.text;
            // Long sentences wrap over lines: compare the first words.
            QVERIFY2(content.contains(explanation.simplified().left(40)), qPrintable(explanation));
            const QString label = QStringLiteral("Mode %1: %2").arg(m + 1).arg(displayLabel(result.modes[m].explanation));
            QVERIFY2(content.contains(label.simplified().left(40)), qPrintable(label));
            const QString score = edited ? QStringLiteral("not scored") : QString::number(result.modes[m].score.value_or(0), 'f', 3);
            QVERIFY2(content.contains(score), qPrintable(score));
        }
        QVERIFY(content.contains(QString::number(result.baseline.score, 'f', 3)));
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
        const auto rows = imported.first().first().value<ImportRun>().rows;
        QCOMPARE(rows.size(), size_t(2));
        // The edited neuron's free text needs an LLM simulator; the other comes back exactly.
        QVERIFY(rows[0].imported.neuron == 7 && !rows[0].score);
        QVERIFY(rows[0].note.contains(QStringLiteral("LLM")));
        QVERIFY(rows[1].imported.neuron == 8 && rows[1].score && rows[1].ownScore);
        QCOMPARE(*rows[1].score, *rows[1].ownScore);
        // The results are listed, and the neuron's panel shows what was written elsewhere.
        auto* dialog = m_window->findChild<ImportResultsDialog*>();
        QVERIFY(dialog && dialog->isVisible());
        QCOMPARE(dialog->table()->rowCount(), 2);
        dialog->close();
        m_window->showNeuron(0, 8);
        QTableWidget* elsewhere = m_window->explanations()->importedTable();
        QVERIFY(elsewhere->isVisibleTo(m_window->explanations()));
        QCOMPARE(elsewhere->rowCount(), 1);
        QCOMPARE(elsewhere->item(0, 3)->text(), QString::number(*rows[1].score, 'f', 3));
        // The report carries them too.
        const QString pdf = m_dir.filePath(QStringLiteral("imported.pdf"));
        QVERIFY(m_window->exportPdf(pdf, {8}).ok());
        QProcess text;
        text.start(QStringLiteral("pdftotext"), {pdf, QStringLiteral("-")});
        QVERIFY(text.waitForFinished(60000));
        const QString content = QString::fromUtf8(text.readAllStandardOutput()).simplified();
        QVERIFY2(content.contains(QStringLiteral("Written elsewhere")), qPrintable(content.left(400)));
        QVERIFY(content.contains(QStringLiteral("test r = %1").arg(*rows[1].score, 0, 'f', 3)));
    }

    void aRunForAnotherNeuronGoesOnInTheBackground() {
        // Explain 0/11, then open 0/12 while it runs: the chart shows 0/12 only, the run shows
        // as a background job, and its result lands on 0/11.
        m_window->showNeuron(0, 11);
        m_window->explainCurrent(true);
        m_window->showNeuron(0, 12);
        NeuronDocument* shown = m_window->current();
        QCOMPARE(shown->name(), QStringLiteral("0/12"));
        int foreignPoints = 0;
        const auto c = connect(m_window->chart(), &CorrelationChart::pointAdded, this, [&](int) { ++foreignPoints; });
        QTRY_VERIFY_WITH_TIMEOUT(m_window->backgroundJobs().contains(QStringLiteral("explaining 0/11, iteration")), 120000);
        QTRY_VERIFY_WITH_TIMEOUT(!m_window->busy(), 180000);
        disconnect(c);
        QCOMPARE(foreignPoints, 0);
        QCOMPARE(m_window->chart()->points(), 0);
        QVERIFY(!m_window->result());
        NeuronDocument* explained = documentOf(0, 11);
        QVERIFY(explained && explained->result());
        QCOMPARE(explained->result()->neuron, QStringLiteral("0/11"));
        QVERIFY(explained->result()->runId > 0);
        QCOMPARE(explained->refinement().points(), static_cast<int>(explained->result()->iterations.size()));
        m_window->showNeuron(0, 11);
        QCOMPARE(m_window->chart()->points(), static_cast<int>(explained->result()->iterations.size()));
        QCOMPARE(m_window->neuronList()->index(m_window->neuronList()->rowOf(11), NeuronListModel::Status).data().toString(),
                 QStringLiteral("none decided of %1").arg(explained->result()->modes.size()));
    }

    void decisionsSurviveExplainAgainWithTheirRun() {
        m_window->showNeuron(0, 7);
        const int64_t judged = m_window->result()->runId;
        ExplanationPanel* panel = m_window->explanations();
        QCOMPARE(panel->latest()[0].status, QStringLiteral("edited"));
        m_window->explainCurrent(true);
        QTRY_VERIFY_WITH_TIMEOUT(!m_window->busy(), 180000);
        const int64_t fresh = m_window->result()->runId;
        QVERIFY(fresh > 0 && fresh != judged);
        // The new run starts with no decisions; the old ones stay, with the run they judged.
        for (const Review& r : panel->latest()) QVERIFY(r.status.isEmpty());
        const auto& history = m_window->current()->reviews();
        QVERIFY(history.size() >= 3);
        for (const Review& r : history) QCOMPARE(r.explanationId, judged);
        panel->table()->selectRow(0);
        bool marked = false;
        for (int i = 0; i < panel->findChild<QListWidget*>()->count(); ++i)
            marked = marked || panel->findChild<QListWidget*>()->item(i)->text().contains(QStringLiteral("earlier run"));
        QVERIFY(marked);
        const int row = m_window->neuronList()->rowOf(7);
        QCOMPARE(m_window->neuronList()->index(row, NeuronListModel::Status).data().toString(),
                 QStringLiteral("none decided of %1").arg(m_window->result()->modes.size()));
        // A decision now belongs to the new run.
        QVERIFY(panel->approve(0).ok());
        QTRY_COMPARE(panel->latest()[0].status, QStringLiteral("approved"));
        QCOMPARE(panel->latest()[0].explanationId, fresh);
        QCOMPARE(m_window->neuronList()->index(row, NeuronListModel::Status).data().toString(),
                 QStringLiteral("1 approved of %1").arg(m_window->result()->modes.size()));
    }

    void aDecisionIsKeptWhileARunGoesOn() {
        // Decisions have a worker of their own: one about the run shown does not wait for the
        // next run of the same neuron to end.
        m_window->showNeuron(0, 8);
        NeuronDocument* doc = m_window->current();
        const int64_t judged = doc->result()->runId;
        m_window->explainCurrent(true);
        QTRY_VERIFY_WITH_TIMEOUT(doc->job() == NeuronDocument::Job::Running, 60000);
        bool keptWhileRunning = false;
        const auto c = connect(doc, &NeuronDocument::reviewsChanged, this, [&] {
            if (!doc->reviews().empty() && doc->reviews().back().explanationId == judged)
                keptWhileRunning = keptWhileRunning || doc->job() == NeuronDocument::Job::Running;
        });
        QVERIFY(m_window->explanations()->reject(0).ok());
        QTRY_VERIFY_WITH_TIMEOUT(!m_window->busy(), 180000);
        disconnect(c);
        QVERIFY(keptWhileRunning);
        QVERIFY(doc->result()->runId != judged);
    }

    void rescoringAfterChangingKUsesTheStoredSplit() {
        m_window->showNeuron(0, 7);
        ExplanationPanel* panel = m_window->explanations();
        const LoopResult run = *m_window->result();
        QVERIFY(panel->edit(0, QStringLiteral("Fires on ' the'."), kThePattern).ok());
        QTRY_VERIFY(panel->pending() == 0);
        const double before = panel->latest()[0].score;
        QVERIFY(panel->latest()[0].scored);

        ExplorerSettings settings = ExplorerSettings::load();
        const int k = settings.topK;
        settings.topK = k / 2;
        m_window->applySettings(settings);
        QTRY_VERIFY_WITH_TIMEOUT(!m_window->busy(), 180000);
        QTRY_VERIFY(m_window->current()->record() && static_cast<int>(m_window->current()->record()->top.size()) == k / 2);
        QVERIFY(panel->edit(0, QStringLiteral("Fires on ' the', again."), kThePattern).ok());
        QTRY_VERIFY(panel->pending() == 0);
        QVERIFY(panel->latest()[0].scored);
        QVERIFY2(std::abs(panel->latest()[0].score - before) < 1e-3,
                 qPrintable(QStringLiteral("%1 before, %2 after").arg(before).arg(panel->latest()[0].score)));

        // The split today's record would give is another one: the score would have moved.
        auto db = CacheDb::open(m_dir.filePath(QStringLiteral("cache.sqlite")));
        QVERIFY(db.ok());
        ExplainSession session(m_model, m_corpus, **db);
        session.setTopK(k / 2);
        std::vector<ModeExplanation> whole;
        for (size_t m = 0; m < run.modes.size(); ++m) whole.push_back(run.modes[m].explanation);
        auto pattern = patternFromJson(nlohmann::json::parse(kThePattern.toStdString()));
        QVERIFY(pattern.ok());
        whole[0] = {QStringLiteral("Fires on ' the'."), *pattern};
        auto rederived = session.rescore({0, 7, {}}, whole, run.seed);
        auto stored = session.rescore({0, 7, {}}, whole, run.seed, nullptr, run.splits);
        QVERIFY(rederived.ok() && rederived->has_value() && stored.ok() && stored->has_value());
        QVERIFY2(std::abs(**stored - before) < 1e-3, qPrintable(QString::number(**stored)));
        QVERIFY2(std::abs(**rederived - before) > 1e-4, qPrintable(QString::number(**rederived)));

        settings.topK = k;
        m_window->applySettings(settings);
        QTRY_VERIFY_WITH_TIMEOUT(!m_window->busy(), 180000);
        QTRY_VERIFY(m_window->current()->record() && static_cast<int>(m_window->current()->record()->top.size()) == k);
    }

    void ownTextIsComputedOffTheGuiThread() {
        m_window->showNeuron(0, 7);
        QSignalSpy shown(m_window->ownText(), &OwnTextPage::shown);
        m_window->ownText()->editor()->setPlainText(QStringLiteral("The cat sat on the mat."));
        QVERIFY(shown.wait(10000));
        QCOMPARE(m_window->ownText()->model()->rowCount(), 1);
        QVERIFY(m_window->ownText()->model()->row(0).activations.size() > 3);
    }

    void aCancelBeforeAQueuedJobStartsIsKept() {
        ExplainWorker worker(m_model, m_corpus, m_dir.filePath(QStringLiteral("cancel.sqlite")));
        QSignalSpy cancelled(&worker, &ExplainWorker::cancelled), started(&worker, &ExplainWorker::jobStarted),
            explained(&worker, &ExplainWorker::explained), finished(&worker, &ExplainWorker::jobFinished);
        const ExplainTarget target{-1, -1, calibrationSpec()};
        const qint64 queued = worker.issueJob();
        worker.cancel();  // pressed while the job waits for the one before it
        const qint64 later = worker.issueJob();
        worker.explain(queued, target, true);  // the queue reaches it
        QCOMPARE(cancelled.count(), 1);
        QCOMPARE(cancelled.first().first().toLongLong(), queued);
        QCOMPARE(started.count(), 0);
        QCOMPARE(explained.count(), 0);
        QCOMPARE(finished.count(), 1);
        worker.explain(later, target, true);  // issued after the Cancel: it runs
        QCOMPARE(started.count(), 1);
        QCOMPARE(explained.count(), 1);
        QCOMPARE(cancelled.count(), 1);
    }
};

const QString TestMainWindow::kThePattern = QStringLiteral("{\"literals\": [{\"token\": \" the\", \"weight\": 1.0}]}");

QTEST_MAIN(TestMainWindow)
#include "test_main_window.moc"
