package io.opsagent.fsm.internal.exec.salt;

import java.net.URI;
import java.util.Objects;

/**
 * A file the agent puts into the private file root of one Salt run, for a state to read: either
 * text written byte for byte (UTF-8), or what an {@code http}/{@code https} address serves,
 * downloaded by the agent when the file root is made (as the original agent downloaded a
 * {@code remote_uri} while converting the state).
 *
 * @param content the text, or null for a download
 * @param download the address to download, or null for text
 */
record WorkspaceFile(String content, URI download) {

    WorkspaceFile {
        if ((content == null) == (download == null)) {
            throw new IllegalArgumentException("a workspace file is either text or a download");
        }
    }

    /** A file holding exactly {@code content}. */
    static WorkspaceFile text(String content) {
        return new WorkspaceFile(Objects.requireNonNull(content, "content"), null);
    }

    /** A file holding what {@code address} serves. */
    static WorkspaceFile download(URI address) {
        return new WorkspaceFile(null, Objects.requireNonNull(address, "address"));
    }

    /** Whether the agent can download {@code address} itself: {@code http} and {@code https}. */
    static boolean downloadable(String address) {
        String lower = address.strip().toLowerCase(java.util.Locale.ROOT);
        return lower.startsWith("http://") || lower.startsWith("https://");
    }
}
