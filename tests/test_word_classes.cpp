#include "agents/description_length.h"
#include "agents/mode_label.h"
#include "agents/pattern.h"
#include "agents/pattern_fitter.h"
#include "agents/pattern_text.h"
#include "agents/token_classes.h"
#include "agents/token_table.h"
#include "tokenizer/bpe_tokenizer.h"

#include "gpt2_table.h"

#include <QTest>

using namespace ns;

/// The vocabulary of meanings: the catalogue, whole-word judgement of BPE pieces, word shapes,
/// the length of a class, pieces and exceptions in patterns, labels, and the fitter choosing a
/// class that predicts members the evidence never showed.
class TestWordClasses final : public QObject {
    Q_OBJECT
    std::unique_ptr<BpeTokenizer> m_tok;
    std::unique_ptr<TokenTable> m_table;

    /// Ids of exact token texts; empty when the vocabulary lacks one of them.
    std::vector<int> pieces(const QStringList& texts) const {
        std::vector<int> ids;
        for (const QString& t : texts) {
            const int key = m_table->findKey(t);
            if (key < 0) return {};
            ids.push_back(m_table->representative(key));
        }
        return ids;
    }

private Q_SLOTS:
    void initTestCase() {
        QVERIFY(loadGpt2Table(m_tok, m_table));
    }

    void catalogueLoadsItsWordLists() {
        const ClassCatalogue& cat = ClassCatalogue::instance();
        QVERIFY2(cat.loadError().isEmpty(), qPrintable(cat.loadError()));
        QVERIFY(!cat.version().isEmpty());
        for (const char* id : {"number", "word_start", "year", "pronoun", "preposition", "colour", "weekday", "kinship", "wn:noun.food", "wn:verb.motion"})
            QVERIFY2(cat.indexOf(QLatin1String(id)) >= 0, id);
        for (const TokenClass& c : cat.classes()) {
            QVERIFY2(!c.label.isEmpty() && c.label.split(QLatin1Char(' ')).size() <= kMaxLabelWords, qPrintable(c.id));
            QVERIFY2(!c.description.isEmpty(), qPrintable(c.id));
        }
        // Ids are unique: a stored pattern names exactly one class.
        QSet<QString> ids;
        for (const TokenClass& c : cat.classes()) ids.insert(c.id);
        QCOMPARE(ids.size(), static_cast<qsizetype>(cat.classes().size()));
    }

    void wordMembership_data() {
        QTest::addColumn<QString>("word");
        QTest::addColumn<QString>("cls");
        QTest::addColumn<bool>("member");
        QTest::newRow("weekday") << QStringLiteral("friday") << QStringLiteral("weekday") << true;
        QTest::newRow("plural folded") << QStringLiteral("mondays") << QStringLiteral("weekday") << true;
        QTest::newRow("verb form folded") << QStringLiteral("walked") << QStringLiteral("wn:verb.motion") << true;
        QTest::newRow("closed class") << QStringLiteral("between") << QStringLiteral("preposition") << true;
        QTest::newRow("most frequent sense: small is no body part") << QStringLiteral("small") << QStringLiteral("body_part") << false;
        QTest::newRow("closed words leave WordNet: may is no month") << QStringLiteral("may") << QStringLiteral("month") << false;
        QTest::newRow("modal") << QStringLiteral("may") << QStringLiteral("modal") << true;
        QTest::newRow("kinship") << QStringLiteral("daughter") << QStringLiteral("kinship") << true;
        QTest::newRow("food") << QStringLiteral("bread") << QStringLiteral("wn:noun.food") << true;
        QTest::newRow("unknown word") << QStringLiteral("zqxv") << QStringLiteral("wn:noun.food") << false;
    }
    void wordMembership() {
        QFETCH(QString, word);
        QFETCH(QString, cls);
        QFETCH(bool, member);
        const ClassCatalogue& cat = ClassCatalogue::instance();
        const ClassBits* bits = cat.wordClasses(word);
        QCOMPARE(bits != nullptr && bits->test(static_cast<size_t>(cat.indexOf(cls))), member);
    }

