// The Own text page: the neuron's activations on a person's text and, under them, the current
// explanation's simulation of the same text (whole or one mode) on the activation's scale.
#include "exemplar_model.h"
#include "neuron_document.h"
#include "pages/own_text_page.h"

#include "agents/activity.h"
#include "agents/pattern.h"
#include "agents/token_table.h"
#include "model/language_model.h"

#include <QComboBox>
#include <QLabel>
#include <QPlainTextEdit>
#include <QSignalSpy>
#include <QtTest>

#include <cmath>

using namespace ns;

class TestOwnText : public QObject {
    Q_OBJECT
    std::shared_ptr<LanguageModel> m_model;
    std::shared_ptr<TokenTable> m_table;

    ModeExplanation literalMode(const QString& token, double weight) const {
        ModeExplanation m;
        m.text = QStringLiteral("the token %1").arg(token);
        auto p = patternFromJson(nlohmann::json{{"literals", {{{"token", token.toStdString()}, {"weight", weight}}}}});
        if (p) m.pattern = *p;
        return m;
    }
    NeuronRecord record() const {
        NeuronRecord r;
        r.layer = 0, r.neuron = 7;
        auto w = std::make_shared<TokenWindow>();
        w->tokens = m_model->tokenizer().encode(" the cat sat on the mat");
        Exemplar e;
        e.window = w;
        e.activations = std::vector<float>(w->tokens.size(), 0.f);
        e.activations[1] = 2.f;
        e.max = 2.f, e.maxIndex = 1;
        r.top.push_back(e);
        r.stats.max = 2.0;
        return r;
    }

private Q_SLOTS:
    void initTestCase() {
        auto model = LanguageModel::load(QStringLiteral(NS_RESOURCE_DIR "/model"));
        QVERIFY2(model.ok(), model.ok() ? "" : qPrintable(model.error()));
        m_model = *model;
        m_table = std::make_shared<TokenTable>(m_model->tokenizer());
    }

    void theExplanationsSimulationIsShownBesideTheActivations() {
        NeuronDocument doc(ExplainTarget{0, 7, {}});
        doc.setRecord(record());
        LoopResult result;
        ModeResult cat, mat, free;
        cat.explanation = literalMode(QStringLiteral(" cat"), 2);
        mat.explanation = literalMode(QStringLiteral(" mat"), 1);
        free.explanation.text = QStringLiteral("animals on furniture");
        result.modes = {cat, mat, free};
        doc.setResult(result);

        OwnTextPage page(m_model, m_table);
        page.setDocument(&doc);
        QCOMPARE(page.simulationChoice()->count(), 4);  // the whole explanation and three modes
        QSignalSpy shown(&page, &OwnTextPage::shown);
        page.editor()->setPlainText(QStringLiteral("A cat and a mat."));
        QVERIFY(shown.wait(20000));
        QCOMPARE(page.model()->rowCount(), 1);
        ExemplarModel::Row row = page.model()->row(0);
        QVERIFY(row.activations.size() > 3);
        QCOMPARE(row.simulated.size(), row.activations.size());
        // On the activation's scale: " cat" predicted as strongly as on the exemplars, i.e. the
        // neuron's maximum 2.0; " mat" half of it; the rest 0.
        const int catAt = static_cast<int>(row.tokens.indexOf(QStringLiteral(" cat")));
        const int matAt = static_cast<int>(row.tokens.indexOf(QStringLiteral(" mat")));
        QVERIFY(catAt >= 0 && matAt >= 0);
        QVERIFY(std::abs(row.simulated[catAt] - 2.f) < 1e-4f);
        QVERIFY(std::abs(row.simulated[matAt] - 1.f) < 1e-4f);
        QVERIFY(page.note()->text().contains(QStringLiteral("scaled")));
        QCOMPARE(page.model()->scale(), 2.f);
        QCOMPARE(page.model()->activeThreshold(), kActiveFraction * 2.0);

        // One mode alone: only its own tokens.
        page.simulationChoice()->setCurrentIndex(page.simulationChoice()->findData(1));
        Q_EMIT page.simulationChoice()->activated(page.simulationChoice()->currentIndex());
        row = page.model()->row(0);
        QCOMPARE(row.simulated[catAt], 0.f);
        QVERIFY(std::abs(row.simulated[matAt] - 1.f) < 1e-4f);
        // A free-text mode cannot be run offline, and the page says so.
        page.simulationChoice()->setCurrentIndex(page.simulationChoice()->findData(2));
        Q_EMIT page.simulationChoice()->activated(page.simulationChoice()->currentIndex());
        QVERIFY(page.model()->row(0).simulated.isEmpty());
        QVERIFY(page.note()->text().contains(QStringLiteral("cannot be simulated")));
    }

    void withoutAnExplanationOnlyTheActivationsAreShown() {
        NeuronDocument doc(ExplainTarget{0, 7, {}});
        doc.setRecord(record());
        OwnTextPage page(m_model, m_table);
        page.setDocument(&doc);
        QVERIFY(!page.simulationChoice()->isEnabled());
        QSignalSpy shown(&page, &OwnTextPage::shown);
        page.editor()->setPlainText(QStringLiteral("The cat sat."));
        QVERIFY(shown.wait(20000));
        QVERIFY(page.model()->row(0).simulated.isEmpty());
        QVERIFY(page.model()->row(0).activations.size() > 2);
    }
};

QTEST_MAIN(TestOwnText)
#include "test_own_text.moc"
