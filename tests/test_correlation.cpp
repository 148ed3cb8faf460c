#include "agents/correlation.h"

#include <QTest>

#include <cmath>

class TestCorrelation final : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void pearson_data() {
        QTest::addColumn<QList<double>>("x");
        QTest::addColumn<QList<double>>("y");
        QTest::addColumn<double>("expected");
        QTest::newRow("identical") << QList<double>{1, 2, 3, 4} << QList<double>{1, 2, 3, 4} << 1.0;
        QTest::newRow("scaled and shifted") << QList<double>{1, 2, 3, 4} << QList<double>{10, 20, 30, 40} << 1.0;
        QTest::newRow("reversed") << QList<double>{1, 2, 3} << QList<double>{3, 2, 1} << -1.0;
        QTest::newRow("known value") << QList<double>{1, 2, 3, 4, 5} << QList<double>{2, 1, 4, 3, 5} << 0.8;
        QTest::newRow("constant truth") << QList<double>{0, 0, 0} << QList<double>{1, 2, 3} << 0.0;
        QTest::newRow("constant simulation") << QList<double>{1, 2, 3} << QList<double>{5, 5, 5} << 0.0;
        QTest::newRow("empty") << QList<double>{} << QList<double>{} << 0.0;
        QTest::newRow("lengths differ") << QList<double>{1, 2} << QList<double>{1, 2, 3} << 0.0;
        QTest::newRow("large offset") << QList<double>{1e9 + 1, 1e9 + 2, 1e9 + 3} << QList<double>{1, 2, 3} << 1.0;
        QTest::newRow("nan input") << QList<double>{1, NAN, 3} << QList<double>{1, 2, 3} << 0.0;
    }
    void pearson() {
        QFETCH(QList<double>, x);
        QFETCH(QList<double>, y);
        QFETCH(double, expected);
        const double r = ns::pearson(std::vector<double>(x.begin(), x.end()), std::vector<double>(y.begin(), y.end()));
        QVERIFY(std::isfinite(r));
        QVERIFY2(std::fabs(r - expected) < 1e-9, qPrintable(QString::number(r)));
    }
};

QTEST_GUILESS_MAIN(TestCorrelation)
#include "test_correlation.moc"
