package dev.flightdeck.daemon.api;

import dev.flightdeck.daemon.bundle.BundleProblem;
import dev.flightdeck.daemon.bundle.InvalidBundleException;
import dev.flightdeck.daemon.error.AlreadyExistsException;
import dev.flightdeck.daemon.error.CancelledException;
import dev.flightdeck.daemon.error.FailedPreconditionException;
import dev.flightdeck.daemon.error.InvalidArgumentException;
import dev.flightdeck.daemon.error.NotFoundException;
import dev.flightdeck.daemon.error.OutOfRangeException;
import dev.flightdeck.daemon.error.ResourceExhaustedException;
import dev.flightdeck.daemon.error.UnavailableException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.UUID;
import java.util.stream.Collectors;

/**
 * The one place exceptions become gRPC statuses. Domain refusals map to precise codes with their
 * own sentence; anything else is logged with an error id and reaches the client as INTERNAL
 * carrying only that id (no stack traces or internals on the wire).
 */
final class StatusMapper {
    private static final Logger LOG = LoggerFactory.getLogger(StatusMapper.class);

    StatusRuntimeException toStatus(Throwable t) {
        if (t instanceof StatusRuntimeException s) {
            return s;
        }
        if (t instanceof InvalidBundleException b) {
            return Status.INVALID_ARGUMENT.withDescription(b.problems().stream().map(BundleProblem::toString)
                    .collect(Collectors.joining("\n"))).asRuntimeException();
        }
        Status code = t instanceof NotFoundException ? Status.NOT_FOUND
                : t instanceof AlreadyExistsException ? Status.ALREADY_EXISTS
                : t instanceof InvalidArgumentException ? Status.INVALID_ARGUMENT
                : t instanceof FailedPreconditionException ? Status.FAILED_PRECONDITION
                : t instanceof OutOfRangeException ? Status.OUT_OF_RANGE
                : t instanceof ResourceExhaustedException ? Status.RESOURCE_EXHAUSTED
                : t instanceof UnavailableException ? Status.UNAVAILABLE
                : t instanceof CancelledException ? Status.CANCELLED
                : null;
        if (code != null) {
            return code.withDescription(t.getMessage()).asRuntimeException();
        }
        String errorId = UUID.randomUUID().toString();
        LOG.error("unexpected error (error id {})", errorId, t);
        return Status.INTERNAL.withDescription("internal error in the daemon (error id " + errorId
                + "); the daemon log has the details").asRuntimeException();
    }
}
