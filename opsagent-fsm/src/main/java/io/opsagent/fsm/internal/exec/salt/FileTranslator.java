package io.opsagent.fsm.internal.exec.salt;

import io.opsagent.fsm.internal.exec.Params;
import java.util.List;

/**
 * {@code linux.file}: {@code file.managed} of {@code path} with {@code contents} written
 * exactly as given ({@code contents_newline: false}), {@code user}, {@code group} and
 * {@code mode} (default {@code 0644}); {@code remote_uri} becomes an unverified
 * {@code source}, as the original downloaded it without a checksum. {@code absent: true}
 * gives {@code file.absent} and ignores the rest.
 */
final class FileTranslator implements ModuleTranslator {

    @Override
    public List<SaltState> translate(Params p, SlsIds ids, HostFacts host) {
        String path = p.requiredAbsolutePath("path");
        if (p.bool("absent", false)) {
            return List.of(SaltState.builder(ids.id("main"), "file.absent").arg("name", path).build());
        }
        SaltState.Builder b = SaltState.builder(ids.id("main"), "file.managed").arg("name", path);
        if (p.has("content")) {
            b.arg("contents", p.string("content").orElseThrow()).arg("contents_newline", false);
        } else if (p.has("remote_uri")) {
            b.arg("source", p.requiredString("remote_uri")).arg("skip_verify", true);
        }
        return List.of(b.arg("user", p.string("user").orElse(null))
                .arg("group", p.string("group").orElse(null))
                .arg("mode", p.mode("mode", "0644").octal())
                .build());
    }
}
