package io.opsagent.backend.cli;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import io.opsagent.backend.Frame;
import io.opsagent.backend.MessageCodes;
import io.opsagent.backend.Recipe;
import io.opsagent.backend.ReferenceBackend;
import io.opsagent.backend.internal.Json;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code backend}: runs the reference backend on loopback until interrupted, pushing a recipe
 * after every Handshake and printing every frame as one line.
 */
public final class BackendCommand {

  private static final Pattern SHORT_DURATION =
      Pattern.compile("([0-9]+(?:\\.[0-9]+)?)(ms|s|m|h)");

  /** Parsed arguments. */
  static final class Options {
    InetAddress host;
    int port = 9000;
    Path recipe;
    Duration releaseWaitsAfter;
    boolean ack;
    int appNotReady;
  }

  /**
   * {@code java -jar opsagent-reference-backend.jar --recipe FILE [options]}; exits with
   * {@link #run}'s code.
   */
  public static void main(String[] args) {
    System.exit(new BackendCommand().run(java.util.Arrays.asList(args), System.out, System.err));
  }

  String usage() {
    return "usage: java -jar opsagent-reference-backend.jar --recipe FILE [options]\n"
        + "\n"
        + "Runs the reference backend until interrupted (Ctrl-C). It pushes the recipe after\n"
        + "every Handshake and prints every frame and connection event as one line.\n"
        + "\n"
        + "options:\n"
        + "  --recipe FILE                 the recipe to push, as for 'opsagent apply': a\n"
        + "                                RecipeMetadata object (\"code\" optional) or a bare\n"
        + "                                array of states; required\n"
        + "  --port N                      TCP port, 0 for any free one (default 9000)\n"
        + "  --host ADDRESS                loopback address to bind (default 127.0.0.1)\n"
        + "  --release-waits-after DURATION  release every meta.wait state of the recipe this\n"
        + "                                long after each push (500ms, 5s, 1m or PT5S)\n"
        + "  --ack                         acknowledge StateLogs that carry seq (StateLogAck)\n"
        + "  --app-not-ready N             answer the first N Handshakes with AppNotReady\n"
        + "  --help                        print this help\n";
  }

