package io.opsagent.launcher.config;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import java.net.URI;
import java.util.List;

/**
 * {@code opsagent config}: every used key with the value in effect and where it came from
 * (default, file line, environment variable). A password in a URL is masked; nothing else the
 * configuration holds is secret (the token file's path is shown, never its content).
 */
public final class SettingsReport {

    static final String MASK = "****";

    private SettingsReport() {}

    /** One line per key: {@code [network] ping_interval = 30s  (built-in default)}. */
    public static String text(List<ConfigLoader.Setting> settings) {
        int width = 0;
        for (ConfigLoader.Setting s : settings) {
            width = Math.max(width, assignment(s).length());
        }
        StringBuilder b = new StringBuilder();
        for (ConfigLoader.Setting s : settings) {
            b.append(String.format("%-" + width + "s  (%s)%n", assignment(s), s.origin()));
        }
        return b.toString();
    }

    /** {@code [{"key", "value", "origin", "source"}]}: origin is default, file or environment. */
    public static String json(List<ConfigLoader.Setting> settings) {
        JsonArray list = new JsonArray();
        for (ConfigLoader.Setting s : settings) {
            JsonObject o = new JsonObject();
            o.addProperty("key", s.key().displayName());
            String value = shown(s);
            o.add("value", value == null ? JsonNull.INSTANCE : new JsonPrimitive(value));
            o.addProperty("origin", s.origin().kind().name().toLowerCase(java.util.Locale.ROOT));
            o.addProperty("source", s.origin().toString());
            list.add(o);
        }
        return new GsonBuilder().setPrettyPrinting().serializeNulls().disableHtmlEscaping().create().toJson(list) + "\n";
    }

    private static String assignment(ConfigLoader.Setting s) {
        String value = shown(s);
        return s.key().displayName() + " = " + (value == null ? "" : value);
    }

    /** The value as shown: a URL's password masked. */
    static String shown(ConfigLoader.Setting s) {
        String value = s.value();
        if (value == null || !(s.key().type() == ValueType.WS_URI || s.key().type() == ValueType.HTTP_URI)) {
            return value;
        }
        try {
            URI uri = URI.create(value);
            String userInfo = uri.getRawUserInfo();
            if (userInfo == null || !userInfo.contains(":")) {
                return value;
            }
            String user = userInfo.substring(0, userInfo.indexOf(':'));
            return value.replace(userInfo + "@", user + ":" + MASK + "@");
        } catch (IllegalArgumentException e) {
            return value;
        }
    }
}
