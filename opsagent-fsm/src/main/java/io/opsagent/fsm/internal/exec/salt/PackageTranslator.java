package io.opsagent.fsm.internal.exec.salt;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import io.opsagent.fsm.protocol.InvalidParameterException;
import io.opsagent.fsm.internal.exec.KeyValue;
import io.opsagent.fsm.internal.exec.Params;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code linux.apt.package} and {@code linux.yum.package}: each package's value picks the Salt
 * function (empty: {@code pkg.installed}; a version: {@code pkg.installed} of that version;
 * {@code latest}; {@code removed}; {@code purged}), one Salt state per function with the
 * packages in {@code pkgs}. Values ending in {@code .deb}/{@code .rpm} are package files: when
 * any is present only those are installed, through {@code sources}. {@code repo} becomes
 * {@code fromrepo}, apt's {@code deb-conf-file} {@code debconf}, {@code verify-gpg: false}
 * {@code skip_verify: true}; installing functions refresh the package index.
 */
final class PackageTranslator implements ModuleTranslator {

    private final HostFacts.PackageFamily family;

    PackageTranslator(HostFacts.PackageFamily family) {
        this.family = family;
    }

    @Override
    public List<SaltState> translate(Params p, SlsIds ids, HostFacts host) {
        if (host.packageFamily() != HostFacts.PackageFamily.UNKNOWN && host.packageFamily() != family) {
            throw new InvalidParameterException(p.module() + ": conflict on os type: this host is "
                    + host.describe() + ", which does not use " + familyName() + " packages");
        }
        List<KeyValue> packages = p.requiredKeyValues("name");
        String repo = p.string("repo").orElse(null);
        String debconf = family == HostFacts.PackageFamily.APT ? p.string("deb-conf-file").orElse(null) : null;
        Boolean skipVerify = p.optionalBool("verify-gpg").map(v -> !v).orElse(null);

        List<KeyValue> files = packages.stream().filter(PackageTranslator::isPackageFile).toList();
        if (!files.isEmpty()) {
            JsonArray sources = new JsonArray();
            for (KeyValue kv : files) {
                sources.add(single(kv.key(), new JsonPrimitive(kv.value())));
            }
            return List.of(SaltState.builder(ids.id("pkg_installed"), "pkg.installed")
                    .arg("sources", sources)
                    .arg("debconf", debconf)
                    .arg("skip_verify", skipVerify)
                    .arg("refresh", true)
                    .build());
        }

        Map<String, JsonArray> byFunction = new LinkedHashMap<>();
        for (KeyValue kv : packages) {
            String value = kv.value().trim();
            String function;
            JsonElement item = new JsonPrimitive(kv.key());
            switch (value.toLowerCase(Locale.ROOT)) {
                case "":
                    function = "installed";
                    break;
                case "latest":
                    function = "latest";
                    break;
                case "removed":
                    function = "removed";
                    break;
                case "purged":
                    function = "purged";
                    break;
                default:
                    function = "installed";
                    item = single(kv.key(), new JsonPrimitive(value));
                    break;
            }
            byFunction.computeIfAbsent(function, f -> new JsonArray()).add(item);
        }
        List<SaltState> states = new ArrayList<>();
        for (Map.Entry<String, JsonArray> e : byFunction.entrySet()) {
            String function = e.getKey();
            boolean installs = function.equals("installed") || function.equals("latest");
            SaltState.Builder b = SaltState.builder(ids.id("pkg_" + function), "pkg." + function)
                    .arg("pkgs", e.getValue());
            if (installs) {
                b.arg("fromrepo", repo)
                        .arg("debconf", function.equals("installed") ? debconf : null)
                        .arg("skip_verify", skipVerify)
                        .arg("refresh", true);
            }
            states.add(b.build());
        }
        return states;
    }

    private String familyName() {
        return family == HostFacts.PackageFamily.APT ? "apt (debian/ubuntu)" : "yum (centos/redhat/amazon)";
    }

    private static boolean isPackageFile(KeyValue kv) {
        String v = kv.value().trim().toLowerCase(Locale.ROOT);
        return v.endsWith(".deb") || v.endsWith(".rpm");
    }

    private static JsonObject single(String key, JsonElement value) {
        JsonObject o = new JsonObject();
        o.add(key, value);
        return o;
    }
}
