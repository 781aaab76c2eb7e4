package io.opsagent.fsm.internal.exec.salt;

import io.opsagent.fsm.internal.exec.Params;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * {@code linux.user}: {@code user.present} of {@code username} with {@code fullname},
 * {@code uid}, {@code gid}, {@code home} (default {@code /home/$username}, created),
 * {@code groups} (the exact supplementary groups; an empty list removes all), {@code shell}
 * ({@code /sbin/nologin} when {@code no-login}), {@code system} ({@code system-account}).
 *
 * <p>{@code password}: a crypt hash ({@code $1$}, {@code $5$}, {@code $6$}, {@code $y$},
 * {@code $2b$}...) is set as it is; anything else is taken as clear text and hashed by Salt
 * ({@code hash_password}), which reuses the salt of the current hash so an unchanged password
 * is not re-set every round. The password is never substituted.
 */
final class UserTranslator implements ModuleTranslator {

    /** Parameters that are never {@code $name}-substituted. */
    static final Set<String> VERBATIM = Set.of("password");

    private static final Pattern CRYPT_HASH = Pattern.compile("\\$(1|2[abxy]?|5|6|y|gy|7)\\$[^\\s]+");

    @Override
    public List<SaltState> translate(Params p, SlsIds ids, HostFacts host) {
        String username = p.requiredString("username");
        String password = p.rawString("password").orElseThrow(() -> p.invalid("password", "is required"));
        boolean hashed = CRYPT_HASH.matcher(password).matches();
        Long uid = p.integer("uid").orElse(null);
        Object gid = gid(p);
        boolean noLogin = p.bool("no-login", false);
        String shell = noLogin ? "/sbin/nologin" : p.string("shell").orElse(null);
        SaltState.Builder b = SaltState.builder(ids.id("main"), "user.present")
                .arg("name", username)
                .arg("password", password)
                .arg("hash_password", hashed ? null : Boolean.TRUE)
                .arg("fullname", p.string("fullname").orElse(null))
                .arg("uid", uid);
        if (gid instanceof Long) {
            b.arg("gid", (Long) gid);
        } else {
            b.arg("gid", (String) gid);
        }
        b.arg("home", p.string("home", "/home/$username"))
                .arg("createhome", true)
                .arg("groups", p.has("groups") ? p.stringList("groups") : null)
                .arg("shell", shell)
                .arg("system", p.bool("system-account", false) ? Boolean.TRUE : null);
        return List.of(b.build());
    }

    /** A numeric gid as a number, a group name as text, or null. */
    private static Object gid(Params p) {
        if (!p.has("gid")) {
            return null;
        }
        String text = p.requiredString("gid").trim();
        if (text.chars().allMatch(Character::isDigit)) {
            return p.integer("gid").orElseThrow();
        }
        return text;
    }
}
