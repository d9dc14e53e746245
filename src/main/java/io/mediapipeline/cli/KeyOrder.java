package io.mediapipeline.cli;

/**
 * The ledger's order of source keys (collate "C": by code point). {@link String#compareTo} compares UTF-16 units,
 * which puts a character above U+FFFF (a surrogate pair) below U+E000..U+FFFF; here it comes above every character of
 * the Basic Multilingual Plane, as in the ledger.
 */
final class KeyOrder {

    private KeyOrder() {
    }

    static int compare(String a, String b) {
        int n = Math.min(a.length(), b.length());
        for (int i = 0; i < n; i++) {
            char x = a.charAt(i);
            char y = b.charAt(i);
            if (x != y) {
                boolean xAbove = Character.isSurrogate(x);
                return xAbove == Character.isSurrogate(y) ? x - y : xAbove ? 1 : -1;
            }
        }
        return a.length() - b.length();
    }
}
