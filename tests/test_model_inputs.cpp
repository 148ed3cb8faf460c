// Model files that lie: each found by fuzzing, each now a clear error naming the file and the
// problem (or, where the input is sound, a correct result) instead of a crash, a hang, an
// allocation of the claimed size or a silent truncation.
#include "activations/miner.h"
#include "model/language_model.h"
#include "model/model_config.h"
#include "model/safetensors.h"
#include "model/weight_layout.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>

using namespace ns;

namespace {

const QString kData = QStringLiteral(NS_TEST_DATA_DIR);

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

QByteArray safetensorsBytes(const QByteArray& header, const QByteArray& data) {
    QByteArray out(8, '\0');
    for (int i = 0; i < 8; ++i) out[i] = char((quint64(header.size()) >> (8 * i)) & 0xff);
    return out + header + data;
}

/// The tiny F32 model copied into `dir` (without its reference activations).
QString copyTinyModel(const QTemporaryDir& dir) {
    const QString from = kData + QStringLiteral("/tiny_gpt2_f32");
    for (const QString& f : QDir(from).entryList(QDir::Files))
        if (f != QLatin1String("reference.safetensors")) QFile::copy(from + QLatin1Char('/') + f, dir.filePath(f));
    for (const QString& f : QDir(dir.path()).entryList(QDir::Files)) QFile(dir.filePath(f)).setPermissions(QFile::ReadOwner | QFile::WriteOwner);
    return dir.path();
}

/// Rewrites dir/model.safetensors with one more tensor (a 1-element F32 named `name`).
void addTensor(const QString& dir, const std::string& name) {
    auto file = SafetensorsFile::open(dir + QStringLiteral("/model.safetensors"));
    QVERIFY2(file.ok(), qPrintable(file.ok() ? QString() : file.error()));
    std::vector<std::vector<float>> values;
    std::vector<TensorToWrite> tensors;
    for (const auto& t : file->tensors()) values.push_back(file->toFloat(t));
    size_t i = 0;
    for (const auto& t : file->tensors()) tensors.push_back({t.name, t.shape, values[i++].data(), DType::F32});
    static const float one = 1;
    tensors.push_back({name, {1}, &one, DType::F32});
    QVERIFY(writeSafetensors(dir + QStringLiteral("/model.safetensors"), tensors).ok());
}

void setConfigValue(const QString& dir, const QByteArray& key, const QByteArray& value) {
    QByteArray config = readAll(dir + QStringLiteral("/config.json"));
    const int at = config.indexOf(QByteArray(QByteArray("\"") + key + "\""));
    QVERIFY(at >= 0);
    const int colon = config.indexOf(':', at);
    int end = colon + 1;
    while (end < config.size() && config[end] != ',' && config[end] != '\n' && config[end] != '}') ++end;
    config = config.left(colon + 1) + ' ' + value + config.mid(end);
    writeAll(dir + QStringLiteral("/config.json"), config);
}

}  // namespace

