#include "agents/pattern_text.h"

#include "agents/token_classes.h"

#include <QRegularExpression>
#include <QStringList>

#include <cmath>

namespace ns {
namespace {

// Token text is quoted with ' and C-style escapes, so any token (an apostrophe, a line break)
// reads back unambiguously.
QString quoted(const QString& key) {
    QString shown;
    for (QChar c : key) {
        if (c == QLatin1Char('\\')) shown += QLatin1String("\\\\");
        else if (c == QLatin1Char('\'')) shown += QLatin1String("\\'");
        else if (c == QLatin1Char('\n')) shown += QLatin1String("\\n");
        else if (c == QLatin1Char('\t')) shown += QLatin1String("\\t");
        else if (c == QLatin1Char('\r')) shown += QLatin1String("\\r");
        else shown += c;
    }
    return QLatin1Char('\'') + shown + QLatin1Char('\'');
}

QString listOf(const QStringList& items, const QString& last) {
    if (items.size() <= 1) return items.join(QString());
    return items.mid(0, items.size() - 1).join(QStringLiteral(", ")) + QLatin1Char(' ') + last + QLatin1Char(' ') + items.back();
}

QString weightText(double w, WeightDigits digits) {
    const QString readable = QString::number(w, 'f', std::fabs(w) >= 10 ? 1 : 2);
    if (digits == WeightDigits::Readable) return readable;
    const auto same = [w](const QString& t) { return static_cast<float>(t.toDouble()) == static_cast<float>(w); };
    if (same(readable)) return readable;
    for (int precision = 3; precision <= 9; ++precision)
        if (const QString t = QString::number(w, 'g', precision); same(t)) return t;
    return QString::number(w, 'g', 17);
}

QString renderCondition(const ContextCondition& c) {
    QString what;
    if (!c.tokenClass.isEmpty()) {
        what = tokenClass(c.tokenClass).description;
    } else {
        QStringList items;
        for (const QString& k : c.literals) items << quoted(k);
        what = (c.literals.size() > 1 ? QStringLiteral("one of ") : QString()) + listOf(items, QStringLiteral("or"));
    }
    if (c.span <= 1) return QStringLiteral("the previous token is %1").arg(what);
    return QStringLiteral("%1 appears among the previous %2 tokens").arg(what).arg(c.span);
}

/// A cursor over the notation; every failure names the character where reading stopped.
class Reader {
public:
    explicit Reader(const QString& text) : m_s(text) {}

    bool atEnd() const { return m_i >= m_s.size(); }
    void skipSpace() {
        while (!atEnd() && m_s[m_i].isSpace()) ++m_i;
    }
    bool peek(QLatin1String lit) const { return QStringView(m_s).mid(m_i).startsWith(lit); }
    bool eat(QLatin1String lit) {
        if (!peek(lit)) return false;
        m_i += lit.size();
        return true;
    }
    Error fail(const QString& what) const {
        return Error{QStringLiteral("not in pattern notation at character %1 (\"%2\"): %3")
                         .arg(m_i + 1)
                         .arg(m_s.mid(m_i, 24), what)};
    }
    Expected<void> expect(QLatin1String lit) {
        if (eat(lit)) return {};
        return fail(QStringLiteral("expected \"%1\"").arg(lit));
    }

    Expected<QString> quotedText() {
        if (!eat(QLatin1String("'"))) return fail(QStringLiteral("expected a quoted token"));
        QString out;
        while (!atEnd()) {
            const QChar c = m_s[m_i++];
            if (c == QLatin1Char('\'')) return out;
            if (c != QLatin1Char('\\')) {
                out += c;
                continue;
            }
            if (atEnd()) break;
            const QChar e = m_s[m_i++];
            if (e == QLatin1Char('n')) out += QLatin1Char('\n');
            else if (e == QLatin1Char('t')) out += QLatin1Char('\t');
            else if (e == QLatin1Char('r')) out += QLatin1Char('\r');
            else if (e == QLatin1Char('\\') || e == QLatin1Char('\'')) out += e;
            else return fail(QStringLiteral("unknown escape \\%1").arg(e));
        }
        return fail(QStringLiteral("a quoted token is not closed"));
    }

