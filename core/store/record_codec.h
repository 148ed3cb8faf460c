#pragma once

#include "activations/neuron_record.h"
#include "util/expected.h"

#include <QByteArray>

namespace ns {

/// A NeuronRecord as a compressed, versioned binary blob for the cache.
QByteArray encodeRecord(const NeuronRecord& record);
Expected<NeuronRecord> decodeRecord(const QByteArray& blob);

}  // namespace ns
