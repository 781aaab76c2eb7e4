package io.opsagent.fsm;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.lang.module.ModuleDescriptor;
import java.lang.reflect.Constructor;
import java.lang.reflect.Executable;
import java.lang.reflect.Field;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.lang.reflect.WildcardType;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The library's boundary: the module exports the API packages and no {@code internal} one, and
 * no exported signature names a type of the libraries the agent is built on, so that an embedder
 * compiles against the API alone.
 */
public class ApiBoundaryTest {

    /** Packages whose types must not appear in an exported signature. */
    static final List<String> FOREIGN = List.of("org.springframework.", "reactor.", "okhttp3.", "okio.",
            "com.google.gson.");

    private static final String INTERNAL = "io.opsagent.fsm.internal";

    @Test
    void theModuleExportsEveryApiPackageAndNoInternalOne() throws IOException {
        ModuleDescriptor module = descriptor();

        Set<String> exported = module.exports().stream().map(ModuleDescriptor.Exports::source)
                .collect(Collectors.toCollection(TreeSet::new));
        Set<String> api = new TreeSet<>(module.packages());
        api.removeIf(p -> p.equals(INTERNAL) || p.startsWith(INTERNAL + "."));

        assertThat(module.name()).isEqualTo("io.opsagent.fsm");
        assertThat(exported).as("exported packages").isEqualTo(api)
                .noneMatch(p -> p.startsWith(INTERNAL));
        assertThat(module.opens()).as("packages opened to reflection").isEmpty();
    }

    @Test
    void noExportedSignatureNamesSpringReactorOkHttpOrGson() throws IOException {
        ModuleDescriptor module = descriptor();
        List<String> leaks = new ArrayList<>();
        for (ModuleDescriptor.Exports export : module.exports()) {
            for (Class<?> type : classesOf(export.source())) {
                leaks.addAll(leaks(type));
            }
        }
        assertThat(leaks).as("exported signatures that name a foreign type").isEmpty();
    }

    @Test
    void theSignatureCheckFindsEveryKindOfLeak() {
        // The check itself must be able to fail: a type that leaks in every way it looks at.
        List<String> found = leaks(Leaky.class);

        assertThat(found).anyMatch(s -> s.contains("supertype") && s.contains("com.google.gson.TypeAdapter"))
                .anyMatch(s -> s.contains("field json") && s.contains("com.google.gson.JsonObject"))
                .anyMatch(s -> s.contains("constructor") && s.contains("okhttp3.OkHttpClient"))
                .anyMatch(s -> s.contains("method client") && s.contains("okhttp3.OkHttpClient"))
                .anyMatch(s -> s.contains("method flux") && s.contains("reactor.core.publisher.Flux"))
                .anyMatch(s -> s.contains("method listOfElements") && s.contains("com.google.gson.JsonElement"))
                .anyMatch(s -> s.contains("method boundedBy") && s.contains("com.google.gson.JsonElement"))
                .anyMatch(s -> s.contains("method fails") && s.contains("com.google.gson.JsonParseException"));
        assertThat(leaks(LeakyRecord.class))
                .anyMatch(s -> s.contains("record component state") && s.contains("org.springframework"));
        // What is private or package-private is no part of the API.
        assertThat(found).noneMatch(s -> s.contains("hidden"));
    }

