#pragma once

#include "activations/neuron_record.h"
#include "agents/sample.h"
#include "util/expected.h"

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <vector>

namespace ns {

/// A neuron's exemplars split by document: train (shown to the agents), valid (feedback while
/// refining) and test (the final score only; top and random exemplars 1:1, never shown).
struct ExemplarSplits {
    std::vector<Sample> train, valid, test;
};

/// Deterministic for a record and seed. Windows are de-duplicated (a window that is both top
/// and random counts as top); no document lands on two sides; documents with top exemplars are
/// dealt out so that each side gets its share of them (train 40%, valid 30%, test 30%).
ExemplarSplits splitRecord(const NeuronRecord& record, uint64_t seed);

/// The fewest documents with exemplars a split can score from: one for each side.
constexpr int kMinSplitDocuments = 3;
/// An error unless every side has exemplars: a corpus of too few documents would otherwise
/// score nothing and report r = 0 as a result.
Expected<void> checkSplits(const ExemplarSplits& splits);

/// Window ids and kinds of each split (what the cache keeps to show which windows were where).
nlohmann::json splitsToJson(const ExemplarSplits& splits);

/// Pearson correlation of true and simulated activations pooled over every token of `samples`.
double pooledScore(const std::vector<Sample>& samples, const Simulation& simulation);

}  // namespace ns
