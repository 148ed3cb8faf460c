#pragma once

#include "cli_common.h"

#include "agents/explain_session.h"
#include "agents/orchestrator.h"

#include <atomic>
#include <memory>
#include <vector>

namespace ns {
class Backend;
class CacheDb;
class LanguageModel;

namespace cli {

/// Set by Ctrl-C while a loop command runs.
extern std::atomic<bool> g_cancel;
void catchInterrupt();

/// --model, --corpus, --db, --backend, --max-iterations, --seed, --recompute, --llm.
void addSessionOptions(Command& c);

/// What explain, evaluate and batch share: model, cache, session, backend, loop options.
struct Session {
    std::shared_ptr<LanguageModel> model;
    std::unique_ptr<CacheDb> db;
    std::unique_ptr<ExplainSession> session;
    std::unique_ptr<Backend> backend;
    LoopOptions loop;
};
Expected<Session> openSession(const Command& c);

/// --layer, --neuron and --synthetic: the neuron a command is about.
void addTargetOptions(Command& c);
Expected<ExplainTarget> targetFromOptions(const Command& c);

/// --neurons (N, A-B, or a comma-separated list of them) checked against a layer of `count`
/// neurons, in ascending order without repeats; the whole layer when not given.
Expected<std::vector<int>> neuronSelection(const Command& c, int count);

/// Mining progress on stderr, about once a second; stops on Ctrl-C.
ExplainSession::MiningProgressFn miningProgress();

}  // namespace cli
}  // namespace ns
