#pragma once

#include "activations/neuron_record.h"

#include <nlohmann/json.hpp>

namespace ns {

class BpeTokenizer;

/// An exemplar as JSON: token texts (valid UTF-8), exact ids, activations, max, document, offset.
nlohmann::json exemplarToJson(const Exemplar& e, const BpeTokenizer& tokenizer);
/// A neuron record as the `top` command prints it.
nlohmann::json recordToJson(const NeuronRecord& r, const BpeTokenizer& tokenizer, int topK = -1);

}  // namespace ns
