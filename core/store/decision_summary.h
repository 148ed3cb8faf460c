#pragma once

#include <QString>

namespace ns {

// Apart from decisions.h so that CacheDb's browser list can carry it (decisions.h needs CacheDb's Review).
/// How many of a run's modes people approved, edited or rejected (latest decision per mode).
struct DecisionSummary {
    int modes = 0;
    int approved = 0, edited = 0, rejected = 0;

    int decided() const { return approved + edited + rejected; }
    int undecided() const { return modes - decided(); }
    /// "1 approved, 1 edited, 1 rejected of 5"; "none decided of 5" before any decision.
    QString text() const;
    /// Orders by how much is decided (the share of modes), then by how much of it approved,
    /// so that sorting puts untouched neurons apart from finished ones.
    double sortKey() const;
};

}  // namespace ns
