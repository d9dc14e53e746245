package io.mediapipeline.icloud;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * icloudpd's command lines. The password is never among the arguments: it is read by
 * {@code --password-provider console} from stdin; the MFA code likewise with {@code --mfa-provider console}.
 * Log level info: below that a failed run prints nothing and still exits 0.
 */
public final class IcloudCommand {

    private IcloudCommand() {
    }

    private static List<String> global(Path binary) {
        return new ArrayList<>(List.of(binary.toString(), "--log-level", "info", "--no-progress-bar",
                "--password-provider", "console", "--mfa-provider", "console"));
    }

    public static List<String> download(Path binary, IcloudConfig.Account a) {
        List<String> cmd = global(binary);
        cmd.addAll(List.of("--username", a.username(), "--cookie-directory", a.cookieDir().toString(),
                "--directory", a.downloadDir().toString(), "--folder-structure", a.folderStructure()));
        for (String size : a.sizes()) {
            cmd.addAll(List.of("--size", size));
        }
        cmd.addAll(List.of("--live-photo-size", a.livePhotoSize(), "--file-match-policy", a.fileMatchPolicy()));
        if (!a.recent().isEmpty()) {
            cmd.addAll(List.of("--recent", a.recent()));
        }
        if (!a.untilFound().isEmpty()) {
            cmd.addAll(List.of("--until-found", a.untilFound()));
        }
        if (a.skipVideos()) {
            cmd.add("--skip-videos");
        }
        if (a.skipLivePhotos()) {
            cmd.add("--skip-live-photos");
        }
        if (a.setExifDatetime()) {
            cmd.add("--set-exif-datetime");
        }
        for (String album : a.albums()) {
            cmd.addAll(List.of("--album", album));
        }
        if (!a.library().isEmpty()) {
            cmd.addAll(List.of("--library", a.library()));
        }
        cmd.addAll(a.extraFlags());
        return cmd;
    }

    /** Refreshes the session only; the code goes to stdin after the password. */
    public static List<String> login(Path binary, IcloudConfig.Account a) {
        List<String> cmd = global(binary);
        cmd.addAll(List.of("--username", a.username(), "--cookie-directory", a.cookieDir().toString(), "--auth-only"));
        return cmd;
    }

    /** Every option name in the given command lines (what must exist in the real icloudpd's --help). */
    public static Set<String> flags(List<List<String>> commands) {
        Set<String> out = new TreeSet<>();
        for (List<String> cmd : commands) {
            for (String arg : cmd.subList(1, cmd.size())) {
                if (arg.startsWith("--")) {
                    out.add(arg.contains("=") ? arg.substring(0, arg.indexOf('=')) : arg);
                }
            }
        }
        return out;
    }
}
