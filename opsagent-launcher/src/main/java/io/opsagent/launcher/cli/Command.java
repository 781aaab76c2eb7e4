package io.opsagent.launcher.cli;

import io.opsagent.launcher.config.ExecutorKind;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/** A parsed command line: one record per command, holding exactly its options. */
public sealed interface Command {

    /** {@code opsagent run [--config FILE] [--root DIR]}: the daemon, in the foreground. */
    record Run(Optional<Path> config, Optional<Path> root) implements Command {
        public Run {
            Objects.requireNonNull(config, "config");
            Objects.requireNonNull(root, "root");
        }
    }

    /**
     * {@code opsagent apply RECIPE.json [--config FILE] [--root DIR] [--executor K] [--dry-run] [--json]}:
     * one local round without a backend.
     */
    record Apply(
            Path recipe,
            Optional<Path> config,
            Optional<Path> root,
            Optional<ExecutorKind> executor,
            boolean dryRun,
            boolean json,
            Optional<String> stateId,
            boolean verbose) implements Command {
        public Apply {
            Objects.requireNonNull(stateId, "stateId");
            Objects.requireNonNull(recipe, "recipe");
            Objects.requireNonNull(config, "config");
            Objects.requireNonNull(root, "root");
            Objects.requireNonNull(executor, "executor");
        }
    }

    /**
     * {@code opsagent check RECIPE.json [--config FILE] [--root DIR] [--executor K]}: every
     * problem of the recipe, found without applying anything.
     */
    record Check(Path recipe, Optional<Path> config, Optional<Path> root, Optional<ExecutorKind> executor)
            implements Command {
        public Check {
            Objects.requireNonNull(recipe, "recipe");
            Objects.requireNonNull(config, "config");
            Objects.requireNonNull(root, "root");
            Objects.requireNonNull(executor, "executor");
        }
    }

    /** {@code opsagent config [--config FILE] [--root DIR] [--json]}: the settings in effect and their origins. */
    record Config(Optional<Path> config, Optional<Path> root, boolean json) implements Command {
        public Config {
            Objects.requireNonNull(config, "config");
            Objects.requireNonNull(root, "root");
        }
    }

    /**
     * {@code opsagent diagnose [--config FILE] [--root DIR] [--timeout D] [--json]}: checks of the
     * configuration, the host and the way to the backend, each with its fix.
     */
    record Diagnose(Optional<Path> config, Optional<Path> root, Duration timeout, boolean json) implements Command {
        public Diagnose {
            Objects.requireNonNull(config, "config");
            Objects.requireNonNull(root, "root");
            Objects.requireNonNull(timeout, "timeout");
        }
    }

    /** {@code opsagent demo [--rounds N]}: an embedded backend and the agent on loopback. */
    record Demo(int rounds) implements Command {
        public static final int DEFAULT_ROUNDS = 3;
        public static final int MAX_ROUNDS = 1000;

        public Demo {
            if (rounds < 1 || rounds > MAX_ROUNDS) {
                throw new IllegalArgumentException("rounds must be 1.." + MAX_ROUNDS + ", got " + rounds);
            }
        }
    }

    /** {@code opsagent status [--root DIR] [--json]}: what the running agent is doing. */
    record Status(Optional<Path> root, boolean json) implements Command {
        public Status {
            Objects.requireNonNull(root, "root");
        }
    }

    /**
     * {@code opsagent release-keygen --out DIR}: a new release-signing key pair in {@code DIR},
     * for release managers. Needs no root and no configuration.
     */
    record ReleaseKeygen(Path out) implements Command {
        public ReleaseKeygen {
            Objects.requireNonNull(out, "out");
        }
    }

    /**
     * {@code opsagent release-sign --version VERSION --key PRIVATE_KEY TARBALL}: writes
     * {@code TARBALL.sha256} and {@code TARBALL.sig}, which signs the version with the digest,
     * beside the tarball, for release managers. Needs no root and no configuration.
     */
    record ReleaseSign(String version, Path key, Path tarball) implements Command {
        public ReleaseSign {
            Objects.requireNonNull(version, "version");
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(tarball, "tarball");
        }
    }

    /** {@code opsagent version} or {@code opsagent --version}. */
    record Version() implements Command {}

    /** {@code opsagent help [COMMAND]}, {@code --help}, {@code COMMAND --help}: the usage help of one command or all. */
    record Help(Optional<String> command) implements Command {
        public Help {
            Objects.requireNonNull(command, "command");
        }
    }

    /** {@code opsagent completion}: the bash completion script. */
    record Completion() implements Command {}
}
