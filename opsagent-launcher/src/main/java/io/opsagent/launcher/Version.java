package io.opsagent.launcher;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** The agent's build version, from a resource the build fills in. */
public final class Version {

    private static final String RESOURCE = "version.properties";

    private Version() {}

    /** The version, e.g. {@code 0.1.0}; {@code unknown} when the resource is missing or was not filtered. */
    public static String current() {
        try (InputStream in = Version.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                return "unknown";
            }
            Properties p = new Properties();
            p.load(in);
            String v = p.getProperty("version", "").strip();
            return v.isEmpty() || v.startsWith("${") ? "unknown" : v;
        } catch (IOException e) {
            return "unknown";
        }
    }
}
