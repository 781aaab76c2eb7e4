package io.opsagent.fsm.protocol;

import java.util.Objects;

/**
 * The states-module repository a recipe was written for (wire object {@code module}).
 *
 * @param repo the Git URL
 * @param tag the tag or branch
 */
public record ModuleRef(String repo, String tag) {

    public ModuleRef {
        Objects.requireNonNull(repo, "repo");
        Objects.requireNonNull(tag, "tag");
    }
}
