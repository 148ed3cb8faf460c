#include "model/half_float.h"
#include "model/safetensors.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>
#include <cstring>

using namespace ns;

namespace {
// Writes a raw safetensors file from a header text and a data section.
QString writeRaw(const QTemporaryDir& dir, const QByteArray& header, const QByteArray& data, qint64 claimLen = -1) {
    const QString path = dir.filePath(QStringLiteral("raw.safetensors"));
    QFile f(path);
    f.open(QIODevice::WriteOnly);
    const quint64 len = claimLen >= 0 ? quint64(claimLen) : quint64(header.size());
    char l[8];
    for (int i = 0; i < 8; ++i) l[i] = char((len >> (8 * i)) & 0xff);
    f.write(l, 8);
    f.write(header);
    f.write(data);
    return path;
}
}  // namespace

class TestSafetensors final : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void roundTrip_data() {
        QTest::addColumn<int>("dtype");
        QTest::addColumn<double>("tolerance");
        QTest::newRow("F32") << int(DType::F32) << 0.0;
        QTest::newRow("F16") << int(DType::F16) << 1e-3;
        QTest::newRow("BF16") << int(DType::BF16) << 8e-3;
    }
    void roundTrip() {
        QFETCH(int, dtype);
        QFETCH(double, tolerance);
        QTemporaryDir dir;
        std::vector<float> a{0.f, 1.f, -2.5f, 3.14159f, 1e-3f, -65504.f}, b{0.5f, 0.25f};
        const QString path = dir.filePath(QStringLiteral("t.safetensors"));
        const auto dt = static_cast<DType>(dtype);
        QVERIFY(writeSafetensors(path, {{"a", {2, 3}, a.data(), dt}, {"b", {2}, b.data(), dt}}, {{"k", "v"}}).ok());
        auto f = SafetensorsFile::open(path);
        QVERIFY2(f.ok(), qPrintable(f.ok() ? QString() : f.error()));
        QCOMPARE(f->tensors().size(), size_t(2));
        QCOMPARE(f->metadata().at("k"), std::string("v"));
        const auto* ta = f->find("a");
        QVERIFY(ta);
        QCOMPARE(ta->shape, (std::vector<int64_t>{2, 3}));
        const auto va = f->toFloat(*ta);
        for (size_t i = 0; i < a.size(); ++i)
            QVERIFY2(std::fabs(va[i] - a[i]) <= tolerance * std::max(1.f, std::fabs(a[i])),
                     qPrintable(QStringLiteral("%1 vs %2").arg(va[i]).arg(a[i])));
    }

    void halfConversions_data() {
        QTest::addColumn<float>("value");
        QTest::addColumn<int>("half");
        QTest::newRow("one") << 1.0f << 0x3C00;
        QTest::newRow("minus two") << -2.0f << 0xC000;
        QTest::newRow("max") << 65504.0f << 0x7BFF;
        QTest::newRow("overflow") << 1e6f << 0x7C00;
        QTest::newRow("smallest subnormal") << 5.9604645e-8f << 0x0001;
        QTest::newRow("third") << 0.33333334f << 0x3555;
    }
    void halfConversions() {
        QFETCH(float, value);
        QFETCH(int, half);
        QCOMPARE(int(floatToHalf(value)), half);
        if (half != 0x7C00)
            QVERIFY(std::fabs(halfToFloat(uint16_t(half)) - value) <= 1e-3f * std::max(1.f, std::fabs(value)));
    }

    void rejectsBadFiles_data() {
        QTest::addColumn<QByteArray>("header");
        QTest::addColumn<int>("dataBytes");
        QTest::addColumn<qint64>("claimLen");
        QTest::addColumn<QString>("fragment");
        QTest::newRow("header past end") << QByteArray("{}") << 0 << qint64(1000) << QStringLiteral("truncated");
        QTest::newRow("not json") << QByteArray("{abc") << 0 << qint64(-1) << QStringLiteral("not valid JSON");
        QTest::newRow("offsets past end")
            << QByteArray("{\"w\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}") << 8 << qint64(-1)
            << QStringLiteral("past the end");
        QTest::newRow("overlap")
            << QByteArray("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}")
            << 16 << qint64(-1) << QStringLiteral("overlap");
        QTest::newRow("wrong dtype")
            << QByteArray("{\"w\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[0,8]}}") << 8 << qint64(-1)
            << QStringLiteral("not supported");
        QTest::newRow("size disagrees with shape")
            << QByteArray("{\"w\":{\"dtype\":\"F16\",\"shape\":[3],\"data_offsets\":[0,8]}}") << 8 << qint64(-1)
            << QStringLiteral("needs 6");
        QTest::newRow("backwards") << QByteArray("{\"w\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[8,0]}}") << 8
                                   << qint64(-1) << QStringLiteral("backwards");
        QTest::newRow("negative shape") << QByteArray("{\"w\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}") << 4
                                        << qint64(-1) << QStringLiteral("shape");
    }
    void rejectsBadFiles() {
        QFETCH(QByteArray, header);
        QFETCH(int, dataBytes);
        QFETCH(qint64, claimLen);
        QFETCH(QString, fragment);
        QTemporaryDir dir;
        const QString path = writeRaw(dir, header, QByteArray(dataBytes, '\0'), claimLen);
        auto f = SafetensorsFile::open(path);
        QVERIFY(!f.ok());
        QVERIFY2(f.error().contains(fragment), qPrintable(f.error()));
        QVERIFY2(f.error().contains(path), qPrintable(f.error()));
    }

    void tooShortFile() {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("short.safetensors"));
        QFile f(path);
        f.open(QIODevice::WriteOnly);
        f.write("abc");
        f.close();
        auto r = SafetensorsFile::open(path);
        QVERIFY(!r.ok());
        QVERIFY(r.error().contains(QStringLiteral("truncated")));
    }
};

QTEST_GUILESS_MAIN(TestSafetensors)
#include "test_safetensors.moc"
