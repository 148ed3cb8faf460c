#include "agents/loop_scorer.h"

#include "agents/scores.h"

#include <algorithm>

namespace ns {

TestScores testScores(const ExemplarSplits& splits, const Simulation& valid, const Simulation& test, double recordMax,
                      int length, double activeFraction, int minNovelActive) {
    TestScores s;
    s.length = length;
    s.score = pooledScore(splits.test, test);
    std::vector<Sample> random;
    Simulation randomSim;
    for (size_t i = 0; i < splits.test.size() && i < test.size(); ++i)
        if (splits.test[i].kind == SampleKind::Random) random.push_back(splits.test[i]), randomSim.push_back(test[i]);
    s.randomScore = pooledScore(random, randomSim);

    const FlatSeries v = flatten(splits.valid, valid);
    const double threshold = bestF1Threshold(v.simulation, activeTokens(v.truth, recordMax, activeFraction));
    const FlatSeries t = flatten(splits.test, test);
    const auto active = activeTokens(t.truth, recordMax, activeFraction);
    s.f1 = f1AtThreshold(t.simulation, active, threshold);
    s.auprc = averagePrecision(t.simulation, active);
    s.novelScore = novelTokenScore(t, novelPositions(t.ids, splits.train), active, minNovelActive);
    return s;
}

double recordMaximum(const ExemplarSplits& splits, double statsMax) {
    double m = statsMax;
    for (const auto* split : {&splits.train, &splits.valid, &splits.test})
        for (const Sample& s : *split)
            for (float a : s.acts) m = std::max(m, static_cast<double>(a));
    return m;
}

}  // namespace ns
