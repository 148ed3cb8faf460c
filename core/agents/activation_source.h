#pragma once

#include "agents/calibration_neuron.h"
#include "util/expected.h"

#include <QString>

#include <memory>
#include <vector>

namespace ns {

class LanguageModel;
class TokenTable;

/// How the agents reach a neuron: "activations of this neuron on these token sequences". A
/// real neuron answers with forward passes that stop at its layer; a calibration neuron from
/// its spec. Agents never see more than this (and the neuron's record).
class ActivationSource {
public:
    virtual ~ActivationSource() = default;
    /// "L/N" for a real neuron, "synthetic:NAME" for a calibration neuron.
    virtual QString label() const = 0;
    /// The true activation at every token of every row (rows of any length up to the context).
    virtual Expected<std::vector<std::vector<float>>> activations(const std::vector<std::vector<int>>& rows) const = 0;
    /// How many tokens it has answered for so far (for the transcript and benchmarks).
    int64_t tokensEvaluated() const { return m_tokens; }

protected:
    mutable int64_t m_tokens = 0;
};

class ModelNeuronSource : public ActivationSource {
public:
    ModelNeuronSource(std::shared_ptr<const LanguageModel> model, int layer, int neuron);
    QString label() const override;
    Expected<std::vector<std::vector<float>>> activations(const std::vector<std::vector<int>>& rows) const override;

private:
    std::shared_ptr<const LanguageModel> m_model;
    int m_layer, m_neuron;
};

class CalibrationSource : public ActivationSource {
public:
    CalibrationSource(CalibrationNeuron spec, std::shared_ptr<const TokenTable> table);
    QString label() const override;
    Expected<std::vector<std::vector<float>>> activations(const std::vector<std::vector<int>>& rows) const override;

private:
    CalibrationNeuron m_spec;
    std::shared_ptr<const TokenTable> m_table;
};

/// What the clusterer sees of a token: the model's residual stream entering a layer at that
/// token, in its context or (tokenAlone) with the token on its own, so that only what the
/// model knows of the token itself counts. Centred and normalised by the caller.
class Representer {
public:
    Representer(std::shared_ptr<const LanguageModel> model, int layer, bool tokenAlone = false);
    int layer() const { return m_layer; }
    /// One vector per (row, position): the residual stream before block `layer` at the position.
    Expected<std::vector<std::vector<float>>> at(const std::vector<std::vector<int>>& rows,
                                                 const std::vector<int>& positions) const;

private:
    std::shared_ptr<const LanguageModel> m_model;
    int m_layer;
    bool m_tokenAlone;
};

}  // namespace ns