    /**
     * The public top-level classes under {@code io.opsagent.fsm.internal} (relative to it), each
     * with who outside its own package needs it. Every other internal class is package-private.
     * A new entry needs a user in another package; an entry whose class became package-private
     * is removed.
     */
    static final Map<String, String> PUBLIC_INTERNAL = new TreeMap<>(Map.ofEntries(
            Map.entry("AgentShutdown", "OpsAgent"),
            Map.entry("CompositeRoundListener", "OpsAgent"),
            Map.entry("RecipeReading", "protocol.ProtocolCodec and store.RoundFile"),
            Map.entry("RoundMachine", "OpsAgent"),
            Map.entry("RoundSettings", "OpsAgent"),
            Map.entry("exec.ExecThreads", "the executors (exec), exec.process, exec.salt, exec.builtin"),
            Map.entry("exec.Executables", "SaltCallExecutor, exec.process, exec.builtin"),
            Map.entry("exec.Execution", "the executors (exec), exec.salt, exec.builtin"),
            Map.entry("exec.FileMode", "exec.builtin"),
            Map.entry("exec.FileTrees", "exec.salt, exec.builtin"),
            Map.entry("exec.KeyValue", "exec.salt, exec.builtin"),
            Map.entry("exec.Params", "SaltCallExecutor, exec.salt, exec.builtin"),
            Map.entry("exec.SerialLane", "SaltCallExecutor"),
            Map.entry("exec.TextCaps", "SaltCallExecutor, exec.salt, exec.process, exec.builtin"),
            Map.entry("exec.WatchSums", "SaltCallExecutor"),
            Map.entry("exec.builtin.BuiltinModules", "NativeExecutor"),
            Map.entry("exec.process.CapturedOutput", "what ProcessOutcome returns to SaltCallExecutor, exec.salt, exec.builtin"),
            Map.entry("exec.process.KillableTree", "exec.Execution"),
            Map.entry("exec.process.ManagedProcess", "SaltCallExecutor, exec.salt, exec.builtin"),
            Map.entry("exec.process.OutputLimit", "SaltCallExecutor, exec.salt, exec.builtin"),
            Map.entry("exec.process.ProcessLauncher", "OpsAgent, the executors (exec), exec.salt, exec.builtin"),
            Map.entry("exec.process.ProcessLedger", "OpsAgent"),
            Map.entry("exec.process.ProcessOutcome", "SaltCallExecutor, exec.salt, exec.builtin"),
            Map.entry("exec.process.ProcessSpec", "SaltCallExecutor, exec.salt, exec.builtin"),
            Map.entry("exec.process.ResidentProcess", "exec.salt"),
            Map.entry("exec.salt.CmdTimeout", "SaltCallExecutor"),
            Map.entry("exec.salt.HostFacts", "SaltCallExecutor"),
            Map.entry("exec.salt.SaltCommandLine", "SaltCallExecutor"),
            Map.entry("exec.salt.SaltConfigDir", "SaltCallExecutor"),
            Map.entry("exec.salt.SaltInterpreter", "tests only: the real-Salt worker test (exec) reads grains with it"),
            Map.entry("exec.salt.SaltResultParser", "SaltCallExecutor"),
            Map.entry("exec.salt.SaltState", "SaltCallExecutor"),
            Map.entry("exec.salt.SaltTranslator", "SaltCallExecutor"),
            Map.entry("exec.salt.SaltWorkerSupervisor", "SaltCallExecutor"),
            Map.entry("exec.salt.SaltWorkspace", "SaltCallExecutor"),
            Map.entry("store.AtomicFiles", "OpsAgent, exec.salt, exec.process"),
            Map.entry("store.OutboxJournal", "transport"),
            Map.entry("store.PersistedRound", "RoundMachine, RoundContext; the bench's RecipeHeap measures it"),
            Map.entry("store.RoundStore", "OpsAgent, RoundMachine, AgentShutdown; the bench's RecipeHeap measures it"),
            Map.entry("transport.BackendConnection", "OpsAgent, BackendProbe, AgentShutdown"),
            Map.entry("transport.Outbox", "tests only: the journal's replay test (store) rebuilds an outbox"),
            Map.entry("transport.SharedHttpClient", "OpsAgent, BackendProbe")
    ));

