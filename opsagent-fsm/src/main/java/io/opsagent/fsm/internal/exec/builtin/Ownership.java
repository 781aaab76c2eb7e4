package io.opsagent.fsm.internal.exec.builtin;

import io.opsagent.fsm.internal.exec.Params;
import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.nio.file.attribute.UserPrincipalNotFoundException;
import java.util.Optional;

/** Owners, groups and modes of files, and who the agent runs as. */
final class Ownership {

    private Ownership() {
    }

    /** The user named by parameter {@code name} (a user name or a numeric uid), if given. */
    static Optional<UserPrincipal> user(Params p, String name) {
        Optional<String> value = p.string(name);
        if (value.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(lookup().lookupPrincipalByName(value.get()));
        } catch (UserPrincipalNotFoundException e) {
            throw p.invalid(name, "names user '" + value.get() + "', which does not exist on this host");
        } catch (IOException e) {
            throw p.invalid(name, "names user '" + value.get() + "', which could not be looked up: " + e.getMessage());
        }
    }

    /** The group named by parameter {@code name} (a group name or a numeric gid), if given. */
    static Optional<GroupPrincipal> group(Params p, String name) {
        Optional<String> value = p.string(name);
        if (value.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(lookup().lookupPrincipalByGroupName(value.get()));
        } catch (UserPrincipalNotFoundException e) {
            throw p.invalid(name, "names group '" + value.get() + "', which does not exist on this host");
        } catch (IOException e) {
            throw p.invalid(name, "names group '" + value.get() + "', which could not be looked up: " + e.getMessage());
        }
    }

    static PosixFileAttributes attributes(Path path, LinkOption... options) throws IOException {
        return Files.readAttributes(path, PosixFileAttributes.class, options);
    }

    /** The mode bits of {@code path}, set-id and sticky bits included. */
    static int mode(Path path, LinkOption... options) throws IOException {
        return ((Integer) Files.getAttribute(path, "unix:mode", options)) & 07777;
    }

    static void setMode(Path path, int bits) throws IOException {
        Files.setAttribute(path, "unix:mode", bits);
    }

    static void setOwner(Path path, UserPrincipal user, LinkOption... options) throws IOException {
        Files.getFileAttributeView(path, PosixFileAttributeView.class, options).setOwner(user);
    }

    static void setGroup(Path path, GroupPrincipal group, LinkOption... options) throws IOException {
        Files.getFileAttributeView(path, PosixFileAttributeView.class, options).setGroup(group);
    }

    /** Whether the agent runs as root (uid 0). */
    static boolean runningAsRoot() {
        try {
            return ((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")) == 0;
        } catch (IOException | RuntimeException e) {
            return "root".equals(System.getProperty("user.name"));
        }
    }

    /** The name of the user the agent runs as. */
    static String currentUser() {
        return System.getProperty("user.name");
    }

    private static UserPrincipalLookupService lookup() {
        return FileSystems.getDefault().getUserPrincipalLookupService();
    }
}
