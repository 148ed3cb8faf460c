// The safetensors reader on arbitrary bytes: header checks, then every tensor read, then the
// check of the tensors against a small GPT-2 configuration.
#include "fuzz_input.h"

#include "model/model_config.h"
#include "model/safetensors.h"
#include "model/weight_layout.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const QString path = fuzz::writeInput("safetensors", data, size);
    auto file = ns::SafetensorsFile::open(path);
    if (file) {
        for (const auto& t : file->tensors()) (void)file->toFloat(t);
        ns::ModelConfig c;
        c.vocabSize = 256, c.nPositions = 32, c.nEmbd = 32, c.nLayer = 2, c.nHead = 4, c.nInner = 64;
        (void)ns::checkWeightLayout(*file, c);
    }
    QFile::remove(path);
    return 0;
}