    @Test
    void onlyTheInternalClassesUsedFromAnotherPackageArePublic() throws IOException {
        Set<String> pub = new TreeSet<>();
        int all = 0;
        for (Class<?> type : topLevelClassesUnder(INTERNAL)) {
            all++;
            if (Modifier.isPublic(type.getModifiers())) {
                pub.add(type.getName().substring(INTERNAL.length() + 1));
            }
        }

        assertThat(pub).as("public classes under %s (of %d); each needs a reason in PUBLIC_INTERNAL", INTERNAL, all)
                .containsExactlyElementsOf(PUBLIC_INTERNAL.keySet());
        assertThat(pub).hasSize(42);
        assertThat(all).as("top-level classes under " + INTERNAL).isGreaterThan(pub.size());
    }

    // ---------------------------------------------------------------- the check

    /** Every place where {@code type}'s accessible signature names a foreign type. */
    static List<String> leaks(Class<?> type) {
        List<String> leaks = new ArrayList<>();
        if (!accessible(type)) {
            return leaks;
        }
        String where = type.getName();
        check(leaks, where + " supertype", type.getGenericSuperclass());
        for (Type t : type.getGenericInterfaces()) {
            check(leaks, where + " supertype", t);
        }
        for (TypeVariable<?> v : type.getTypeParameters()) {
            check(leaks, where + " type parameter " + v.getName(), v);
        }
        for (Field f : type.getDeclaredFields()) {
            if (visible(f.getModifiers()) && !f.isSynthetic()) {
                check(leaks, where + " field " + f.getName(), f.getGenericType());
            }
        }
        for (Constructor<?> c : type.getDeclaredConstructors()) {
            if (visible(c.getModifiers()) && !c.isSynthetic()) {
                executable(leaks, where + " constructor", c);
            }
        }
        for (Method m : type.getDeclaredMethods()) {
            if (visible(m.getModifiers()) && !m.isSynthetic() && !m.isBridge()) {
                executable(leaks, where + " method " + m.getName(), m);
                check(leaks, where + " method " + m.getName(), m.getGenericReturnType());
            }
        }
        if (type.isRecord()) {
            for (RecordComponent rc : type.getRecordComponents()) {
                check(leaks, where + " record component " + rc.getName(), rc.getGenericType());
            }
        }
        return leaks;
    }

    private static void executable(List<String> leaks, String where, Executable e) {
        for (Type t : e.getGenericParameterTypes()) {
            check(leaks, where, t);
        }
        for (Type t : e.getGenericExceptionTypes()) {
            check(leaks, where, t);
        }
        for (TypeVariable<?> v : e.getTypeParameters()) {
            check(leaks, where, v);
        }
    }

    private static void check(List<String> leaks, String where, Type type) {
        Set<Class<?>> named = new HashSet<>();
        collect(type, named, new HashSet<>());
        for (Class<?> c : named) {
            if (FOREIGN.stream().anyMatch(c.getName()::startsWith)) {
                leaks.add(where + " names " + c.getName());
            }
        }
    }

    /** The classes {@code type} names, through type arguments, bounds and array components. */
    private static void collect(Type type, Set<Class<?>> out, Set<TypeVariable<?>> seen) {
        if (type instanceof Class<?> c) {
            while (c.isArray()) {
                c = c.getComponentType();
            }
            out.add(c);
        } else if (type instanceof ParameterizedType p) {
            collect(p.getRawType(), out, seen);
            if (p.getOwnerType() != null) {
                collect(p.getOwnerType(), out, seen);
            }
            for (Type a : p.getActualTypeArguments()) {
                collect(a, out, seen);
            }
        } else if (type instanceof WildcardType w) {
            Stream.concat(Stream.of(w.getUpperBounds()), Stream.of(w.getLowerBounds()))
                    .forEach(b -> collect(b, out, seen));
        } else if (type instanceof TypeVariable<?> v) {
            if (seen.add(v)) {
                for (Type b : v.getBounds()) {
                    collect(b, out, seen);
                }
            }
        } else if (type instanceof GenericArrayType g) {
            collect(g.getGenericComponentType(), out, seen);
        }
    }

