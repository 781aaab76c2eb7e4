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
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.TypeConversionException;

/**
 * {@code backend}: runs the reference backend on loopback until interrupted, pushing a recipe
 * after every Handshake and printing every frame as one line.
 */
public final class BackendCommand {

  /** The command's options, as picocli reads them. */
  @Command(name = "java -jar opsagent-reference-backend.jar", mixinStandardHelpOptions = true,
      versionProvider = ManifestVersion.class, sortOptions = false, usageHelpWidth = 90,
      description = {
          "Runs the reference backend until interrupted (Ctrl-C). It pushes the recipe after",
          "every Handshake and prints every frame and connection event as one line."},
      exitCodeListHeading = "%nExit codes:%n",
      exitCodeList = {"0:stopped by Ctrl-C, or help printed", "1:wrong arguments or input"})
  static final class Options {
    @Option(names = "--recipe", required = true, paramLabel = "FILE", description = {
        "the recipe to push, as for 'opsagent apply': a RecipeMetadata object (\"code\""
            + " optional) or a bare array of states"})
    Path recipe;

    @Option(names = "--port", paramLabel = "N", defaultValue = "9000",
        description = "TCP port, 0 for any free one (default ${DEFAULT-VALUE})")
    int port;

    @Option(names = "--host", paramLabel = "ADDRESS", defaultValue = "127.0.0.1",
        converter = Loopback.class,
        description = "loopback address to bind (default ${DEFAULT-VALUE})")
    InetAddress host;

    @Option(names = "--release-waits-after", paramLabel = "DURATION",
        converter = ShortDuration.class, description = {
            "release every meta.wait state of the recipe this long after each push (500ms, 5s,"
                + " 1m or PT5S)"})
    Duration releaseWaitsAfter;

    @Option(names = "--ack", description = "acknowledge StateLogs that carry seq (StateLogAck)")
    boolean ack;

    @Option(names = "--app-not-ready", paramLabel = "N",
        description = "answer the first N Handshakes with AppNotReady")
    int appNotReady;
  }

  /** {@code --host}: an address the backend may bind, which is a loopback one only. */
  static final class Loopback implements ITypeConverter<InetAddress> {
    @Override
    public InetAddress convert(String text) {
      InetAddress address;
      try {
        address = InetAddress.getByName(text);
      } catch (UnknownHostException e) {
        throw new TypeConversionException("unknown host '" + text + "'");
      }
      if (!address.isLoopbackAddress()) {
        throw new TypeConversionException("must be a loopback address (the reference backend has"
            + " no authentication), was '" + text + "'");
      }
      return address;
    }
  }

  /**
   * {@code java -jar opsagent-reference-backend.jar --recipe FILE [options]}; exits with
   * {@link #run}'s code.
   */
  public static void main(String[] args) {
    System.exit(new BackendCommand().run(java.util.Arrays.asList(args), System.out, System.err));
  }

  private static CommandLine commandLine(Options options, PrintStream out, PrintStream err) {
    CommandLine line = new CommandLine(options);
    line.setOut(new PrintWriter(out, true));
    line.setErr(new PrintWriter(err, true));
    return line;
  }

  /** Runs with the given arguments; returns the exit code: 0 success, 1 bad arguments or input. */
  int run(List<String> args, PrintStream out, PrintStream err) {
    Options options = new Options();
    CommandLine line = commandLine(options, out, err);
    Recipe recipe;
    try {
      line.parseArgs(args.toArray(String[]::new));
      if (CommandLine.printHelpIfRequested(line.getParseResult())) {
        return 0;
      }
      check(options);
      recipe = readRecipe(options.recipe);
    } catch (ParameterException | UsageException e) {
      err.println("opsagent-reference-backend: " + e.getMessage());
      err.println();
      line.usage(line.getErr());
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

  /** Reads {@code args} as {@link #run} does, without running anything. */
  static Options parse(List<String> args) throws UsageException {
    Options options = new Options();
    try {
      new CommandLine(options).parseArgs(args.toArray(String[]::new));
    } catch (ParameterException e) {
      throw new UsageException(e.getMessage());
    }
    check(options);
    return options;
  }

  /** What the option types cannot say: the ranges of the numbers. */
  private static void check(Options options) throws UsageException {
    if (options.port < 0 || options.port > 65535) {
      throw new UsageException("--port must be in [0, 65535], was " + options.port);
    }
    if (options.appNotReady < 0) {
      throw new UsageException("--app-not-ready must not be negative, was " + options.appNotReady);
    }
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
