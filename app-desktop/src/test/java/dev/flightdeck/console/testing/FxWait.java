package dev.flightdeck.console.testing;

import org.testfx.util.WaitForAsyncUtils;

import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Reading the scene graph from a test: on the FX thread (it is not safe from the test's thread),
 * and waiting for a condition with a deadline instead of sleeping.
 */
public final class FxWait {
    private static final int DEADLINE_SECONDS = 30;

    private FxWait() {
    }

    /** Waits until {@code condition}, evaluated on the FX thread, holds; fails after the deadline. */
    public static void until(Callable<Boolean> condition) throws TimeoutException {
        WaitForAsyncUtils.waitFor(DEADLINE_SECONDS, TimeUnit.SECONDS, () -> WaitForAsyncUtils.asyncFx(condition).get());
    }

    /** Reads something on the FX thread. */
    public static <T> T onFx(Callable<T> read) throws Exception {
        return WaitForAsyncUtils.asyncFx(read).get(10, TimeUnit.SECONDS);
    }
}
