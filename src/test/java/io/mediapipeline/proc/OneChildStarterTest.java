package io.mediapipeline.proc;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaMethodCall;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import io.mediapipeline.support.PipelineHome;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * Every child gets {@link ChildEnvironment}'s allow-list only if every start goes through {@link ChildProcess}: a
 * {@code ProcessBuilder.start} elsewhere, or a camel-exec step on its default executor (Commons Exec, which passes the
 * JVM's whole environment on), would hand the service's passwords and keys to a tool parsing an untrusted file.
 */
class OneChildStarterTest {

    @Test
    void noClassButChildProcessStartsAProcess() {
        var main = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_JARS).importPackages("io.mediapipeline");
        DescribedPredicate<JavaMethodCall> runtimeExec = DescribedPredicate.describe("Runtime.exec",
                call -> call.getTargetOwner().isEquivalentTo(Runtime.class) && call.getName().equals("exec"));
        DescribedPredicate<JavaMethodCall> processBuilderStart = DescribedPredicate.describe("ProcessBuilder.start*",
                call -> call.getTargetOwner().isEquivalentTo(ProcessBuilder.class) && call.getName().startsWith("start"));
        noClasses().that().doNotHaveFullyQualifiedName(ChildProcess.class.getName())
                .should().callMethodWhere(processBuilderStart).orShould().callMethodWhere(runtimeExec)
                .orShould().dependOnClassesThat().resideInAPackage("org.apache.commons.exec..")
                .check(main);
    }

    @Test
    void everyExecStepInTheRoutesStartsItsToolThroughChildProcess() throws Exception {
        List<String> execSteps = new ArrayList<>();
        List<String> onDefaultExecutor = new ArrayList<>();
        try (Stream<Path> files = Files.list(PipelineHome.projectDir().resolve("routes"))) {
            for (Path file : files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList()) {
                Object yaml = new Load(LoadSettings.builder().build()).loadFromString(Files.readString(file));
                walk(yaml, file.getFileName().toString(), execSteps, onDefaultExecutor);
            }
        }
        assertThat(execSteps).as("exec steps found (the compress tools), or this test looks at nothing").hasSizeGreaterThan(3);
        assertThat(onDefaultExecutor).as("exec steps without commandExecutor #childProcessExecutor").isEmpty();
    }

    /** Where a route names an endpoint: {@code uri:} of a step, or the short forms such as {@code to: "exec:..."}. */
    private static final Set<String> ENDPOINT_KEYS = Set.of("uri", "to", "toD", "enrich", "pollEnrich", "wireTap");

    private static void walk(Object node, String file, List<String> steps, List<String> bad) {
        if (node instanceof Map<?, ?> map) {
            map.forEach((key, value) -> {
                if (ENDPOINT_KEYS.contains(String.valueOf(key)) && value instanceof String uri && uri.startsWith("exec:")) {
                    String where = file + " " + map.get("id") + " (" + key + ": " + uri + ")";
                    steps.add(where);
                    Object params = "uri".equals(key) ? map.get("parameters") : null;
                    boolean viaChildProcess = uri.contains("commandExecutor=#childProcessExecutor")
                            || params instanceof Map<?, ?> p && "#childProcessExecutor".equals(p.get("commandExecutor"));
                    if (!viaChildProcess) {
                        bad.add(where);
                    }
                }
            });
            map.values().forEach(v -> walk(v, file, steps, bad));
        } else if (node instanceof List<?> list) {
            list.forEach(v -> walk(v, file, steps, bad));
        }
    }
}
