package io.opsagent.fsm.internal.exec.salt;

import io.opsagent.fsm.internal.exec.Params;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code linux.dir}: {@code file.directory} of every {@code path} (through {@code names}) with
 * {@code makedirs}, {@code user}, {@code group} and {@code mode} (default {@code 0755});
 * {@code recursive} (default true) applies the given owner and group to everything below.
 * {@code absent: true} gives {@code file.absent}.
 */
final class DirTranslator implements ModuleTranslator {

    @Override
    public List<SaltState> translate(Params p, SlsIds ids, HostFacts host) {
        List<String> paths = p.requiredAbsolutePaths("path");
        if (p.bool("absent", false)) {
            return List.of(SaltState.builder(ids.id("main"), "file.absent").arg("names", paths).build());
        }
        String user = p.string("user").orElse(null);
        String group = p.string("group").orElse(null);
        List<String> recurse = new ArrayList<>();
        if (p.bool("recursive", true)) {
            if (user != null) {
                recurse.add("user");
            }
            if (group != null) {
                recurse.add("group");
            }
        }
        return List.of(SaltState.builder(ids.id("main"), "file.directory")
                .arg("names", paths)
                .arg("makedirs", true)
                .arg("user", user)
                .arg("group", group)
                .arg("mode", p.mode("mode", "0755").octal())
                .arg("recurse", recurse.isEmpty() ? null : recurse)
                .build());
    }

    /** A helper that makes sure {@code path} exists, as the original did for a command's working directory. */
    static SaltState ensureDirectory(String id, String path) {
        String name = path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
        return SaltState.builder(id, "file.directory")
                .arg("name", name)
                .arg("makedirs", true)
                .arg("mode", "0755")
                .build();
    }
}
