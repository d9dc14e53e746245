package io.mediapipeline;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import io.mediapipeline.support.PipelineHome;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The shape a new stage relies on: shared packages know no stage, stages know each other only through them. */
class ArchitectureTest {

    /** Stage packages (a source may live in its own package). */
    private static final List<String> STAGES = List.of("icloud", "ingest", "archive", "compress", "pixel", "source", "sources",
        "verify", "cleanup", "scrub");

    /** Shared packages: every stage may use them, they use no stage. */
    private static final String[] SHARED = {"io.mediapipeline.config..", "io.mediapipeline.ledger..", "io.mediapipeline.media..",
        "io.mediapipeline.proc..", "io.mediapipeline.flow..", "io.mediapipeline.similar..", "io.mediapipeline.cluster.."};

    /** Operations packages: they watch and steer the stages through the ledger, the routes and flow, never a stage's class. */
    private static final String[] OPERATIONS = {"io.mediapipeline.status..", "io.mediapipeline.observe..",
        "io.mediapipeline.dashboard..", "io.mediapipeline.notify.."};

    private static final int MAX_LINES = 400;

    private static JavaClasses main;

    @BeforeAll
    static void importMainClasses() {
        main = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_JARS)
                .importPackages("io.mediapipeline");
    }

    @Test
    void noCyclesBetweenPackages() {
        slices().matching("io.mediapipeline.(**)").should().beFreeOfCycles().check(main);
    }

    @Test
    void sharedPackagesImportNoStage() {
        noClasses().that().resideInAnyPackage(SHARED)
                .should().dependOnClassesThat().resideInAnyPackage(stagePackages(STAGES))
                .check(main);
    }

    @Test
    void operationsImportNoStage() {
        noClasses().that().resideInAnyPackage(OPERATIONS)
                .should().dependOnClassesThat().resideInAnyPackage(stagePackages(STAGES))
                .check(main);
    }

    @Test
    void stagesDoNotImportEachOther() {
        // every stage is evaluated, so the report names all offenders, not only the first stage's
        List<String> violations = STAGES.stream().flatMap(stage -> noClasses()
                        .that().resideInAPackage("io.mediapipeline." + stage + "..")
                        .should().dependOnClassesThat()
                        .resideInAnyPackage(stagePackages(STAGES.stream().filter(s -> !s.equals(stage)).toList()))
                        .allowEmptyShould(true)
                        .evaluate(main).getFailureReport().getDetails().stream())
                .toList();
        assertThat(violations).as("a stage uses another stage's class").isEmpty();
    }

    @Test
    void noMainClassOver400Lines() throws IOException {
        Path sources = PipelineHome.projectDir().resolve("src/main/java");
        try (Stream<Path> files = Files.walk(sources)) {
            List<String> tooLong = files.filter(f -> f.toString().endsWith(".java"))
                    .map(f -> lineCount(f) + " " + sources.relativize(f))
                    .filter(s -> Integer.parseInt(s.substring(0, s.indexOf(' '))) > MAX_LINES)
                    .sorted()
                    .toList();
            assertThat(tooLong).as("classes in src/main over %d lines (lines, file)", MAX_LINES).isEmpty();
        }
    }

    private static String[] stagePackages(List<String> stages) {
        return stages.stream().map(s -> "io.mediapipeline." + s + "..").toArray(String[]::new);
    }

    private static long lineCount(Path file) {
        try (Stream<String> lines = Files.lines(file)) {
            return lines.count();
        } catch (IOException e) {
            throw new IllegalStateException(file.toString(), e);
        }
    }
}
