package io.opsagent.fsm.internal.exec.salt;

import io.opsagent.fsm.internal.exec.Params;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;

/**
 * {@code linux.file}: {@code file.managed} of {@code path} with {@code user}, {@code group} and
 * {@code mode} (default {@code 0644}). {@code content} is handed over as a {@code source} file
 * in the private file root, which Salt copies byte for byte (its {@code contents} argument
 * rewrites line ends and strips trailing newlines). An {@code http}/{@code https}
 * {@code remote_uri} is downloaded by the agent into the file root on every run, dry runs
 * included, as the original downloaded it while converting the state, and becomes the
 * {@code source} the same way (Salt's own download is cached and never fetched again without a
 * checksum). Any other {@code remote_uri} (e.g. {@code salt://}, {@code ftp://}) is passed to
 * Salt as an unverified {@code source}. {@code absent: true} gives {@code file.absent} and
 * ignores the rest.
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
            b.fileArg("source", WorkspaceFile.text(p.string("content").orElseThrow()));
        } else if (p.has("remote_uri")) {
            String uri = p.requiredString("remote_uri");
            if (WorkspaceFile.downloadable(uri)) {
                b.fileArg("source", WorkspaceFile.download(parseUri(p, uri)));
            } else {
                b.arg("source", uri).arg("skip_verify", true);
            }
        }
        return List.of(b.arg("user", p.string("user").orElse(null))
                .arg("group", p.string("group").orElse(null))
                .arg("mode", p.mode("mode", "0644").octal())
                .build());
    }

    private static URI parseUri(Params p, String uri) {
        try {
            return new URI(uri.strip());
        } catch (URISyntaxException e) {
            throw p.invalid("remote_uri", "is not a valid address: " + e.getMessage());
        }
    }
}
