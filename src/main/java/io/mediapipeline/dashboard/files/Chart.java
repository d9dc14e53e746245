package io.mediapipeline.dashboard.files;

import io.mediapipeline.status.Wording;
import java.util.List;
import java.util.Locale;

/**
 * The storage chart as inline SVG written on the server: two bars per month (before, after), a label under each
 * month and a tooltip ({@code <title>}) with the figures. Only presentation attributes, no style and no script, so
 * the dashboard's Content-Security-Policy needs no exception for it.
 */
final class Chart {

    private static final int HEIGHT = 220;
    private static final int TOP = 10;
    private static final int BOTTOM = 40;
    private static final int LEFT = 70;
    private static final int BAR = 12;
    private static final int GAP = 10;

    private Chart() {
    }

    static String svg(List<Storage.Month> months) {
        long max = months.stream().mapToLong(Storage.Month::before).max().orElse(0);
        int slot = 2 * BAR + GAP;
        int width = LEFT + Math.max(1, months.size()) * slot + GAP;
        int plot = HEIGHT - TOP - BOTTOM;
        // a label under every month while they fit, else under every n-th
        int every = Math.max(1, (int) Math.ceil(months.size() / 40.0));
        StringBuilder s = new StringBuilder();
        s.append("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" role=\"img\" width=\"").append(width)
                .append("\" height=\"").append(HEIGHT).append("\" viewBox=\"0 0 ").append(width).append(' ').append(HEIGHT)
                .append("\" aria-label=\"Bytes before and after compression per month of capture\">");
        s.append("<line x1=\"").append(LEFT).append("\" y1=\"").append(TOP + plot).append("\" x2=\"").append(width)
                .append("\" y2=\"").append(TOP + plot).append("\" stroke=\"#888\"/>");
        s.append("<text x=\"").append(LEFT - 6).append("\" y=\"").append(TOP + 10).append("\" text-anchor=\"end\" font-size=\"11\">")
                .append(escape(Wording.bytes(max))).append("</text>");
        s.append("<text x=\"").append(LEFT - 6).append("\" y=\"").append(TOP + plot).append("\" text-anchor=\"end\" font-size=\"11\">0</text>");
        for (int i = 0; i < months.size(); i++) {
            Storage.Month m = months.get(i);
            int x = LEFT + GAP + i * slot;
            bar(s, x, m.before(), max, plot, "#9aa5b1", m.month() + ": " + Wording.bytes(m.before()) + " before compression ("
                    + m.files() + " files)");
            bar(s, x + BAR, m.after(), max, plot, "#2f855a", m.month() + ": " + Wording.bytes(m.after()) + " after ("
                    + Wording.bytes(m.saved()) + " saved)");
            if (i % every == 0) {
                int lx = x + BAR;
                int ly = TOP + plot + 12;
                s.append("<text x=\"").append(lx).append("\" y=\"").append(ly).append("\" font-size=\"10\" text-anchor=\"end\" transform=\"rotate(-45 ")
                        .append(lx).append(' ').append(ly).append(")\">").append(escape(m.month())).append("</text>");
            }
        }
        s.append("</svg>");
        return s.toString();
    }

    private static void bar(StringBuilder s, int x, long bytes, long max, int plot, String fill, String title) {
        int h = max == 0 ? 0 : (int) Math.round((double) bytes * plot / max);
        if (bytes > 0) {
            h = Math.max(1, h);
        }
        s.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\"><title>%s</title></rect>",
                x, TOP + plot - h, BAR, h, fill, escape(title)));
    }

    static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
