#include "interchange_dialogs.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QTableWidget>
#include <QVBoxLayout>

namespace ns {
namespace {

QString scoreText(const std::optional<double>& v) { return v ? QString::number(*v, 'f', 3) : QString(); }

}  // namespace

LayerExportDialog::LayerExportDialog(int layer, int neurons, const QList<int>& selected, const QString& modelName, QWidget* parent)
    : QDialog(parent), m_layer(layer), m_selected(selected) {
    setWindowTitle(tr("Export layer %1").arg(layer));
    auto* form = new QFormLayout();
    m_format = new QComboBox(this);
    m_format->addItem(tr("CSV: one row per neuron"), QStringLiteral("csv"));
    m_format->addItem(tr("NeuronScope JSON: everything the cache has"), QStringLiteral("json"));
    m_format->addItem(tr("OpenAI automated-interpretability: a folder of neurons/ and explanations/"), QStringLiteral("openai"));
    m_format->addItem(tr("Neuronpedia explanation uploads (JSONL)"), QStringLiteral("neuronpedia"));
    m_format->setToolTip(tr("How each field maps onto the other tools' formats: /usr/share/doc/neuronscope/interchange.md "
                            "(docs/interchange.md in the sources)"));
    form->addRow(tr("&Format"), m_format);
    m_which = new QComboBox(this);
    m_which->addItem(tr("The whole layer (%1 neurons)").arg(neurons), QStringLiteral("all"));
    if (!selected.isEmpty())
        m_which->addItem(selected.size() == 1 ? tr("Neuron %1/%2 (selected in the browser)").arg(layer).arg(selected.first())
                                              : tr("The %1 neurons selected in the browser").arg(selected.size()),
                         QStringLiteral("selected"));
    m_which->addItem(tr("A range"), QStringLiteral("range"));
    auto* range = new QHBoxLayout();
    m_from = new QSpinBox(this);
    m_to = new QSpinBox(this);
    for (QSpinBox* s : {m_from, m_to}) s->setRange(0, std::max(0, neurons - 1));
    m_to->setValue(std::max(0, neurons - 1));
    range->addWidget(m_which);
    range->addWidget(m_from);
    range->addWidget(new QLabel(tr("to"), this));
    range->addWidget(m_to);
    auto* neuronsLabel = new QLabel(tr("&Neurons"), this);
    neuronsLabel->setBuddy(m_which);
    form->addRow(neuronsLabel, range);
    const auto rangeChosen = [this] {
        const bool on = m_which->currentData().toString() == QLatin1String("range");
        m_from->setEnabled(on);
        m_to->setEnabled(on);
    };
    connect(m_which, &QComboBox::currentIndexChanged, this, rangeChosen);
    rangeChosen();
    auto* where = new QHBoxLayout();
    m_path = new QLineEdit(this);
    auto* browse = new QPushButton(tr("&Browse..."), this);
    where->addWidget(m_path, 1);
    where->addWidget(browse);
    auto* whereLabel = new QLabel(tr("&Save to"), this);
    whereLabel->setBuddy(m_path);
    form->addRow(whereLabel, where);
    m_npModel = new QLineEdit(modelName, this);
    m_npModel->setToolTip(tr("The model's id on Neuronpedia"));
    m_npSource = new QLineEdit(QStringLiteral("mlp"), this);
    m_npSource->setToolTip(tr("The source id after the layer: the layer is written as \"%1-<source>\"").arg(layer));
    form->addRow(tr("Neuronpedia &model id"), m_npModel);
    form->addRow(tr("Neuronpedia &source"), m_npSource);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(buttons);
    connect(buttons, &QDialogButtonBox::accepted, this, [this] {
        const bool range = m_which->currentData().toString() == QLatin1String("range");
        if (!m_path->text().trimmed().isEmpty() && (!range || m_from->value() <= m_to->value())) accept();
    });
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(browse, &QPushButton::clicked, this, &LayerExportDialog::browse);
    connect(m_format, &QComboBox::currentIndexChanged, this, &LayerExportDialog::formatChanged);
    formatChanged();
}

void LayerExportDialog::formatChanged() {
    const QString f = format();
    const bool np = f == QLatin1String("neuronpedia");
    m_npModel->setEnabled(np);
    m_npSource->setEnabled(np);
    const QString base = QDir::home().filePath(QStringLiteral("neuronscope-layer%1").arg(m_layer));
    if (f == QLatin1String("openai")) m_path->setText(base + QStringLiteral("-openai"));
    else if (np) m_path->setText(base + QStringLiteral("-neuronpedia.jsonl"));
    else m_path->setText(base + QLatin1Char('.') + f);
}

void LayerExportDialog::browse() {
    const QString chosen = format() == QLatin1String("openai")
                               ? QFileDialog::getExistingDirectory(this, tr("Folder for the OpenAI layout"), m_path->text())
                               : QFileDialog::getSaveFileName(this, tr("Export to"), m_path->text());
    if (!chosen.isEmpty()) m_path->setText(chosen);
}

QString LayerExportDialog::format() const { return m_format->currentData().toString(); }
QString LayerExportDialog::path() const { return m_path->text().trimmed(); }
QList<int> LayerExportDialog::neurons() const {
    const QString which = m_which->currentData().toString();
    if (which == QLatin1String("selected")) return m_selected;
    QList<int> out;
    if (which == QLatin1String("range"))
        for (int n = m_from->value(); n <= m_to->value(); ++n) out << n;
    return out;
}
QString LayerExportDialog::neuronpediaModel() const { return m_npModel->text().trimmed(); }
QString LayerExportDialog::neuronpediaSource() const { return m_npSource->text().trimmed(); }

ImportResultsDialog::ImportResultsDialog(const ImportRun& run, QWidget* parent) : QDialog(parent) {
    setWindowTitle(tr("Imported explanations"));
    const std::vector<ImportScore>& rows = run.rows;
    int scored = 0;
    for (const ImportScore& r : rows) scored += r.score.has_value();
    auto* layout = new QVBoxLayout(this);
    auto* summary = new QLabel(tr("%1 explanations read (%2 format), %3 scored by NeuronScope's simulator on each neuron's test "
                                  "split.%4 Double-click a row to open its neuron; its Explanations tab lists them too.")
                                   .arg(rows.size())
                                   .arg(run.format)
                                   .arg(scored)
                                   .arg(run.stopped ? tr(" Stopped before the end.") : QString()),
                               this);
    summary->setWordWrap(true);
    layout->addWidget(summary);
    m_table = new QTableWidget(static_cast<int>(rows.size()), 7, this);
    m_table->setHorizontalHeaderLabels({tr("Neuron"), tr("Written by"), tr("Their explanation"), tr("Their r"), tr("r on test"),
                                        tr("NeuronScope r"), tr("Note")});
    m_table->verticalHeader()->setVisible(false);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setWordWrap(true);
    for (int c : {2, 6}) m_table->horizontalHeader()->setSectionResizeMode(c, QHeaderView::Stretch);
    for (int c : {0, 1, 3, 4, 5}) m_table->horizontalHeader()->setSectionResizeMode(c, QHeaderView::ResizeToContents);
    m_table->horizontalHeaderItem(3)->setToolTip(tr("The score the file reports (that tool's simulator and split)"));
    m_table->horizontalHeaderItem(4)->setToolTip(tr("NeuronScope's simulator on the neuron's test split"));
    m_table->horizontalHeaderItem(5)->setToolTip(tr("NeuronScope's own explanation on the same split"));
    int row = 0;
    for (const ImportScore& r : rows) {
        const int layer = r.imported.layer, neuron = r.imported.neuron;
        const QStringList cells{QStringLiteral("%1/%2").arg(layer).arg(neuron), r.imported.explainer, r.imported.text,
                                scoreText(r.imported.score), r.score ? scoreText(r.score) : tr("not scored"), scoreText(r.ownScore), r.note};
        for (int c = 0; c < cells.size(); ++c) {
            auto* item = new QTableWidgetItem(cells[c]);
            item->setData(Qt::UserRole, QPoint(layer, neuron));
            m_table->setItem(row, c, item);
        }
        ++row;
    }
    m_table->verticalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    layout->addWidget(m_table, 1);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::accept);
    layout->addWidget(buttons);
    connect(m_table, &QTableWidget::itemDoubleClicked, this, [this](QTableWidgetItem* item) {
        const QPoint p = item->data(Qt::UserRole).toPoint();
        if (p.x() >= 0 && p.y() >= 0) Q_EMIT neuronActivated(p.x(), p.y());
    });
    resize(980, 460);
}

}  // namespace ns
