package io.opsagent.launcher.host;

import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Set;

/** POSIX modes as octal numbers, the way operators read and write them. */
public final class FileModes {

    private FileModes() {}

    /** {@code 0700} → {@code rwx------}. */
    public static Set<PosixFilePermission> permissions(int mode) {
        Set<PosixFilePermission> set = EnumSet.noneOf(PosixFilePermission.class);
        for (PosixFilePermission p : PosixFilePermission.values()) {
            if ((mode & bit(p)) != 0) {
                set.add(p);
            }
        }
        return set;
    }

    public static int mode(Set<PosixFilePermission> permissions) {
        int mode = 0;
        for (PosixFilePermission p : permissions) {
            mode |= bit(p);
        }
        return mode;
    }

    /** {@code 0640}. */
    public static String octal(int mode) {
        return String.format("%04o", mode);
    }

    public static String octal(Set<PosixFilePermission> permissions) {
        return octal(mode(permissions));
    }

    public static FileAttribute<Set<PosixFilePermission>> attribute(int mode) {
        return PosixFilePermissions.asFileAttribute(permissions(mode));
    }

    private static int bit(PosixFilePermission p) {
        return 1 << (8 - p.ordinal());
    }
}
