#include "tokenizer/bpe_tokenizer.h"

#include <QElapsedTimer>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using ns::BpeTokenizer;

class TestBpeTokenizer final : public QObject {
    Q_OBJECT
    std::optional<BpeTokenizer> m_gpt2;

private Q_SLOTS:
    void initTestCase() {
        auto t = BpeTokenizer::loadDirectory(QStringLiteral(NS_TEST_DATA_DIR "/gpt2"));
        QVERIFY2(t.ok(), qPrintable(t.ok() ? QString() : t.error()));
        m_gpt2 = std::move(t.value());
        QCOMPARE(m_gpt2->vocabSize(), 50257);
        QCOMPARE(m_gpt2->endOfTextId(), 50256);
    }

    // The whole default corpus, special tokens off, equals the reference encoder's ids.
    void matchesReferenceEncoderOnCorpus() {
        QFile ref(QStringLiteral(NS_TEST_DATA_DIR "/gpt2_corpus_ids.bin.z"));
        QVERIFY(ref.open(QIODevice::ReadOnly));
        const QByteArray raw = qUncompress(ref.readAll());
        QVERIFY(!raw.isEmpty());
        std::vector<int> expected(raw.size() / 2);
        for (size_t i = 0; i < expected.size(); ++i)
            expected[i] = static_cast<uint8_t>(raw[2 * i]) | (static_cast<uint8_t>(raw[2 * i + 1]) << 8);
        QFile text(QStringLiteral(NS_RESOURCE_DIR "/corpus/corpus.txt"));
        QVERIFY(text.open(QIODevice::ReadOnly));
        const QByteArray bytes = text.readAll();
        const auto ids = m_gpt2->encode(std::string_view(bytes.constData(), bytes.size()));
        QCOMPARE(ids.size(), expected.size());
        for (size_t i = 0; i < ids.size(); ++i) {
            if (ids[i] != expected[i])
                QFAIL(qPrintable(QStringLiteral("first difference at id %1: %2 != %3").arg(i).arg(ids[i]).arg(expected[i])));
        }
        QCOMPARE(QByteArray::fromStdString(m_gpt2->decodeBytes(ids)), bytes);
    }

    void knownIds_data() {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QList<int>>("ids");
        QTest::newRow("hello world") << QStringLiteral("Hello world") << QList<int>{15496, 995};
        QTest::newRow("leading space") << QStringLiteral(" the") << QList<int>{262};
        QTest::newRow("endoftext as text") << QStringLiteral("<|endoftext|>") << QList<int>{27, 91, 437, 1659, 5239, 91, 29};
    }
    void knownIds() {
        QFETCH(QString, text);
        QFETCH(QList<int>, ids);
        const auto got = m_gpt2->encode(text.toStdString());
        QCOMPARE(QList<int>(got.begin(), got.end()), ids);
    }

    void specialTokensAreOptIn() {
        const auto on = m_gpt2->encode("a<|endoftext|>b", true);
        QCOMPARE(on.size(), size_t(3));
        QCOMPARE(on[1], 50256);
        const auto off = m_gpt2->encode("a<|endoftext|>b", false);
        QVERIFY(std::find(off.begin(), off.end(), 50256) == off.end());
    }

    void partialCharactersDisplayAsReplacement() {
        // "\xe2\x82\xac" (euro) may split across tokens; a token's text is always valid UTF-8.
        for (int id = 0; id < m_gpt2->vocabSize(); ++id) {
            const QString t = m_gpt2->tokenText(id);
            QVERIFY(!t.toUtf8().isNull());
        }
        const int id = m_gpt2->idOf("\xe2");
        QVERIFY(id >= 0);
        QCOMPARE(m_gpt2->tokenText(id), QStringLiteral("\uFFFD"));
        QCOMPARE(m_gpt2->tokenBytes(id), std::string("\xe2"));
    }

