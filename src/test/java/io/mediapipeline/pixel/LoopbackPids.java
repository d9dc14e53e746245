package io.mediapipeline.pixel;

/** Lets the integration tests (package it) signal one Syncthing instance of a loopback pair, e.g. freeze the phone. */
public final class LoopbackPids {

    private LoopbackPids() {
    }

    public static long pid(LoopbackPair.Instance instance) {
        return instance.process.pid();
    }
}
