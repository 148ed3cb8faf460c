#include "model/language_model.h"
#include "model_summary_window.h"

#include <QLabel>
#include <QTest>

// The start-up window names the model it loaded and its shape.
class TestModelSummaryWindow final : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void statesTheModel() {
        auto m = ns::LanguageModel::load(QStringLiteral(NS_TEST_DATA_DIR "/tiny_gpt2_f32"));
        QVERIFY(m.ok());
        ns::ModelSummaryWindow w(*m, QStringLiteral(NS_RESOURCE_DIR "/corpus/corpus.txt"));
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        QStringList texts;
        for (auto* l : w.findChildren<QLabel*>()) texts << l->text();
        const QString all = texts.join(QLatin1Char('\n'));
        QVERIFY2(all.contains(QStringLiteral("tiny_gpt2_f32")), qPrintable(all));
        QVERIFY(all.contains(QStringLiteral("2 layers")));
        QVERIFY(all.contains(QStringLiteral("64 per layer")));
        QVERIFY(w.windowTitle().contains(QStringLiteral("tiny_gpt2_f32")));
        QVERIFY(!w.grab().isNull());
    }
};

QTEST_MAIN(TestModelSummaryWindow)
#include "test_model_summary_window.moc"
