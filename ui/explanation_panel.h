#pragma once

#include "store/cache_db.h"

#include <QWidget>

#include <map>

#include <nlohmann/json.hpp>

class QLabel;
class QListWidget;
class QPushButton;
class QTableWidget;

namespace ns {

class ExplainSession;

/// Each mode's explanation with its score, and what people decided about it: Approve, Edit
/// (text and, for the built-in backend, the pattern; re-scored offline through the pattern, or
/// shown as "not scored") and Reject. Decisions and their history live in the cache.
class ExplanationPanel : public QWidget {
    Q_OBJECT
public:
    ExplanationPanel(CacheDb* db, ExplainSession* session, QString modelHash, QString corpusHash, QWidget* parent = nullptr);

    void setResult(int layer, int neuron, const nlohmann::json& result);
    void clear(const QString& message);

    /// The actions, also for tests: decide about `mode`.
    Expected<void> approve(int mode);
    Expected<void> reject(int mode);
    Expected<void> edit(int mode, const QString& text, const QString& patternJson);

    int selectedMode() const;
    QTableWidget* table() const { return m_table; }
    /// The latest decision per mode (empty status when none).
    std::vector<Review> latest() const;
    /// Explanations other tools wrote for layer/neuron, as imported and scored (hidden when none).
    void showImported(int layer, int neuron);
    QTableWidget* importedTable() const { return m_imported; }
    /// With an LLM backend set, an edited text without a pattern is scored through its
    /// simulator on the worker thread instead of being "not scored".
    void setTextSimulator(bool available) { m_textSimulator = available; }

public Q_SLOTS:
    /// The worker's answer to rescoreRequested.
    void finishRescore(int request, bool scored, double score, const QString& error);

Q_SIGNALS:
    void reviewed();
    void rescoreRequested(int request, int layer, int neuron, const QByteArray& modes, qulonglong seed);

private:
    void refresh();
    void showHistory();
    void openEditor();
    Expected<void> decide(int mode, const QString& status, const QString& text, const QString& pattern, bool rescore);

    CacheDb* m_db;
    ExplainSession* m_session;
    QString m_modelHash, m_corpusHash;
    int m_layer = -1, m_neuron = -1;
    nlohmann::json m_result;
    std::vector<Review> m_reviews;
    QLabel* m_scores;
    QTableWidget* m_table;
    QListWidget* m_history;
    QLabel* m_importedLabel;
    QTableWidget* m_imported;
    QPushButton *m_approve, *m_edit, *m_reject;
    bool m_textSimulator = false;
    int m_nextRequest = 1;
    std::map<int, Review> m_pending;  ///< edits waiting for their score
};

}  // namespace ns
