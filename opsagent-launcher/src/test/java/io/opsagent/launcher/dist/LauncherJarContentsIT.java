package io.opsagent.launcher.dist;

import static org.assertj.core.api.Assertions.assertThat;

import io.opsagent.tck.ConformanceTestBase;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The production jar carries the reference backend that {@code opsagent demo} runs, and no class
 * of the conformance kit nor of its test libraries: the launcher depends on no test kit.
 */
class LauncherJarContentsIT {

    private static final Path JAR = Path.of("target", "opsagent.jar");

    private static Set<String> classesOfLauncherJar() throws IOException {
        assertThat(JAR).as("the launcher jar (run 'mvn package')").isRegularFile();
        Set<String> names = new TreeSet<>();
        try (JarFile jar = new JarFile(JAR.toFile())) {
            Enumeration<JarEntry> entries = jar.entries();
            while (entries.hasMoreElements()) {
                String name = entries.nextElement().getName();
                if (name.endsWith(".class")) {
                    names.add(name);
                }
            }
        }
        return names;
    }

    /** Every class file of the kit, read from where the test's class path has it (jar or folder). */
    private static Set<String> classesOfTheKit() throws IOException, URISyntaxException {
        Path location = Path.of(ConformanceTestBase.class.getProtectionDomain().getCodeSource()
                .getLocation().toURI());
        Set<String> names = new TreeSet<>();
        if (Files.isDirectory(location)) {
            try (Stream<Path> files = Files.walk(location)) {
                files.filter(f -> f.toString().endsWith(".class"))
                        .forEach(f -> names.add(location.relativize(f).toString().replace('\\', '/')));
            }
        } else {
            try (JarFile jar = new JarFile(location.toFile())) {
                jar.stream().map(JarEntry::getName).filter(n -> n.endsWith(".class")).forEach(names::add);
            }
        }
        return names;
    }

    @Test
    void theJarHoldsTheReferenceBackendForTheDemo() throws IOException {
        assertThat(classesOfLauncherJar()).contains("io/opsagent/backend/ReferenceBackend.class",
                "io/opsagent/backend/Recipe.class", "io/opsagent/launcher/runtime/DemoRunner.class");
    }

    @Test
    void theJarHoldsNoClassOfTheConformanceKit() throws Exception {
        Set<String> kit = classesOfTheKit();
        assertThat(kit).as("the kit's classes").contains("io/opsagent/tck/ConformanceTestBase.class");

        Set<String> shared = new TreeSet<>(classesOfLauncherJar());
        shared.retainAll(kit);
        assertThat(shared).as("classes of the kit in the launcher jar").isEmpty();
    }

    @Test
    void theJarHoldsNoTestLibrary() throws IOException {
        List<String> testPackages = List.of("io/opsagent/tck/", "org/junit/", "org/assertj/",
                "org/opentest4j/", "org/apiguardian/", "mockwebserver3/", "okhttp3/mockwebserver/");
        assertThat(classesOfLauncherJar())
                .filteredOn(name -> testPackages.stream().anyMatch(name::startsWith))
                .as("classes of test libraries in the launcher jar")
                .isEmpty();
    }

    /**
     * picocli's classes are Java 8 class files, which bin/opsagent run's class archive can hold
     * (the release jar's Java 5 ones it skips), and every one of the release jar's classes is there.
     */
    @Test
    void picocliIsThereAsClassFilesTheClassArchiveTakes() throws IOException {
        Set<String> picocli = new TreeSet<>(classesOfLauncherJar());
        picocli.removeIf(name -> !name.startsWith("picocli/"));
        assertThat(picocli).contains("picocli/CommandLine.class", "picocli/AutoComplete.class",
                "picocli/CommandLine$Model$CommandSpec.class");
        try (JarFile jar = new JarFile(JAR.toFile())) {
            for (String name : picocli) {
                byte[] header;
                try (var in = jar.getInputStream(jar.getEntry(name))) {
                    header = in.readNBytes(8);
                }
                int major = ((header[6] & 0xff) << 8) | (header[7] & 0xff);
                assertThat(major).as("class file version of %s", name).isEqualTo(52);
            }
        }
    }
}