    void positions_data() {
        QTest::addColumn<QStringList>("tokens");
        QTest::addColumn<QString>("cls");
        QTest::addColumn<QList<int>>("expected");
        QTest::newRow("a split weekday, every piece") << QStringList{QStringLiteral(" on"), QStringLiteral(" Wed"), QStringLiteral("nes"), QStringLiteral("day")} << QStringLiteral("weekday") << QList<int>{0, 1, 1, 1};
        QTest::newRow("only its first piece starts a word") << QStringList{QStringLiteral(" on"), QStringLiteral(" Wed"), QStringLiteral("nes"), QStringLiteral("day")} << QStringLiteral("word_start") << QList<int>{0, 1, 0, 0};
        QTest::newRow("capitals fold") << QStringList{QStringLiteral(" The"), QStringLiteral(" the")} << QStringLiteral("article") << QList<int>{1, 1};
        QTest::newRow("year") << QStringList{QStringLiteral(" in"), QStringLiteral(" 1999"), QStringLiteral(" and"), QStringLiteral(" 42")} << QStringLiteral("year") << QList<int>{0, 1, 0, 0};
        QTest::newRow("small integer") << QStringList{QStringLiteral(" in"), QStringLiteral(" 1999"), QStringLiteral(" and"), QStringLiteral(" 42")} << QStringLiteral("small_integer") << QList<int>{0, 0, 0, 1};
        QTest::newRow("decimal") << QStringList{QStringLiteral(" 3"), QStringLiteral("."), QStringLiteral("14"), QStringLiteral(" and"), QStringLiteral(" 7")} << QStringLiteral("decimal") << QList<int>{1, 0, 1, 0, 0};
        QTest::newRow("money") << QStringList{QStringLiteral(" $"), QStringLiteral("5"), QStringLiteral(" or"), QStringLiteral(" 5")} << QStringLiteral("money") << QList<int>{0, 1, 0, 0};
        QTest::newRow("percentage") << QStringList{QStringLiteral(" 50"), QStringLiteral("%"), QStringLiteral(" 50")} << QStringLiteral("percentage") << QList<int>{1, 0, 0};
        QTest::newRow("pieces of a word in capitals") << QStringList{QStringLiteral(" NAS"), QStringLiteral("DAQ"), QStringLiteral(" NASA")} << QStringLiteral("caps_piece") << QList<int>{1, 1, 0};
        QTest::newRow("line start") << QStringList{QStringLiteral("a"), QStringLiteral("\n"), QStringLiteral("b"), QStringLiteral(" c")} << QStringLiteral("line_start") << QList<int>{0, 0, 1, 0};
        QTest::newRow("token text classes still per token") << QStringList{QStringLiteral(" 7"), QStringLiteral(" x")} << QStringLiteral("number") << QList<int>{1, 0};
    }
    void positions() {
        QFETCH(QStringList, tokens);
        QFETCH(QString, cls);
        QFETCH(QList<int>, expected);
        const std::vector<int> ids = pieces(tokens);
        if (ids.empty()) QSKIP("a token of this row is not in the GPT-2 vocabulary");
        const WordView v = m_table->view(ids);
        const int bit = ClassCatalogue::instance().indexOf(cls);
        QVERIFY(bit >= 0);
        QList<int> got;
        for (const ClassBits& b : v.bits) got << (b.test(static_cast<size_t>(bit)) ? 1 : 0);
        QCOMPARE(got, expected);
    }

    void aTinyClassCostsItsWords() {
        QCOMPARE(classLength(QStringLiteral("article")), 3);       // the, a, an
        QCOMPARE(classLength(QStringLiteral("coordinating")), 4);  // and, or, but, nor
        QCOMPARE(classLength(QStringLiteral("weekday")), 1);
        QCOMPARE(classLength(QStringLiteral("number")), 1);
        ModePattern p;
        p.tokenClass = QStringLiteral("colour");
        p.classWeight = 1;
        p.exceptions = {QStringLiteral("red"), QStringLiteral("blue")};
        QCOMPARE(patternLength(p), 3);
    }

    void piecesAndExceptions_data() {
        QTest::addColumn<QByteArray>("pattern");
        QTest::addColumn<QStringList>("tokens");
        QTest::addColumn<QList<float>>("expected");
        QTest::newRow("any piece") << QByteArray(R"({"class":"weekday","class_weight":2})") << QStringList{QStringLiteral(" on"), QStringLiteral(" Wed"), QStringLiteral("nes"), QStringLiteral("day")}
                                   << QList<float>{0, 2, 2, 2};
        QTest::newRow("first piece") << QByteArray(R"({"class":"weekday","class_weight":2,"piece":"first"})")
                                     << QStringList{QStringLiteral(" on"), QStringLiteral(" Wed"), QStringLiteral("nes"), QStringLiteral("day"), QStringLiteral(" Friday")} << QList<float>{0, 2, 0, 0, 2};
        QTest::newRow("last piece") << QByteArray(R"({"class":"weekday","class_weight":2,"piece":"last"})")
                                    << QStringList{QStringLiteral(" on"), QStringLiteral(" Wed"), QStringLiteral("nes"), QStringLiteral("day"), QStringLiteral(" Friday")} << QList<float>{0, 0, 0, 2, 2};
        QTest::newRow("exception") << QByteArray(R"({"class":"colour","class_weight":1,"exceptions":["red"]})")
                                   << QStringList{QStringLiteral(" red"), QStringLiteral(" blue"), QStringLiteral(" Red")} << QList<float>{0, 1, 0};
        QTest::newRow("word class as a condition")
            << QByteArray(R"({"class":"any_token","class_weight":1,"conditions":[{"span":1,"class":"month"}]})")
            << QStringList{QStringLiteral(" in"), QStringLiteral(" January"), QStringLiteral(" 5"), QStringLiteral(" the"), QStringLiteral(" 5")} << QList<float>{0, 0, 1, 0, 0};
    }
    void piecesAndExceptions() {
        QFETCH(QByteArray, pattern);
        QFETCH(QStringList, tokens);
        QFETCH(QList<float>, expected);
        auto p = patternFromJson(nlohmann::json::parse(pattern.toStdString()));
        QVERIFY2(p.ok(), qPrintable(p.ok() ? QString() : p.error()));
        const std::vector<int> ids = pieces(tokens);
        if (ids.empty()) QSKIP("a token of this row is not in the GPT-2 vocabulary");
        const auto got = CompiledPattern(*p, *m_table).run(ids);
        QCOMPARE(QList<float>(got.begin(), got.end()), expected);
        // The sentence reads back to the same pattern.
        auto back = parsePatternText(renderPattern(*p, WeightDigits::Exact));
        QVERIFY2(back.ok(), qPrintable(renderPattern(*p) + QLatin1Char('\n') + (back.ok() ? QString() : back.error())));
        QCOMPARE(patternToJson(back->front()).dump(), patternToJson(*p).dump());
    }

