package dev.flightdeck.daemon.model;

/** A tool offered to the model: its name, description and JSON Schema of its arguments. */
public record OfferedTool(String name, String description, String parametersJson) {
}
