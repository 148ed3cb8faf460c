#pragma once
// A fake LLM server on 127.0.0.1 that answers from what the prompt contains: the explainer
// names, per mode, the most activating token it is shown; the simulator predicts 10 on the
// token the explanation quotes and nothing elsewhere; the refiner gives the modes back
// unchanged. It plays one server kind at a time (llama.cpp, Ollama, vLLM, OpenAI, LM Studio):
// it answers that kind's discovery endpoints, refuses (HTTP 400) a request that does not carry
// the answer's schema in that kind's form or has no max_tokens, and counts the requests. Modes
// make it fail the ways real servers do; dieFrom makes every request from then on fail.
#include <httplib.h>

#include <nlohmann/json.hpp>

#include <QString>

#include <atomic>
#include <cctype>
#include <chrono>
#include <mutex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

/// The first JSON string literal in `text` from `from`, decoded; `end` receives where it ends.
std::string firstJsonString(const std::string& text, size_t from = 0, size_t* end = nullptr) {
    const size_t q = text.find('"', from);
    if (q == std::string::npos) return {};
    for (size_t e = q + 1; e < text.size(); ++e) {
        if (text[e] == '\\') {
            ++e;
            continue;
        }
        if (text[e] == '"') {
            if (end) *end = e + 1;
            auto j = nlohmann::json::parse(text.substr(q, e - q + 1), nullptr, false);
            return j.is_string() ? j.get<std::string>() : std::string();
        }
    }
    return {};
}

class FakeServer {
public:
    enum class Mode { Normal, Error500, Garbage, HalfJson, Slow };
    enum class Kind { OpenAi, LlamaCpp, Ollama, Vllm, LmStudio };
    std::atomic<Mode> mode{Mode::Normal};
    std::atomic<Kind> kind{Kind::LlamaCpp};
    std::atomic<int> requests{0};     // chat requests (discovery GETs are not counted)
    std::atomic<int> formErrors{0};   // requests refused for their form
    std::atomic<int> failFrom{-1}, failUntil{-1};  // requests in [from, until) get HTTP 500
    std::atomic<bool> trickyLogprobs{false};  // the written "10" is not among the top alternatives
    std::atomic<int> context{8192};
    std::mutex mutex;
    std::string lastAuthorization, lastFormError;
    int port = 0;

