// The Explanations page on a document filled by hand: what a mode's Test r column says for
// proposed modes without test exemplars, text-only edits, edits with a new pattern and rejected
// modes, and which decisions it asks to be scored (the worker's side is test_main_window's).
#include "explanation_panel.h"
#include "neuron_document.h"

#include "agents/pattern.h"
#include "store/decisions.h"

#include <QLabel>
#include <QTableWidget>
#include <QtTest>

using namespace ns;

namespace {

const QString kThe = QStringLiteral("{\"literals\": [{\"token\": \" the\", \"weight\": 1.0}]}");
const QString kA = QStringLiteral("{\"literals\": [{\"token\": \" a\", \"weight\": 0.5}]}");

ModeResult mode(const QString& text, const QString& json, std::optional<double> score, int exemplars) {
    ModeResult m;
    m.explanation.text = text;
    m.explanation.label = QStringLiteral("label of %1").arg(text.left(6));
    auto p = patternFromJson(nlohmann::json::parse(json.toStdString()));
    if (p) m.explanation.pattern = *p;
    m.score = score;
    m.exemplarCount = exemplars;
    return m;
}

}  // namespace

class TestExplanationPanel : public QObject {
    Q_OBJECT
    struct Request {
        Review review;
        std::vector<ModeExplanation> modes;
        bool rescore = false;
    };

    NeuronDocument* m_doc = nullptr;
    ExplanationPanel* m_panel = nullptr;
    std::vector<Request> m_requests;
    int64_t m_nextId = 1;

    /// Keeps the last request as the worker would, with `score` as its whole score (none: not scored).
    void keep(std::optional<double> score) {
        Review kept = m_requests.back().review;
        kept.id = m_nextId++;
        kept.createdAt = QStringLiteral("2026-12-01T12:00:0%1Z").arg(kept.id);
        kept.scored = score.has_value();
        kept.score = score.value_or(0);
        m_doc->addReview(kept);
        m_panel->settle(m_doc->target(), kept.mode);
    }
    QString cell(int row, int column) const { return m_panel->table()->item(row, column)->text(); }
    QString headline() const {
        for (QLabel* l : m_panel->findChildren<QLabel*>())
            if (l->text().contains(QStringLiteral("on test"))) return l->text();
        return {};
    }

private Q_SLOTS:
    void init() {
        m_doc = new NeuronDocument({0, 404, {}}, this);
        LoopResult r;
        r.runId = 3;
        r.neuron = QStringLiteral("0/404");
        r.backend = QStringLiteral("builtin");
        r.loop.score = 0.612;
        r.baseline.score = 0.41;
        r.modes = {mode(QStringLiteral("Fires on ' the'."), kThe, 0.5, 9), mode(QStringLiteral("Fires on ' of'."), kA, std::nullopt, 0),
                   mode(QStringLiteral("Fires on ' in'."), kA, 0.25, 4)};
        m_doc->setResult(r);
        m_panel = new ExplanationPanel();
        m_panel->setDocument(m_doc);
        m_requests.clear();
        connect(m_panel, &ExplanationPanel::decisionRequested, this,
                [this](const ExplainTarget&, const Review& v, const std::vector<ModeExplanation>& modes, bool rescore) {
                    m_requests.push_back({v, modes, rescore});
                });
    }
    void cleanup() {
        delete m_panel;
        delete m_doc;
    }

    void aModeWithoutTestExemplarsReadsNotApplicable() {
        QCOMPARE(cell(0, 2), QStringLiteral("0.500"));
        QCOMPARE(cell(1, 2), QStringLiteral("n/a"));
        QVERIFY(m_panel->table()->item(1, 2)->toolTip().contains(QStringLiteral("No test exemplar")));
        QCOMPARE(cell(1, 3), QStringLiteral("0"));
    }

