// Calibration specs on arbitrary bytes, then their activations on a fixed window of tokens
// (the regexes' work is bounded, so every input must finish quickly).
#include "agents/calibration_neuron.h"

#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    auto spec = ns::CalibrationNeuron::parse(QByteArray(reinterpret_cast<const char*>(data), static_cast<qsizetype>(size)),
                                             QStringLiteral("spec.json"));
    if (!spec) return 0;
    static const QStringList tokens = [] {
        QStringList t;
        for (const char* s : {"The", " cat", " sat", " on", " the", " mat", ".", " It", " was", " 1999", ",", " and",
                              " the", " dog", " aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "!"})
            t << QString::fromLatin1(s);
        return t;
    }();
    (void)spec->activations(tokens);
    for (int m = 0; m < static_cast<int>(spec->modes().size()); ++m) (void)spec->modeActivations(m, tokens);
    return 0;
}
