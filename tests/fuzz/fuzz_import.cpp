// Import files on arbitrary bytes: OpenAI NeuronSimulationResults lines and Neuronpedia
// exports (a JSON array or JSON lines).
#include "fuzz_input.h"

#include "interchange/neuronpedia_format.h"
#include "interchange/openai_format.h"

#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const QString path = fuzz::writeInput("import", data, size);
    for (auto read : {&ns::readOpenAiExplanations, &ns::readNeuronpediaExplanations}) {
        auto r = read(path);
        if (r)
            for (const auto& e : *r)
                if (e.layer < 0 || e.neuron < 0 || e.text.trimmed().isEmpty()) std::abort();  // what the readers promise
    }
    QFile::remove(path);
    return 0;
}