    void aTextOnlyEditIsNotScored_data() {
        QTest::addColumn<QString>("pattern");  // what the editor held when saved
        QTest::newRow("the agents' pattern left in the editor") << kThe;
        QTest::newRow("the pattern cleared") << QString();
    }
    void aTextOnlyEditIsNotScored() {
        QFETCH(QString, pattern);
        QVERIFY(m_panel->edit(0, QStringLiteral("biblical genealogies"), pattern).ok());
        QCOMPARE(m_requests.size(), size_t(1));
        // Kept without the agents' pattern: the text alone goes to be scored (by an LLM simulator, if any).
        QVERIFY(m_requests[0].review.pattern.isEmpty());
        QVERIFY(m_requests[0].rescore);
        QCOMPARE(m_requests[0].modes.size(), size_t(3));
        QVERIFY(!m_requests[0].modes[0].pattern.has_value());
        QCOMPARE(cell(0, 2), QStringLiteral("scoring..."));
        keep(std::nullopt);
        QCOMPARE(cell(0, 2), QStringLiteral("not scored"));
        // The agents' label still names the mode; the text is the person's.
        QVERIFY2(cell(0, 1).startsWith(QStringLiteral("label of Fires")) &&
                     cell(0, 1).endsWith(QStringLiteral("[edited]\nbiblical genealogies")),
                 qPrintable(cell(0, 1)));
        QVERIFY(headline().contains(QStringLiteral("not scored")));
    }

    void aStaleScoreOfATextOnlyEditIsNotShown() {
        // As kept before text-only edits were told apart: the agents' pattern and its score.
        Review old;
        old.id = 1;
        old.explanationId = 3;
        old.mode = 0;
        old.status = decision::edited;
        old.text = QStringLiteral("biblical genealogies");
        old.pattern = QString::fromStdString(nlohmann::json::parse(kThe.toStdString()).dump());
        old.scored = true;
        old.score = 0.456;
        old.author = QStringLiteral("person");
        m_doc->setReviews({old});
        QCOMPARE(cell(0, 2), QStringLiteral("not scored"));
        QVERIFY(!headline().contains(QStringLiteral("0.456")));
        for (int c = 0; c < m_panel->table()->columnCount(); ++c) QVERIFY(!cell(0, c).contains(QStringLiteral("0.456")));
    }

    void aNewPatternIsScoredWithTheWholeExplanation() {
        QVERIFY(m_panel->edit(0, QStringLiteral("Fires on ' a'."), kA).ok());
        QCOMPARE(m_requests.size(), size_t(1));
        QVERIFY(!m_requests[0].review.pattern.isEmpty());
        QVERIFY(m_requests[0].modes[0].pattern.has_value());
        keep(0.444);
        // The whole explanation's score is in the headline, never in the mode's column.
        QCOMPARE(cell(0, 2), QStringLiteral("edited, scored in whole"));
        QVERIFY(headline().contains(QStringLiteral("As decided")) && headline().contains(QStringLiteral("0.444")));
        for (int row = 0; row < 3; ++row) QVERIFY(!cell(row, 2).contains(QStringLiteral("0.444")));
    }

    void nothingChangedIsRefused() {
        auto r = m_panel->edit(0, QStringLiteral("Fires on ' the'."), kThe);
        QVERIFY(!r.ok() && r.error().contains(QStringLiteral("Nothing was changed")));
        QVERIFY(m_requests.empty());
    }

    void aRejectionIsScoredWithoutTheMode() {
        QVERIFY(m_panel->reject(2).ok());
        QCOMPARE(m_requests.size(), size_t(1));
        QVERIFY(m_requests[0].rescore);
        QCOMPARE(m_requests[0].modes.size(), size_t(2));
        keep(0.59);
        QCOMPARE(cell(2, 2), QStringLiteral("rejected"));
        QCOMPARE(cell(2, 4), QStringLiteral("rejected"));
        QVERIFY(headline().contains(QStringLiteral("0.590")));
        // Approving it again brings it back: the score kept without it no longer holds.
        QVERIFY(m_panel->approve(2).ok());
        QVERIFY(!m_requests.back().rescore);
        keep(std::nullopt);
        QCOMPARE(cell(2, 2), QStringLiteral("0.250"));
        QVERIFY(!headline().contains(QStringLiteral("0.590")));
    }

    void approvingAnEditKeepsItsText() {
        QVERIFY(m_panel->edit(0, QStringLiteral("Fires on ' a'."), kA).ok());
        keep(0.444);
        QVERIFY(m_panel->approve(0).ok());
        QCOMPARE(m_requests.back().review.text, QStringLiteral("Fires on ' a'."));
        keep(std::nullopt);
        QVERIFY(cell(0, 1).endsWith(QStringLiteral("Fires on ' a'.")));
        QCOMPARE(cell(0, 4), QStringLiteral("approved"));
        QCOMPARE(cell(0, 2), QStringLiteral("edited, scored in whole"));
    }
};

QTEST_MAIN(TestExplanationPanel)
#include "test_explanation_panel.moc"
