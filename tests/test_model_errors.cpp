#include "model/language_model.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <functional>

using namespace ns;

namespace {

void copyModel(const QString& from, const QString& to) {
    for (const QString& f : QDir(from).entryList(QDir::Files))
        if (f != QLatin1String("reference.safetensors")) QFile::copy(from + QLatin1Char('/') + f, to + QLatin1Char('/') + f);
}

QByteArray readAll(const QString& path) {
    QFile f(path);
    f.open(QIODevice::ReadOnly);
    return f.readAll();
}

void writeAll(const QString& path, const QByteArray& data) {
    QFile f(path);
    f.open(QIODevice::WriteOnly | QIODevice::Truncate);
    f.write(data);
}

// Rewrites the safetensors header of dir/model.safetensors with `edit` applied to its text.
void editHeader(const QString& dir, const std::function<QByteArray(QByteArray)>& edit) {
    const QString path = dir + QStringLiteral("/model.safetensors");
    const QByteArray all = readAll(path);
    quint64 len = 0;
    for (int i = 7; i >= 0; --i) len = (len << 8) | quint8(all[i]);
    QByteArray header = edit(all.mid(8, len));
    QByteArray out(8, '\0');
    for (int i = 0; i < 8; ++i) out[i] = char((quint64(header.size()) >> (8 * i)) & 0xff);
    writeAll(path, out + header + all.mid(8 + len));
}

}  // namespace

// Bad model directories: each gives a clear message naming the file and the problem.
class TestModelErrors final : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void badModels_data() {
        QTest::addColumn<int>("kind");
        QTest::addColumn<QString>("file");
        QTest::addColumn<QString>("fragment");
        QTest::newRow("missing config") << 0 << QStringLiteral("config.json") << QStringLiteral("cannot open");
        QTest::newRow("config not json") << 1 << QStringLiteral("config.json") << QStringLiteral("not a GPT-2 config");
        QTest::newRow("missing weights") << 2 << QStringLiteral("model.safetensors") << QStringLiteral("missing");
        QTest::newRow("truncated weights") << 3 << QStringLiteral("model.safetensors") << QStringLiteral("past the end");
        QTest::newRow("shape disagrees with config") << 4 << QStringLiteral("model.safetensors") << QStringLiteral("config.json implies");
        QTest::newRow("missing tensor") << 5 << QStringLiteral("model.safetensors") << QStringLiteral("is missing");
        QTest::newRow("tokenizer of another model") << 6 << QStringLiteral("vocab_size") << QStringLiteral("does not belong");
        QTest::newRow("missing tokenizer") << 7 << QStringLiteral("vocab.json") << QStringLiteral("no tokenizer files");
        QTest::newRow("more layers than config") << 8 << QStringLiteral("config.json") << QStringLiteral("n_layer");
        QTest::newRow("wrong dtype") << 9 << QStringLiteral("model.safetensors") << QStringLiteral("not supported");
        QTest::newRow("not a directory") << 10 << QStringLiteral("nowhere") << QStringLiteral("no such model directory");
    }
    void badModels() {
        QFETCH(int, kind);
        QFETCH(QString, file);
        QFETCH(QString, fragment);
        QTemporaryDir tmp;
        const QString dir = tmp.path();
        copyModel(QStringLiteral(NS_TEST_DATA_DIR "/tiny_gpt2_f32"), dir);
        QString loadDir = dir;
        switch (kind) {
        case 0: QFile::remove(dir + QStringLiteral("/config.json")); break;
        case 1: writeAll(dir + QStringLiteral("/config.json"), "{\"n_embd\": "); break;
        case 2: QFile::remove(dir + QStringLiteral("/model.safetensors")); break;
        case 3: {
            const QByteArray all = readAll(dir + QStringLiteral("/model.safetensors"));
            writeAll(dir + QStringLiteral("/model.safetensors"), all.left(all.size() / 2));
            break;
        }
        case 4: {
            QByteArray cfg = readAll(dir + QStringLiteral("/config.json"));
            cfg.replace("\"n_inner\": 64", "\"n_inner\": 48");
            writeAll(dir + QStringLiteral("/config.json"), cfg);
            break;
        }
        case 5: editHeader(dir, [](QByteArray h) { return h.replace("transformer.ln_f.bias", "transformer.ln_f.bias_"); }); break;
        case 6:  // GPT-2's tokenizer beside a 257-token model
            QFile::remove(dir + QStringLiteral("/vocab.json"));
            QFile::remove(dir + QStringLiteral("/merges.txt"));
            QFile::copy(QStringLiteral(NS_TEST_DATA_DIR "/gpt2/encoder.json"), dir + QStringLiteral("/vocab.json"));
            QFile::copy(QStringLiteral(NS_TEST_DATA_DIR "/gpt2/vocab.bpe"), dir + QStringLiteral("/merges.txt"));
            break;
        case 7: QFile::remove(dir + QStringLiteral("/vocab.json")); break;
        case 8: {
            QByteArray cfg = readAll(dir + QStringLiteral("/config.json"));
            cfg.replace("\"n_layer\": 2", "\"n_layer\": 1");
            writeAll(dir + QStringLiteral("/config.json"), cfg);
            break;
        }
        case 9: editHeader(dir, [](QByteArray h) { return h.replace("\"F32\"", "\"F64\""); }); break;
        case 10: loadDir = dir + QStringLiteral("/nowhere"); break;
        }
        auto m = LanguageModel::load(loadDir);
        QVERIFY(!m.ok());
        QVERIFY2(m.error().contains(fragment), qPrintable(m.error()));
        QVERIFY2(m.error().contains(file), qPrintable(m.error()));
    }
};

QTEST_GUILESS_MAIN(TestModelErrors)
#include "test_model_errors.moc"