    /// " (" number ")"
    Expected<double> weight() {
        if (auto ok = expect(QLatin1String(" (")); !ok) return Error{ok.error()};
        const int close = m_s.indexOf(QLatin1Char(')'), m_i);
        bool ok = false;
        const double w = close < 0 ? 0 : m_s.mid(m_i, close - m_i).toDouble(&ok);
        if (!ok || !std::isfinite(w)) return fail(QStringLiteral("expected a weight in parentheses"));
        m_i = close + 1;
        return w;
    }

    Expected<int> integer() {
        const int from = m_i;
        while (!atEnd() && m_s[m_i].isDigit()) ++m_i;
        bool ok = false;
        const int v = m_s.mid(from, m_i - from).toInt(&ok);
        if (!ok) return fail(QStringLiteral("expected a number"));
        return v;
    }

    /// "a, b or c" (two items or more), each item read by `read`, which starts at a quote.
    template <class Read, class Item>
    Expected<void> list(Read read, std::vector<Item>& out) {
        for (;;) {
            auto item = read();
            if (!item) return Error{item.error()};
            out.push_back(*item);
            if (peek(QLatin1String(", '"))) {
                m_i += 2;  // the quote starts the next item
            } else if (eat(QLatin1String(" or "))) {
                auto last = read();
                if (!last) return Error{last.error()};
                out.push_back(*last);
                return {};
            } else {
                return fail(QStringLiteral("expected \", \" or \" or \" in a list of tokens"));
            }
        }
    }

    /// A class named by its description; the longest description that matches wins.
    Expected<QString> tokenClassId() {
        QString best;
        int bestLength = 0;
        for (const TokenClass& c : fixedTokenClasses())
            if (c.description.size() > bestLength && QStringView(m_s).mid(m_i).startsWith(c.description)) {
                best = c.id;
                bestLength = static_cast<int>(c.description.size());
            }
        static const QRegularExpression suffix(QStringLiteral("^a word ending in '-([A-Za-z]+)'"));
        const auto m = suffix.match(QStringView(m_s).mid(m_i));
        if (m.hasMatch() && m.capturedLength() > bestLength) {
            best = QStringLiteral("suffix:") + m.captured(1);
            bestLength = static_cast<int>(m.capturedLength());
        }
        if (best.isEmpty()) return fail(QStringLiteral("expected a quoted token or a token class"));
        m_i += bestLength;
        return best;
    }

    /// "'a'", "one of 'a', 'b' or 'c'", or a class description.
    Expected<void> tokensOrClass(ContextCondition& c) {
        if (eat(QLatin1String("one of "))) return list([this] { return quotedText(); }, c.literals);
        if (peek(QLatin1String("'"))) {
            auto q = quotedText();
            if (!q) return Error{q.error()};
            c.literals.push_back(*q);
            return {};
        }
        auto id = tokenClassId();
        if (!id) return Error{id.error()};
        c.tokenClass = *id;
        return {};
    }

    Expected<ContextCondition> condition() {
        ContextCondition c;
        if (eat(QLatin1String("the previous token is "))) {
            if (auto ok = tokensOrClass(c); !ok) return Error{ok.error()};
            c.span = 1;
            return c;
        }
        if (auto ok = tokensOrClass(c); !ok) return Error{ok.error()};
        if (auto ok = expect(QLatin1String(" appears among the previous ")); !ok) return Error{ok.error()};
        auto span = integer();
        if (!span) return Error{span.error()};
        c.span = *span;
        if (auto ok = expect(QLatin1String(" tokens")); !ok) return Error{ok.error()};
        return c;
    }

    Expected<PatternLiteral> literal() {
        auto key = quotedText();
        if (!key) return Error{key.error()};
        auto w = weight();
        if (!w) return Error{w.error()};
        return PatternLiteral{*key, *w};
    }

