package io.opsagent.backend;

/**
 * Observes the backend's transcript as it grows. Called on the backend's connection threads,
 * outside its locks; implementations must be thread-safe and quick.
 */
@FunctionalInterface
public interface BackendListener {

  /** A frame was sent or received, or a connection event happened. */
  void onFrame(Frame frame);
}
