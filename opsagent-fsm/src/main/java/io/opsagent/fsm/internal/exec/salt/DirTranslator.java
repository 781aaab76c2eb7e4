package io.opsagent.fsm.internal.exec.salt;

import io.opsagent.fsm.internal.exec.Params;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code linux.dir}: {@code file.directory} of every {@code path} (through {@code names}) with
 * {@code makedirs}, {@code user}, {@code group} and {@code mode} (default {@code 0755}), for
 * the listed directories themselves only. With {@code recursive} (default true) and an owner or
 * group, a second state gives everything below the given owner and group: {@code chown -R -h}
 * (links themselves, never followed), run only when {@code find} sees an entry below with
 * another owner or group, so a settled tree reports no change. Salt's own {@code recurse}
 * follows links and chmods their targets (Salt issue 66400) and drops the directory's own mode
 * when {@code recurse} lacks {@code mode}. {@code absent: true} gives {@code file.absent}.
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
        SaltState main = SaltState.builder(ids.id("main"), "file.directory")
                .arg("names", paths)
                .arg("makedirs", true)
                .arg("user", user)
                .arg("group", group)
                .arg("mode", p.mode("mode", "0755").octal())
                .build();
        if (!p.bool("recursive", true) || (user == null && group == null)) {
            return List.of(main);
        }
        return List.of(main, ownershipBelow(ids.id("below"), paths, user, group, main));
    }

    /** {@code chown -R -h} of everything below {@code paths}, only when something there has another owner or group. */
    private static SaltState ownershipBelow(String id, List<String> paths, String user, String group, SaltState main) {
        String owner = user == null ? ":" + group : group == null ? user : user + ":" + group;
        List<String> differs = new ArrayList<>();
        if (user != null) {
            differs.add("! -user " + PathCondition.quote(user));
        }
        if (group != null) {
            differs.add("! -group " + PathCondition.quote(group));
        }
        StringBuilder quoted = new StringBuilder();
        for (String path : paths) {
            quoted.append(' ').append(PathCondition.quote(path));
        }
        String chown = "find" + quoted + " -mindepth 1 -maxdepth 1 -exec chown -R -h -- " + PathCondition.quote(owner) + " {} +";
        String onlyif = "find" + quoted + " -mindepth 1 \\( " + String.join(" -o ", differs) + " \\) -print -quit | grep -q .";
        return SaltState.builder(id, "cmd.run")
                .arg("name", chown)
                .arg("onlyif", onlyif)
                .require(List.of(main))
                .build();
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
