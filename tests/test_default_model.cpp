#include "model/language_model.h"

#include <QFile>
#include <QTest>

// The embedded model loads, has the documented shape, and predicts the held-out corpus far
// better than chance (log 8192 = 9.01 nats) and than the bigram baseline (5.10 on the whole split).
class TestDefaultModel final : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void loadsAndPredicts() {
        auto m = ns::LanguageModel::load(QStringLiteral(NS_RESOURCE_DIR "/model"));
        QVERIFY2(m.ok(), qPrintable(m.ok() ? QString() : m.error()));
        const auto& c = (*m)->config();
        QCOMPARE(c.nLayer, 4);
        QCOMPARE(c.nInner, 1024);
        QCOMPARE(c.vocabSize, 8192);
        QFile f(QStringLiteral(NS_RESOURCE_DIR "/corpus/corpus.txt"));
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QByteArray text = f.read(40000);
        const auto ids = (*m)->tokenizer().encode(std::string_view(text.constData(), text.size()), true);
        auto loss = (*m)->loss(ids);
        QVERIFY(loss.ok());
        qInfo("loss on the first 40 kB of the embedded corpus: %.3f nats over %lld tokens", loss->meanNats,
              static_cast<long long>(loss->tokens));
        QVERIFY(loss->meanNats < 5.0);
    }
};

QTEST_GUILESS_MAIN(TestDefaultModel)
#include "test_default_model.moc"
