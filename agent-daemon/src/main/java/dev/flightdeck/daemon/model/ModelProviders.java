package dev.flightdeck.daemon.model;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/** The providers this daemon serves, by name. */
public final class ModelProviders {
    private final Map<String, ModelProvider> byName;

    public ModelProviders(List<ModelProvider> providers) {
        this.byName = providers.stream().collect(Collectors.toUnmodifiableMap(ModelProvider::name, Function.identity()));
    }

    /** The provider names, for the bundle parser's validation. */
    public Set<String> names() {
        return byName.keySet();
    }

    public ModelProvider get(String name) throws ModelCallException {
        ModelProvider p = byName.get(name);
        if (p == null) {
            throw new ModelCallException("unknown model provider \"" + name + "\"");
        }
        return p;
    }
}
