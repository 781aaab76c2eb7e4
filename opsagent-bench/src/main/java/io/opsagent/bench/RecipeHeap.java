package io.opsagent.bench;

import io.opsagent.fsm.internal.store.PersistedRound;
import io.opsagent.fsm.internal.store.RoundStore;
import io.opsagent.fsm.protocol.ProtocolCodec;
import io.opsagent.fsm.protocol.ProtocolLimits;
import io.opsagent.fsm.protocol.RecipeMetadata;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.Set;

/**
 * What a recipe costs in heap: held once loaded, at the peak of decoding its frame, and at the
 * peak of saving it to {@code round.json} and of loading it back (as a restart does), for recipes
 * of 1 to 16 MiB of two shapes: a few states with long strings, and many states of small values
 * (the shape that costs most as a tree).
 *
 * <p>"held" is the recipe alone, once its frame is gone; "decode" is the peak on top of the frame
 * (which the connection holds while it is decoded). Peaks are the sum of the heap pools' peak use since a reset just before the step (an upper
 * bound: the pools need not peak at once), minus the use before the step. Run with the daemon's
 * options: {@code java -XX:+UseSerialGC -Xmx64m -Xmn8m -cp opsagent-bench/target/benchmarks.jar
 * io.opsagent.bench.RecipeHeap}.
 */
public final class RecipeHeap {

    private RecipeHeap() { }

    public static void main(String[] args) throws Exception {
        ProtocolCodec codec = new ProtocolCodec(ProtocolLimits.DEFAULTS);
        System.out.printf("%-7s %-12s %8s %10s %12s %12s %12s%n", "MiB", "shape", "states", "held MiB",
                "decode MiB", "save MiB", "load MiB");
        for (int mib : new int[] {1, 2, 4, 8, 15}) {
            for (String shape : List.of("strings", "small-values")) {
                run(codec, mib, shape);
            }
        }
    }

    private static void run(ProtocolCodec codec, int mib, String shape) throws Exception {
        long empty = usedAfterGc();
        String frame = shape.equals("strings") ? strings(mib) : smallValues(mib);
        long before = usedAfterGc();
        resetPeaks();
        RecipeMetadata recipe = (RecipeMetadata) codec.decodeBackendMessage(frame);
        long decodePeak = peak() - before;
        frame = null;
        long held = usedAfterGc() - empty;

        Path dir = Files.createTempDirectory("recipe-heap");
        RoundStore store = new RoundStore(dir, codec);
        PersistedRound round = new PersistedRound(recipe, 0, 1, false, Set.of(), 0, null);
        long base = usedAfterGc();
        resetPeaks();
        store.save(round);
        store.flush();
        long savePeak = peak() - base;
        round = null;
        recipe = null;

        base = usedAfterGc();
        resetPeaks();
        PersistedRound loaded = new RoundStore(dir, codec).load().orElseThrow();
        long loadPeak = peak() - base;
        int states = loaded.recipe().states().orElseThrow().size();
        Files.deleteIfExists(store.file());
        Files.deleteIfExists(dir);
        System.out.printf("%-7d %-12s %8d %10.1f %12.1f %12.1f %12.1f%n", mib, shape, states, held / 1048576.0,
                decodePeak / 1048576.0, savePeak / 1048576.0, loadPeak / 1048576.0);
    }

    /** 16 states sharing {@code mib} MiB of comment text. */
    private static String strings(int mib) {
        int each = mib * 1024 * 1024 / 16 - 100;
        StringBuilder b = new StringBuilder("{\"code\":\"RecipeMetadata\",\"recipe_version\":1,\"state\":[");
        for (int i = 0; i < 16; i++) {
            b.append(i == 0 ? "" : ",").append("{\"id\":\"s").append(i)
                    .append("\",\"module\":\"meta.comment\",\"parameter\":{\"comment\":\"")
                    .append("x".repeat(each)).append("\"}}");
        }
        return b.append("]}").toString();
    }

    /** States of about 1 KiB each (200 small numbers): {@code mib} MiB, up to the state limit. */
    private static String smallValues(int mib) {
        int states = Math.min(ProtocolLimits.DEFAULTS.maxStates(), mib * 1024);
        int perState = mib * 1024 * 1024 / states;
        int count = Math.max(1, Math.min(4_000, (perState - 80) / 5));
        String numbers = String.join(",", Collections.nCopies(count, "1234"));
        StringBuilder b = new StringBuilder("{\"code\":\"RecipeMetadata\",\"recipe_version\":1,\"state\":[");
        for (int i = 0; i < states; i++) {
            b.append(i == 0 ? "" : ",").append("{\"id\":\"s-").append(i)
                    .append("\",\"module\":\"meta.comment\",\"parameter\":{\"comment\":\"c\",\"n\":[")
                    .append(numbers).append("]}}");
        }
        return b.append("]}").toString();
    }

    private static long usedAfterGc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    private static void resetPeaks() {
        heapPools().forEach(MemoryPoolMXBean::resetPeakUsage);
    }

    private static long peak() {
        return heapPools().stream().mapToLong(p -> p.getPeakUsage().getUsed()).sum();
    }

    private static List<MemoryPoolMXBean> heapPools() {
        return ManagementFactory.getMemoryPoolMXBeans().stream().filter(p -> p.getType() == MemoryType.HEAP)
                .toList();
    }
}