    void exceptionsOnlyOnAClass() {
        QVERIFY(!patternFromJson(nlohmann::json::parse(R"({"literals":[{"token":" a"}],"exceptions":["b"]})")).ok());
        QVERIFY(!patternFromJson(nlohmann::json::parse(R"({"class":"colour","exceptions":["Red"]})")).ok());
        QVERIFY(!patternFromJson(nlohmann::json::parse(R"({"class":"colour","piece":"middle"})")).ok());
        // A token-text class has no pieces: "the last piece of a piece of a longer word".
        QVERIFY(!patternFromJson(nlohmann::json::parse(R"({"class":"word_piece","piece":"last"})")).ok());
    }

    void labels_data() {
        QTest::addColumn<QByteArray>("pattern");
        QTest::addColumn<QString>("label");
        QTest::newRow("class") << QByteArray(R"({"class":"weekday","class_weight":1})") << QStringLiteral("weekday names");
        QTest::newRow("piece") << QByteArray(R"({"class":"weekday","class_weight":1,"piece":"first"})") << QStringLiteral("first pieces of weekday names");
        QTest::newRow("context") << QByteArray(R"({"class":"any_token","class_weight":1,"conditions":[{"span":1,"class":"month"}]})")
                                 << QStringLiteral("tokens after month names");
        QTest::newRow("one token") << QByteArray(R"({"literals":[{"token":" of","weight":1}]})") << QStringLiteral("the token 'of'");
        QTest::newRow("a list one class holds")
            << QByteArray(R"({"literals":[{"token":" of","weight":1},{"token":" in","weight":1},{"token":" on","weight":1}]})")
            << QStringLiteral("some prepositions");
        QTest::newRow("a list of nothing shared")
            << QByteArray(R"({"literals":[{"token":"zx","weight":1},{"token":";","weight":2}]})") << QStringLiteral("tokens like ';', 'zx'");
        QTest::newRow("examples that read differently")
            << QByteArray(R"({"literals":[{"token":" BU","weight":3},{"token":"BU","weight":2},{"token":";","weight":1},{"token":"zx","weight":1}]})")
            << QStringLiteral("tokens like 'BU', ';'");
        QTest::newRow("whitespace named") << QByteArray(R"({"literals":[{"token":"\n","weight":1}]})") << QStringLiteral("line breaks");
    }
    void labels() {
        QFETCH(QByteArray, pattern);
        QFETCH(QString, label);
        auto p = patternFromJson(nlohmann::json::parse(pattern.toStdString()));
        QVERIFY(p.ok());
        const QString got = patternLabel(*p, *m_table);
        QCOMPARE(got, label);
        QVERIFY(got.split(QLatin1Char(' ')).size() <= kMaxLabelWords);
    }

    void theFitterNamesTheClassAndPredictsUnseenMembers() {
        // Train shows four weekdays firing among other words; the fitted mode is the class, so
        // it predicts ' Friday', which the evidence never showed.
        std::vector<Sample> ev;
        for (const char* text : {"see you on Monday then", "it was a Tuesday night", "every Sunday we ate", "the Saturday market opened",
                                 "we met on the day after", "one more time", "John went to Paris", "The End of April"}) {
            Sample s;
            for (int id : m_tok->encode(text)) {
                s.ids.push_back(id);
                const QString t = m_table->text(id).trimmed();
                s.acts.push_back(t.endsWith(QLatin1String("day")) && t != QLatin1String("day") ? 1.f : 0.f);
            }
            ev.push_back(s);
        }
        FitInput in;
        in.evidence = &ev;
        in.triggerKeys = firingKeys(*m_table, ev, 0.5, 16);
        const ModePattern p = fitMode(*m_table, in);
        QCOMPARE(p.tokenClass, QStringLiteral("weekday"));
        const auto friday = CompiledPattern(p, *m_table).run(m_tok->encode("on Friday"));
        QVERIFY(friday.back() > 0.5f);
    }
};

QTEST_APPLESS_MAIN(TestWordClasses)
#include "test_word_classes.moc"
