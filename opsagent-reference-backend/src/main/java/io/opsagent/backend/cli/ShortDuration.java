package io.opsagent.backend.cli;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * A duration option's value: {@code 500ms}, {@code 1.5s}, {@code 2m}, {@code 1h} or ISO-8601
 * such as {@code PT5S}; never negative. The converter of the backend's and the bench's duration
 * options.
 */
public final class ShortDuration implements ITypeConverter<Duration> {

  private static final Pattern SHORT = Pattern.compile("([0-9]+(?:\\.[0-9]+)?)(ms|s|m|h)");

  @Override
  public Duration convert(String text) {
    try {
      return parse(text);
    } catch (IllegalArgumentException e) {
      throw new TypeConversionException(e.getMessage());
    }
  }

  /** Reads {@code text}; an {@link IllegalArgumentException} says what is wrong with it. */
  public static Duration parse(String text) {
    Matcher matcher = SHORT.matcher(text.trim().toLowerCase(Locale.ROOT));
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
        throw new IllegalArgumentException("not a duration: '" + text + "' (use 500ms, 5s, 1m or PT5S)");
      }
    }
    if (duration.isNegative()) {
      throw new IllegalArgumentException("must not be negative, was '" + text + "'");
    }
    return duration;
  }
}
