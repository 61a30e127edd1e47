package dev.flightdeck.daemon.model;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Records the waits asked for instead of waiting. */
final class RecordingSleeper implements Sleeper {
    final List<Long> waits = new CopyOnWriteArrayList<>();

    @Override
    public void sleep(long millis, CallControl control) throws ModelCallCancelledException {
        if (control.isAbandoned()) {
            throw new ModelCallCancelledException();
        }
        waits.add(millis);
    }
}
