#include "model/language_model.h"
#include "train/trainer.h"

#include <QCryptographicHash>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include "corpus_slice.h"

using namespace ns;

// A few steps on a tiny configuration: the trainer learns, writes a loadable Hugging Face
// directory, and a run stopped and resumed from its checkpoint ends bit-identical.
class TestTrainer final : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;
    QString m_text;

    TrainOptions options(const QString& out) const {
        TrainOptions o;
        o.textFile = m_text;
        o.tokenizerDir = QStringLiteral(NS_TEST_DATA_DIR "/tiny_gpt2_f32");
        o.outDir = m_dir.filePath(out);
        o.config.nLayer = 2;
        o.config.nEmbd = 32;
        o.config.nHead = 2;
        o.config.nInner = 64;
        o.config.nPositions = 32;
        o.config.vocabSize = 1;
        o.batchSize = 4;
        o.steps = 12;
        o.warmupSteps = 2;
        o.learningRate = 3e-3;
        o.checkpointEvery = 4;
        o.logEvery = 2;
        return o;
    }
    static QByteArray sha(const QString& path) {
        QFile f(path);
        f.open(QIODevice::ReadOnly);
        return QCryptographicHash::hash(f.readAll(), QCryptographicHash::Sha256);
    }

private Q_SLOTS:
    void initTestCase() {
        m_text = writeCorpusSlice(m_dir, 20000);
        QVERIFY(!m_text.isEmpty());
    }

    void trainsAndWritesLoadableModel() {
        std::vector<double> losses;
        auto r = trainModel(options(QStringLiteral("a")), [&](const TrainProgress& p) {
            losses.push_back(p.loss);
            return true;
        });
        QVERIFY2(r.ok(), qPrintable(r.ok() ? QString() : r.error()));
        QVERIFY(r->completed);
        QCOMPARE(r->steps, int64_t(12));
        QCOMPARE(losses.size(), size_t(6));
        QVERIFY2(losses.back() < losses.front(), "the loss falls over a few steps");
        auto m = LanguageModel::load(m_dir.filePath(QStringLiteral("a")));
        QVERIFY2(m.ok(), qPrintable(m.ok() ? QString() : m.error()));
        QCOMPARE((*m)->config().nLayer, 2);
    }

    void resumeIsExact() {
        // Uninterrupted reference run.
        QVERIFY(trainModel(options(QStringLiteral("ref"))).ok());
        // Stopped after step 6 (a checkpoint is written on stop), then resumed.
        auto stopped = trainModel(options(QStringLiteral("resumed")), [](const TrainProgress& p) { return p.step < 6; });
        QVERIFY(stopped.ok());
        QVERIFY(!stopped->completed);
        QCOMPARE(stopped->steps, int64_t(6));
        bool sawResume = false;
        auto resumed = trainModel(options(QStringLiteral("resumed")), [&](const TrainProgress& p) {
            sawResume |= p.resumed;
            return true;
        });
        QVERIFY(resumed.ok());
        QVERIFY(resumed->completed);
        QVERIFY(sawResume);
        QCOMPARE(sha(m_dir.filePath(QStringLiteral("resumed/model.safetensors"))),
                 sha(m_dir.filePath(QStringLiteral("ref/model.safetensors"))));
    }

    void refusesCheckpointOfAnotherRun() {
        QVERIFY(trainModel(options(QStringLiteral("other")), [](const TrainProgress& p) { return p.step < 4; }).ok());
        TrainOptions o = options(QStringLiteral("other"));
        o.seed = 99;
        auto r = trainModel(o);
        QVERIFY(!r.ok());
        QVERIFY(r.error().contains(QStringLiteral("different run")));
    }
};

QTEST_GUILESS_MAIN(TestTrainer)
#include "test_trainer.moc"
