package io.opsagent.launcher.cli;

/** The usage text. */
public final class Usage {

    public static final String TEXT = String.join("\n",
            "Usage: opsagent <command> [options]",
            "",
            "Commands:",
            "  run      [--config FILE] [--root DIR]",
            "           Run the agent in the foreground (the daemon).",
            "  apply    RECIPE.json [--config FILE] [--root DIR] [--executor auto|salt|native]",
            "           [--dry-run] [--json]",
            "           Apply a recipe once, here, without a backend, and print the results.",
            "  check    RECIPE.json [--config FILE] [--root DIR] [--executor auto|salt|native]",
            "           Report every problem of a recipe (modules, parameters); apply nothing.",
            "  demo     [--rounds N]",
            "           Run an embedded backend and the agent on loopback for N rounds (default 3).",
            "  status   [--root DIR] [--json]",
            "           Show whether the agent runs and what it is doing.",
            "  version  Print the agent's version.",
            "  help     Print this text.",
            "",
            "Commands for release managers (they need no root and no configuration):",
            "  release-keygen --out DIR",
            "           Make a release-signing key pair in DIR and print the public key for",
            "           [upgrade] public_key. Keep the private key offline.",
            "  release-sign --key PRIVATE_KEY TARBALL",
            "           Check that agents would accept TARBALL, then write TARBALL.sha256 and",
            "           TARBALL.sig beside it.",
            "",
            "Options:",
            "  --config FILE   the configuration file (default: /etc/opsagent.conf under the root)",
            "  --root DIR      a prefix for every default host path (default: $OPSAGENT_ROOT, else /)",
            "  --executor K    apply states with Salt (salt), the built-in executor (native), or",
            "                  whichever is available (auto, the default from [executor] kind)",
            "  --dry-run       report what would change, change nothing",
            "  --json          print JSON instead of text",
            "  --rounds N      how many rounds the demo runs (1 to 1000)",
            "  --out DIR       where release-keygen writes opsagent-release.key and .pub",
            "  --key FILE      the private key release-sign signs with",
            "",
            "Exit codes: 0 ok; 1 error, wrong arguments or a recipe with a problem; 2 a state",
            "failed (apply); 3 the agent is not running (status); 75 restart into an upgraded",
            "release (run); 130 and 143 stopped by SIGINT and SIGTERM.",
            "");

    private Usage() {}
}