    Expected<ModePattern> mode() {
        ModePattern p;
        if (eat(QLatin1String("Never fires."))) return p;
        if (auto ok = expect(QLatin1String("Fires on ")); !ok) return Error{ok.error()};
        if (eat(QLatin1String("the tokens "))) {
            if (auto ok = list([this] { return literal(); }, p.literals); !ok) return Error{ok.error()};
        } else if (eat(QLatin1String("the token "))) {
            auto l = literal();
            if (!l) return Error{l.error()};
            p.literals.push_back(*l);
        } else {
            // A description may itself start like a piece ("the first piece of a word split
            // into several tokens"): the class is tried first.
            auto id = tokenClassId();
            if (!id) {
                if (eat(QLatin1String("the first piece of "))) p.piece = WordPiece::First;
                else if (eat(QLatin1String("the last piece of "))) p.piece = WordPiece::Last;
                else return Error{id.error()};
                id = tokenClassId();
                if (!id) return Error{id.error()};
            }
            if (eat(QLatin1String(" other than "))) {
                for (;;) {
                    auto word = quotedText();
                    if (!word) return Error{word.error()};
                    p.exceptions.push_back(*word);
                    if (peek(QLatin1String(", '"))) m_i += 2;
                    else if (eat(QLatin1String(" or "))) continue;
                    else break;
                }
            }
            auto w = weight();
            if (!w) return Error{w.error()};
            p.tokenClass = *id;
            p.classWeight = *w;
        }
        if (eat(QLatin1String(", when "))) {
            for (;;) {
                auto c = condition();
                if (!c) return Error{c.error()};
                p.conditions.push_back(*c);
                if (eat(QLatin1String(", ")) || eat(QLatin1String(" and "))) continue;
                break;
            }
        }
        if (auto ok = expect(QLatin1String(".")); !ok) return Error{ok.error()};
        if (auto ok = checkPattern(p); !ok) return Error{ok.error()};
        return p;
    }

private:
    const QString& m_s;
    int m_i = 0;
};

}  // namespace

QString renderPattern(const ModePattern& p, WeightDigits digits) {
    if (p.empty()) return QStringLiteral("Never fires.");
    QString s;
    if (!p.tokenClass.isEmpty()) {
        const QString piece = p.piece == WordPiece::First  ? QStringLiteral("the first piece of ")
                              : p.piece == WordPiece::Last ? QStringLiteral("the last piece of ")
                                                           : QString();
        QStringList except;
        for (const QString& e : p.exceptions) except << quoted(e);
        const QString others = except.isEmpty() ? QString() : QStringLiteral(" other than ") + listOf(except, QStringLiteral("or"));
        s = QStringLiteral("Fires on %1%2%3 (%4)").arg(piece, tokenClass(p.tokenClass).description, others, weightText(p.classWeight, digits));
    } else {
        QStringList items;
        for (const PatternLiteral& l : p.literals) items << QStringLiteral("%1 (%2)").arg(quoted(l.key), weightText(l.weight, digits));
        s = QStringLiteral("Fires on the token%1 %2").arg(p.literals.size() > 1 ? QStringLiteral("s") : QString(),
                                                          listOf(items, QStringLiteral("or")));
    }
    QStringList conditions;
    for (const ContextCondition& c : p.conditions) conditions << renderCondition(c);
    if (!conditions.isEmpty()) s += QStringLiteral(", when ") + listOf(conditions, QStringLiteral("and"));
    return s + QLatin1Char('.');
}

QString renderPatterns(const std::vector<ModePattern>& modes, WeightDigits digits) {
    QStringList lines;
    for (const ModePattern& p : modes) lines << renderPattern(p, digits);
    return lines.join(QLatin1Char('\n'));
}

Expected<std::vector<ModePattern>> parsePatternText(const QString& text) {
    Reader r(text);
    std::vector<ModePattern> modes;
    r.skipSpace();
    if (r.atEnd()) return makeError(QStringLiteral("the explanation is empty"));
    while (!r.atEnd()) {
        auto p = r.mode();
        if (!p) return Error{p.error()};
        modes.push_back(std::move(*p));
        r.skipSpace();
    }
    return modes;
}

}  // namespace ns
