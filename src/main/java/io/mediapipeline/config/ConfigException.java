package io.mediapipeline.config;

/** Invalid or unknown configuration: the message names the key so an operator can fix it. */
public class ConfigException extends RuntimeException {
    public ConfigException(String message) {
        super(message);
    }
}