    void loadErrors_data() {
        QTest::addColumn<QByteArray>("vocab");
        QTest::addColumn<QByteArray>("merges");
        QTest::addColumn<QString>("fragment");
        QTest::newRow("vocab not json") << QByteArray("{nope") << QByteArray("#version: 0.2\n") << QStringLiteral("not valid JSON");
        QTest::newRow("missing bytes") << QByteArray("{\"a\": 0}") << QByteArray("") << QStringLiteral("has no token");
        QTest::newRow("not byte-level") << QByteArray("{\"\\u4e2d\": 0}") << QByteArray("") << QStringLiteral("byte-level");
    }
    void loadErrors() {
        QFETCH(QByteArray, vocab);
        QFETCH(QByteArray, merges);
        QFETCH(QString, fragment);
        QTemporaryDir dir;
        QFile v(dir.filePath(QStringLiteral("vocab.json")));
        QVERIFY(v.open(QIODevice::WriteOnly));
        v.write(vocab);
        v.close();
        QFile m(dir.filePath(QStringLiteral("merges.txt")));
        QVERIFY(m.open(QIODevice::WriteOnly));
        m.write(merges);
        m.close();
        auto t = BpeTokenizer::loadDirectory(dir.path());
        QVERIFY(!t.ok());
        QVERIFY2(t.error().contains(fragment), qPrintable(t.error()));
        QVERIFY2(t.error().contains(QStringLiteral("vocab.json")), qPrintable(t.error()));
    }

    void mismatchedMerges() {
        // GPT-2's merges with a vocabulary that lacks their tokens: the files do not belong together.
        QTemporaryDir dir;
        QFile::copy(QStringLiteral(NS_TEST_DATA_DIR "/gpt2/vocab.bpe"), dir.filePath(QStringLiteral("merges.txt")));
        QFile v(dir.filePath(QStringLiteral("vocab.json")));
        QVERIFY(v.open(QIODevice::WriteOnly));
        QByteArray json = "{";
        const auto t = BpeTokenizer::loadDirectory(QStringLiteral(NS_TEST_DATA_DIR "/tiny_gpt2_f32"));
        QVERIFY(t.ok());
        QFile tiny(QStringLiteral(NS_TEST_DATA_DIR "/tiny_gpt2_f32/vocab.json"));
        QVERIFY(tiny.open(QIODevice::ReadOnly));
        v.write(tiny.readAll());
        v.close();
        auto r = BpeTokenizer::loadDirectory(dir.path());
        QVERIFY(!r.ok());
        QVERIFY2(r.error().contains(QStringLiteral("merges.txt")) && r.error().contains(QStringLiteral("do not belong together")),
                 qPrintable(r.error()));
    }

    // An empty merges file for a vocabulary of merged tokens used to load and encode bytes only.
    void emptyMergesForAMergedVocabulary() {
        QTemporaryDir dir;
        QFile::copy(QStringLiteral(NS_TEST_DATA_DIR "/gpt2/encoder.json"), dir.filePath(QStringLiteral("vocab.json")));
        QFile m(dir.filePath(QStringLiteral("merges.txt")));
        QVERIFY(m.open(QIODevice::WriteOnly));
        m.write("#version: 0.2\n");
        m.close();
        auto r = BpeTokenizer::loadDirectory(dir.path());
        QVERIFY(!r.ok());
        QVERIFY2(r.error().contains(QStringLiteral("merges.txt")) && r.error().contains(QStringLiteral("made by no merge")),
                 qPrintable(r.error()));
    }

    // One long pre-token: 1M letters took 32 s with a rescan per merge; the heap makes it n log n.
    void longWordIsFast_data() {
        QTest::addColumn<int>("length");
        QTest::newRow("10k letters") << 10000;
        QTest::newRow("1M letters") << 1000000;
    }
    void longWordIsFast() {
        QFETCH(int, length);
        std::string word;
        uint32_t x = 12345;
        for (int i = 0; i < length; ++i) {
            x = x * 1664525u + 1013904223u;
            word.push_back(static_cast<char>('a' + (x >> 24) % 26));
        }
        QElapsedTimer timer;
        timer.start();
        const auto ids = m_gpt2->encode(word);
        QVERIFY2(timer.elapsed() < 10000, qPrintable(QString::number(timer.elapsed())));
        QCOMPARE(m_gpt2->decodeBytes(ids), word);
        QVERIFY(ids.size() < word.size());  // merged, not bytes
    }

    void missingFiles() {
        QTemporaryDir dir;
        auto r = BpeTokenizer::loadDirectory(dir.path());
        QVERIFY(!r.ok());
        QVERIFY(r.error().contains(dir.path()));
    }
};

QTEST_GUILESS_MAIN(TestBpeTokenizer)
#include "test_bpe_tokenizer.moc"
