// The Debian package: cpack builds it from this build tree; its contents and dependencies are
// what a fresh Debian 12 needs to run both programs on the embedded model.
#include <QDir>
#include <QProcess>
#include <QTest>

class TestPackage final : public QObject {
    Q_OBJECT
    QString m_deb;

    static QByteArray run(const QString& program, const QStringList& args, const QString& dir = {}) {
        QProcess p;
        if (!dir.isEmpty()) p.setWorkingDirectory(dir);
        p.start(program, args);
        if (!p.waitForFinished(300000) || p.exitCode() != 0) return "FAILED: " + p.readAllStandardError();
        return p.readAllStandardOutput();
    }

private Q_SLOTS:
    void initTestCase() {
        const QString build = QStringLiteral(NS_BUILD_DIR);
        const QByteArray out = run(QStringLiteral("cpack"), {QStringLiteral("-G"), QStringLiteral("DEB")}, build);
        QVERIFY2(!out.startsWith("FAILED"), out.constData());
        const QStringList debs = QDir(build).entryList({QStringLiteral("neuronscope_*.deb")}, QDir::Files, QDir::Time);
        QVERIFY(!debs.isEmpty());
        m_deb = QDir(build).filePath(debs.first());
    }

    void contents_data() {
        QTest::addColumn<QString>("path");
        for (const char* p : {"./usr/bin/neuronscope", "./usr/bin/neuronscope-cli", "./usr/share/neuronscope/model/model.safetensors",
                              "./usr/share/neuronscope/model/config.json", "./usr/share/neuronscope/model/vocab.json",
                              "./usr/share/neuronscope/model/merges.txt", "./usr/share/neuronscope/corpus/corpus.txt",
                              "./usr/share/neuronscope/prompts/explainer.md", "./usr/share/neuronscope/prompts/simulator.md",
                              "./usr/share/neuronscope/prompts/refiner.md", "./usr/share/applications/neuronscope.desktop",
                              "./usr/share/icons/hicolor/scalable/apps/neuronscope.svg",
                              "./usr/share/icons/hicolor/16x16/apps/neuronscope.png",
                              "./usr/share/icons/hicolor/48x48/apps/neuronscope.png",
                              "./usr/share/icons/hicolor/256x256/apps/neuronscope.png",
                              "./usr/share/metainfo/io.github.neuronscope.NeuronScope.metainfo.xml",
                              "./usr/share/man/man1/neuronscope-cli.1", "./usr/share/doc/neuronscope/interchange.md",
                              "./usr/share/doc/neuronscope/copyright", "./usr/share/neuronscope/vocabulary/wordnet_classes.json",
                              "./usr/share/neuronscope/vocabulary/closed_classes.json", "./usr/share/neuronscope/vocabulary/WORDNET-LICENSE"})
            QTest::newRow(p) << QString::fromLatin1(p);
    }
    void contents() {
        QFETCH(QString, path);
        const QString listing = QString::fromUtf8(run(QStringLiteral("dpkg-deb"), {QStringLiteral("-c"), m_deb}));
        QVERIFY2(listing.contains(QLatin1Char(' ') + path + QLatin1Char('\n')), qPrintable(path));
    }

    void dependencies_data() {
        QTest::addColumn<QString>("package");
        for (const char* p : {"libqt6core6", "libqt6widgets6", "libqt6sql6-sqlite", "libqt6network6", "libqt6printsupport6",
                              "libqcustomplot2.1-qt6", "libtorch1.13", "libopenblas0-openmp", "libsqlite3-0"})
            QTest::newRow(p) << QString::fromLatin1(p);
    }
    void dependencies() {
        QFETCH(QString, package);
        const QString depends = QString::fromUtf8(run(QStringLiteral("dpkg-deb"), {QStringLiteral("-f"), m_deb, QStringLiteral("Depends")}));
        QVERIFY2(depends.split(QStringLiteral(", ")).contains(package) || depends.contains(package + QLatin1Char(',')) ||
                     depends.trimmed().endsWith(package),
                 qPrintable(depends));
        const QString arch = QString::fromUtf8(run(QStringLiteral("dpkg-deb"), {QStringLiteral("-f"), m_deb, QStringLiteral("Architecture")}));
        QCOMPARE(arch.trimmed(), QStringLiteral("amd64"));
    }
};

QTEST_GUILESS_MAIN(TestPackage)
#include "test_package.moc"
