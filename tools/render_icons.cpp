// Renders packaging/neuronscope.svg into the fixed-size PNGs of packaging/icons/, which are
// committed (menus and docks that do not scale SVG pick these). Run again after editing the SVG:
//   g++ -std=c++17 -fPIC tools/render_icons.cpp $(pkg-config --cflags --libs Qt6Gui) -o /tmp/render_icons
//   QT_QPA_PLATFORM=offscreen /tmp/render_icons packaging/neuronscope.svg packaging/icons
#include <QDir>
#include <QGuiApplication>
#include <QImage>
#include <QImageReader>

#include <cstdio>

int main(int argc, char** argv) {
    QGuiApplication app(argc, argv);
    if (argc != 3) {
        std::fprintf(stderr, "usage: render_icons SVG OUTDIR\n");
        return 2;
    }
    for (int size : {16, 22, 24, 32, 48, 64, 128, 256, 512}) {
        QImageReader reader(QString::fromLocal8Bit(argv[1]));
        reader.setScaledSize(QSize(size, size));
        const QImage image = reader.read();
        const QString dir = QStringLiteral("%1/%2x%2").arg(QString::fromLocal8Bit(argv[2])).arg(size);
        if (image.isNull() || !QDir().mkpath(dir) || !image.save(dir + QStringLiteral("/neuronscope.png"))) {
            std::fprintf(stderr, "render_icons: %s at %d px: %s\n", argv[1], size, qPrintable(reader.errorString()));
            return 1;
        }
    }
    return 0;
}
