package io.esm4j.testsupport;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/** Runs tasks on threads of their own, released together so that they race (for contract tests of stores). */
public final class Concurrently {

    /** One task; {@code index} tells the tasks apart (0 to count - 1). */
    @FunctionalInterface
    public interface IndexedTask<T> {
        T run(int index) throws Exception;
    }

    private Concurrently() {}

    /** Starts {@code count} tasks together and returns their results in index order; rethrows the first failure. */
    public static <T> List<T> run(int count, IndexedTask<T> task) throws Exception {
        CountDownLatch start = new CountDownLatch(1);
        List<Future<T>> futures = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(count)) {
            for (int i = 0; i < count; i++) {
                int index = i;
                Callable<T> callable = () -> {
                    start.await();
                    return task.run(index);
                };
                futures.add(pool.submit(callable));
            }
            start.countDown();
            List<T> results = new ArrayList<>();
            for (Future<T> future : futures) {
                results.add(future.get());
            }
            return results;
        }
    }
}
