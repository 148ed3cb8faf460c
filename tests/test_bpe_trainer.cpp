#include "tokenizer/bpe_tokenizer.h"
#include "tokenizer/bpe_trainer.h"

#include <QCryptographicHash>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include "corpus_slice.h"

class TestBpeTrainer final : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;
    QString m_text;

    static QByteArray sha(const QString& path) {
        QFile f(path);
        f.open(QIODevice::ReadOnly);
        return QCryptographicHash::hash(f.readAll(), QCryptographicHash::Sha256);
    }

private Q_SLOTS:
    void initTestCase() {
        m_text = writeCorpusSlice(m_dir, 100000);
        QVERIFY(!m_text.isEmpty());
    }

    void trainsLoadableDeterministicTokenizer() {
        ns::BpeTrainOptions o;
        o.textFile = m_text;
        o.vocabSize = 600;
        o.outDir = m_dir.filePath(QStringLiteral("a"));
        QVERIFY(ns::trainBpe(o).ok());
        o.outDir = m_dir.filePath(QStringLiteral("b"));
        QVERIFY(ns::trainBpe(o).ok());
        for (const char* f : {"/vocab.json", "/merges.txt"})
            QCOMPARE(sha(m_dir.filePath(QStringLiteral("a")) + QString::fromLatin1(f)),
                     sha(m_dir.filePath(QStringLiteral("b")) + QString::fromLatin1(f)));

        auto tok = ns::BpeTokenizer::loadDirectory(m_dir.filePath(QStringLiteral("a")));
        QVERIFY2(tok.ok(), qPrintable(tok.ok() ? QString() : tok.error()));
        QCOMPARE(tok->vocabSize(), 600);
        QCOMPARE(tok->endOfTextId(), 599);
        const std::string sample = "The quick brown fox, and Emma's father.\n\tcaf\xc3\xa9 \xe2\x82\xac 42";
        const auto ids = tok->encode(sample);
        QCOMPARE(tok->decodeBytes(ids), sample);
        // Merges compress: the learned tokens make text shorter than its bytes.
        QVERIFY(ids.size() < sample.size() * 3 / 4);
        const auto withEot = tok->encode("a<|endoftext|>b", true);
        QCOMPARE(withEot.size(), size_t(3));
        QCOMPARE(withEot[1], 599);
    }

    void rejectsTinyVocabulary() {
        ns::BpeTrainOptions o;
        o.textFile = m_text;
        o.vocabSize = 100;
        o.outDir = m_dir.filePath(QStringLiteral("c"));
        QVERIFY(!ns::trainBpe(o).ok());
    }

    void missingTextNamesTheFile() {
        ns::BpeTrainOptions o;
        o.textFile = m_dir.filePath(QStringLiteral("nope.txt"));
        o.outDir = m_dir.filePath(QStringLiteral("d"));
        auto r = ns::trainBpe(o);
        QVERIFY(!r.ok());
        QVERIFY(r.error().contains(QStringLiteral("nope.txt")));
    }
};

QTEST_GUILESS_MAIN(TestBpeTrainer)
#include "test_bpe_trainer.moc"
