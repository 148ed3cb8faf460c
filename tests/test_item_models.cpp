// Every item model of the explorer passes QAbstractItemModelTester, with and without data.
#include "exemplar_model.h"
#include "pages/exemplars_page.h"
#include "neuron_list_model.h"
#include "token_strip_delegate.h"

#include "agents/token_table.h"
#include "tokenizer/bpe_tokenizer.h"

#include <QAbstractItemModelTester>
#include <QListView>
#include <QPainter>
#include <QSortFilterProxyModel>
#include <QTest>

using namespace ns;

namespace {

NeuronRecord record(const BpeTokenizer& tok) {
    NeuronRecord r;
    r.layer = 1;
    r.neuron = 2;
    r.stats.max = 2;
    auto w = std::make_shared<TokenWindow>();
    w->id = 5;
    w->tokens = tok.encode("<b>bold</b> and\nmore");
    Exemplar e;
    e.window = w;
    e.activations.assign(w->tokens.size(), 0.5f);
    e.activations[1] = 2;
    e.maxIndex = 1;
    e.max = 2;
    r.top.push_back(e);
    QuantileBin b;
    b.low = 0;
    b.high = 1;
    b.exemplars.push_back(e);
    r.quantiles.push_back(b);
    r.random.push_back(e);
    return r;
}

}  // namespace

class TestItemModels final : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void neuronList() {
        NeuronListModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        NeuronListFilter proxy;
        proxy.setSourceModel(&model);
        QAbstractItemModelTester proxyTester(&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
        std::vector<NeuronSummary> n;
        for (int i = 0; i < 5; ++i) n.push_back({i, 5.0 - i, 0.0, 1.0, 0.1 * i});
        model.setLayer(3, n);
        QCOMPARE(model.rowCount(), 5);
        QCOMPARE(model.index(2, NeuronListModel::Neuron).data().toString(), QStringLiteral("3/2"));
        // Neuron 4: all three modes approved; 2: one of five rejected, one edited; 1: none decided.
        model.setExplained(4, {{3, 3, 0, 0}, 0.9, QStringLiteral("Fires on numbers.")});
        model.setExplained(2, {{5, 1, 1, 1}, 0.4, QStringLiteral("Fires on names.")});
        model.setExplained(1, {{2, 0, 0, 0}, 0.2, QStringLiteral("Fires on commas.")});
        QCOMPARE(model.index(4, NeuronListModel::Status).data().toString(), QStringLiteral("3 approved of 3"));
        QCOMPARE(model.index(2, NeuronListModel::Status).data().toString(), QStringLiteral("1 approved, 1 edited, 1 rejected of 5"));
        QCOMPARE(model.index(1, NeuronListModel::Status).data().toString(), QStringLiteral("none decided of 2"));
        QCOMPARE(model.index(0, NeuronListModel::Status).data().toString(), QStringLiteral("-"));
        QVERIFY(model.index(2, NeuronListModel::Status).data(Qt::ToolTipRole).toString().contains(QStringLiteral("2 undecided")));
        proxy.sort(NeuronListModel::Max, Qt::AscendingOrder);
        QCOMPARE(proxy.index(0, 0).data().toString(), QStringLiteral("3/4"));
        // By how much is decided: not explained, none decided, 3 of 5, all.
        proxy.sort(NeuronListModel::Status, Qt::AscendingOrder);
        QCOMPARE(proxy.index(2, 0).data().toString(), QStringLiteral("3/1"));
        QCOMPARE(proxy.index(3, 0).data().toString(), QStringLiteral("3/2"));
        QCOMPARE(proxy.index(4, 0).data().toString(), QStringLiteral("3/4"));
        proxy.setFilterFixedString(QStringLiteral("numbers"));  // search in explanation text
        QCOMPARE(proxy.rowCount(), 1);
        proxy.setFilterFixedString(QString());
        // Every header says what its column holds.
        for (int c = 0; c < NeuronListModel::ColumnCount; ++c)
            QVERIFY(!model.headerData(c, Qt::Horizontal, Qt::ToolTipRole).toString().isEmpty());
        model.setLayer(0, {});
        QCOMPARE(proxy.rowCount(), 0);
    }

    void neuronListByDecisions_data() {
        QTest::addColumn<int>("show");
        QTest::addColumn<QString>("listed");
        using Show = NeuronListFilter::Show;
        QTest::newRow("all") << int(Show::All) << QStringLiteral("0 1 2 3 4");
        QTest::newRow("explained") << int(Show::Explained) << QStringLiteral("1 2 4");
        QTest::newRow("not explained") << int(Show::NotExplained) << QStringLiteral("0 3");
        QTest::newRow("undecided modes") << int(Show::Undecided) << QStringLiteral("1 2");
        QTest::newRow("rejected modes") << int(Show::Rejected) << QStringLiteral("2");
        QTest::newRow("edited modes") << int(Show::Edited) << QStringLiteral("2");
        QTest::newRow("every mode approved") << int(Show::FullyApproved) << QStringLiteral("4");
        QTest::newRow("every mode decided") << int(Show::FullyDecided) << QStringLiteral("4");
    }

