#include "agents/calibration_neuron.h"

#include <QTest>

using ns::CalibrationNeuron;

class TestCalibrationNeuron final : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void activations_data() {
        QTest::addColumn<QByteArray>("spec");
        QTest::addColumn<QStringList>("tokens");
        QTest::addColumn<QList<float>>("expected");
        const QStringList text{QStringLiteral("The"), QStringLiteral(" cat"), QStringLiteral(" sat"), QStringLiteral(" on"),
                               QStringLiteral(" the"), QStringLiteral(" mat"), QStringLiteral(".")};
        QTest::newRow("whole token, leading space") << QByteArray("{\"modes\":[{\"token_regex\":\" [cm]at\"}]}") << text
                                                    << QList<float>{0, 1, 0, 0, 0, 1, 0};
        QTest::newRow("partial match does not count") << QByteArray("{\"modes\":[{\"token_regex\":\"at\"}]}") << text
                                                      << QList<float>{0, 0, 0, 0, 0, 0, 0};
        QTest::newRow("context at the end of the text before")
            << QByteArray("{\"modes\":[{\"token_regex\":\" [a-z]at\",\"context_regex\":\"the$\"}]}") << text
            << QList<float>{0, 0, 0, 0, 0, 1, 0};
        QTest::newRow("context anywhere before does not count")
            << QByteArray("{\"modes\":[{\"token_regex\":\" sat\",\"context_regex\":\"The\"}]}") << text
            << QList<float>{0, 0, 0, 0, 0, 0, 0};
        QTest::newRow("largest of the matching modes")
            << QByteArray("{\"modes\":[{\"token_regex\":\" \\\\w+\",\"activation\":0.5},{\"token_regex\":\" mat\",\"activation\":2}]}") << text
            << QList<float>{0, 0.5f, 0.5f, 0.5f, 0.5f, 2, 0};
    }
    void activations() {
        QFETCH(QByteArray, spec);
        QFETCH(QStringList, tokens);
        QFETCH(QList<float>, expected);
        auto n = CalibrationNeuron::parse(spec, QStringLiteral("spec.json"));
        QVERIFY2(n.ok(), qPrintable(n.ok() ? QString() : n.error()));
        const auto got = n->activations(tokens);
        QCOMPARE(QList<float>(got.begin(), got.end()), expected);
    }

    void modeAlone() {
        auto n = CalibrationNeuron::parse("{\"name\":\"two\",\"modes\":[{\"token_regex\":\" cat\"},{\"token_regex\":\" mat\",\"activation\":3}]}",
                                          QStringLiteral("spec.json"));
        QVERIFY(n.ok());
        QCOMPARE(n->name(), QStringLiteral("two"));
        const auto m1 = n->modeActivations(1, {QStringLiteral(" cat"), QStringLiteral(" mat")});
        QCOMPARE(QList<float>(m1.begin(), m1.end()), (QList<float>{0, 3}));
    }

    void badSpecs_data() {
        QTest::addColumn<QByteArray>("spec");
        QTest::addColumn<QString>("fragment");
        QTest::newRow("not json") << QByteArray("{") << QStringLiteral("not valid JSON");
        QTest::newRow("no modes") << QByteArray("{\"name\":\"x\"}") << QStringLiteral("modes");
        QTest::newRow("bad regex") << QByteArray("{\"modes\":[{\"token_regex\":\"((\"}]}") << QStringLiteral("not a valid regular expression");
        QTest::newRow("bad context") << QByteArray("{\"modes\":[{\"token_regex\":\"a\",\"context_regex\":\"[z\"}]}") << QStringLiteral("context_regex");
        QTest::newRow("no token regex") << QByteArray("{\"modes\":[{\"activation\":1}]}") << QStringLiteral("token_regex");
        QTest::newRow("negative activation") << QByteArray("{\"modes\":[{\"token_regex\":\"a\",\"activation\":-1}]}") << QStringLiteral("positive");
    }
    void badSpecs() {
        QFETCH(QByteArray, spec);
        QFETCH(QString, fragment);
        auto n = CalibrationNeuron::parse(spec, QStringLiteral("bad.json"));
        QVERIFY(!n.ok());
        QVERIFY2(n.error().contains(fragment) && n.error().contains(QStringLiteral("bad.json")), qPrintable(n.error()));
    }
};

QTEST_GUILESS_MAIN(TestCalibrationNeuron)
#include "test_calibration_neuron.moc"
