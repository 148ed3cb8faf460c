#pragma once

#include "pages/document_page.h"

#include "agents/explain_session.h"
#include "store/cache_db.h"
#include "util/expected.h"

#include <set>
#include <utility>
#include <vector>

class QLabel;
class QListWidget;
class QPushButton;
class QTableWidget;

namespace ns {

struct DecidedMode;
struct LoopResult;
struct ModeExplanation;
struct ModeResult;

/// The Explanations page: each mode's label and explanation with its score, and what people
/// decided about it: Approve, Edit (text and, for the built-in backend, the pattern; re-scored
/// on the split stored with the run, or "not scored") and Reject. Decisions belong to the run
/// shown; the history also lists those about the unit's earlier runs. The decisions are kept
/// by the worker (requested here, shown when the document has them).
class ExplanationPanel final : public DocumentPage {
    Q_OBJECT
public:
    explicit ExplanationPanel(QWidget* parent = nullptr);

    /// The actions, also for tests: decide about `mode` of the run shown. An error when the
    /// decision cannot be made; else it is requested, and shown once kept.
    Expected<void> approve(int mode);
    Expected<void> reject(int mode);
    Expected<void> edit(int mode, const QString& text, const QString& patternJson);

    int selectedMode() const;
    QTableWidget* table() const { return m_table; }
    /// The latest decision per mode of the run shown (empty status when none).
    std::vector<Review> latest() const;
    /// Decisions requested and not yet kept.
    int pending() const { return static_cast<int>(m_pending.size()); }
    QTableWidget* importedTable() const { return m_imported; }

public Q_SLOTS:
    /// The decision about `mode` of `target` was kept or failed: it is no longer pending.
    void settle(const ns::ExplainTarget& target, int mode);

Q_SIGNALS:
    /// Keep `review`; with `rescore`, score `modes` (the whole explanation with it) first.
    void decisionRequested(const ns::ExplainTarget& target, const ns::Review& review, const std::vector<ns::ModeExplanation>& modes,
                           bool rescore);

protected:
    void observe(NeuronDocument* document) override;

private:
    void refresh();
    /// The run's scores, and the whole explanation's as decided when a mode is edited or rejected.
    QString headline(const LoopResult& r, const std::vector<Review>& reviews) const;
    /// The Test r cell of a mode and its tooltip: the mode's own score, "n/a" with the reason,
    /// or for an edit where its score is (a mode's column never holds a whole score).
    std::pair<QString, QString> modeScoreCell(const LoopResult& r, const ModeResult& mode, const Review& decision,
                                              const DecidedMode* decided, bool pending) const;
    void showHistory();
    void showImported();
    void openEditor();
    Expected<void> decide(int mode, const QString& status, const QString& text, const QString& pattern, bool rescore);

    QLabel* m_scores;
    QTableWidget* m_table;
    QListWidget* m_history;
    QLabel* m_importedLabel;
    QTableWidget* m_imported;
    QPushButton *m_approve, *m_edit, *m_reject;
    std::set<int> m_pending;  ///< modes whose decision is on its way
};

}  // namespace ns
