#pragma once
// A fake OpenAI-compatible server on 127.0.0.1 that answers from what the prompt contains: the
// explainer names the most activating token it is shown, the simulator predicts 10 on the token
// the explanation quotes and 0 elsewhere. Modes make it fail the ways real servers do.
#include <httplib.h>

#include <nlohmann/json.hpp>

#include <QString>

#include <atomic>
#include <cctype>
#include <chrono>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

/// The first JSON string literal in `text`, decoded.
std::string firstJsonString(const std::string& text) {
    const size_t q = text.find('"');
    if (q == std::string::npos) return {};
    for (size_t end = q + 1; end < text.size(); ++end) {
        if (text[end] == '\\') {
            ++end;
            continue;
        }
        if (text[end] == '"') {
            auto j = nlohmann::json::parse(text.substr(q, end - q + 1), nullptr, false);
            return j.is_string() ? j.get<std::string>() : std::string();
        }
    }
    return {};
}

nlohmann::json completion(const std::string& content) {
    return {{"choices", {{{"index", 0}, {"message", {{"role", "assistant"}, {"content", content}}}}}}};
}

class FakeServer {
public:
    enum class Mode { Normal, Error500, Garbage, HalfJson, Slow };
    std::atomic<Mode> mode{Mode::Normal};
    std::atomic<int> requests{0};
    std::atomic<int> failFrom{-1}, failUntil{-1};  // requests in [from, until) get HTTP 500
    std::mutex mutex;
    std::string lastAuthorization;
    int port = 0;

    FakeServer() {
        m_server.Post("/v1/chat/completions", [this](const httplib::Request& req, httplib::Response& res) { handle(req, res); });
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
    void handle(const httplib::Request& req, httplib::Response& res) {
        const int n = requests++;
        {
            std::lock_guard<std::mutex> lock(mutex);
            lastAuthorization = req.get_header_value("Authorization");
        }
        const Mode m = (n >= failFrom && n < failUntil) ? Mode::Error500 : mode.load();
        if (m == Mode::Error500) {
            res.status = 500;
            res.set_content("{\"error\": \"overloaded\"}", "application/json");
            return;
        }
        if (m == Mode::Garbage) {
            res.set_content("<html>502 Bad Gateway</html>", "text/html");
            return;
        }
        if (m == Mode::HalfJson) {
            res.set_content(completion("{\"explanation\": ").dump(), "application/json");
            return;
        }
        if (m == Mode::Slow) std::this_thread::sleep_for(std::chrono::milliseconds(2500));
        const auto body = nlohmann::json::parse(req.body);
        const std::string prompt = body["messages"][0]["content"];
        res.set_content(completion(answer(prompt)).dump(), "application/json");
    }

    static std::string answer(const std::string& prompt) {
        std::istringstream lines(prompt);
        std::string line;
        if (prompt.find("\"activations\"") != std::string::npos) {
            // Simulator: the explanation names a token; predict 10 there.
            const size_t a = prompt.find("follows:");
            const std::string target = firstJsonString(prompt.substr(a, prompt.find("Predict") - a));
            std::vector<int> out;
            while (std::getline(lines, line)) {
                const size_t tab = line.find('\t');
                if (tab == std::string::npos || line.empty() || !std::isdigit(static_cast<unsigned char>(line[0]))) continue;
                out.push_back(firstJsonString(line.substr(tab + 1)) == target ? 10 : 0);
            }
            return nlohmann::json{{"activations", out}}.dump();
        }
        if (prompt.find("Write a better explanation") != std::string::npos) {
            const size_t a = prompt.find("follows:");
            return nlohmann::json{{"explanation", "the token " + nlohmann::json(firstJsonString(prompt.substr(a))).dump()}}.dump();
        }
        // Explainer: the token with the highest level.
        std::string best;
        int level = -1;
        while (std::getline(lines, line)) {
            const size_t tab = line.rfind('\t');
            if (line.empty() || line[0] != '"' || tab == std::string::npos) continue;
            const int v = std::atoi(line.c_str() + tab + 1);
            if (v > level) level = v, best = firstJsonString(line.substr(0, tab));
        }
        return "Sure! ```json\n" + nlohmann::json{{"explanation", "the token " + nlohmann::json(best).dump()}}.dump() + "\n```";
    }

    httplib::Server m_server;
    std::thread m_thread;
};

}  // namespace