  /** Runs with the given arguments; returns the exit code: 0 success, 1 bad arguments or input. */
  int run(List<String> args, PrintStream out, PrintStream err) {
    if (args.contains("--help") || args.contains("-h")) {
      out.print(usage());
      return 0;
    }
    Options options;
    Recipe recipe;
    try {
      options = parse(args);
      recipe = readRecipe(options.recipe);
    } catch (UsageException e) {
      err.println("opsagent-reference-backend: " + e.getMessage());
      err.print(usage());
      return 1;
    }
    Running running;
    try {
      running = start(options, recipe, out);
    } catch (IOException e) {
      err.println("opsagent-reference-backend: cannot listen on " + options.host.getHostAddress() + ":"
          + options.port + ": " + e.getMessage());
      return 1;
    }
    out.println("reference backend listening on " + running.backend().url() + "; pushes recipe"
        + " version " + recipe.version() + " after every Handshake; Ctrl-C stops it");
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      running.close();
      stopped.countDown();
    }, "tck-backend-shutdown"));
    try {
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return 0;
  }

  static Options parse(List<String> args) throws UsageException {
    Options options = new Options();
    try {
      options.host = InetAddress.getByName("127.0.0.1");
    } catch (UnknownHostException e) {
      throw new IllegalStateException(e);
    }
    for (int i = 0; i < args.size(); i++) {
      String option = args.get(i);
      switch (option) {
        case "--recipe":
          options.recipe = Path.of(value(args, ++i, option));
          break;
        case "--port":
          options.port = integer(value(args, ++i, option), option, 0, 65535);
          break;
        case "--host":
          options.host = loopback(value(args, ++i, option));
          break;
        case "--release-waits-after":
          options.releaseWaitsAfter = duration(value(args, ++i, option), option);
          break;
        case "--ack":
          options.ack = true;
          break;
        case "--app-not-ready":
          options.appNotReady = integer(value(args, ++i, option), option, 0, Integer.MAX_VALUE);
          break;
        default:
          throw new UsageException(
              option.startsWith("-") ? "unknown option: " + option : "unexpected argument: "
                  + option);
      }
    }
    if (options.recipe == null) {
      throw new UsageException("--recipe is required");
    }
    return options;
  }

  private static String value(List<String> args, int index, String option)
      throws UsageException {
    if (index >= args.size() || args.get(index).startsWith("--")) {
      throw new UsageException(option + " needs a value");
    }
    return args.get(index);
  }

  private static int integer(String text, String option, int min, int max)
      throws UsageException {
    try {
      int value = Integer.parseInt(text);
      if (value < min || value > max) {
        throw new UsageException(option + " must be in [" + min + ", " + max + "], was " + text);
      }
      return value;
    } catch (NumberFormatException e) {
      throw new UsageException(option + " must be an integer, was " + text);
    }
  }

  private static InetAddress loopback(String text) throws UsageException {
    InetAddress address;
    try {
      address = InetAddress.getByName(text);
    } catch (UnknownHostException e) {
      throw new UsageException("--host: unknown host " + text);
    }
    if (!address.isLoopbackAddress()) {
      throw new UsageException("--host must be a loopback address (the reference backend has no"
          + " authentication), was " + text);
    }
    return address;
  }

  /** Parses {@code 500ms}, {@code 1.5s}, {@code 2m}, {@code 1h} or ISO-8601 {@code PT5S}. */
  /** Reads 500ms, 1.5s, 2m, 1h or an ISO-8601 duration such as PT5S; {@code option} names it in errors. */
  public static Duration duration(String text, String option) throws UsageException {
    Matcher matcher = SHORT_DURATION.matcher(text.trim().toLowerCase(Locale.ROOT));
    Duration duration;
    if (matcher.matches()) {
      double amount = Double.parseDouble(matcher.group(1));
      long unitMillis;
      switch (matcher.group(2)) {
        case "ms":
          unitMillis = 1;
          break;
        case "s":
          unitMillis = 1_000;
          break;
        case "m":
          unitMillis = 60_000;
          break;
        default:
          unitMillis = 3_600_000;
          break;
      }
      duration = Duration.ofMillis(Math.round(amount * unitMillis));
    } else {
      try {
        duration = Duration.parse(text.trim());
      } catch (DateTimeParseException e) {
        throw new UsageException(option + ": not a duration: " + text
            + " (use 500ms, 5s, 1m or PT5S)");
      }
    }
    if (duration.isNegative()) {
      throw new UsageException(option + " must not be negative, was " + text);
    }
    return duration;
  }

  static Recipe readRecipe(Path file) throws UsageException {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UsageException("cannot read --recipe " + file + ": " + e);
    }
    try {
      return Recipe.fromFile(text);
    } catch (IllegalArgumentException e) {
      throw new UsageException("--recipe " + file + " is not a valid recipe: " + e.getMessage());
    }
  }

  /** Starts the backend as the options say; frames are printed to {@code out}. */
  static Running start(Options options, Recipe recipe, PrintStream out) throws IOException {
    ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread thread = new Thread(r, "tck-backend-releases");
      thread.setDaemon(true);
      return thread;
    });
    ReferenceBackend backend =
        ReferenceBackend.builder()
            .host(options.host)
            .port(options.port)
            .autoAck(options.ack)
            .appNotReadyReplies(options.appNotReady)
            .recipeOnHandshake(recipe)
            .build();
    backend.addListener(frame -> {
      synchronized (out) {
        out.println(frame);
      }
    });
    if (options.releaseWaitsAfter != null && !recipe.waitStateIds().isEmpty()) {
      backend.addListener(frame -> {
        if (frame.kind() == Frame.Kind.SENT && isRecipe(frame.text())) {
          timer.schedule(() -> release(backend, recipe, out),
              options.releaseWaitsAfter.toMillis(), TimeUnit.MILLISECONDS);
        }
      });
    }
    backend.start();
    return new Running(backend, timer);
  }

  private static boolean isRecipe(String text) {
    try {
      JsonElement element = Json.parseStrict(text);
      return element.isJsonObject()
          && MessageCodes.RECIPE_METADATA.equals(Json.string((JsonObject) element, "code"));
    } catch (JsonParseException e) {
      return false;
    }
  }

  private static void release(ReferenceBackend backend, Recipe recipe, PrintStream out) {
    for (String id : recipe.waitStateIds()) {
      try {
        backend.releaseWait(recipe.version(), id);
      } catch (IllegalStateException e) {
        synchronized (out) {
          out.println("could not release " + id + ": " + e.getMessage());
        }
        return;
      }
    }
  }

  /** A running backend and its release timer. */
  static final class Running implements AutoCloseable {
    private final ReferenceBackend backend;
    private final ScheduledExecutorService timer;

    Running(ReferenceBackend backend, ScheduledExecutorService timer) {
      this.backend = backend;
      this.timer = timer;
    }

    ReferenceBackend backend() {
      return backend;
    }

    @Override
    public void close() {
      timer.shutdownNow();
      backend.stop();
    }
  }
}
