#pragma once

#include "agents/word_view.h"
#include "util/expected.h"

#include <QRegularExpression>
#include <QString>
#include <QStringList>

#include <vector>

namespace ns {

/// One planted mode of a calibration neuron.
struct CalibrationMode {
    QString tokenRegex;    ///< must match the whole decoded token, leading space included
    QString wordClass;     ///< or (and): the token's whole word is in this catalogue class
    QString contextRegex;  ///< optional: must match at the end of the text before the token
    double activation = 1.0;
};

/// A synthetic neuron with known modes, from a JSON spec:
/// {"name": "...", "modes": [{"token_regex": "...", "word_class": "...", "context_regex": "...",
/// "activation": 1.0}]}, with a token_regex, a word_class (token_classes.h: judged on the whole
/// word, any piece of it), or both.
/// Its activation at a token is the largest `activation` of the modes that match, else 0.
///
/// Bounds, so that a spec cannot make mining run for minutes: at most kMaxModes modes; an
/// activation is a number in (0, kMaxActivation]; the regexes are PCRE2 (QRegularExpression)
/// with each match limited to kMatchSteps backtracking steps, and a context regex sees only
/// the last kContextChars characters before the token. A match that exceeds its steps is an
/// error naming the mode, never a silent "no match".
class CalibrationNeuron {
public:
    static constexpr int kMaxModes = 32;
    static constexpr double kMaxActivation = 1e6;
    static constexpr int kMatchSteps = 100000;
    static constexpr int kContextChars = 256;

    static Expected<CalibrationNeuron> load(const QString& path);
    static Expected<CalibrationNeuron> parse(const QByteArray& json, const QString& source);

    const QString& name() const { return m_name; }
    const std::vector<CalibrationMode>& modes() const { return m_modes; }

    /// Activation at every token of a window, given its decoded token texts. The context of a
    /// token is the window's text before it. An error when a regex exceeds its match steps.
    Expected<std::vector<float>> activations(const QStringList& tokens) const;
    /// One planted mode alone (its activation where it matches, else 0): the ground truth tests
    /// compare with; a match over the step limit counts as none here.
    std::vector<float> modeActivations(int mode, const QStringList& tokens) const;

private:
    struct Compiled {
        QRegularExpression token, context;
        bool hasToken = false, hasContext = false;
        int wordClass = -1;  ///< catalogue index
    };
    Expected<bool> matches(int mode, const QStringList& tokens, int index, const QString& before, const WordView& words) const;
    /// The word view of the tokens when a mode names a word class, else empty.
    WordView wordsOf(const QStringList& tokens) const;

    QString m_name;
    QString m_source;  ///< the spec's file, for messages
    std::vector<CalibrationMode> m_modes;
    std::vector<Compiled> m_compiled;
};

}  // namespace ns