class TestModelInputs final : public QObject {
    Q_OBJECT
private Q_SLOTS:
    // config.json values out of range: errors, never truncated into range.
    void configValues_data() {
        QTest::addColumn<QByteArray>("key");
        QTest::addColumn<QByteArray>("value");
        QTest::addColumn<QString>("fragment");
        QTest::newRow("n_layer 2^32 + 2 (was read as 2)") << QByteArray("n_layer") << QByteArray("4294967298") << QStringLiteral("out of range");
        QTest::newRow("n_layer 2^31") << QByteArray("n_layer") << QByteArray("2147483648") << QStringLiteral("out of range");
        QTest::newRow("n_layer 0") << QByteArray("n_layer") << QByteArray("0") << QStringLiteral("out of range");
        QTest::newRow("vocab_size -1") << QByteArray("vocab_size") << QByteArray("-1") << QStringLiteral("out of range");
        QTest::newRow("n_embd 2^53") << QByteArray("n_embd") << QByteArray("9007199254740992") << QStringLiteral("out of range");
        QTest::newRow("n_inner 2^40") << QByteArray("n_inner") << QByteArray("1099511627776") << QStringLiteral("out of range");
        QTest::newRow("n_head a string") << QByteArray("n_head") << QByteArray("\"4\"") << QStringLiteral("must be an integer");
        QTest::newRow("layer_norm_epsilon -1 (all-NaN activations)") << QByteArray("layer_norm_epsilon") << QByteArray("-1")
                                                                     << QStringLiteral("layer_norm_epsilon");
        QTest::newRow("layer_norm_epsilon 0") << QByteArray("layer_norm_epsilon") << QByteArray("0") << QStringLiteral("layer_norm_epsilon");
        QTest::newRow("layer_norm_epsilon 1e300") << QByteArray("layer_norm_epsilon") << QByteArray("1e300") << QStringLiteral("layer_norm_epsilon");
        QTest::newRow("layer_norm_epsilon a string") << QByteArray("layer_norm_epsilon") << QByteArray("\"small\"") << QStringLiteral("must be a number");
        QTest::newRow("activation_function a number") << QByteArray("activation_function") << QByteArray("3") << QStringLiteral("must be a string");
        QTest::newRow("tie_word_embeddings a string") << QByteArray("tie_word_embeddings") << QByteArray("\"yes\"") << QStringLiteral("true or false");
    }
    void configValues() {
        QFETCH(QByteArray, key);
        QFETCH(QByteArray, value);
        QFETCH(QString, fragment);
        QTemporaryDir dir;
        copyTinyModel(dir);
        setConfigValue(dir.path(), key, value);
        auto c = ModelConfig::load(dir.filePath(QStringLiteral("config.json")));
        QVERIFY(!c.ok());
        QVERIFY2(c.error().contains(QStringLiteral("config.json")) && c.error().contains(fragment), qPrintable(c.error()));
        auto m = LanguageModel::load(dir.path());
        QVERIFY(!m.ok());
    }

    // The fuzzer's input: n_embd 321099511627776 and no n_inner (4 * n_embd overflowed int).
    void nEmbdOverflow() {
        const QString path = kData + QStringLiteral("/malformed/n_embd_overflow.config.json");
        auto c = ModelConfig::load(path);
        QVERIFY(!c.ok());
        QVERIFY2(c.error().contains(path) && c.error().contains(QStringLiteral("n_embd")), qPrintable(c.error()));
        // And the largest n_embd whose 4 * n_embd no longer fits, without n_inner.
        auto d = ModelConfig::parse(R"({"vocab_size":257,"n_positions":32,"n_embd":1073741824,"n_layer":1,"n_head":1})",
                                    QStringLiteral("c.json"));
        QVERIFY(!d.ok());
        QVERIFY2(d.error().contains(QStringLiteral("4 * n_embd")), qPrintable(d.error()));
    }

    // safetensors headers that lie about sizes, and zero-element tensors.
    void safetensorsHeaders_data() {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QString>("fragment");  // empty: opens and reads
        QTest::newRow("shape [2^40, 2^24] with 0 bytes (element count wrapped)")
            << QStringLiteral("numel_wrap_2p40x2p24.safetensors") << QStringLiteral("more than 2^40 elements");
        QTest::newRow("shape [2^40, 2^24, 5] with 0 bytes") << QStringLiteral("numel_wrap_shape3.safetensors") << QStringLiteral("more than 2^40");
        QTest::newRow("a zero-element tensor (memcpy from null)") << QStringLiteral("zero_length_tensor.safetensors") << QString();
    }
    void safetensorsHeaders() {
        QFETCH(QString, file);
        QFETCH(QString, fragment);
        const QString path = kData + QStringLiteral("/malformed/") + file;
        auto st = SafetensorsFile::open(path);
        if (fragment.isEmpty()) {
            QVERIFY2(st.ok(), qPrintable(st.ok() ? QString() : st.error()));
            for (const auto& t : st->tensors()) QCOMPARE(st->toFloat(t).size(), static_cast<size_t>(t.numel()));
            return;
        }
        QVERIFY(!st.ok());
        QVERIFY2(st.error().contains(path) && st.error().contains(fragment), qPrintable(st.error()));
    }

