#include "agents/calibration_neuron.h"

#include <QElapsedTimer>
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
        // A planted word class is judged on the whole word, every piece of it.
        const QStringList split{QStringLiteral(" on"), QStringLiteral(" Wed"), QStringLiteral("nes"), QStringLiteral("day"),
                                QStringLiteral(" or"), QStringLiteral(" Friday"), QStringLiteral(" Wed")};
        QTest::newRow("word class, whole word") << QByteArray("{\"modes\":[{\"word_class\":\"weekday\"}]}") << split
                                                << QList<float>{0, 1, 1, 1, 0, 1, 0};
        QTest::newRow("word class and token regex together")
            << QByteArray("{\"modes\":[{\"word_class\":\"weekday\",\"token_regex\":\" \\\\w+\"}]}") << split
            << QList<float>{0, 1, 0, 0, 0, 1, 0};
    }
    void activations() {
        QFETCH(QByteArray, spec);
        QFETCH(QStringList, tokens);
        QFETCH(QList<float>, expected);
        auto n = CalibrationNeuron::parse(spec, QStringLiteral("spec.json"));
        QVERIFY2(n.ok(), qPrintable(n.ok() ? QString() : n.error()));
        auto got = n->activations(tokens);
        QVERIFY2(got.ok(), qPrintable(got.ok() ? QString() : got.error()));
        QCOMPARE(QList<float>(got->begin(), got->end()), expected);
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
        QTest::newRow("unknown word class") << QByteArray("{\"modes\":[{\"word_class\":\"flavour\"}]}") << QStringLiteral("not a word class");
        QTest::newRow("a token class is no word class") << QByteArray("{\"modes\":[{\"word_class\":\"number\"}]}")
                                                        << QStringLiteral("not a word class");
        QTest::newRow("negative activation") << QByteArray("{\"modes\":[{\"token_regex\":\"a\",\"activation\":-1}]}") << QStringLiteral("out of range");
        // Finite as a double, infinite as a float: mining used to loop forever on these.
        QTest::newRow("activation 1e39") << QByteArray("{\"modes\":[{\"token_regex\":\" the\",\"activation\":1e39}]}") << QStringLiteral("out of range");
        QTest::newRow("activation 1e308") << QByteArray("{\"modes\":[{\"token_regex\":\" the\",\"activation\":1e308}]}") << QStringLiteral("out of range");
        QTest::newRow("two modes, one 1e308")
            << QByteArray("{\"modes\":[{\"token_regex\":\" the\",\"activation\":1e308},{\"token_regex\":\" and\",\"activation\":1.0}]}")
            << QStringLiteral("mode 0");
        QTest::newRow("activation a string") << QByteArray("{\"modes\":[{\"token_regex\":\"a\",\"activation\":\"high\"}]}") << QStringLiteral("must be a number");
        QTest::newRow("activation null") << QByteArray("{\"modes\":[{\"token_regex\":\"a\",\"activation\":null}]}") << QStringLiteral("must be a number");
        QTest::newRow("mode not an object") << QByteArray("{\"modes\":[3]}") << QStringLiteral("mode 0 is not a JSON object");
        QTest::newRow("regex not a string") << QByteArray("{\"modes\":[{\"token_regex\":7}]}") << QStringLiteral("must be a string");
        QTest::newRow("spec not an object") << QByteArray("[1]") << QStringLiteral("JSON object");
        QByteArray many("{\"modes\":[");
        for (int m = 0; m <= CalibrationNeuron::kMaxModes; ++m) many += (m ? "," : "") + QByteArray("{\"token_regex\":\"a\"}");
        QTest::newRow("one mode too many") << many + "]}" << QStringLiteral("at most 32");
    }

    // A catastrophic context regex ends in an error naming the mode within its step budget,
    // not in minutes of backtracking (67 s before the bound) nor a silent "no match".
    void catastrophicRegexIsBounded() {
        auto n = CalibrationNeuron::parse(R"({"modes":[{"token_regex":" \\w+","context_regex":"(\\w+\\s?)+\\d"}]})",
                                          QStringLiteral("slow.json"));
        QVERIFY2(n.ok(), qPrintable(n.ok() ? QString() : n.error()));
        QStringList tokens;
        for (int i = 0; i < 200; ++i) tokens << QStringLiteral(" word");
        QElapsedTimer timer;
        timer.start();
        auto got = n->activations(tokens);
        QVERIFY(!got.ok());
        QVERIFY2(got.error().contains(QStringLiteral("slow.json")) && got.error().contains(QStringLiteral("mode 0")) &&
                     got.error().contains(QStringLiteral("backtracking")),
                 qPrintable(got.error()));
        QVERIFY2(timer.elapsed() < 5000, qPrintable(QString::number(timer.elapsed())));
    }

    // The context a regex sees is bounded too, so the work per token does not grow with the window.
    void contextIsTheLastCharacters() {
        auto n = CalibrationNeuron::parse(R"({"modes":[{"token_regex":" x","context_regex":"^start.*"}]})", QStringLiteral("c.json"));
        QVERIFY(n.ok());
        QStringList near{QStringLiteral("start"), QStringLiteral(" x")};
        QStringList far{QStringLiteral("start")};
        for (int i = 0; i < CalibrationNeuron::kContextChars; ++i) far << QStringLiteral("y");
        far << QStringLiteral(" x");
        auto a = n->activations(near);
        auto b = n->activations(far);
        QVERIFY(a.ok() && b.ok());
        QCOMPARE(a->back(), 1.f);
        QCOMPARE(b->back(), 0.f);
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