    /** Whether code outside the package can name {@code type}: it and every enclosing type public or protected. */
    private static boolean accessible(Class<?> type) {
        for (Class<?> c = type; c != null; c = c.getDeclaringClass()) {
            if (c.isAnonymousClass() || c.isLocalClass() || c.isSynthetic()) {
                return false;
            }
            int m = c.getModifiers();
            boolean nested = c.getDeclaringClass() != null;
            if (!(Modifier.isPublic(m) || nested && Modifier.isProtected(m) && !Modifier.isFinal(c.getDeclaringClass().getModifiers()))) {
                return false;
            }
        }
        return true;
    }

    private static boolean visible(int modifiers) {
        return Modifier.isPublic(modifiers) || Modifier.isProtected(modifiers);
    }

    // ---------------------------------------------------------------- the module as built

    private static Path classesRoot() {
        try {
            return Path.of(OpsAgent.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static ModuleDescriptor descriptor() throws IOException {
        Path info = classesRoot().resolve("module-info.class");
        assertThat(info).as("the library's compiled module descriptor").exists();
        try (InputStream in = Files.newInputStream(info)) {
            return ModuleDescriptor.read(in);
        }
    }

    /** The classes compiled into {@code pkg} (not its subpackages), loaded without initialising them. */
    private static List<Class<?>> classesOf(String pkg) throws IOException {
        Path dir = classesRoot().resolve(pkg.replace('.', '/'));
        List<Class<?>> classes = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : (Iterable<Path>) files.sorted()::iterator) {
                String file = f.getFileName().toString();
                if (file.endsWith(".class") && !file.equals("package-info.class")) {
                    String name = pkg + "." + file.substring(0, file.length() - ".class".length());
                    try {
                        classes.add(Class.forName(name, false, OpsAgent.class.getClassLoader()));
                    } catch (ClassNotFoundException e) {
                        throw new IllegalStateException("cannot load " + name, e);
                    }
                }
            }
        }
        assertThat(classes).as("classes of " + pkg).isNotEmpty();
        return classes;
    }

    /** The top-level classes compiled into {@code pkg} and its subpackages, loaded without initialising them. */
    private static List<Class<?>> topLevelClassesUnder(String pkg) throws IOException {
        Path root = classesRoot();
        List<Class<?>> classes = new ArrayList<>();
        try (Stream<Path> files = Files.walk(root.resolve(pkg.replace('.', '/')))) {
            for (Path f : (Iterable<Path>) files.sorted()::iterator) {
                String file = f.getFileName().toString();
                if (file.endsWith(".class") && !file.contains("$") && !file.equals("package-info.class")) {
                    String rel = root.relativize(f).toString();
                    String name = rel.substring(0, rel.length() - ".class".length()).replace(f.getFileSystem().getSeparator(), ".");
                    try {
                        classes.add(Class.forName(name, false, OpsAgent.class.getClassLoader()));
                    } catch (ClassNotFoundException e) {
                        throw new IllegalStateException("cannot load " + name, e);
                    }
                }
            }
        }
        return classes;
    }

    // ---------------------------------------------------------------- deliberately leaky types

    /** Leaks in every way the check looks at, and hides foreign types where that is allowed. */
    public abstract static class Leaky extends com.google.gson.TypeAdapter<String> {
        public com.google.gson.JsonObject json;
        private okhttp3.OkHttpClient hiddenField;

        public Leaky(okhttp3.OkHttpClient client) { }

        Leaky(okhttp3.Request hiddenConstructor) { }

        public abstract okhttp3.OkHttpClient client();

        protected abstract reactor.core.publisher.Flux<String> flux();

        public abstract List<? extends com.google.gson.JsonElement> listOfElements();

        public abstract <T extends com.google.gson.JsonElement> T boundedBy(Class<T> type);

        public abstract void fails() throws com.google.gson.JsonParseException;

        abstract com.google.gson.JsonArray hiddenMethod();
    }

    /** A record whose component is a foreign type. */
    public record LeakyRecord(org.springframework.statemachine.StateMachine<String, String> state) { }
}
