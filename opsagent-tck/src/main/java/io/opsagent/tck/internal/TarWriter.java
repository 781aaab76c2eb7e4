package io.opsagent.tck.internal;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;

/**
 * Writes a gzip-compressed POSIX ustar archive, entry by entry, with the names exactly as given:
 * unlike archivers that clean names up, it writes {@code ../x} and {@code /abs/x} as they are,
 * which the kit needs to make unsound releases. Owners are 0, times fixed, so the same entries
 * give the same bytes. Internal to the kit.
 */
public final class TarWriter implements AutoCloseable {

  private static final int BLOCK = 512;
  private static final int NAME_LENGTH = 100;
  private static final int PREFIX_LENGTH = 155;
  /** 2023-11-14T22:13:20Z: a fixed modification time, so archives are reproducible. */
  private static final long MTIME = 1_700_000_000L;

  private final GZIPOutputStream out;
  private boolean closed;

  public TarWriter(OutputStream target) throws IOException {
    this.out = new GZIPOutputStream(target);
  }

  /** A directory entry ({@code name} should end in {@code /}). */
  public void directory(String name, int mode) throws IOException {
    header(name, mode, 0, '5', "");
  }

  /** A regular file entry with {@code content}. */
  public void file(String name, int mode, byte[] content) throws IOException {
    header(name, mode, content.length, '0', "");
    out.write(content);
    int padding = (BLOCK - content.length % BLOCK) % BLOCK;
    out.write(new byte[padding]);
  }

  /** A symbolic link entry pointing at {@code target}. */
  public void symlink(String name, String target) throws IOException {
    header(name, 0777, 0, '2', target);
  }

  /** Ends the archive (two zero blocks) and the gzip stream; the target stream is closed. */
  @Override
  public void close() throws IOException {
    if (closed) {
      return;
    }
    closed = true;
    out.write(new byte[2 * BLOCK]);
    out.close();
  }

  private void header(String name, int mode, long size, char type, String linkName)
      throws IOException {
    byte[] block = new byte[BLOCK];
    String[] split = split(name);
    put(block, 0, NAME_LENGTH, split[1]);
    octal(block, 100, 8, mode & 07777);
    octal(block, 108, 8, 0);
    octal(block, 116, 8, 0);
    octal(block, 124, 12, size);
    octal(block, 136, 12, MTIME);
    Arrays.fill(block, 148, 156, (byte) ' ');
    block[156] = (byte) type;
    put(block, 157, 100, linkName);
    put(block, 257, 6, "ustar");
    put(block, 263, 2, "00");
    put(block, 265, 32, "root");
    put(block, 297, 32, "root");
    put(block, 345, PREFIX_LENGTH, split[0]);
    long sum = 0;
    for (byte b : block) {
      sum += b & 0xff;
    }
    String checksum = String.format("%06o", sum);
    put(block, 148, 6, checksum);
    block[154] = 0;
    block[155] = ' ';
    out.write(block);
  }

  /** {prefix, name}: a long name is split at a slash into the ustar prefix and name fields. */
  private static String[] split(String name) {
    byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
    if (bytes.length <= NAME_LENGTH) {
      return new String[] {"", name};
    }
    for (int i = name.length() - 1; i > 0; i--) {
      if (name.charAt(i) == '/') {
        String prefix = name.substring(0, i);
        String rest = name.substring(i + 1);
        if (prefix.getBytes(StandardCharsets.UTF_8).length <= PREFIX_LENGTH
            && rest.getBytes(StandardCharsets.UTF_8).length <= NAME_LENGTH && !rest.isEmpty()) {
          return new String[] {prefix, rest};
        }
      }
    }
    throw new IllegalArgumentException("the entry name does not fit a ustar header (at most 155 + 1 + 100 bytes, split at a slash): " + name);
  }

  private static void put(byte[] block, int offset, int length, String value) {
    byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
    if (bytes.length > length) {
      throw new IllegalArgumentException("'" + value + "' is longer than the " + length
          + "-byte header field");
    }
    System.arraycopy(bytes, 0, block, offset, bytes.length);
  }

  private static void octal(byte[] block, int offset, int length, long value) {
    String digits = Long.toOctalString(value);
    if (digits.length() > length - 1) {
      throw new IllegalArgumentException(value + " does not fit a " + length + "-byte octal field");
    }
    String padded = "0".repeat(length - 1 - digits.length()) + digits;
    put(block, offset, length - 1, padded);
    block[offset + length - 1] = 0;
  }
}
