#include "neuron_document.h"

#include "store/decisions.h"

#include <QFileInfo>

namespace ns {

NeuronDocument::NeuronDocument(ExplainTarget target, QObject* parent) : QObject(parent), m_target(std::move(target)) {}

QString NeuronDocument::name() const { return DocumentSet::keyOf(m_target); }

void NeuronDocument::setRecord(NeuronRecord record) {
    m_record = std::move(record);
    Q_EMIT recordChanged();
}

void NeuronDocument::setResult(LoopResult result) {
    m_result = std::move(result);
    m_refinement = RefinementSeries::of(*m_result);
    m_live = false;
    Q_EMIT resultChanged();
    Q_EMIT refinementChanged(m_refinement.points());
}

void NeuronDocument::clearResult() {
    m_result.reset();
    m_refinement = {};
    m_live = false;
    Q_EMIT resultChanged();
    Q_EMIT refinementChanged(0);
}

void NeuronDocument::addLiveIteration(const LoopEvent& e) {
    if (!m_live) m_refinement = {}, m_live = true;  // points of a run not announced: start afresh
    m_refinement.add(e.iteration, e.validScore, e.modeScores, e.baselineValidScore);
    Q_EMIT refinementChanged(m_refinement.points());
}

void NeuronDocument::setReviews(std::vector<Review> reviews) {
    m_reviews = std::move(reviews);
    Q_EMIT reviewsChanged();
}

void NeuronDocument::addReview(const Review& review) {
    m_reviews.push_back(review);
    Q_EMIT reviewsChanged();
}

std::vector<Review> NeuronDocument::latestDecisions() const {
    if (!m_result) return {};
    return ns::latestDecisions(m_result->modes.size(), m_reviews, m_result->runId);
}

void NeuronDocument::setImported(std::vector<ImportedExplanation> imported) {
    m_imported = std::move(imported);
    Q_EMIT importedChanged();
}

void NeuronDocument::setJob(Job job, const QString& step) {
    const bool starting = job == Job::Running && m_job != Job::Running;
    m_job = job;
    m_jobStep = step;
    if (starting) {
        // The chart follows the run that starts (a cached answer brings its iterations back).
        m_refinement = {};
        m_live = true;
        Q_EMIT refinementChanged(0);
    }
    Q_EMIT jobChanged();
}

namespace {
/// Two specs of one file name are two units: the map keys on the whole path.
QString fullKey(const ExplainTarget& t) { return t.synthetic() ? t.specPath : DocumentSet::keyOf(t); }
}  // namespace

QString DocumentSet::keyOf(const ExplainTarget& t) {
    return t.synthetic() ? QFileInfo(t.specPath).fileName() : QStringLiteral("%1/%2").arg(t.layer).arg(t.neuron);
}

NeuronDocument* DocumentSet::document(const ExplainTarget& target) {
    const QString key = fullKey(target);
    auto& slot = m_documents[key];
    if (!slot) slot = new NeuronDocument(target, this);
    return slot;
}

NeuronDocument* DocumentSet::find(const ExplainTarget& target) const {
    const auto it = m_documents.find(fullKey(target));
    return it == m_documents.end() ? nullptr : it->second;
}

}  // namespace ns
