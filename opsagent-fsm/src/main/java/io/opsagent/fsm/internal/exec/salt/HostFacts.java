package io.opsagent.fsm.internal.exec.salt;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What the translation needs to know about the host: its distribution, read once from
 * {@code /etc/os-release}, and from it the package manager family. Used for the original
 * agent's guard that refuses apt modules on yum hosts and the other way round.
 *
 * @param osId the distribution id ({@code debian}, {@code centos}...), empty when unknown
 * @param osVersion the version id, empty when unknown
 * @param packageFamily the package manager family
 */
public record HostFacts(String osId, String osVersion, PackageFamily packageFamily) {

    /** Package manager families. */
    public enum PackageFamily {
        /** dpkg/apt hosts: debian, ubuntu and derivatives. */
        APT,
        /** rpm/yum hosts: centos, redhat, amazon, fedora and derivatives. */
        YUM,
        /** Anything else, or not known: no guard applies. */
        UNKNOWN
    }

    private static final List<String> APT_IDS = List.of("debian", "ubuntu");
    private static final List<String> YUM_IDS = List.of("rhel", "centos", "fedora", "amzn", "redhat", "rocky", "almalinux", "ol");

    /** Facts of an unknown host: no guard applies. */
    public static HostFacts unknown() {
        return new HostFacts("", "", PackageFamily.UNKNOWN);
    }

    /** Facts read from {@code /etc/os-release}; unknown when it cannot be read. */
    public static HostFacts detect() {
        return fromOsRelease(Path.of("/etc/os-release"));
    }

    /** Facts read from an os-release file; unknown when it cannot be read. */
    public static HostFacts fromOsRelease(Path file) {
        try {
            return parse(Files.readString(file, StandardCharsets.UTF_8));
        } catch (IOException e) {
            return unknown();
        }
    }

    /** Facts from the text of an os-release file. */
    public static HostFacts parse(String osRelease) {
        Map<String, String> values = new HashMap<>();
        for (String line : osRelease.split("\n")) {
            int eq = line.indexOf('=');
            if (eq <= 0 || line.startsWith("#")) {
                continue;
            }
            String value = line.substring(eq + 1).trim();
            if (value.length() >= 2 && (value.startsWith("\"") || value.startsWith("'")) && value.endsWith(value.substring(0, 1))) {
                value = value.substring(1, value.length() - 1);
            }
            values.put(line.substring(0, eq).trim(), value);
        }
        String id = values.getOrDefault("ID", "").toLowerCase(Locale.ROOT);
        List<String> family = new java.util.ArrayList<>();
        family.add(id);
        family.addAll(Arrays.asList(values.getOrDefault("ID_LIKE", "").toLowerCase(Locale.ROOT).split("\\s+")));
        PackageFamily pf = PackageFamily.UNKNOWN;
        if (family.stream().anyMatch(APT_IDS::contains)) {
            pf = PackageFamily.APT;
        } else if (family.stream().anyMatch(YUM_IDS::contains)) {
            pf = PackageFamily.YUM;
        }
        return new HostFacts(id, values.getOrDefault("VERSION_ID", ""), pf);
    }

    /** E.g. {@code debian 12}, for messages. */
    public String describe() {
        if (osId.isEmpty()) {
            return "an unknown system";
        }
        return osVersion.isEmpty() ? osId : osId + " " + osVersion;
    }
}
