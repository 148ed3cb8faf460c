#include "agents/explanation.h"

#include <QStringList>

namespace ns {

std::string ModeExplanation::identity() const {
    std::string s = text.toStdString();
    if (pattern) s += '\x1f' + patternToJson(*pattern).dump();
    return s;
}

QString clipLabel(const QString& text) {
    QStringList words = text.simplified().split(QLatin1Char(' '), Qt::SkipEmptyParts);
    if (words.size() > kMaxLabelWords) words = words.mid(0, kMaxLabelWords);
    return words.join(QLatin1Char(' '));
}

QString displayLabel(const ModeExplanation& m) {
    if (const QString own = clipLabel(m.label); !own.isEmpty()) return own;
    if (const QString fromText = clipLabel(m.text); !fromText.isEmpty()) return fromText;
    return QStringLiteral("unnamed mode");
}

}  // namespace ns
