#include "model/language_model.h"
#include "model/safetensors.h"

#include <QTest>

#include <cmath>

using namespace ns;

// Golden test: the engine against a plain torch.nn.functional implementation
// (tests/tools/gen_golden_model.py), tap by tap, on both key layouts and dtypes.
class TestLanguageModel final : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void matchesReference_data() {
        QTest::addColumn<QString>("model");
        QTest::newRow("F32, transformer. prefix, lm_head, legacy mask buffers") << QStringLiteral("tiny_gpt2_f32");
        QTest::newRow("F16, bare names") << QStringLiteral("tiny_gpt2_f16");
    }
    void matchesReference() {
        QFETCH(QString, model);
        const QString dir = QStringLiteral(NS_TEST_DATA_DIR "/") + model;
        auto m = LanguageModel::load(dir);
        QVERIFY2(m.ok(), qPrintable(m.ok() ? QString() : m.error()));
        auto ref = SafetensorsFile::open(dir + QStringLiteral("/reference.safetensors"));
        QVERIFY(ref.ok());
        const auto idsInfo = ref->find("input_ids");
        const auto idsF = ref->toFloat(*idsInfo);
        const int64_t B = idsInfo->shape[0], T = idsInfo->shape[1];
        std::vector<std::vector<int>> batch(B);
        for (int64_t b = 0; b < B; ++b)
            for (int64_t t = 0; t < T; ++t) batch[b].push_back(static_cast<int>(idsF[b * T + t]));

        std::vector<Tap> taps;
        for (int l = 0; l < (*m)->config().nLayer; ++l)
            for (auto k : {Tap::Kind::ResidPre, Tap::Kind::MlpPre, Tap::Kind::MlpPost}) taps.push_back({l, k});
        auto out = (*m)->forward(batch, taps, true);
        QVERIFY2(out.ok(), qPrintable(out.ok() ? QString() : out.error()));

        auto compare = [&](const std::string& name, const TensorData& got) {
            const auto* info = ref->find(name);
            QVERIFY2(info, name.c_str());
            QCOMPARE(got.shape, info->shape);
            const auto want = ref->toFloat(*info);
            double worst = 0;
            for (size_t i = 0; i < want.size(); ++i) worst = std::max(worst, double(std::fabs(want[i] - got.values[i])));
            qInfo("%-28s max |engine - reference| = %.2e", name.c_str(), worst);
            QVERIFY2(worst < 1e-4, qPrintable(QStringLiteral("%1 differs by %2").arg(QString::fromStdString(name)).arg(worst)));
        };
        for (const Tap& t : taps) compare(t.name(), out->taps.at(t));
        compare("logits", out->logits);
    }

    void stopsAtRequestedLayer() {
        auto m = LanguageModel::load(QStringLiteral(NS_TEST_DATA_DIR "/tiny_gpt2_f32"));
        QVERIFY(m.ok());
        auto r0 = (*m)->forward({{1, 2, 3}}, {neuronTap(0)});
        QVERIFY(r0.ok());
        QCOMPARE(r0->layersRun, 1);
        auto r1 = (*m)->forward({{1, 2, 3}}, {neuronTap(1)});
        QCOMPARE(r1->layersRun, 2);
        // Layer 0's activations do not depend on how far the pass went.
        QCOMPARE(r0->taps.at(neuronTap(0)).values, (*m)->forward({{1, 2, 3}}, {neuronTap(0), neuronTap(1)})->taps.at(neuronTap(0)).values);
    }

    void tapNames_data() {
        QTest::addColumn<QString>("name");
        QTest::addColumn<bool>("valid");
        QTest::newRow("post") << QStringLiteral("blocks.3.mlp.hook_post") << true;
        QTest::newRow("pre") << QStringLiteral("blocks.0.mlp.hook_pre") << true;
        QTest::newRow("resid") << QStringLiteral("blocks.12.hook_resid_pre") << true;
        QTest::newRow("junk") << QStringLiteral("blocks.x.mlp.hook_post") << false;
    }
    void tapNames() {
        QFETCH(QString, name);
        QFETCH(bool, valid);
        const auto t = Tap::parse(name.toStdString());
        QCOMPARE(t.has_value(), valid);
        if (t) QCOMPARE(QString::fromStdString(t->name()), name);
    }

    void rejectsBadRequests() {
        auto m = LanguageModel::load(QStringLiteral(NS_TEST_DATA_DIR "/tiny_gpt2_f32"));
        QVERIFY(m.ok());
        QVERIFY((*m)->forward({{1, 2}}, {neuronTap(5)}).error().contains(QStringLiteral("out of range")));
        QVERIFY((*m)->forward({{1, 9999}}, {neuronTap(0)}).error().contains(QStringLiteral("out of range")));
        QVERIFY((*m)->forward({std::vector<int>(33, 1)}, {neuronTap(0)}).error().contains(QStringLiteral("context")));
        QVERIFY(!(*m)->forward({{1, 2}, {1}}, {neuronTap(0)}).ok());
    }

    void lossIsFinite() {
        auto m = LanguageModel::load(QStringLiteral(NS_TEST_DATA_DIR "/tiny_gpt2_f32"));
        QVERIFY(m.ok());
        std::vector<int> ids(100);
        for (int i = 0; i < 100; ++i) ids[i] = (i * 7) % 257;
        auto l = (*m)->loss(ids);
        QVERIFY(l.ok());
        QCOMPARE(l->tokens, int64_t(99));
        QVERIFY(std::isfinite(l->meanNats) && l->meanNats > 0);
    }
};

QTEST_GUILESS_MAIN(TestLanguageModel)
#include "test_language_model.moc"
