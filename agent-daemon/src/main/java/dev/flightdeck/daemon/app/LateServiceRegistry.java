package dev.flightdeck.daemon.app;

import io.grpc.HandlerRegistry;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Services added after the server started (the server's fallback registry): lets health answer
 * NOT_SERVING while the database migrates, before the services that need it exist. Until then a
 * call to them gets UNIMPLEMENTED, which clients only see if they ignore health.
 */
final class LateServiceRegistry extends HandlerRegistry {
    private final Map<String, ServerMethodDefinition<?, ?>> methods = new ConcurrentHashMap<>();
    private final List<ServerServiceDefinition> services = new CopyOnWriteArrayList<>();

    void add(io.grpc.BindableService service) {
        ServerServiceDefinition definition = service.bindService();
        definition.getMethods().forEach(m -> methods.put(m.getMethodDescriptor().getFullMethodName(), m));
        services.add(definition);
    }

    @Override
    public ServerMethodDefinition<?, ?> lookupMethod(String methodName, String authority) {
        return methods.get(methodName);
    }

    @Override
    public List<ServerServiceDefinition> getServices() {
        return List.copyOf(services);
    }
}
