#include "text/utf8.h"

#include <QTest>

class TestUtf8 final : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void validUtf8_data() {
        QTest::addColumn<QByteArray>("input");
        QTest::addColumn<QByteArray>("expected");
        QTest::newRow("ascii") << QByteArray("abc") << QByteArray("abc");
        QTest::newRow("two-byte") << QByteArray("caf\xc3\xa9") << QByteArray("caf\xc3\xa9");
        QTest::newRow("emoji") << QByteArray("\xf0\x9f\x98\x80") << QByteArray("\xf0\x9f\x98\x80");
        QTest::newRow("lone continuation") << QByteArray("a\x80z") << QByteArray("a\xef\xbf\xbdz");
        QTest::newRow("truncated lead") << QByteArray("\xe2\x82") << QByteArray("\xef\xbf\xbd\xef\xbf\xbd");
        QTest::newRow("first half of emoji") << QByteArray("\xf0\x9f") << QByteArray("\xef\xbf\xbd\xef\xbf\xbd");
        QTest::newRow("overlong") << QByteArray("\xc0\xaf") << QByteArray("\xef\xbf\xbd\xef\xbf\xbd");
        QTest::newRow("surrogate") << QByteArray("\xed\xa0\x80") << QByteArray("\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
        QTest::newRow("replacement kept") << QByteArray("\xef\xbf\xbd") << QByteArray("\xef\xbf\xbd");
        QTest::newRow("nul kept") << QByteArray("a\0b", 3) << QByteArray("a\0b", 3);
    }
    void validUtf8() {
        QFETCH(QByteArray, input);
        QFETCH(QByteArray, expected);
        const std::string out = ns::toValidUtf8(std::string_view(input.constData(), input.size()));
        QCOMPARE(QByteArray::fromStdString(out), expected);
        QVERIFY(QString::fromUtf8(out.data(), out.size()).toUtf8() == QByteArray::fromStdString(out));
    }
};

QTEST_GUILESS_MAIN(TestUtf8)
#include "test_utf8.moc"