    FakeServer() {
        for (const char* path : {"/v1/chat/completions", "/api/chat"})
            m_server.Post(path, [this](const httplib::Request& req, httplib::Response& res) { handle(req, res); });
        for (const char* path : {"/props", "/api/version", "/v1/models", "/api/v0/models"})
            m_server.Get(path, [this](const httplib::Request& req, httplib::Response& res) { discovery(req, res); });
        port = m_server.bind_to_any_port("127.0.0.1");
        m_thread = std::thread([this] { m_server.listen_after_bind(); });
        while (!m_server.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    ~FakeServer() {
        m_server.stop();
        m_thread.join();
    }
    QString url() const { return QStringLiteral("http://127.0.0.1:%1").arg(port); }

private:
    void discovery(const httplib::Request& req, httplib::Response& res) {
        const Kind k = kind.load();
        nlohmann::json j;
        if (req.path == "/props" && k == Kind::LlamaCpp) j = {{"default_generation_settings", {{"n_ctx", context.load()}}}};
        if (req.path == "/api/version" && k == Kind::Ollama) j = {{"version", "0.5.7"}};
        if (req.path == "/api/v0/models" && k == Kind::LmStudio)
            j = {{"data", {{{"id", "fake"}, {"loaded_context_length", context.load()}}}}};
        if (req.path == "/v1/models") {
            switch (k) {
            case Kind::LlamaCpp: j = {{"data", {{{"id", "/models/fake.gguf"}, {"owned_by", "llamacpp"}}}}}; break;
            case Kind::Ollama: j = {{"data", {{{"id", "fake:latest"}, {"owned_by", "library"}}, {{"id", "other:latest"}, {"owned_by", "library"}}}}}; break;
            case Kind::Vllm: j = {{"data", {{{"id", "fake"}, {"owned_by", "vllm"}, {"max_model_len", context.load()}}}}}; break;
            case Kind::OpenAi: j = {{"data", {{{"id", "fake"}, {"owned_by", "system"}}, {{"id", "gpt-4o"}, {"owned_by", "system"}}}}}; break;
            case Kind::LmStudio: j = {{"data", {{{"id", "fake"}, {"owned_by", "organization_owner"}}}}}; break;
            }
        }
        if (j.is_null()) {
            res.status = 404;
            res.set_content("{\"error\": \"not found\"}", "application/json");
            return;
        }
        res.set_content(j.dump(), "application/json");
    }

    /// Why a request does not have the form this server kind takes, or empty.
    std::string formError(const httplib::Request& req, const nlohmann::json& b) const {
        const Kind k = kind.load();
        if ((k == Kind::Ollama) != (req.path == "/api/chat")) return "wrong endpoint " + req.path;
        const bool hasFormat = b.contains("format") && b["format"].is_object();
        const bool hasGrammar = b.contains("grammar") && b["grammar"].is_string() && !b["grammar"].get<std::string>().empty();
        const bool hasGuided = b.contains("guided_json") && b["guided_json"].is_object();
        const bool hasOpenAi = b.contains("response_format") && b["response_format"].value("type", "") == "json_schema" &&
                               b["response_format"]["json_schema"].value("strict", false) &&
                               b["response_format"]["json_schema"].contains("schema");
        switch (k) {
        case Kind::Ollama:
            if (!hasFormat) return "no schema in format";
            if (!b.contains("options") || !b["options"].contains("num_predict") || !b["options"].contains("num_ctx"))
                return "no options.num_predict / num_ctx";
            return {};
        case Kind::LlamaCpp:
            if (!hasGrammar || b.contains("response_format")) return "no grammar (or a response_format this build drops)";
            break;
        case Kind::Vllm:
            if (!hasGuided) return "no guided_json";
            break;
        case Kind::OpenAi:
        case Kind::LmStudio:
            if (!hasOpenAi) return "no strict response_format json_schema";
            break;
        }
        if (!b.contains("max_tokens") || !b["max_tokens"].is_number_integer() || b["max_tokens"].get<int>() <= 0) return "no max_tokens";
        if (!b.contains("seed")) return "no seed";
        return {};
    }

    void handle(const httplib::Request& req, httplib::Response& res) {
        const int n = requests++;
        {
            std::lock_guard<std::mutex> lock(mutex);
            lastAuthorization = req.get_header_value("Authorization");
        }
        const Mode m = (n >= failFrom && (failUntil < 0 || n < failUntil)) && failFrom >= 0 ? Mode::Error500 : mode.load();
        if (m == Mode::Error500) {
            res.status = 500;
            res.set_content("{\"error\": \"overloaded\"}", "application/json");
            return;
        }
        if (m == Mode::Garbage) {
            res.set_content("<html>502 Bad Gateway</html>", "text/html");
            return;
        }
        if (m == Mode::Slow) std::this_thread::sleep_for(std::chrono::milliseconds(2500));
        const auto body = nlohmann::json::parse(req.body, nullptr, false);
        if (const std::string why = body.is_object() ? formError(req, body) : "not JSON"; !why.empty()) {
            ++formErrors;
            {
                std::lock_guard<std::mutex> lock(mutex);
                lastFormError = why;
            }
            res.status = 400;
            res.set_content(nlohmann::json{{"error", why}}.dump(), "application/json");
            return;
        }
        const std::string prompt = body["messages"][0]["content"];
        nlohmann::json logprobs;
        std::string content = m == Mode::HalfJson ? "{\"modes\": [" : answer(prompt, body.value("logprobs", false), &logprobs);
        if (kind == Kind::Ollama) {
            res.set_content(nlohmann::json{{"message", {{"role", "assistant"}, {"content", content}}}, {"done", true},
                                           {"prompt_eval_count", prompt.size() / 4}, {"eval_count", content.size() / 4}}
                                .dump(),
                            "application/json");
            return;
        }
        nlohmann::json choice{{"index", 0}, {"message", {{"role", "assistant"}, {"content", content}}}, {"finish_reason", "stop"}};
        if (!logprobs.is_null()) choice["logprobs"] = {{"content", logprobs}};
        res.set_content(nlohmann::json{{"choices", {choice}},
                                       {"usage", {{"prompt_tokens", prompt.size() / 4}, {"completion_tokens", content.size() / 4}}}}
                            .dump(),
                        "application/json");
    }

    /// The simulator's answer and, when asked, its logprobs token by token.
    std::string simulate(const std::string& prompt, bool withLogprobs, nlohmann::json* logprobs) const {
        // Every token the explanation quotes.
        const size_t a = prompt.find("follows:"), b = prompt.find("Below are");
        std::set<std::string> targets;
        for (size_t at = a, end = a; at < b; at = end) {
            const std::string t = firstJsonString(prompt.substr(0, b), at, &end);
            if (end <= at) break;
            targets.insert(t);
        }
        nlohmann::json active = nlohmann::json::array();
        std::istringstream lines(prompt);
        std::string line;
        while (std::getline(lines, line)) {
            if (line.rfind("Excerpt ", 0) != 0) continue;
            const int excerpt = std::atoi(line.c_str() + 8);
            size_t at = line.find(':') + 1;
            while (at < line.size()) {
                const size_t colon = line.find(':', at);
                if (colon == std::string::npos) break;
                const int token = std::atoi(line.c_str() + at);
                size_t end = colon;
                const std::string text = firstJsonString(line, colon, &end);
                if (targets.count(text)) active.push_back({{"excerpt", excerpt}, {"token", token}, {"activation", 10}});
                at = end;
            }
        }
        // Spelled token by token: the number as one token; its alternatives leave out the
        // written "10" when tricky (its own logprob then says how likely it was).
        std::string out;
        nlohmann::json lp = nlohmann::json::array();
        auto piece = [&](const std::string& t, nlohmann::json alts = nlohmann::json::array(), double logprob = 0) {
            out += t;
            lp.push_back({{"token", t}, {"logprob", logprob}, {"top_logprobs", alts}});
        };
        piece("{\"active\":[");
        for (size_t i = 0; i < active.size(); ++i) {
            piece((i ? ",{\"excerpt\":" : "{\"excerpt\":") + std::to_string(active[i]["excerpt"].get<int>()) + ",\"token\":" +
                  std::to_string(active[i]["token"].get<int>()) + ",\"activation\":");
            if (trickyLogprobs) piece("10", {{{"token", "6"}, {"logprob", -1.2}}, {{"token", "4"}, {"logprob", -1.2}}}, -1.2);
            else piece("10", {{{"token", "10"}, {"logprob", 0.0}}});
            piece("}");
        }
        piece("]}");
        if (withLogprobs) *logprobs = lp;
        return out;
    }

    std::string answer(const std::string& prompt, bool withLogprobs, nlohmann::json* logprobs) const {
        if (prompt.find("\"active\"") != std::string::npos) return simulate(prompt, withLogprobs, logprobs);
        std::istringstream lines(prompt);
        std::string line;
        nlohmann::json modes = nlohmann::json::array();
        if (prompt.find("write a better label") != std::string::npos) {
            // The refiner: every mode with the first missed token it does not name yet.
            const size_t fn = prompt.find("neuron fires but the explanation predicts little");
            std::vector<std::string> missed;
            for (size_t at = prompt.find("[[", fn); at != std::string::npos; at = prompt.find("[[", at + 2)) {
                const size_t shut = prompt.find("]]", at);
                if (shut == std::string::npos) break;
                missed.push_back(prompt.substr(at + 2, shut - at - 2));
            }
            while (std::getline(lines, line)) {
                if (line.rfind("Mode ", 0) != 0) continue;
                const size_t close = line.find("): ");
                if (close == std::string::npos) continue;
                std::string text = line.substr(close + 3);
                for (const std::string& m : missed)
                    if (text.find(nlohmann::json(m).dump()) == std::string::npos) {
                        text += " and the token " + nlohmann::json(m).dump();
                        break;
                    }
                modes.push_back({{"label", "revised"}, {"explanation", text}});
            }
            return nlohmann::json{{"modes", modes}}.dump();
        }
        // The explainer: per "Mode N:" block, the token in [[ ]] with the highest level.
        std::string best;
        int level = -1;
        auto close = [&] {
            if (level >= 0)
                modes.push_back({{"label", "the token " + best}, {"explanation", "the token " + nlohmann::json(best).dump()}});
            best.clear(), level = -1;
        };
        while (std::getline(lines, line)) {
            if (line.rfind("Mode ", 0) == 0) close();
            const size_t open = line.find("[["), shut = line.rfind("]] (");
            if (line.rfind("- ", 0) != 0 || open == std::string::npos || shut == std::string::npos) continue;
            const int v = std::atoi(line.c_str() + shut + 4);
            if (v > level) level = v, best = line.substr(open + 2, shut - open - 2);
        }
        close();
        return "Sure! ```json\n" + nlohmann::json{{"modes", modes}}.dump() + "\n```";
    }

    httplib::Server m_server;
    std::thread m_thread;
};

}  // namespace
