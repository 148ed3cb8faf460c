#pragma once
// A small world for testing the loop's parts without a model: the GPT-2 test tokenizer, a
// calibration neuron as the activation source, hand-made splits and corpus windows.

#include "activations/corpus_windows.h"
#include "agents/activation_source.h"
#include "agents/builtin_backend.h"
#include "agents/calibration_neuron.h"
#include "agents/loop_run.h"
#include "agents/token_table.h"
#include "tokenizer/bpe_tokenizer.h"

#include <QStringList>

#include <memory>

struct LoopFixture {
    std::unique_ptr<ns::BpeTokenizer> tokenizer;
    std::shared_ptr<ns::TokenTable> table;
    std::unique_ptr<ns::CalibrationSource> source;
    std::unique_ptr<ns::Representer> representer;  // never asked: the parts under test do not represent
    std::unique_ptr<ns::BuiltinBackend> backend;
    std::shared_ptr<ns::CorpusWindows> corpus = std::make_shared<ns::CorpusWindows>();
    ns::LoopOptions options;
    std::function<void(const ns::LoopEvent&)> listener;
    std::unique_ptr<ns::LoopRun> run;
    int64_t nextWindow = 0;

    /// `spec` is a calibration spec's JSON; returns false when anything fails to load.
    bool init(const char* spec) {
        auto t = ns::BpeTokenizer::loadDirectory(QStringLiteral(NS_TEST_DATA_DIR "/gpt2"));
        if (!t.ok()) return false;
        tokenizer = std::make_unique<ns::BpeTokenizer>(*t);
        table = std::make_shared<ns::TokenTable>(*tokenizer);
        auto neuron = ns::CalibrationNeuron::parse(QByteArray(spec), QStringLiteral("test spec"));
        if (!neuron.ok()) return false;
        source = std::make_unique<ns::CalibrationSource>(*neuron, table);
        representer = std::make_unique<ns::Representer>(nullptr, 0);
        backend = std::make_unique<ns::BuiltinBackend>(table);
        run = std::make_unique<ns::LoopRun>(*source, *representer, *table, corpus.get(), *backend, tokenizer->idOf(" the"),
                                            options, listener, nullptr);
        return true;
    }
    /// A sample of `text` measured by the source, from `document`.
    ns::Sample sample(const char* text, int64_t document, ns::SampleKind kind = ns::SampleKind::Top) {
        ns::Sample s;
        s.ids = tokenizer->encode(text);
        s.acts = (*source->activations({s.ids}))[0];
        s.kind = kind;
        s.document = document;
        s.windowId = nextWindow++;
        return s;
    }
    void addWindow(const char* text, int64_t document) {
        auto w = std::make_shared<ns::TokenWindow>();
        w->id = nextWindow++;
        w->document = document;
        w->tokens = tokenizer->encode(text);
        corpus->windows.push_back(w);
    }
    int key(const char* token) const { return table->keyOf(tokenizer->idOf(token)); }
    static ns::ModeExplanation literals(std::initializer_list<const char*> tokens, double weight = 1.0) {
        ns::ModePattern p;
        for (const char* t : tokens) p.literals.push_back({QString::fromUtf8(t), weight});
        return {QStringLiteral("test mode"), p};
    }
};