    // Overlaps are found whatever lies between the two tensors, empty tensors included.
    void overlapBehindEmptyTensor_data() {
        QTest::addColumn<QByteArray>("header");
        QTest::addColumn<bool>("overlaps");
        QTest::newRow("neighbours overlap") << QByteArray(R"({"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},)"
                                                         R"("b":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}})") << true;
        QTest::newRow("an empty tensor between") << QByteArray(R"({"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},)"
                                                              R"("e":{"dtype":"F32","shape":[0],"data_offsets":[4,4]},)"
                                                              R"("b":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}})") << true;
        QTest::newRow("a short tensor inside a long one") << QByteArray(R"({"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},)"
                                                                       R"("c":{"dtype":"F32","shape":[1],"data_offsets":[4,8]},)"
                                                                       R"("b":{"dtype":"F32","shape":[1],"data_offsets":[12,16]}})") << true;
        QTest::newRow("adjacent, with an empty tensor at the seam") << QByteArray(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                                                                                 R"("e":{"dtype":"F32","shape":[0],"data_offsets":[8,8]},)"
                                                                                 R"("b":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}})") << false;
    }
    void overlapBehindEmptyTensor() {
        QFETCH(QByteArray, header);
        QFETCH(bool, overlaps);
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("w.safetensors"));
        writeAll(path, safetensorsBytes(header, QByteArray(16, '\0')));
        auto st = SafetensorsFile::open(path);
        QCOMPARE(!st.ok(), overlaps);
        if (overlaps) QVERIFY2(st.error().contains(QStringLiteral("overlap")), qPrintable(st.error()));
    }

    // Tensor names are parsed by hand: any length, any digits.
    void layerTensorNames_data() {
        QTest::addColumn<QString>("name");
        QTest::addColumn<qlonglong>("layer");  // -2: not a block tensor
        QTest::addColumn<QString>("rest");
        QTest::newRow("block tensor") << QStringLiteral("h.3.mlp.c_fc.weight") << 3LL << QStringLiteral("mlp.c_fc.weight");
        QTest::newRow("with the prefix") << QStringLiteral("transformer.h.12.ln_1.bias") << 12LL << QStringLiteral("ln_1.bias");
        QTest::newRow("too large for int") << QStringLiteral("transformer.h.99999999999.x") << qlonglong(LayerTensorName::kLayerTooLarge)
                                           << QStringLiteral("x");
        QTest::newRow("no digits") << QStringLiteral("h..x") << -2LL << QString();
        QTest::newRow("no dot after digits") << QStringLiteral("h.12") << -2LL << QString();
        QTest::newRow("not a block") << QStringLiteral("wte.weight") << -2LL << QString();
        QTest::newRow("empty rest") << QStringLiteral("h.1.") << 1LL << QString();
    }
    void layerTensorNames() {
        QFETCH(QString, name);
        QFETCH(qlonglong, layer);
        QFETCH(QString, rest);
        const std::string n = name.toStdString();
        const auto parsed = parseLayerTensorName(n);
        QCOMPARE(parsed.has_value(), layer != -2);
        if (!parsed) return;
        QCOMPARE(qlonglong(parsed->layer), layer);
        QCOMPARE(QString::fromStdString(std::string(parsed->rest)), rest);
    }

    // Model directories the fuzzer built from the tiny model: each an error within seconds, or a
    // model that loads (an unknown extra tensor is ignored, however long its name).
    void hostileModels_data() {
        QTest::addColumn<QString>("tensor");     // an extra tensor's name, or empty
        QTest::addColumn<int>("nameLength");      // when > 0: "h.0." and that many 'x'
        QTest::addColumn<QByteArray>("nLayer");  // config.json's n_layer, or empty
        QTest::addColumn<QString>("fragment");   // empty: loads
        QTest::newRow("layer 99999999999 (std::stoi threw)") << QStringLiteral("transformer.h.99999999999.x") << 0 << QByteArray()
                                                             << QStringLiteral("beyond config.json's n_layer = 2");
        QTest::newRow("a 100k-character name (std::regex overflowed the stack)") << QString() << 100000 << QByteArray() << QString();
        QTest::newRow("a 1M-character name") << QString() << 1000000 << QByteArray() << QString();
        QTest::newRow("n_layer 1,000,000 (allocated ~50 GB)") << QString() << 0 << QByteArray("1000000")
                                                              << QStringLiteral("no tensors for layer 2");
        QTest::newRow("n_layer 2^31 - 1") << QString() << 0 << QByteArray("2147483647") << QStringLiteral("no tensors for layer 2");
        QTest::newRow("n_layer 1 for a 2-layer file") << QString() << 0 << QByteArray("1") << QStringLiteral("beyond config.json's n_layer = 1");
    }
    void hostileModels() {
        QFETCH(QString, tensor);
        QFETCH(int, nameLength);
        QFETCH(QByteArray, nLayer);
        QFETCH(QString, fragment);
        QTemporaryDir dir;
        copyTinyModel(dir);
        if (!tensor.isEmpty()) addTensor(dir.path(), tensor.toStdString());
        if (nameLength > 0) addTensor(dir.path(), "h.0." + std::string(static_cast<size_t>(nameLength), 'x'));
        if (!nLayer.isEmpty()) setConfigValue(dir.path(), "n_layer", nLayer);
        QElapsedTimer timer;
        timer.start();
        auto m = LanguageModel::load(dir.path());
        QVERIFY2(timer.elapsed() < 20000, qPrintable(QString::number(timer.elapsed())));
        if (fragment.isEmpty()) {
            QVERIFY2(m.ok(), qPrintable(m.ok() ? QString() : m.error()));
            QCOMPARE((*m)->config().nLayer, 2);
            return;
        }
        QVERIFY(!m.ok());
        QVERIFY2(m.error().contains(QStringLiteral("model.safetensors")) && m.error().contains(fragment), qPrintable(m.error()));
    }

    // Finite weights whose pre-activation overflows float: mining names the neuron and token
    // (the accumulator's histogram used to double its range forever on inf).
    void overflowingActivationsAreErrors() {
        QTemporaryDir dir;
        copyTinyModel(dir);
        {
            auto file = SafetensorsFile::open(dir.filePath(QStringLiteral("model.safetensors")));
            QVERIFY(file.ok());
            std::vector<std::vector<float>> values;
            for (const auto& t : file->tensors()) {
                values.push_back(file->toFloat(t));
                if (t.name.find("h.0.mlp.c_fc.bias") != std::string::npos)
                    for (float& v : values.back()) v = 3e38f;
                if (t.name.find("h.0.mlp.c_fc.weight") != std::string::npos)
                    for (float& v : values.back()) v = 3e38f;
            }
            std::vector<TensorToWrite> tensors;
            size_t i = 0;
            for (const auto& t : file->tensors()) tensors.push_back({t.name, t.shape, values[i++].data(), DType::F32});
            QVERIFY(writeSafetensors(dir.filePath(QStringLiteral("big.safetensors")), tensors).ok());
        }
        QFile::remove(dir.filePath(QStringLiteral("model.safetensors")));
        QFile::rename(dir.filePath(QStringLiteral("big.safetensors")), dir.filePath(QStringLiteral("model.safetensors")));
        auto m = LanguageModel::load(dir.path());
        QVERIFY2(m.ok(), qPrintable(m.ok() ? QString() : m.error()));
        const QString corpus = dir.filePath(QStringLiteral("corpus.txt"));
        writeAll(corpus, "the cat sat on the mat\n<|endoftext|>\nanother document here\n");
        MineOptions o;
        o.layer = 0;
        o.windowTokens = 16;
        QElapsedTimer timer;
        timer.start();
        auto records = mineLayer(**m, corpus, o);
        QVERIFY(!records.ok());
        QVERIFY2(records.error().contains(QStringLiteral("layer 0, neuron")) && records.error().contains(QStringLiteral("non-finite")) &&
                     records.error().contains(QStringLiteral("token")),
                 qPrintable(records.error()));
        QVERIFY(timer.elapsed() < 20000);
    }
};

QTEST_GUILESS_MAIN(TestModelInputs)
#include "test_model_inputs.moc"