    void neuronListByDecisions() {
        QFETCH(int, show);
        QFETCH(QString, listed);
        NeuronListModel model;
        NeuronListFilter proxy;
        proxy.setSourceModel(&model);
        QAbstractItemModelTester proxyTester(&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
        std::vector<NeuronSummary> n;
        for (int i = 0; i < 5; ++i) n.push_back({i, 5.0 - i, 0.0, 1.0, 0.1 * i});
        model.setLayer(3, n);
        model.setExplained(4, {{3, 3, 0, 0}, 0.9, QStringLiteral("Fires on numbers.")});
        model.setExplained(2, {{5, 1, 1, 1}, 0.4, QStringLiteral("Fires on names.")});
        model.setExplained(1, {{2, 0, 0, 0}, 0.2, QStringLiteral("Fires on commas.")});
        proxy.sort(NeuronListModel::Neuron, Qt::AscendingOrder);
        proxy.setShow(static_cast<NeuronListFilter::Show>(show));
        QStringList shown;
        for (int r = 0; r < proxy.rowCount(); ++r) shown << QString::number(model.neuronAt(proxy.mapToSource(proxy.index(r, 0)).row()));
        QCOMPARE(shown.join(QLatin1Char(' ')), listed);
        QCOMPARE(NeuronListFilter::showNames().size(), int(NeuronListFilter::Show::FullyDecided) + 1);
    }

    void exemplars() {
        auto tok = BpeTokenizer::loadDirectory(QStringLiteral(NS_TEST_DATA_DIR "/gpt2"));
        QVERIFY(tok.ok());
        const TokenTable table(*tok);
        ExemplarModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setRecord(record(*tok), table);
        QCOMPARE(model.rowCount(), 3);
        const QModelIndex i = model.index(0);
        QCOMPARE(i.data(ExemplarModel::GroupRole).toString(), QStringLiteral("top"));
        QCOMPARE(model.index(1).data(ExemplarModel::GroupRole).toString(), QStringLiteral("bin 1 (0.00, 1.00]"));
        // Markup in the corpus is text: the tokens keep their characters.
        QVERIFY(i.data(Qt::DisplayRole).toString().startsWith(QStringLiteral("<b>bold</b>")));
        QCOMPARE(i.data(ExemplarModel::MaxIndexRole).toInt(), 1);
        // The explorer's filter over it: by mode, or ordered by misses.
        ExemplarFilter filter;
        QAbstractItemModelTester filterTester(&filter, QAbstractItemModelTester::FailureReportingMode::QtTest);
        filter.setSourceModel(&model);
        std::vector<ExemplarModel::Row> rows;
        for (int i = 0; i < 4; ++i) {
            ExemplarModel::Row row = model.row(0);
            row.mode = i % 2;
            row.falsePositive = 0.1f * i;
            rows.push_back(row);
        }
        model.setRows(rows, 2);
        filter.setChoice(1);
        QCOMPARE(filter.rowCount(), 2);
        filter.setChoice(-2);
        QCOMPARE(filter.rowCount(), 4);
        QVERIFY(filter.index(0, 0).data(ExemplarModel::FalsePositiveRole).toFloat() > 0.29f);
        filter.setChoice(-1);
        model.setRows({}, 1);
        QCOMPARE(model.rowCount(), 0);
    }

    void delegate() {
        QCOMPARE(TokenStripDelegate::shown(QStringLiteral("a\nb\t")), QStringLiteral("a\u21B5b\u21E5"));
        QCOMPARE(TokenStripDelegate::colourFor(0, 1), QColor(Qt::white));
        QVERIFY(TokenStripDelegate::colourFor(1, 1).blue() < 50);
        QVERIFY(TokenStripDelegate::colourFor(-1, 1).red() < 200);
        auto tok = BpeTokenizer::loadDirectory(QStringLiteral(NS_TEST_DATA_DIR "/gpt2"));
        QVERIFY(tok.ok());
        const TokenTable table(*tok);
        ExemplarModel model;
        model.setRecord(record(*tok), table);
        QListView view;
        view.resize(600, 400);
        auto* d = new TokenStripDelegate(&view);
        view.setItemDelegate(d);
        view.setModel(&model);
        QStyleOptionViewItem option;
        option.initFrom(&view);
        const QSize s = d->sizeHint(option, model.index(0));
        QVERIFY(s.height() > view.fontMetrics().height());
        QImage image(s, QImage::Format_ARGB32);
        image.fill(Qt::white);
        QPainter p(&image);
        option.rect = QRect(QPoint(0, 0), s);
        d->paint(&p, option, model.index(0));
        p.end();
        // The max token is painted in the strongest colour somewhere in the strip.
        bool orange = false;
        for (int y = 0; y < image.height() && !orange; ++y)
            for (int x = 0; x < image.width() && !orange; ++x) orange = image.pixelColor(x, y).blue() < 40 && image.pixelColor(x, y).red() > 240;
        QVERIFY(orange);
    }
};

QTEST_MAIN(TestItemModels)
#include "test_item_models.moc"
