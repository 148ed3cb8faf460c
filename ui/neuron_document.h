#pragma once

#include "charts.h"

#include "activations/neuron_record.h"
#include "agents/explain_session.h"
#include "agents/loop_types.h"
#include "store/cache_db.h"

#include <QObject>

#include <map>
#include <memory>
#include <optional>
#include <vector>

namespace ns {

/// One unit (a real neuron or a calibration spec) as the explorer knows it: its record, its
/// latest run, what people decided, what other tools wrote, and the job running on it. The
/// workers fill documents; the pages show the current one and follow its signals, so a run
/// for another unit never draws on the page in view.
class NeuronDocument final : public QObject {
    Q_OBJECT
public:
    enum class Job { None, Queued, Running };

    explicit NeuronDocument(ExplainTarget target, QObject* parent = nullptr);

    const ExplainTarget& target() const { return m_target; }
    /// "L/N", or the calibration spec's file name.
    QString name() const;

    const std::optional<NeuronRecord>& record() const { return m_record; }
    void setRecord(NeuronRecord record);
    /// Lets go of the record of a document out of view (it is read again from the cache).
    void forgetRecord() { m_record.reset(); }

    /// The latest run, when there is one.
    const std::optional<LoopResult>& result() const { return m_result; }
    void setResult(LoopResult result);
    void clearResult();

    /// The iterations to draw: those of the run in progress, else those of the stored run.
    const RefinementSeries& refinement() const { return m_refinement; }
    void addLiveIteration(const LoopEvent& event);

    /// Every decision about this unit, oldest first, whichever run it judged (the history).
    const std::vector<Review>& reviews() const { return m_reviews; }
    void setReviews(std::vector<Review> reviews);
    void addReview(const Review& review);
    /// The latest decision per mode of the current run (empty status where none was made).
    std::vector<Review> latestDecisions() const;

    const std::vector<ImportedExplanation>& imported() const { return m_imported; }
    void setImported(std::vector<ImportedExplanation> imported);

    Job job() const { return m_job; }
    /// What the running job last said ("iteration 3 of 12").
    const QString& jobStep() const { return m_jobStep; }
    void setJob(Job job, const QString& step = {});

Q_SIGNALS:
    void recordChanged();
    void resultChanged();
    void refinementChanged(int points);
    void reviewsChanged();
    void importedChanged();
    void jobChanged();

private:
    ExplainTarget m_target;
    std::optional<NeuronRecord> m_record;
    std::optional<LoopResult> m_result;
    RefinementSeries m_refinement;
    bool m_live = false;  ///< m_refinement holds a run in progress
    std::vector<Review> m_reviews;
    std::vector<ImportedExplanation> m_imported;
    Job m_job = Job::None;
    QString m_jobStep;
};

/// The documents of one window, one per unit, made on first use.
class DocumentSet final : public QObject {
    Q_OBJECT
public:
    using QObject::QObject;
    NeuronDocument* document(const ExplainTarget& target);
    /// nullptr when no document for the target was made.
    NeuronDocument* find(const ExplainTarget& target) const;
    static QString keyOf(const ExplainTarget& target);

private:
    std::map<QString, NeuronDocument*> m_documents;
};

}  // namespace ns
