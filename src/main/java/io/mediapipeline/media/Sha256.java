package io.mediapipeline.media;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.Provider;
import java.security.Security;
import java.util.Arrays;
import org.slf4j.LoggerFactory;

/**
 * SHA-256 for what the pipeline hashes by the gigabyte: file contents on ingest, verify and upload. The JVM runs with
 * the client compiler only (bin/jvm-options), under which the JDK's own SHA-256 is Java code at about 130 MB/s; NSS's
 * (libnss3, a dependency of Debian's Java runtime, through the JDK's PKCS#11 provider) is native, about 1,500 MB/s on
 * a CPU with SHA instructions, whatever the compiler. Without NSS the JDK's is used, and the log says so once.
 */
public final class Sha256 {

    private static final String ALGORITHM = "SHA-256";
    /** NSS for its digests only: no key database, nothing installed as a JVM-wide provider. */
    private static final String NSS_CONFIG = "--name=NSS\nnssDbMode=noDb\nattributes=compatibility\n";

    private Sha256() {
    }

    /** A new digest, NSS's when it is there. */
    public static MessageDigest digest() {
        try {
            Provider nss = Nss.PROVIDER;
            return nss == null ? MessageDigest.getInstance(ALGORITHM) : MessageDigest.getInstance(ALGORITHM, nss);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    /** Whether NSS's native code hashes (else the JDK's own). */
    public static boolean isNative() {
        return Nss.PROVIDER != null;
    }

    /** Which code hashes, in words (doctor). */
    public static String implementation() {
        return isNative() ? "native (NSS, " + Nss.PROVIDER.getName() + ")"
                : "the JDK's own (slower under this JVM's options: NSS not usable, see the log)";
    }

    /** Loaded on the first hash: a command that hashes nothing (a rescan) never loads NSS. */
    private static final class Nss {
        static final Provider PROVIDER = load();

        private static Provider load() {
            String why;
            try {
                Provider template = Security.getProvider("SunPKCS11");
                if (template == null) {
                    why = "this Java runtime has no PKCS#11 provider";
                } else {
                    Provider nss = template.configure(NSS_CONFIG);
                    // one known answer before any file's identity depends on it
                    byte[] probe = "media-pipeline".getBytes(StandardCharsets.US_ASCII);
                    if (Arrays.equals(MessageDigest.getInstance(ALGORITHM, nss).digest(probe),
                            MessageDigest.getInstance(ALGORITHM).digest(probe))) {
                        return nss;
                    }
                    why = "NSS's SHA-256 disagreed with the JDK's on a test input";
                }
            } catch (RuntimeException | NoSuchAlgorithmException | LinkageError e) {
                why = "NSS could not be loaded (" + e.getMessage() + (e.getCause() == null ? "" : ": " + e.getCause().getMessage())
                        + "; Debian's package is libnss3)";
            }
            LoggerFactory.getLogger(Sha256.class).warn("Hashing with the JDK's SHA-256, about a tenth of NSS's speed "
                    + "under this JVM's options: {}", why);
            return null;
        }
    }
}
