#include "tokenizer/pretokenizer.h"

#include <QTest>

// Expected splits follow GPT-2's pattern under JavaScript regex semantics (the reference encoder).
class TestPreTokenizer final : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void split_data() {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QStringList>("pieces");
        auto L = [](std::initializer_list<const char*> l) {
            QStringList out;
            for (auto s : l) out << QString::fromUtf8(s);
            return out;
        };
        QTest::newRow("words") << QStringLiteral("Hello world") << L({"Hello", " world"});
        QTest::newRow("contractions") << QStringLiteral("I'm don't we'll") << L({"I", "'m", " don", "'t", " we", "'ll"});
        QTest::newRow("upper contraction is punctuation") << QStringLiteral("DON'T") << L({"DON", "'", "T"});
        QTest::newRow("numbers") << QStringLiteral("abc 123 4x") << L({"abc", " 123", " 4", "x"});
        QTest::newRow("punctuation") << QStringLiteral("a, b!? (c)") << L({"a", ",", " b", "!?", " (", "c", ")"});
        QTest::newRow("trailing spaces") << QStringLiteral("a  ") << L({"a", "  "});
        QTest::newRow("space run before word") << QStringLiteral("a   b") << L({"a", "  ", " b"});
        QTest::newRow("newline before word") << QStringLiteral("a\nb") << L({"a", "\n", "b"});
        QTest::newRow("newlines and indent") << QStringLiteral("x\n\n    y") << L({"x", "\n\n   ", " y"});
        QTest::newRow("tab before word") << QStringLiteral("\tfoo") << L({"\t", "foo"});
        QTest::newRow("unicode letters") << QStringLiteral("caf\u00e9 na\u00efve \u4e2d\u6587") << L({"caf\u00e9", " na\u00efve", " \u4e2d\u6587"});
        QTest::newRow("unicode digits") << QStringLiteral("\u0663\u0664 \u00bd") << L({"\u0663\u0664", " \u00bd"});
        QTest::newRow("nbsp is space") << QStringLiteral("a\u00a0b") << L({"a", "\u00a0", "b"});
        QTest::newRow("emoji") << QStringLiteral("hi \U0001F600!") << L({"hi", " \U0001F600!"});
        QTest::newRow("apostrophe run") << QStringLiteral("''s") << L({"''", "s"});
        QTest::newRow("special token as text") << QStringLiteral("<|endoftext|>") << L({"<|", "endoftext", "|>"});
    }
    void split() {
        QFETCH(QString, text);
        QFETCH(QStringList, pieces);
        const QByteArray utf8 = text.toUtf8();
        QStringList got;
        for (auto p : ns::gpt2PreTokenize(std::string_view(utf8.constData(), utf8.size())))
            got << QString::fromUtf8(p.data(), static_cast<qsizetype>(p.size()));
        QCOMPARE(got, pieces);
    }
    void invalidBytesAreKept() {
        const std::string bad = "ab\xff\xfe cd\xe2\x82";
        size_t total = 0;
        for (auto p : ns::gpt2PreTokenize(bad)) total += p.size();
        QCOMPARE(total, bad.size());
    }
};

QTEST_GUILESS_MAIN(TestPreTokenizer)
#include "test_pretokenizer.moc"
