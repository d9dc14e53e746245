package io.mediapipeline.media;

import io.mediapipeline.proc.ChildProcess;
import io.mediapipeline.proc.ToolRun;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.InterruptedIOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The one place that talks to exiftool. Starting Perl and exiftool costs far more than reading a file, so one
 * {@code exiftool -stay_open True -@ -} process serves every request, one at a time.
 *
 * <p>Tags come back keyed "Group1:TagName" ({@code -G1}, e.g. "ExifIFD:DateTimeOriginal", "QuickTime:CreateDate",
 * "Keys:ContentIdentifier", "File:FileType") with machine-readable values ({@code -n}: numbers, raw dates, signed
 * decimal GPS). JSON keeps one value per group and name, so of repeated tags (warnings included) the first one
 * printed arrives; warnings are joined with "; " under "ExifTool:Warning" should several arrive.
 * {@link #validate} numbers the copies and so reports every finding.
 */
public final class ExifTool implements AutoCloseable {

    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

    private static final List<String> READ_ARGS = List.of(
            "-json", "-n", "-G1", "-a",
            "-charset", "filename=utf8",
            // files over 2 GB (long videos) are otherwise skipped by older exiftool versions
            "-api", "LargeFileSupport=1");

    private static final List<String> VALIDATE_ARGS = List.of(
            "-json", "-G4", "-a", "-validate", "-warning", "-error",
            "-charset", "filename=utf8", "-api", "LargeFileSupport=1");

    /** Marks the end of a tool stream in the line queues; compared by identity. */
    private static final String END = new String("<end of stream>");

    private final String binary;
    private final Duration timeout;
    /** Made when exiftool first answers, not with every ExifTool (a rescan makes one and never asks it anything). */
    private static final class Json {
        static final ObjectMapper MAPPER = new ObjectMapper();
    }

    private Session session;
    private int requestId;
    private int starts;
    private boolean closed;

    public ExifTool() {
        this("exiftool", DEFAULT_TIMEOUT);
    }

    public ExifTool(String binary) {
        this(binary, DEFAULT_TIMEOUT);
    }

    public ExifTool(String binary, Duration timeout) {
        this.binary = binary;
        this.timeout = timeout;
    }

    /**
     * All tags of one file. Throws IOException when exiftool fails, hangs (it is then killed and restarted on the next
     * call) or the file does not exist; an unreadable or unknown file is not an exception: exiftool reports it in
     * "ExifTool:Error".
     */
    public synchronized Map<String, Object> read(Path file) throws IOException {
        String path = checked(file);
        return parse(run(READ_ARGS, path), path);
    }

    /**
     * What {@code exiftool -validate} finds wrong with a file's structure and metadata: each error and warning in full
     * ("[minor] ..." marks style issues); empty when it finds nothing. The last check on an image no decoder here
     * can read (see DecoderGap): exiftool walks the whole structure (segments, IFDs, strip offsets) without decoding
     * pixels, so it finds a file cut short but not damaged pixel data.
     */
    public synchronized List<String> validate(Path file) throws IOException {
        String path = checked(file);
        List<String> findings = new ArrayList<>();
        // -G4 names repeated tags Copy1:, Copy2:, ... so JSON keeps every warning, not only the first
        parse(run(VALIDATE_ARGS, path), path).forEach((key, value) -> {
            if (!key.endsWith(":Validate") && !key.equals("SourceFile")) {
                findings.add(String.valueOf(value));
            }
        });
        return findings;
    }

    private String checked(Path file) throws IOException {
        if (closed) {
            throw new IOException("exiftool has been closed");
        }
        String path = file.toAbsolutePath().toString();
        if (!Files.exists(file)) {
            throw new NoSuchFileException(path);
        }
        if (Files.isDirectory(file)) {
            // exiftool would read every file inside it
            throw new IOException("not a file: " + path);
        }
        return path;
    }

    /**
     * The JSON exiftool prints for one file. The -@ argfile is read line by line and trailing CR/LF are stripped, so
     * such a name cannot be sent through the long-lived process; a one-shot exiftool gets it as a real argv element.
     */
    private String run(List<String> args, String path) throws IOException {
        return path.indexOf('\n') >= 0 || path.indexOf('\r') >= 0 ? readOneShot(args, path) : request(args, path);
    }

    /** How many long-lived exiftool processes were started (one-shot fallbacks are not counted). */
    public synchronized int processStarts() {
        return starts;
    }

    /** Process id of the current long-lived process, or -1; lets a test kill it to prove the restart. */
    synchronized long pid() {
        return session != null && session.process.isAlive() ? session.process.pid() : -1;
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (session == null) {
            return;
        }
        Session ending = session;
        session = null;
        try {
            ending.stdin.write("-stay_open\nFalse\n");
            ending.stdin.flush();
            ending.stdin.close();
            if (!ending.process.waitFor(5, TimeUnit.SECONDS)) {
                ending.process.destroy();
            }
        } catch (IOException e) {
            // already gone; destroy below makes sure
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            ending.process.destroyForcibly();
        }
    }

    private String request(List<String> args, String path) throws IOException {
        int id = ++requestId;
        String sentinel = "{ready" + id + "}";
        StringBuilder command = new StringBuilder();
        args.forEach(arg -> command.append(arg).append('\n'));
        command.append(path).append('\n')
                // -echo4 prints after the file is done, which frames this request's stderr as -executeN frames stdout
                .append("-echo4\n").append(sentinel).append('\n')
                .append("-execute").append(id).append('\n');

        Session current = send(command.toString());
        long deadline = System.nanoTime() + timeout.toNanos();
        String stdout = collect(current, current.stdout, sentinel, deadline, path);
        String stderr = collect(current, current.stderr, sentinel, deadline, path);
        if (stdout.isBlank()) {
            String reason = ToolRun.firstLine(stderr, path);
            throw new IOException("exiftool returned nothing for " + path + (reason.isEmpty() ? "" : ": " + reason));
        }
        return stdout;
    }

    /** Writes a request, starting the process first if there is none or it died since the last request. */
    private Session send(String command) throws IOException {
        for (int attempt = 1; ; attempt++) {
            if (session == null || !session.process.isAlive()) {
                kill();
                session = Session.start(binary, ++starts);
            }
            try {
                session.stdin.write(command);
                session.stdin.flush();
                return session;
            } catch (IOException e) {
                kill();
                if (attempt == 2) {
                    throw new IOException("cannot talk to exiftool: " + e.getMessage(), e);
                }
            }
        }
    }

    /** Lines of one stream up to this request's sentinel; anything left from an earlier request is dropped. */
    private String collect(Session current, BlockingQueue<String> lines, String sentinel, long deadline, String path)
            throws IOException {
        StringBuilder text = new StringBuilder();
        while (true) {
            String line;
            try {
                line = lines.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                kill();
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while exiftool read " + path);
            }
            if (line == null) {
                kill();
                throw new IOException("exiftool did not answer within " + timeout.toSeconds() + " s for " + path
                        + "; it was restarted");
            }
            if (line == END) {
                kill();
                throw new IOException("exiftool exited while reading " + path + " (exit " + exitCode(current) + ")");
            }
            if (line.equals(sentinel)) {
                return text.toString();
            }
            if (line.startsWith("{ready")) {
                text.setLength(0);
            } else {
                text.append(line).append('\n');
            }
        }
    }

    private String readOneShot(List<String> args, String path) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(binary);
        command.addAll(args);
        command.add(path);
        ToolRun.Result result = ToolRun.run(command, timeout);
        // exit code 1 also means "file had an error", which the JSON reports; only missing output is a failure
        if (result.stdout().isBlank()) {
            throw new IOException("exiftool returned nothing for " + path + ": "
                    + ToolRun.firstLine(result.stderr(), path));
        }
        return result.stdout();
    }

    private Map<String, Object> parse(String json, String path) throws IOException {
        try (JsonParser parser = Json.MAPPER.getFactory().createParser(json)) {
            if (parser.nextToken() != JsonToken.START_ARRAY || parser.nextToken() != JsonToken.START_OBJECT) {
                throw new IOException("unexpected exiftool output for " + path);
            }
            Map<String, Object> tags = new LinkedHashMap<>();
            List<String> warnings = new ArrayList<>();
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String name = parser.getCurrentName();
                parser.nextToken();
                Object value = Json.MAPPER.readValue(parser, Object.class);
                if (name.equals("ExifTool:Warning")) {
                    warnings.add(String.valueOf(value));
                } else {
                    tags.putIfAbsent(name, value);
                }
            }
            if (!warnings.isEmpty()) {
                tags.put("ExifTool:Warning", String.join("; ", warnings));
            }
            return Collections.unmodifiableMap(tags);
        }
    }

    private void kill() {
        if (session != null) {
            session.process.destroyForcibly();
            session = null;
        }
    }

    private static String exitCode(Session s) {
        try {
            return s.process.waitFor(1, TimeUnit.SECONDS) ? String.valueOf(s.process.exitValue()) : "?";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "?";
        }
    }

    /** One running exiftool with a reader thread per output stream, so neither pipe can fill up and block it. */
    private record Session(Process process, Writer stdin, BlockingQueue<String> stdout, BlockingQueue<String> stderr) {

        static Session start(String binary, int number) throws IOException {
            Process process;
            try {
                process = ChildProcess.start(new ProcessBuilder(binary, "-stay_open", "True", "-@", "-"));
            } catch (IOException e) {
                throw new ToolRun.CannotStart(binary, e);
            }
            Session session = new Session(process,
                    new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8),
                    new LinkedBlockingQueue<>(), new LinkedBlockingQueue<>());
            pump(process.getInputStream(), session.stdout, "exiftool-" + number + "-stdout");
            pump(process.getErrorStream(), session.stderr, "exiftool-" + number + "-stderr");
            return session;
        }

        private static void pump(InputStream stream, BlockingQueue<String> lines, String name) {
            Thread thread = new Thread(() -> {
                try (BufferedReader reader = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = reader.readLine()) != null) {
                        lines.add(line);
                    }
                } catch (IOException ignored) {
                    // stream closed because the process was killed
                } finally {
                    lines.add(END);
                }
            }, name);
            thread.setDaemon(true);
            thread.start();
        }
    }
}
