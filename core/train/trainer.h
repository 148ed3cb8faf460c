#pragma once

#include "model/model_config.h"
#include "util/expected.h"

#include <QString>

#include <functional>

namespace ns {

struct TrainOptions {
    QString textFile;        ///< training text; documents separated by <|endoftext|>
    QString validFile;       ///< optional held-out text for the final validation loss
    QString tokenizerDir;    ///< vocab.json + merges.txt, frozen before training
    QString outDir;          ///< receives the model in Hugging Face layout
    QString checkpointDir;   ///< resumable state; defaults to outDir/checkpoints
    ModelConfig config;      ///< vocab size is taken from the tokenizer
    int batchSize = 16;
    int64_t steps = 1000;
    int warmupSteps = 100;
    double learningRate = 1e-3;
    double minLearningRate = 1e-4;
    double weightDecay = 0.1;
    uint64_t seed = 1234;
    int checkpointEvery = 200;
    int logEvery = 10;
};

struct TrainProgress {
    int64_t step = 0;
    int64_t steps = 0;
    double loss = 0;           ///< mean over the steps since the last report
    double learningRate = 0;
    double tokensPerSecond = 0;
    bool resumed = false;      ///< this report follows a resume from a checkpoint
};

struct TrainResult {
    int64_t steps = 0;
    double finalTrainLoss = 0;
    double validLoss = -1;      ///< -1 without a valid file
    int64_t trainTokens = 0;
    double seconds = 0;
    bool completed = false;     ///< false when cancelled (a checkpoint was written)
};

/// Trains a GPT-2-architecture model: AdamW, linear warm-up then cosine decay, fixed seed.
/// Checkpoints hold weights, optimizer state, RNG state and the step, so a stopped run resumes
/// exactly. `progress` may return false to stop after writing a checkpoint.
Expected<TrainResult> trainModel(const TrainOptions& options,
                                 const std::function<bool(const TrainProgress&)>& progress = {});

}  // namespace ns
