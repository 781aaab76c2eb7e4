package io.opsagent.tck.model;

import io.opsagent.tck.AgentSettings;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The model agent as a process, for tests of {@code opsagent-tck bench}: reads an opsagent.conf
 * (the keys the bench writes) and the token under {@code --root}, runs until SIGTERM.
 *
 * <pre>java -cp ... io.opsagent.tck.model.ModelAgentMain --config FILE --root DIR</pre>
 */
public final class ModelAgentMain {

  private static final Pattern DURATION = Pattern.compile("([0-9]+)(ms|s|m|h)");

  private ModelAgentMain() {}

  public static void main(String[] args) throws Exception {
    Path config = null;
    Path root = null;
    for (int i = 0; i + 1 < args.length; i += 2) {
      if (args[i].equals("--config")) {
        config = Path.of(args[i + 1]);
      } else if (args[i].equals("--root")) {
        root = Path.of(args[i + 1]);
      }
    }
    if (config == null || root == null) {
      System.err.println("usage: ModelAgentMain --config FILE --root DIR");
      System.exit(1);
    }
    Map<String, String> ini = read(config);
    AgentSettings settings = AgentSettings.builder()
        .backendUrl(URI.create(ini.get("userdata.ws_uri")))
        .appId(ini.get("userdata.app_id"))
        .instanceId(ini.get("network.instance_id"))
        .instanceToken(Files.readString(root.resolve("etc/opsagent.token"), StandardCharsets.UTF_8))
        .roundInterval(duration(ini.get("round.interval")))
        .backoff(duration(ini.get("round.backoff_initial")), duration(ini.get("round.backoff_max")))
        .stateTimeout(duration(ini.get("round.state_timeout")))
        .reconnect(duration(ini.get("network.reconnect_initial")),
            duration(ini.get("network.reconnect_max")))
        .notReadyRetryPause(duration(ini.get("network.not_ready_retry")))
        .pingInterval(ini.containsKey("network.ping_interval")
            ? duration(ini.get("network.ping_interval")) : Duration.ofSeconds(30))
        .workDir(root)
        .build();
    ModelAgent agent = new ModelAgent();
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        agent.stop();
      } catch (Exception e) {
        e.printStackTrace();
      } finally {
        stopped.countDown();
      }
    }));
    agent.start(settings, (version, url) -> { });
    System.out.println("model agent started against " + settings.backendUrl());
    stopped.await();
  }

  /** {@code section.key} to value. */
  static Map<String, String> read(Path file) throws IOException {
    Map<String, String> values = new HashMap<>();
    String section = "";
    for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      String text = line.trim();
      if (text.isEmpty() || text.startsWith("#") || text.startsWith(";")) {
        continue;
      }
      if (text.startsWith("[") && text.endsWith("]")) {
        section = text.substring(1, text.length() - 1);
      } else if (text.contains("=")) {
        int eq = text.indexOf('=');
        values.put(section + "." + text.substring(0, eq).trim(), text.substring(eq + 1).trim());
      }
    }
    return values;
  }

  static Duration duration(String text) {
    Matcher m = DURATION.matcher(text);
    if (!m.matches()) {
      throw new IllegalArgumentException("not a duration: " + text);
    }
    long amount = Long.parseLong(m.group(1));
    switch (m.group(2)) {
      case "ms":
        return Duration.ofMillis(amount);
      case "s":
        return Duration.ofSeconds(amount);
      case "m":
        return Duration.ofMinutes(amount);
      default:
        return Duration.ofHours(amount);
    }
  }
}
